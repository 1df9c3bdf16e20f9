import { describe, expect, it } from "vitest";
import { serve } from "../src/index.ts";
import { FakeTransport } from "./fake-transport.ts";

async function echoServer(highWaterMark?: number) {
  const transport = new FakeTransport();
  const server = await serve(transport, { port: 7007, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
  return { transport, server };
}

describe("echo handler", () => {
  it("writes every chunk back, in order", async () => {
    const { transport } = await echoServer();
    const socket = transport.connect();
    socket.receive("hello ");
    socket.receive("world");
    expect(socket.text()).toBe("hello world");
  });

  it("pauses reading while the write side is full and resumes on drain", async () => {
    const { transport } = await echoServer(1);
    const socket = transport.connect();
    socket.full = true;
    socket.receive("a");
    expect(socket.paused).toBe(true);
    socket.full = false;
    socket.events.onWritable();
    expect(socket.text()).toBe("a");
    expect(socket.paused).toBe(false);
    expect(socket.calls).toEqual(["pause", "resume"]);
  });

  it("pauses while the runtime's own buffer is at the mark, writing on into it, and resumes when it empties", async () => {
    const { transport } = await echoServer(4);
    const socket = transport.connect();
    socket.receive("abc");
    expect(socket.paused).toBe(false);
    // Node's shape: every byte taken, held in the runtime's buffer until the kernel has it.
    socket.buffered = 4;
    socket.receive("de");
    expect(socket.paused).toBe(true);
    expect(socket.events.bytesSent).toBe(5);
    // What was read already still goes to the runtime at once, not held back until it drains.
    socket.receive("f");
    expect(socket.text()).toBe("abcdef");
    socket.buffered = 0;
    socket.events.onWritable();
    expect(socket.paused).toBe(false);
    expect(socket.calls).toEqual(["pause", "resume"]);
  });

  it("counts the bytes it echoes straight out, then those a short send leaves queued", async () => {
    const { transport } = await echoServer();
    const socket = transport.connect();
    socket.receive("abc");
    expect([socket.events.bytesAccepted, socket.events.bytesSent]).toEqual([3, 3]);
    socket.room = 1;
    socket.receive("def");
    expect([socket.events.bytesAccepted, socket.events.bytesSent]).toEqual([6, 4]);
    socket.room = Number.POSITIVE_INFINITY;
    socket.receive("g");
    socket.events.onWritable();
    expect(socket.text()).toBe("abcdefg");
    expect([socket.events.bytesAccepted, socket.events.bytesSent]).toEqual([7, 7]);
  });

  it("closes after the peer's FIN, once, leaving the flush to the transport", async () => {
    const { transport, server } = await echoServer();
    const socket = transport.connect();
    socket.receive("bye");
    socket.events.onEnd();
    expect(socket.calls).toEqual(["close"]);
    expect(server.connectionCount).toBe(1);
    socket.finishClose();
    expect(server.connectionCount).toBe(0);
  });

  it("drops data that arrives after it closed", async () => {
    const { transport } = await echoServer();
    const socket = transport.connect();
    socket.events.onEnd();
    socket.receive("late");
    expect(socket.text()).toBe("");
  });

  it("borrows each chunk: onData tells the adapter it may reuse the memory once the echo is sent", async () => {
    const { transport } = await echoServer();
    const socket = transport.connect();
    socket.async = true;
    expect(socket.receive("abc")).toBe(false);
    expect(socket.events.bytesAccepted).toBe(3);
    expect(socket.events.bytesSent).toBe(0);
    socket.settle();
    await Promise.resolve();
    expect(socket.events.bytesSent).toBe(3);
  });
});
