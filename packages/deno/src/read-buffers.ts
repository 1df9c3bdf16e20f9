import { SpareBuffers } from "./spare-buffers.ts";

const SMALL = 2 * 1024;
const LARGE = 64 * 1024;
const STREAM = 256 * 1024;

// Deno's conn.read() fills a buffer the caller provides. A fresh buffer per read costs a
// malloc, a memset and, under load, full GCs; the core lends chunks back instead (see
// SocketEvents): once every byte written from a chunk is sent, its memory is free again. The
// socket reads only when everything written so far has been sent (the raw Deno.listen control
// does the same, and it batches: what arrives meanwhile comes in one read, not many), so one
// buffer serves every read. An idle connection holds one small buffer; a read that fills it
// switches to a large one, a read that fills that to a stream-sized one, a stream-sized read
// that does not fill back to the large one, and small reads to the small one.
//
// Why 2 KiB (measured on 2 cores, 12-20 ABBA pairs): an idle connection holds 1.6 KiB less
// than with the raw control's 4 KiB (8.1 against 9.7 KiB each, 5,000 held), and 1 KiB messages
// still fit in one read that does not fill it. A 1 KiB buffer saves 2.5 KiB, but then 1 KiB
// messages fill it and move to 64 KiB, which reads them 4% slower (a large buffer costs more
// per read on Deno); growing four times at a time instead (1, 4, 16, 64 KiB) cost 64 KiB
// streams 17%.
//
// Why 256 KiB once 64 KiB fills: Linux sizes a TCP socket's receive buffer by how many bytes
// the application copies out within one round trip. Reads of at most 64 KiB, one per write,
// left most sockets of a 64 KiB stream at a 440 KiB buffer, mostly full, the sender held to
// the window and the kernel's work per chunk up by half; a socket grew only when its reads
// happened to copy more within one round trip, and under BBR congestion control tcp-echo's
// grew less often than the raw control's (90% of its throughput in 100 pairs). A read of
// 256 KiB takes what is queued in one go, every socket's buffer grows past 1 MiB, and each
// read and write carries up to four chunks (10 sessions each: median 46,840 chunks/s against
// the control's 29,398; 128 KiB gave 38,811, 1 MiB 47,938, in 6 sessions each).
//
// Why back to 64 KiB after a 256 KiB read that does not fill: a read stays pending, holding its
// buffer, until data comes, so a connection that streamed and went quiet held 256 KiB where the raw
// control holds 64 KiB: 160.5 KiB per connection, 1,000 held after a 256 KiB echo each (now 80.6,
// the control 76.2; the bench's idle-after-256k-1000c). Stepping down on every such read allocated
// on every other read of a stream, which cost 31% (12 pairs); the buffers a connection steps away
// from are kept for the next one that needs them instead (SpareBuffers, up to 32 MiB per size), and
// dropped 2 to 4 s after their last use. Against keeping 256 KiB, by the bench: TCP streams 117.2%
// [98.4, 140.4]; unix streams 79.6% [77.3, 85.8], a unix socket having no receive window to grow,
// only more reads to make (still 134.9% of the control); 200 TCP streams, two chunks in flight
// each, 91% (throwaway harness).

/**
 * How often the spare buffers are trimmed: those that sat unused through a whole period are
 * dropped, so a spare buffer outlives its last use by 2 to 4 s.
 */
const TRIM_PERIOD_MS = 2000;

/** The most memory each size's spare list keeps: 32 MiB, 128 buffers of 256 KiB. */
const SPARE_BYTES = 32 << 20;

const spares = new Map([
  [LARGE, new SpareBuffers(SPARE_BYTES / LARGE)],
  [STREAM, new SpareBuffers(SPARE_BYTES / STREAM)],
]);
let trimming: number | undefined;

/** The size of a connection's first read. */
export const FIRST_READ_SIZE: number = SMALL;

/**
 * The size of the next read after one of `n` bytes into `size`: one step larger (2, 64, then
 * 256 KiB) when the read filled the buffer, small again after a short read (under 512 bytes),
 * 64 KiB after another 256 KiB read that did not fill, else the same.
 */
export function nextReadSize(n: number, size: number): number {
  if (n === size) return size < LARGE ? LARGE : STREAM;
  if (n < SMALL / 4) return SMALL;
  return size === STREAM ? LARGE : size;
}

/** A buffer of `size` bytes (one of nextReadSize()'s): a spare one when there is one. */
export function takeReadBuffer(size: number): Uint8Array {
  return spares.get(size)?.take() ?? new Uint8Array(size);
}

/**
 * Keeps a buffer a connection stepped away from for the next one that needs its size. Only for
 * a buffer nothing reads into or writes from any more: every byte written from it sent.
 */
export function giveBackReadBuffer(buffer: Uint8Array): void {
  const spare = spares.get(buffer.byteLength);
  if (spare === undefined) return;
  spare.give(buffer);
  if (trimming !== undefined) return;
  // A number on Deno; Number() also satisfies a type check that sees Node's types beside Deno's.
  trimming = Number(setInterval(trimSpares, TRIM_PERIOD_MS));
  // The trimming must not keep a program alive whose server has closed.
  Deno.unrefTimer(trimming);
}

function trimSpares(): void {
  let left = 0;
  for (const spare of spares.values()) left += spare.trim();
  if (left > 0) return;
  clearInterval(trimming);
  trimming = undefined;
}
