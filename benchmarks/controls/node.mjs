// The raw control on Node.js: echo written straight against node:net, with the same socket
// options tcp-echo uses (TCP_NODELAY, 64 KiB high-water mark), so the ratio measures the
// abstraction and nothing else.
// https://nodejs.org/api/net.html
import { createServer } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "0" } },
});

const server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: 64 * 1024 }, (socket) => {
  // Backpressure: a full write buffer pauses reading until it drains.
  socket.on("data", (chunk) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  // Half-close: the peer's FIN ends reading; end() sends ours after every queued byte.
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
});

server.listen({ host: values.host, port: Number(values.port), backlog: 511 }, () => {
  const { address, port } = server.address();
  const host = address.includes(":") ? `[${address}]` : address;
  process.stderr.write(`node-control listening on ${host}:${port} (node ${process.versions.node})\n`);
});

process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
