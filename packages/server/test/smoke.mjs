// Run by `node`, `deno run -A` and `bun` alike: import { listen } from "@tcp-echo/server", echo
// one message through a client, shut down, print "OK <runtime>". Exits 1 on any failure or after 10 s.
import { connect } from "node:net";
import { listen } from "@tcp-echo/server";

const deadline = setTimeout(() => {
  console.error("FAIL: no echo within 10 s");
  process.exit(1);
}, 10_000);

const server = await listen({ host: "127.0.0.1", port: 0 });
const message = `hello from ${server.runtime.name}\n`;
const echoed = await new Promise((resolve, reject) => {
  const socket = connect({ host: "127.0.0.1", port: server.address.port });
  const chunks = [];
  socket.on("data", (chunk) => chunks.push(chunk));
  socket.on("end", () => resolve(Buffer.concat(chunks).toString()));
  socket.on("error", reject);
  socket.end(message);
});
const result = await server.shutdown({ timeout: 1000 });
clearTimeout(deadline);
if (echoed !== message) {
  console.error(`FAIL: sent ${JSON.stringify(message)}, got ${JSON.stringify(echoed)}`);
  process.exit(1);
}
// Which entry the runtime's export conditions picked, e.g. dist/deno.js under Deno.
const entry = import.meta.resolve("@tcp-echo/server").replace(/^.*\/(?=(dist|src)\/)/, "");
console.log(
  `OK ${server.runtime.name} ${server.runtime.version}: listen() from ${entry} echoed ${message.length} bytes, shutdown ${JSON.stringify(result)}`,
);
