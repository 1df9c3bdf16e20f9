import { assertSameBytes } from "../assert-bytes.ts";
import { EchoClient, roundTrip } from "../client.ts";
import { allByteValues, patternBytes } from "../payload.ts";
import type { Target } from "../target.ts";
import type { WireCase } from "../wire-case.ts";

async function stillEchoes(target: Target, after: string): Promise<void> {
  const payload = allByteValues();
  assertSameBytes(await roundTrip(target, payload, 5000), payload, `a new client after ${after}`);
}

/** 200 clients reset their connection while echo is flowing; the server carries on. */
export const resetMidStreamCase: WireCase = {
  id: "peer-reset-200",
  title: "keeps serving after 200 clients reset their connections mid-stream",
  timeout: 20_000,
  connections: 200,
  async run(target) {
    await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const client = await EchoClient.connect(target, { keep: false, timeout: 10_000 });
        try {
          void client.write(patternBytes(256 << 10, index + 1)).catch(() => {});
          await client.until(1, 10_000);
        } finally {
          client.reset();
        }
      }),
    );
    await stillEchoes(target, "200 resets");
  },
};

/** 1,000 clients connect and close at once, before a byte is exchanged. */
export const connectCloseCase: WireCase = {
  id: "peer-connect-close-1000",
  title: "keeps serving after 1,000 clients connect and close at once",
  timeout: 20_000,
  connections: 1000,
  async run(target) {
    const clients = await Promise.all(
      Array.from({ length: 1000 }, () => EchoClient.connect(target, { keep: false, timeout: 15_000 })),
    );
    for (const client of clients) client.destroy();
    await Promise.all(clients.map((client) => client.closed));
    await stillEchoes(target, "1,000 connect-and-close clients");
  },
};
