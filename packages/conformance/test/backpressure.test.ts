import { transport } from "tcp-echo:binding";
import { serve, type TcpTransport } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { backpressureCase, EchoClient, patternBytes, streamChunks, withDeadline } from "../src/index.ts";
import { Fixture, residentBytes } from "./fixture.ts";
import { forwardingEvents, forwardingSocket, intercepting } from "./intercept.ts";

const MiB = 1 << 20;

/** The runtime's transport, recording when the core pauses and resumes a socket and what it reads. */
function spying(inner: TcpTransport) {
  let firstPause: () => void = () => {};
  const log = {
    pauses: 0,
    resumes: 0,
    bytesWhilePaused: 0,
    paused: false,
    firstPause: new Promise<void>((resolve) => {
      firstPause = resolve;
    }),
  };
  const spy = intercepting(inner, {
    socket: (socket) =>
      forwardingSocket(socket, {
        pause() {
          log.pauses++;
          log.paused = true;
          socket.pause();
          firstPause();
        },
        resume() {
          log.resumes++;
          log.paused = false;
          socket.resume();
        },
      }),
    events: (events) =>
      forwardingEvents(events, (chunk) => {
        if (log.paused) log.bytesWhilePaused += chunk.byteLength;
        return events.onData(chunk);
      }),
  });
  return { spy, log };
}

describe("backpressure", () => {
  it(`${backpressureCase.title}, and the server's memory grows by less than 64 MiB`, async () => {
    const fixture = new Fixture();
    try {
      const port = await fixture.port();
      // A warm-up echo first, so the baseline includes what any stream costs a garbage-collected
      // runtime (buffers awaiting collection, compiled code): the growth left is what piles up.
      const warmUp = await EchoClient.connect({ host: "127.0.0.1", port }, { keep: false });
      await warmUp.writeAll(streamChunks(64 * MiB, MiB));
      warmUp.end();
      await warmUp.untilEnd(20_000);
      warmUp.destroy();
      const baseline = residentBytes(fixture.pid);
      let peak = baseline;
      // Sampling, not synchronisation: the case runs meanwhile and the peak is read at the end.
      const sampler = setInterval(() => {
        peak = Math.max(peak, residentBytes(fixture.pid));
      }, 50);
      try {
        await backpressureCase.run({ host: "127.0.0.1", port });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, residentBytes(fixture.pid));
      const [before, after] = [baseline / MiB, peak / MiB].map(Math.round);
      expect((peak - baseline) / MiB, `VmRSS grew from ${before} MiB to ${after} MiB`).toBeLessThan(64);
    } finally {
      await fixture.stop();
    }
  }, 90_000);

  it("a handler that half-closes while the write side is full still hears the drain once it is sent", async () => {
    // More than the kernel's buffers hold while the client does not read: the write side is full.
    const payload = patternBytes(64 * MiB, 3);
    let wrote: (outcome: { accepted: boolean; drained: Promise<void>; onDrain: Promise<void> }) => void = () => {};
    const written = new Promise<{ accepted: boolean; drained: Promise<void>; onDrain: Promise<void> }>((resolve) => {
      wrote = resolve;
    });
    let heardDrain: () => void = () => {};
    const onDrain = new Promise<void>((resolve) => {
      heardDrain = resolve;
    });
    await using server = await serve(transport, {
      host: "127.0.0.1",
      port: 0,
      highWaterMark: 64 * 1024,
      handler: {
        onData(connection) {
          if (connection.bytesWritten > 0) return;
          const accepted = connection.write(payload);
          connection.closeWrite();
          wrote({ accepted, drained: connection.drained(), onDrain });
        },
        onDrain: () => heardDrain(),
      },
    });
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port }, { keep: false });
    try {
      client.pauseReading();
      await client.write(new Uint8Array([1]));
      const outcome = await withDeadline(written, 5000, "the handler's write");
      expect(outcome.accepted).toBe(false);
      client.resumeReading();
      await client.untilEnd(30_000);
      expect(client.received).toBe(64 * MiB);
      await withDeadline(outcome.drained, 5000, "drained() to resolve after the half-close's bytes were sent");
      await withDeadline(outcome.onDrain, 5000, "onDrain after the half-close's bytes were sent");
    } finally {
      client.destroy();
    }
  }, 60_000);

  it("pauses reading while the write side is full, and reads (almost) nothing until it drains", async () => {
    const { spy, log } = spying(transport);
    await using server = await serve(spy, { host: "127.0.0.1", port: 0, highWaterMark: 64 * 1024 });
    const client = await EchoClient.connect({ host: "127.0.0.1", port: server.address.port }, { keep: false });
    try {
      client.pauseReading();
      const writing = client.writeAll(streamChunks(64 * MiB, MiB));
      writing.catch(() => {});
      await withDeadline(log.firstPause, 10_000, "the core to pause the socket");
      // The stall is the case: a second in which the paused socket must deliver next to nothing.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(log.paused).toBe(true);
      // A read already in flight when pause() came may still land (Deno reads up to 64 KiB at a time).
      expect(log.bytesWhilePaused).toBeLessThanOrEqual(MiB);
      client.resumeReading();
      await withDeadline(writing, 30_000, "64 MiB to be written after reading resumed");
      client.end();
      await client.untilEnd(30_000);
      expect(client.received).toBe(64 * MiB);
      expect(log.resumes).toBeGreaterThan(0);
    } finally {
      client.destroy();
    }
  }, 60_000);
});
