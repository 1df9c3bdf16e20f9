import { transport } from "tcp-echo:binding";
import type { TcpTransport } from "@tcp-echo/core";
import type { SocketEvents } from "@tcp-echo/core/transport";
import { describe, expect, it } from "vitest";
import { lentBuffersCase, lentBuffersSharedCase, type WireCase } from "../src/index.ts";
import { forwardingEvents, intercepting } from "./intercept.ts";
import { serveWatched } from "./serve.ts";

/**
 * Unsent bytes per connection before the echo pauses reading: high enough that the server reads
 * on while many lent chunks still wait to be sent, which is when a reused buffer corrupts them.
 */
const HIGH_WATER_MARK = 1 << 20;

/**
 * The runtime's transport, counting the chunks the core borrowed while earlier bytes were unsent,
 * and those that arrived in memory another connection had read into before (an adapter that
 * shares its read buffers between connections: Deno's).
 */
function counting(inner: TcpTransport) {
  const log = { borrowed: 0, borrowedWhileUnsent: 0, movedBetweenConnections: 0 };
  const firstReader = new WeakMap<ArrayBufferLike, SocketEvents>();
  const counted = intercepting(inner, {
    events: (events, socket) =>
      forwardingEvents(events, (chunk) => {
        const reader = firstReader.get(chunk.buffer);
        if (reader === undefined) firstReader.set(chunk.buffer, events);
        else if (reader !== events) log.movedBetweenConnections++;
        const kept = events.onData(chunk);
        if (!kept) {
          log.borrowed++;
          // Unsent: still in the core's queue, or in the runtime's own buffer (Node's).
          if (events.bytesSent < events.bytesAccepted || socket.buffered > 0) log.borrowedWhileUnsent++;
        }
        return kept;
      }),
  });
  return { counted, log };
}

/**
 * The runtime's transport made unsound on purpose: it copies each chunk, in two halves, into the
 * start of one scratch buffer per connection and lends that, so the second half overwrites the
 * first whatever the core still has to send from it (it ignores `onData`'s answer and
 * `bytesSent`). Halves, so that it overwrites lent bytes even on a runtime whose own reads wait
 * for the echo to be sent (Deno's).
 */
function reusingOneBuffer(inner: TcpTransport) {
  const log = { reads: 0, overwritesWhileUnsent: 0 };
  const broken = intercepting(inner, {
    events(events) {
      let scratch = new Uint8Array(64 << 10);
      let lentUntil = 0;
      return forwardingEvents(events, (chunk) => {
        const half = chunk.byteLength >> 1 || chunk.byteLength;
        for (let offset = 0; offset < chunk.byteLength; offset += half) {
          const part = chunk.subarray(offset, offset + half);
          log.reads++;
          if (events.bytesSent < lentUntil) log.overwritesWhileUnsent++;
          if (part.byteLength > scratch.byteLength) scratch = new Uint8Array(part.byteLength);
          scratch.set(part);
          events.onData(scratch.subarray(0, part.byteLength));
          lentUntil = events.bytesAccepted;
        }
        // The adapter's own chunk was copied, so the adapter may have it back at once.
        return false;
      });
    },
  });
  return { broken, log };
}

/** A buffer the broken transport below lent: to which connection, and how far its bytes reach. */
interface Lent {
  readonly buffer: Uint8Array;
  owner: SocketEvents;
  until: number;
}

/**
 * The runtime's transport made unsound across connections only: it copies each chunk, in two
 * halves, into a buffer from one pool every connection shares, lends it, and puts it back in the
 * pool at once. A connection never takes a buffer it lent itself (it allocates instead), so
 * nothing overwrites a connection's own bytes; another connection takes that buffer straight
 * away, the bug of a buffer pool shared too early.
 */
function sharingBuffersEarly(inner: TcpTransport) {
  const log = { reads: 0, takenWhileUnsent: 0 };
  const pool: Lent[] = [];
  const broken = intercepting(inner, {
    events(events) {
      const usable = (lent: Lent, size: number) => lent.owner !== events && lent.buffer.byteLength >= size;
      return forwardingEvents(events, (chunk) => {
        const half = chunk.byteLength >> 1 || chunk.byteLength;
        for (let offset = 0; offset < chunk.byteLength; offset += half) {
          const part = chunk.subarray(offset, offset + half);
          log.reads++;
          // The most recently lent buffer this connection may take: the likeliest to be unsent.
          let index = pool.length - 1;
          while (index >= 0 && !usable(pool[index] as Lent, part.byteLength)) index--;
          const lent =
            index >= 0
              ? (pool.splice(index, 1)[0] as Lent)
              : { buffer: new Uint8Array(Math.max(part.byteLength, 128 << 10)), owner: events, until: 0 };
          if (lent.owner !== events && lent.owner.bytesSent < lent.until) log.takenWhileUnsent++;
          lent.buffer.set(part);
          events.onData(lent.buffer.subarray(0, part.byteLength));
          lent.owner = events;
          lent.until = events.bytesAccepted;
          pool.push(lent);
        }
        return false;
      });
    },
  });
  return { broken, log };
}

/** Runs `wireCase` against a server on `counted` until its connections are gone. */
async function runServed(wireCase: WireCase, counted: TcpTransport): Promise<void> {
  const { server, emptied } = await serveWatched({ highWaterMark: HIGH_WATER_MARK }, counted);
  try {
    await wireCase.run({ host: "127.0.0.1", port: server.address.port });
    await emptied(5000);
  } finally {
    await server.shutdown({ timeout: 0 });
  }
}

/** Runs `wireCase` against a server on `broken`: what it threw, or undefined when it passed. */
async function failureAgainst(wireCase: WireCase, broken: TcpTransport): Promise<unknown> {
  const { server } = await serveWatched({ highWaterMark: HIGH_WATER_MARK }, broken);
  try {
    return await wireCase.run({ host: "127.0.0.1", port: server.address.port }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
  } finally {
    await server.shutdown({ timeout: 0 });
  }
}

describe("lent read buffers", () => {
  it(
    "echo stays byte-exact when the adapter reuses lent read buffers",
    async () => {
      const { counted, log } = counting(transport);
      await runServed(lentBuffersCase, counted);
      // Only a check when the core lent chunks whose echo was still waiting to be sent.
      expect(
        log.borrowedWhileUnsent,
        `of ${log.borrowed} chunks lent, those lent while bytes were unsent`,
      ).toBeGreaterThan(0);
    },
    lentBuffersCase.timeout,
  );

  it(
    "the lent-buffer check catches an adapter that reuses a buffer before its bytes are sent",
    async (context) => {
      const { broken, log } = reusingOneBuffer(transport);
      const outcome = await failureAgainst(lentBuffersCase, broken);
      expect(
        outcome,
        `the case passed though ${log.overwritesWhileUnsent} of ${log.reads} reads overwrote bytes not yet sent`,
      ).toBeInstanceOf(Error);
      const message = (outcome as Error).message;
      await context.annotate(message, "caught");
      expect(message).toMatch(
        /^the echo of 32 MiB that never repeats differs: received 33554432 of 33554432 bytes, SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; byte \d+ is the first to differ /,
      );
    },
    lentBuffersCase.timeout,
  );

  it(
    "echo stays byte-exact for 8 clients streaming at once, every other one not reading for 0.5 s",
    async (context) => {
      const { counted, log } = counting(transport);
      await runServed(lentBuffersSharedCase, counted);
      await context.annotate(
        `${log.movedBetweenConnections} of ${log.borrowed} chunks lent arrived in memory another connection had read into`,
        "buffers shared",
      );
      expect(
        log.borrowedWhileUnsent,
        `of ${log.borrowed} chunks lent, those lent while bytes were unsent`,
      ).toBeGreaterThan(0);
    },
    lentBuffersSharedCase.timeout,
  );

  it(
    "the 8-client check catches an adapter that hands a buffer to another connection before its bytes are sent",
    async (context) => {
      const { broken, log } = sharingBuffersEarly(transport);
      const outcome = await failureAgainst(lentBuffersSharedCase, broken);
      expect(
        outcome,
        `the case passed though ${log.takenWhileUnsent} of ${log.reads} reads took a buffer another connection had not sent`,
      ).toBeInstanceOf(Error);
      const message = (outcome as Error).message;
      await context.annotate(message, "caught");
      expect(message).toMatch(
        /^the echo of client \d's 8 MiB that never repeats differs: received 8388608 of 8388608 bytes, SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; byte \d+ is the first to differ /,
      );
    },
    lentBuffersSharedCase.timeout,
  );
});
