import { assertSameBytes } from "../assert-bytes.ts";
import { EchoClient } from "../client.ts";
import { patternBytes } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

/** Send 1 MiB, shut down writing, receive exactly 1 MiB, then the server's EOF. */
export const halfCloseCase: WireCase = {
  id: "half-close-1mib",
  title: "after a half-close, returns exactly 1 MiB then EOF",
  timeout: 20_000,
  async run(target) {
    const payload = patternBytes(1 << 20, 7);
    const client = await EchoClient.connect(target);
    try {
      await client.write(payload);
      client.end();
      assertSameBytes(await client.untilEnd(15_000), payload, "echo after half-close");
    } finally {
      client.destroy();
    }
  },
};
