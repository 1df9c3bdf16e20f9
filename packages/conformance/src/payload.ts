import { createHash } from "node:crypto";

/**
 * The 256 byte values 0x00..0xff, in order.
 *
 * @example Every byte value, once
 * ```ts
 * import { allByteValues } from "@tcp-echo/conformance";
 *
 * console.log(allByteValues().length); // 256
 * ```
 */
export function allByteValues(): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, index) => index);
}

/**
 * `size` deterministic pseudo-random bytes; a different `seed` gives different bytes, so
 * concurrent clients can tell their echoes apart.
 *
 * @example A reproducible payload per client
 * ```ts
 * import { patternBytes } from "@tcp-echo/conformance";
 *
 * const a = patternBytes(16, 1);
 * const b = patternBytes(16, 2);
 * console.log(a.length, a[0] !== b[0] || a[1] !== b[1]); // 16 true
 * ```
 */
export function patternBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  // xorshift32: fast, and no two seeds share a stream.
  let state = (seed * 0x9e3779b1) >>> 0 || 1;
  for (let index = 0; index < size; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

const streamBlocks = new Map<number, readonly Uint8Array[]>();

/**
 * A long deterministic stream in `chunkSize` pieces, `total` bytes in all: 16 distinct
 * pseudo-random blocks in rotation, made once, so gigabytes cost no memory and a byte out of
 * place still changes the hash.
 *
 * @example Stream a large payload in chunks
 * ```ts
 * import { streamChunks } from "@tcp-echo/conformance";
 *
 * let bytes = 0;
 * for (const chunk of streamChunks(3 << 20, 1 << 20)) bytes += chunk.byteLength;
 * console.log(bytes); // 3145728
 * ```
 */
export function* streamChunks(total: number, chunkSize: number): Generator<Uint8Array, void, undefined> {
  let blocks = streamBlocks.get(chunkSize);
  if (blocks === undefined) {
    blocks = Array.from({ length: 16 }, (_, index) => patternBytes(chunkSize, 1000 + index));
    streamBlocks.set(chunkSize, blocks);
  }
  for (let offset = 0, index = 0; offset < total; offset += chunkSize, index++) {
    const block = blocks[index % blocks.length] as Uint8Array;
    yield total - offset < chunkSize ? block.subarray(0, total - offset) : block;
  }
}

/**
 * The SHA-256 of `chunks`, in hex.
 *
 * @example Hash what came back
 * ```ts
 * import { sha256 } from "@tcp-echo/conformance";
 *
 * console.log(sha256([new Uint8Array()]).slice(0, 8)); // "e3b0c442"
 * ```
 */
export function sha256(chunks: Iterable<Uint8Array>): string {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}
