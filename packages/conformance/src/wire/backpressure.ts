import { createHash } from "node:crypto";
import { EchoClient } from "../client.ts";
import { withDeadline } from "../deadline.ts";
import { streamChunks } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

const TOTAL = 256 << 20;
const STALL_MS = 3000;

/**
 * A client writes 256 MiB and reads nothing for 3 s, then reads everything: the server must hold
 * back (stop reading while its writes are blocked) rather than buffer, and lose nothing.
 */
export const backpressureCase: WireCase = {
  id: "backpressure-256mib",
  title: "returns 256 MiB exact to a client that reads nothing for 3 s, then everything",
  timeout: 60_000,
  async run(target) {
    const received = createHash("sha256");
    const client = await EchoClient.connect(target, { keep: false, onData: (chunk) => received.update(chunk) });
    try {
      client.pauseReading();
      const sent = createHash("sha256");
      let offered = 0;
      const chunks = (function* () {
        for (const chunk of streamChunks(TOTAL, 1 << 20)) {
          sent.update(chunk);
          offered += chunk.byteLength;
          yield chunk;
        }
      })();
      const writing = client.writeAll(chunks);
      writing.catch(() => {});
      // The stall is the case: three seconds in which the client takes nothing back.
      await new Promise((resolve) => setTimeout(resolve, STALL_MS));
      if (offered >= TOTAL) {
        throw new Error(`all ${TOTAL} bytes were taken while the client read nothing: nothing pushed back`);
      }
      client.resumeReading();
      await withDeadline(writing, 50_000, `256 MiB to be written (${offered} bytes so far)`);
      client.end();
      await client.untilEnd(50_000);
      if (client.received !== TOTAL) throw new Error(`received ${client.received} bytes, expected exactly ${TOTAL}`);
      const [want, got] = [sent.digest("hex"), received.digest("hex")];
      if (got !== want) throw new Error(`SHA-256 of the echo is ${got}, expected ${want}`);
    } finally {
      client.destroy();
    }
  },
};
