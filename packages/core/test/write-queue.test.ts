import { describe, expect, it } from "vitest";
import { WriteQueue } from "../src/write-queue.ts";
import { FakeSocket } from "./fake-transport.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function queue(highWaterMark = 4, sent = 0) {
  const socket = new FakeSocket(50_000);
  let drains = 0;
  socket.events = { onClose() {} } as unknown as FakeSocket["events"];
  const writes = new WriteQueue(socket, highWaterMark, { writesDrained: () => drains++ }, sent);
  return { socket, writes, drains: () => drains };
}

describe("the write queue", () => {
  it("sends at once when the runtime takes everything", () => {
    const { socket, writes } = queue();
    expect(writes.write(bytes("ab"))).toBe(true);
    expect(socket.text()).toBe("ab");
    expect([writes.bytesAccepted, writes.bytesSent, writes.unsent]).toEqual([2, 2, 0]);
  });

  it("keeps the order across short sends, and drains once the unsent bytes fall below the mark", () => {
    const { socket, writes, drains } = queue(4);
    socket.room = 1;
    expect(writes.write(bytes("abc"))).toBe(true);
    expect(writes.write(bytes("de"))).toBe(false);
    expect(socket.text()).toBe("a");
    expect(drains()).toBe(0);
    socket.room = 2;
    writes.writable();
    expect(socket.text()).toBe("abc");
    expect(writes.unsent).toBe(2);
    expect(drains()).toBe(1);
    socket.room = Number.POSITIVE_INFINITY;
    writes.writable();
    expect(socket.text()).toBe("abcde");
    expect(drains()).toBe(1);
  });

  it("waits for a send that completes later before offering the next chunk", async () => {
    const { socket, writes } = queue(100);
    socket.async = true;
    writes.write(bytes("one"));
    writes.write(bytes("two"));
    expect(socket.pendingSends).toBe(1);
    socket.settle(2);
    await Promise.resolve();
    expect(socket.pendingSends).toBe(1);
    socket.settle();
    await Promise.resolve();
    socket.settle();
    await Promise.resolve();
    expect(socket.text()).toBe("onetwo");
    expect(writes.unsent).toBe(0);
  });

  it("tells the socket each time a send that completed later is counted, unless it is closing", async () => {
    const { socket, writes } = queue(100);
    socket.async = true;
    writes.write(bytes("one"));
    writes.write(bytes("two"));
    socket.settle();
    await Promise.resolve();
    // Counted, and the next chunk already offered: the socket sees the bytes still unsent.
    expect(socket.calls).toEqual(["sendSettled"]);
    expect([writes.bytesSent, writes.bytesAccepted]).toEqual([3, 6]);
    writes.closeWrite();
    socket.settle();
    await Promise.resolve();
    // Half-closed: the socket still reads, so it still hears.
    expect(socket.calls).toEqual(["sendSettled", "closeWrite", "sendSettled"]);

    const closing = queue(100);
    closing.socket.async = true;
    closing.writes.write(bytes("last"));
    closing.writes.close();
    closing.socket.settle();
    await Promise.resolve();
    expect(closing.socket.calls).toEqual(["close"]);
  });

  it("counts the runtime's own buffer as unsent, and drains when the runtime says it emptied", () => {
    const { socket, writes, drains } = queue(4);
    socket.buffered = 3;
    expect(writes.write(bytes("ab"))).toBe(true);
    socket.buffered = 5;
    expect(writes.write(bytes("cd"))).toBe(false);
    expect([writes.bytesSent, writes.unsent]).toEqual([4, 5]);
    writes.writable();
    expect(drains()).toBe(0);
    socket.buffered = 0;
    writes.writable();
    expect([writes.unsent, drains()]).toEqual([0, 1]);
  });

  it("counts from the bytes its owner sent before it was made", () => {
    const { writes } = queue(4, 10);
    expect([writes.bytesAccepted, writes.bytesSent, writes.unsent]).toEqual([10, 10, 0]);
    writes.write(bytes("ab"));
    expect([writes.bytesAccepted, writes.bytesSent, writes.unsent]).toEqual([12, 12, 0]);
  });

  it("takes over a short send its owner made, and sends the rest when the runtime can take it", () => {
    const { socket, writes, drains } = queue(4);
    socket.room = 1;
    const chunk = bytes("abcde");
    expect(writes.takeOver(chunk, socket.send(chunk))).toBe(false);
    expect(writes.write(bytes("f"))).toBe(false);
    expect([writes.bytesAccepted, writes.bytesSent]).toEqual([6, 1]);
    socket.room = Number.POSITIVE_INFINITY;
    writes.writable();
    expect(socket.text()).toBe("abcdef");
    expect(writes.unsent).toBe(0);
    expect(drains()).toBe(1);
  });

  it("takes over a send of its owner's that completes later", async () => {
    const { socket, writes } = queue(100);
    socket.async = true;
    const chunk = bytes("one");
    expect(writes.takeOver(chunk, socket.send(chunk))).toBe(true);
    writes.write(bytes("two"));
    expect(socket.pendingSends).toBe(1);
    socket.settle();
    await Promise.resolve();
    socket.settle();
    await Promise.resolve();
    expect(socket.text()).toBe("onetwo");
    expect(writes.unsent).toBe(0);
  });

  it("half-closes, then closes, only after every byte is sent", async () => {
    const { socket, writes } = queue();
    socket.async = true;
    writes.write(bytes("last"));
    writes.closeWrite();
    writes.close();
    expect(socket.calls).toEqual([]);
    socket.settle();
    await Promise.resolve();
    expect(socket.calls).toEqual(["close"]);
  });

  it("sends FIN at once when nothing is queued, and can still close afterwards", () => {
    const { socket, writes } = queue();
    writes.closeWrite();
    writes.closeWrite();
    expect(socket.calls).toEqual(["closeWrite"]);
    writes.close();
    expect(socket.calls).toEqual(["closeWrite", "close"]);
  });

  it("resets the socket with the cause when a send fails", async () => {
    const { socket, writes } = queue();
    socket.async = true;
    writes.write(bytes("x"));
    const failure = new Error("broken pipe");
    socket.fail(failure);
    await Promise.resolve();
    await Promise.resolve();
    expect(socket.calls).toEqual(["reset"]);
    expect(socket.resetCause).toBe(failure);
  });

  it("drops what is queued once disposed", async () => {
    const { socket, writes } = queue();
    socket.async = true;
    writes.write(bytes("a"));
    writes.write(bytes("b"));
    writes.dispose();
    socket.settle();
    await Promise.resolve();
    expect(socket.text()).toBe("a");
    expect(socket.pendingSends).toBe(0);
  });
});
