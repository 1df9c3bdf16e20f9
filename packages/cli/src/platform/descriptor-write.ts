/**
 * Text written straight to a file descriptor with `writeSync`, for Bun's stdout and stderr.
 *
 * On Bun, the first use of `process.stderr` (or `process.stdout`) builds a Node.js-style stream
 * over the descriptor, and a server that has built one echoes more slowly for as long as it
 * runs: a unix-socket echo of 64 KiB streams x 10 connections made 94.5% [91.3, 97.7] of the
 * throughput of the same server writing its startup line with `console.error`, with its p99
 * latency 123.6% [115.6, 127.8] (16 interleaved pairs; merely reading `process.stderr` cost as
 * much). Writing to the descriptor builds nothing.
 *
 * Why `node:fs` and not Bun's own writers, though `node:fs` costs Bun about 1,900 heap objects
 * (190 KB) that every collection walks: `console.error`, `console.write` and
 * `Bun.stdout.writer()` cost nothing on the heap, but on a non-blocking pipe that nobody reads
 * for a moment, then `process.exit()`, each kept only what fit in the pipe (305 of 2,000 writes
 * of 200 bytes, Bun 1.4). This writer waits instead, so nothing written before exit is lost.
 *
 * @module
 */

/** The one call this needs from `node:fs`, so that a test can stand in for it. */
export type WriteSync = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/** How long to wait before trying again when a non-blocking descriptor is full. */
const FULL_RETRY_MS = 1;

const encoder = new TextEncoder();

/**
 * Makes a writer that puts all of `text` on `fd` before it returns, as `process.stderr.write`
 * does for pipes, files and terminals on Linux. A descriptor someone made non-blocking (`EAGAIN`)
 * is waited on; one whose reader has gone (`EPIPE`) or that cannot be written loses the text, as
 * a log line nobody can read should not stop the server.
 *
 * @param fd The descriptor: 1 for stdout, 2 for stderr.
 * @param writeSync `node:fs`'s `writeSync`.
 * @returns The writer.
 *
 * @example stderr on Bun
 * ```ts
 * import { writeSync } from "node:fs";
 * import { descriptorWriter } from "./descriptor-write.ts";
 *
 * const stderr = descriptorWriter(2, writeSync);
 * stderr("tcp-echo listening on 127.0.0.1:7007\n");
 * ```
 */
export function descriptorWriter(fd: number, writeSync: WriteSync): (text: string) => void {
  return (text) => {
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.byteLength) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EAGAIN") return;
        sleep(FULL_RETRY_MS);
      }
    }
  };
}

function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}
