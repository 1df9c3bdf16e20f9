const SMALL = 2 * 1024;
const LARGE = 64 * 1024;

// Deno's conn.read() fills a buffer the caller provides. A fresh buffer per read costs a
// malloc, a memset and, under load, full GCs; the core lends chunks back instead (see
// SocketEvents): once every byte written from a chunk is sent, its memory is free again. The
// socket reads only when everything written so far has been sent (the raw Deno.listen control
// does the same, and it batches: what arrives meanwhile comes in one read, not many), so one
// buffer serves every read. An idle connection holds one small buffer; a read that fills it
// switches to a large one for streams, and small reads switch back.
//
// Why 2 KiB (measured on 2 cores, 12-20 ABBA pairs): an idle connection holds 1.6 KiB less
// than with the raw control's 4 KiB (8.1 against 9.7 KiB each, 5,000 held), and 1 KiB messages
// still fit in one read that does not fill it. A 1 KiB buffer saves 2.5 KiB, but then 1 KiB
// messages fill it and move to 64 KiB, which reads them 4% slower (a large buffer costs more
// per read on Deno); growing four times at a time instead (1, 4, 16, 64 KiB) cost 64 KiB
// streams 17%.

/** The buffer a connection reads into first. */
export function firstReadBuffer(): Uint8Array {
  return new Uint8Array(SMALL);
}

/**
 * The size of the next read after one of `n` bytes into `size`: large once a read fills the
 * buffer, small again after a short read, else the same.
 */
export function nextReadSize(n: number, size: number): number {
  return n === size ? LARGE : n < SMALL / 4 ? SMALL : size;
}
