// The raw control on Node.js: echo written straight against node:net (TCP, or a unix socket with
// --unix PATH) or node:tls (--tls-cert FILE --tls-key FILE), with the same socket options tcp-echo
// uses (TCP_NODELAY, 64 KiB high-water mark), so the ratio measures the abstraction and nothing else.
// With --udp it is a UDP echo on node:dgram instead (UDP alone: the control serves one transport,
// so --no-tcp, which tcp-echo needs for the same, is taken and changes nothing).
// https://nodejs.org/api/net.html https://nodejs.org/api/tls.html https://nodejs.org/api/dgram.html
import { createSocket } from "node:dgram";
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
    udp: { type: "boolean", default: false },
    "no-tcp": { type: "boolean", default: false },
  },
});
const tls = values["tls-cert"] !== undefined;
const hostPort = (address, port) => `${address.includes(":") ? `[${address}]` : address}:${port}`;

function serveDatagrams() {
  // Each datagram goes straight back to its sender, as a user writes it. A failed send goes to
  // send()'s callback (none here) or, failing at once, to 'error', which must not end the echo;
  // an unconnected socket on Linux hears of no ICMP unreachable anyway.
  const socket = createSocket(values.host.includes(":") ? "udp6" : "udp4");
  socket.on("message", (datagram, sender) => socket.send(datagram, sender.port, sender.address));
  socket.on("error", () => {});
  socket.bind(Number(values.port), values.host, () => {
    const { address, port } = socket.address();
    process.stderr.write(
      `node-control listening on udp://${hostPort(address, port)} (node ${process.versions.node})\n`,
    );
  });
  process.once("SIGTERM", () => socket.close(() => process.exit(0)));
}

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

function serveStreams() {
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
        : `${tls ? "tls://" : ""}${hostPort(address.address, address.port)}`;
    process.stderr.write(`node-control listening on ${at} (node ${process.versions.node})\n`);
  });

  process.once("SIGTERM", () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

if (values.udp) serveDatagrams();
else serveStreams();
