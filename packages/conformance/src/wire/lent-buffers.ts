import { createHash } from "node:crypto";
import { EchoClient } from "../client.ts";
import { withDeadline } from "../deadline.ts";
import { patternBytes } from "../payload.ts";
import type { Target } from "../target.ts";
import type { WireCase } from "../wire-case.ts";

const TOTAL = 32 << 20;
const CHUNK = 1 << 20;
const STALL_MS = 500;
const CLIENTS = 8;
const CLIENT_BYTES = 8 << 20;

let payload: Uint8Array | undefined;

/**
 * The first `size` bytes (up to 64 MiB) of one xorshift stream, made once for both cases: unlike
 * `streamChunks`, no stretch of it repeats anywhere else, so bytes copied from a later read into
 * an earlier one, or from one client's share into another's, always show.
 */
function nonRepeating(size: number): Uint8Array {
  payload ??= patternBytes(Math.max(TOTAL, CLIENTS * CLIENT_BYTES), 862);
  return payload.subarray(0, size);
}

/** Where the echo first differs from what was sent, found as it arrives. */
class FirstDifference {
  readonly #expected: Uint8Array;
  #offset = 0;
  /** The offset of the first byte that differs, once one has. */
  at: number | undefined;
  actual = 0;

  constructor(expected: Uint8Array) {
    this.#expected = expected;
  }

  update(chunk: Uint8Array): void {
    const start = this.#offset;
    this.#offset += chunk.byteLength;
    if (this.at !== undefined) return;
    const expected = this.#expected;
    for (let index = 0; index < chunk.byteLength; index++) {
      if (chunk[index] !== expected[start + index]) {
        this.at = start + index;
        this.actual = chunk[index] ?? 0;
        return;
      }
    }
  }

  describe(): string {
    if (this.at === undefined) return "";
    const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, "0");
    return `; byte ${this.at} is the first to differ (0x${hex(this.actual)}, expected 0x${hex(this.#expected[this.at])})`;
  }
}

/**
 * One client writes `bytes` (a stretch of the stream that never repeats) and reads nothing for
 * half a second, then reads everything; throws unless its echo is byte-exact. `who` names the
 * client in the message.
 */
async function echoNonRepeating(target: Target, bytes: Uint8Array, who: string, stallMs = STALL_MS): Promise<void> {
  const received = createHash("sha256");
  const difference = new FirstDifference(bytes);
  const client = await EchoClient.connect(target, {
    keep: false,
    onData(chunk) {
      received.update(chunk);
      difference.update(chunk);
    },
  });
  try {
    client.pauseReading();
    const chunks = Array.from({ length: Math.ceil(bytes.byteLength / CHUNK) }, (_, index) =>
      bytes.subarray(index * CHUNK, (index + 1) * CHUNK),
    );
    const writing = client.writeAll(chunks);
    writing.catch(() => {});
    // The stall is the case: the server's writes back up while it still reads.
    await new Promise((resolve) => setTimeout(resolve, stallMs));
    client.resumeReading();
    await withDeadline(writing, 25_000, `${who} to be written`);
    client.end();
    await client.untilEnd(25_000);
    const want = createHash("sha256").update(bytes).digest("hex");
    const got = received.digest("hex");
    if (client.received !== bytes.byteLength || got !== want) {
      throw new Error(
        `the echo of ${who} differs: received ${client.received} of ${bytes.byteLength} bytes, ` +
          `SHA-256 ${got}, expected ${want}${difference.describe()}`,
      );
    }
  } finally {
    client.destroy();
  }
}

/**
 * A client writes 32 MiB that never repeats and reads nothing for half a second, then reads
 * everything. Meanwhile the server goes on reading while its echo waits to be sent: a server
 * that reads into memory it still has to send from (a read buffer lent to the handler and
 * reused too early) sends later bytes in place of earlier ones, and the SHA-256 differs.
 */
export const lentBuffersCase: WireCase = {
  id: "lent-buffers-32mib",
  title: "returns 32 MiB that never repeats byte-exact to a client that reads nothing for 0.5 s, then everything",
  timeout: 30_000,
  run: (target) => echoNonRepeating(target, nonRepeating(TOTAL), "32 MiB that never repeats"),
};

/**
 * Eight clients at once, each writing its own 8 MiB of one stream that never repeats; every
 * other one reads nothing for half a second, so some connections' echoes wait to be sent while
 * others stream on. A server that hands a read buffer to another connection while bytes written
 * from it are still unsent (a pool of buffers shared too early) sends one client's bytes to
 * another, and that client's SHA-256 differs.
 */
export const lentBuffersSharedCase: WireCase = {
  id: "lent-buffers-8x8mib",
  title:
    "returns 8 clients at once their own 8 MiB that never repeats byte-exact, every other one reading nothing for 0.5 s",
  timeout: 30_000,
  connections: CLIENTS,
  async run(target) {
    const bytes = nonRepeating(CLIENTS * CLIENT_BYTES);
    const outcomes = await Promise.allSettled(
      Array.from({ length: CLIENTS }, (_, index) =>
        echoNonRepeating(
          target,
          bytes.subarray(index * CLIENT_BYTES, (index + 1) * CLIENT_BYTES),
          `client ${index + 1}'s 8 MiB that never repeats`,
          index % 2 === 0 ? STALL_MS : 0,
        ),
      ),
    );
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  },
};
