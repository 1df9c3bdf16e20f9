import { assertSameBytes } from "../assert-bytes.ts";
import { EchoClient } from "../client.ts";
import { patternBytes } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

/** Send 8 MiB, shut down writing, receive exactly 8 MiB, then the server's EOF. */
export const halfCloseCase: WireCase = {
  id: "half-close-8mib",
  title: "after a half-close, returns exactly 8 MiB then EOF",
  timeout: 20_000,
  requires: ["halfClose"],
  async run(target) {
    const payload = patternBytes(8 << 20, 7);
    const client = await EchoClient.connect(target);
    try {
      await client.writeAll([payload]);
      client.end();
      assertSameBytes(await client.untilEnd(15_000), payload, "echo after half-close");
    } finally {
      client.destroy();
    }
  },
};

/** The FIN leaves with the data, before the server has echoed a byte. */
export const endWithDataCase: WireCase = {
  id: "half-close-with-data",
  title: "returns exactly the bytes then EOF when the client writes and half-closes in one go",
  timeout: 10_000,
  requires: ["halfClose"],
  async run(target) {
    const payload = patternBytes(64 << 10, 8);
    const client = await EchoClient.connect(target);
    try {
      client.end(payload);
      assertSameBytes(await client.untilEnd(5000), payload, "echo of write-and-end");
    } finally {
      client.destroy();
    }
  },
};

/** A client that half-closes at once, having sent nothing, gets nothing and then EOF. */
export const endAtOnceCase: WireCase = {
  id: "half-close-empty",
  title: "sends EOF and no bytes to a client that half-closes without writing",
  timeout: 10_000,
  requires: ["halfClose"],
  async run(target) {
    const client = await EchoClient.connect(target);
    try {
      client.end();
      assertSameBytes(await client.untilEnd(5000), new Uint8Array(0), "echo of nothing");
    } finally {
      client.destroy();
    }
  },
};
