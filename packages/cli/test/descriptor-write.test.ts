import { describe, expect, test } from "vitest";
import { descriptorWriter, type WriteSync } from "../src/platform/descriptor-write.ts";

/** A stand-in for `writeSync` that takes at most `step` bytes a call and fails as told. */
function fakeDescriptor(step: number, failures: string[] = []) {
  const written: number[] = [];
  const calls: number[] = [];
  const writeSync: WriteSync = (fd, buffer, offset, length) => {
    calls.push(fd);
    const code = failures.shift();
    if (code !== undefined) throw Object.assign(new Error(code), { code });
    const taken = Math.min(step, length);
    written.push(...buffer.subarray(offset, offset + taken));
    return taken;
  };
  return { writeSync, calls, text: () => new TextDecoder().decode(new Uint8Array(written)) };
}

describe("descriptorWriter", () => {
  test("writes all of the text, as UTF-8, through short writes", () => {
    const fd = fakeDescriptor(3);
    descriptorWriter(2, fd.writeSync)("tcp-echo listening on 127.0.0.1:7007 — ünïcode\n");
    expect(fd.text()).toBe("tcp-echo listening on 127.0.0.1:7007 — ünïcode\n");
    expect(new Set(fd.calls)).toEqual(new Set([2]));
  });

  test("waits and tries again while a non-blocking descriptor is full (EAGAIN)", () => {
    const fd = fakeDescriptor(100, ["EAGAIN", "EAGAIN"]);
    descriptorWriter(1, fd.writeSync)("help\n");
    expect(fd.text()).toBe("help\n");
    expect(fd.calls).toHaveLength(3);
  });

  test("drops the text when the reader has gone (EPIPE), without throwing", () => {
    const fd = fakeDescriptor(100, ["EPIPE"]);
    const write = descriptorWriter(1, fd.writeSync);
    expect(() => write("lost\n")).not.toThrow();
    write("next\n");
    expect(fd.text()).toBe("next\n");
  });

  test("writes nothing for empty text", () => {
    const fd = fakeDescriptor(100);
    descriptorWriter(2, fd.writeSync)("");
    expect(fd.calls).toHaveLength(0);
  });
});
