// The raw control on Node.js: echo written straight against node:net (TCP, or a unix socket with
// --unix PATH) or node:tls (--tls-cert FILE --tls-key FILE), with the same socket options tcp-echo
// uses (TCP_NODELAY, 64 KiB high-water mark), so the ratio measures the abstraction and nothing else.
// https://nodejs.org/api/net.html https://nodejs.org/api/tls.html
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    unix: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  },
});
const tls = values["tls-cert"] !== undefined;

function echo(socket) {
  // node:tls takes no noDelay option: its sockets get it here, as tcp-echo's do.
  if (tls) socket.setNoDelay(true);
  // Backpressure: a full write buffer pauses reading until it drains.
  socket.on("data", (chunk) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  // Half-close: the peer's FIN (TLS: its close_notify) ends reading; end() sends ours after every queued byte.
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
}

const options = { allowHalfOpen: true, noDelay: true, highWaterMark: 64 * 1024 };
const server = tls
  ? createTlsServer(
      { ...options, cert: readFileSync(values["tls-cert"]), key: readFileSync(values["tls-key"] ?? "") },
      echo,
    )
  : createServer(options, echo);

const where = values.unix === undefined ? { host: values.host, port: Number(values.port) } : { path: values.unix };
server.listen({ ...where, backlog: 511 }, () => {
  const address = server.address();
  const at =
    typeof address === "string"
      ? `unix:${address}`
      : `${tls ? "tls://" : ""}${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  process.stderr.write(`node-control listening on ${at} (node ${process.versions.node})\n`);
});

process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
