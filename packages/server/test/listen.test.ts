import { connect } from "node:net";
import { describe, expect, it } from "vitest";

async function echoOnce(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString()));
    socket.on("error", reject);
    socket.end(message);
  });
}

const entries = {
  "@tcp-echo/server (node condition)": () => import("@tcp-echo/server"),
  "@tcp-echo/server/node": () => import("@tcp-echo/server/node"),
  "the default entry, which finds the runtime": () => import("../src/index.ts"),
};

describe.each(Object.entries(entries))("%s", (_name, load) => {
  it("listen() serves echo on Node.js on the port it reports", async () => {
    const { listen } = await load();
    const server = await listen({ host: "127.0.0.1", port: 0 });
    try {
      expect(server.runtime.name).toBe("node");
      expect(server.address.port).toBeGreaterThan(0);
      expect(await echoOnce(server.address.port, "ping\n")).toBe("ping\n");
    } finally {
      await server.shutdown({ timeout: 1000 });
    }
  });
});

it("@tcp-echo/server re-exports the core's typed errors", async () => {
  const server = await import("@tcp-echo/server");
  const core = await import("@tcp-echo/core");
  expect(server.AddressInUseError).toBe(core.AddressInUseError);
  expect(server.TcpEchoError).toBe(core.TcpEchoError);
});

it("listen() rejects with AddressInUseError when the port is taken", async () => {
  const { listen, AddressInUseError } = await import("@tcp-echo/server");
  const first = await listen({ host: "127.0.0.1", port: 0 });
  try {
    await expect(listen({ host: "127.0.0.1", port: first.address.port })).rejects.toBeInstanceOf(AddressInUseError);
  } finally {
    await first.shutdown({ timeout: 1000 });
  }
});
