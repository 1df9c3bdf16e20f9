// Run by `node`, `deno run -A --unstable-net` and `bun` alike: import { listen, listenUdp } from
// "@tcp-echo/server", echo one message through a client over TCP, a unix socket (`path`) and TLS
// (`tls`, with throwaway certificates from openssl), and one datagram over UDP; shut down, print
// "OK <runtime>". Exits 1 on any failure or after 10 s.

import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { makeTestCertificates } from "@tcp-echo/conformance";
import { listen, listenUdp } from "@tcp-echo/server";

const deadline = setTimeout(() => {
  console.error("FAIL: no echo within 10 s");
  process.exit(1);
}, 10_000);

/** Sends `message` on a fresh socket, half-closes, and resolves with what came back. */
function echo(socket, ready, message) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString()));
    socket.on("error", reject);
    socket.once(ready, () => socket.end(message));
  });
}

const dir = mkdtempSync(join(tmpdir(), "tcp-echo-smoke-"));
const certs = await makeTestCertificates();
const failures = [];
const results = [];
try {
  const servers = {
    tcp: await listen({ host: "127.0.0.1", port: 0 }),
    unix: await listen({ path: join(dir, "echo.sock") }),
    tls: await listen({ host: "127.0.0.1", port: 0, tls: { cert: certs.certPem, key: certs.keyPem } }),
  };
  const clients = {
    tcp: () => [connect({ host: "127.0.0.1", port: servers.tcp.address.port }), "connect"],
    unix: () => [connect({ path: servers.unix.address.path }), "connect"],
    tls: () => [
      tlsConnect({ host: "127.0.0.1", port: servers.tls.address.port, ca: certs.caCertPem }),
      "secureConnect",
    ],
  };
  for (const [name, server] of Object.entries(servers)) {
    const message = `hello over ${name} from ${server.runtime.name}\n`;
    const [socket, ready] = clients[name]();
    const echoed = await echo(socket, ready, message);
    const result = await server.shutdown({ timeout: 1000 });
    if (echoed !== message) failures.push(`${name}: sent ${JSON.stringify(message)}, got ${JSON.stringify(echoed)}`);
    else results.push(`${name} ${message.length} bytes, shutdown ${JSON.stringify(result)}`);
  }
  // UDP: one datagram through listenUdp(), answered whole.
  const udpServer = await listenUdp({ host: "127.0.0.1", port: 0 });
  const message = `hello over udp from ${udpServer.runtime.name}`;
  const client = createSocket("udp4");
  const answer = new Promise((resolve, reject) => {
    client.once("message", (data) => resolve(data.toString()));
    client.once("error", reject);
  });
  client.send(message, udpServer.address.port, "127.0.0.1");
  const echoed = await answer;
  client.close();
  await udpServer.close();
  if (echoed !== message) failures.push(`udp: sent ${JSON.stringify(message)}, got ${JSON.stringify(echoed)}`);
  else results.push(`udp ${message.length} bytes`);
} finally {
  await certs.remove();
  rmSync(dir, { recursive: true, force: true });
}
clearTimeout(deadline);
if (failures.length > 0) {
  console.error(`FAIL: ${failures.join("; ")}`);
  process.exit(1);
}
// Which entry the runtime's export conditions picked, e.g. dist/deno.js under Deno.
const entry = import.meta.resolve("@tcp-echo/server").replace(/^.*\/(?=(dist|src)\/)/, "");
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(`OK ${runtime}: listen() from ${entry} echoed ${results.join("; ")}`);
