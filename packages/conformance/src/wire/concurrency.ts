import { assertSameBytes } from "../assert-bytes.ts";
import { roundTrip } from "../client.ts";
import { patternBytes } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

/** 100 clients at once, each with its own 4 KiB, each gets exactly its own bytes back. */
export const concurrentClientsCase: WireCase = {
  id: "concurrent-100",
  title: "echoes 100 concurrent clients their own distinct data",
  timeout: 20_000,
  async run(target) {
    const clients = Array.from({ length: 100 }, (_, index) => patternBytes(4096, index + 1));
    await Promise.all(
      clients.map(async (payload, index) => {
        assertSameBytes(await roundTrip(target, payload, 15_000), payload, `client ${index}`);
      }),
    );
  },
};
