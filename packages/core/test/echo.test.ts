import { describe, expect, it } from "vitest";
import { serve } from "../src/index.ts";
import { FakeTransport } from "./fake-transport.ts";

async function echoServer() {
  const transport = new FakeTransport();
  const server = await serve(transport, { port: 7007 });
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
    const { transport } = await echoServer();
    const socket = transport.connect();
    socket.full = true;
    socket.receive("a");
    expect(socket.paused).toBe(true);
    socket.full = false;
    socket.events.onDrain();
    expect(socket.paused).toBe(false);
    expect(socket.calls).toEqual(["pause", "resume"]);
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
});
