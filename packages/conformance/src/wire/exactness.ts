import { createHash } from "node:crypto";
import { assertSameBytes } from "../assert-bytes.ts";
import { EchoClient, roundTrip } from "../client.ts";
import { withDeadline } from "../deadline.ts";
import { allByteValues, patternBytes, streamChunks } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

/** Every byte value 0x00..0xff comes back, in order, then EOF. */
export const allByteValuesCase: WireCase = {
  id: "exact-256-byte-values",
  title: "echoes all 256 byte values exactly",
  timeout: 10_000,
  async run(target) {
    const payload = allByteValues();
    assertSameBytes(await roundTrip(target, payload, 5000), payload, "echo of 0x00..0xff");
  },
};

const STREAM_BYTES = 64 << 20;

/** 64 MiB written while the echo is read on the same connection; both sides hashed as they pass. */
export const streamCase: WireCase = {
  id: "exact-64mib-stream",
  title: "streams 64 MiB in and back at once on one connection with an equal SHA-256",
  timeout: 30_000,
  async run(target) {
    const received = createHash("sha256");
    const client = await EchoClient.connect(target, { keep: false, onData: (chunk) => received.update(chunk) });
    try {
      const sent = createHash("sha256");
      const chunks = (function* () {
        for (const chunk of streamChunks(STREAM_BYTES, 256 << 10)) {
          sent.update(chunk);
          yield chunk;
        }
      })();
      await withDeadline(client.writeAll(chunks), 25_000, "64 MiB to be written");
      client.end();
      await client.untilEnd(25_000);
      if (client.received !== STREAM_BYTES) {
        throw new Error(`received ${client.received} bytes, expected exactly ${STREAM_BYTES}`);
      }
      const [want, got] = [sent.digest("hex"), received.digest("hex")];
      if (got !== want) throw new Error(`SHA-256 of the echo is ${got}, expected ${want}`);
    } finally {
      client.destroy();
    }
  },
};

/** 10,000 separate 7-byte writes, each distinct, come back as one stream in the order sent. */
export const smallWritesCase: WireCase = {
  id: "exact-10000-small-writes",
  title: "returns 10,000 7-byte writes in order",
  timeout: 15_000,
  async run(target) {
    const writes = Array.from({ length: 10_000 }, (_, index) => patternBytes(7, index + 1));
    const client = await EchoClient.connect(target);
    try {
      await client.writeAll(writes);
      client.end();
      const echoed = await client.untilEnd(10_000);
      assertSameBytes(echoed, Buffer.concat(writes), "echo of 10,000 writes");
    } finally {
      client.destroy();
    }
  },
};
