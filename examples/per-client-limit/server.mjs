// @ts-check
/**
 * A server policy of your own, on the public API of `@tcp-echo/core` alone: RFC 862 echo with at
 * most `--limit` open connections per client address. One more from the same address is closed
 * at once with the reason "per-client-limit"; other addresses keep their own budget.
 *
 * `serve()` has a global `maxConnections`; a per-address cap needs the open connections grouped
 * by address, which is the level below: `createListener()`, whose `onConnection` and
 * `onConnectionClose` see every connection exactly once each. `serve()` is written the same way.
 *
 * The same file runs unchanged (plain JavaScript, types in JSDoc, checked by `// @ts-check`):
 *
 *   node examples/per-client-limit/server.mjs --port 7007 --limit 2
 *   deno run --allow-net examples/per-client-limit/server.mjs --port 7007 --limit 2
 *   bun examples/per-client-limit/server.mjs --port 7007 --limit 2
 *
 * `--host ''` listens on every interface (IPv4 and IPv6). Output, one line per event, on stdout:
 *
 *   per-client-limit listening on 127.0.0.1:7007 (node 20.20.2), at most 2 connections per client address
 *   open #1 127.0.0.1:50112 (1 of 2 from 127.0.0.1)
 *   close #3 127.0.0.1:50130 per-client-limit, 0 bytes in, 0 bytes out
 *   close #1 127.0.0.1:50112 peer, 6 bytes in, 6 bytes out
 *
 * SIGINT or SIGTERM stops accepting, closes idle connections, lets busy ones finish for up to
 * 5 s (then resets them), and exits 0.
 * `check.mjs` beside this file runs it on all three runtimes and asserts each line of the policy.
 */
import { parseArgs } from "node:util";
import { createListener, echoHandler, formatAddress } from "@tcp-echo/core";

const REASON = "per-client-limit";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "7007" },
    limit: { type: "string", default: "2" },
  },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1)
  throw new RangeError(`--limit ${values.limit} is not a whole number above 0`);

/**
 * The running runtime's TCP transport. Each adapter throws when imported on another runtime, so
 * only this runtime's one is loaded (as `@tcp-echo/server` does).
 *
 * @returns {Promise<import("@tcp-echo/core").TcpTransport>}
 */
async function runtimeTcp() {
  if ("Deno" in globalThis) return (await import("@tcp-echo/deno")).tcp();
  if ("Bun" in globalThis) return (await import("@tcp-echo/bun")).tcp();
  return (await import("@tcp-echo/node")).tcp();
}

/**
 * Open connections per client address. An address leaves the map with its last connection, so
 * the map holds no more entries than there are open connections.
 *
 * The key is the client's IP address as the listener reports it. On a dual-stack listener
 * (`--host ''`) an IPv4 client is reported IPv4-mapped, `::ffff:a.b.c.d`, on every runtime: still
 * one key per client.
 *
 * @type {Map<string, number>}
 */
const openPerClient = new Map();

const listener = createListener(await runtimeTcp());
listener.bind({ host: values.host, port: Number(values.port) });
const address = await listener.listen({
  // Called synchronously for each accepted connection, before any of its bytes is read.
  onConnection(connection) {
    const client = connection.remoteAddress.hostname;
    const open = (openPerClient.get(client) ?? 0) + 1;
    if (open > limit) {
      // No handler is attached, so nothing is echoed; close() sends FIN. The reason comes back
      // as `closeReason` in onConnectionClose, which is how that hook knows not to count it.
      connection.close(REASON);
      return;
    }
    openPerClient.set(client, open);
    console.log(
      `open #${connection.id} ${formatAddress(connection.remoteAddress)} (${open} of ${limit} from ${client})`,
    );
    connection.handle(echoHandler);
  },
  // Called once per connection, refused ones included, whoever closed it.
  onConnectionClose(connection, error) {
    const reason = connection.closeReason;
    console.log(
      `close #${connection.id} ${formatAddress(connection.remoteAddress)} ${reason}, ` +
        `${connection.bytesRead} bytes in, ${connection.bytesWritten} bytes out${error ? ` (${error.message})` : ""}`,
    );
    if (reason === REASON) return;
    const client = connection.remoteAddress.hostname;
    const open = (openPerClient.get(client) ?? 1) - 1;
    if (open === 0) openPerClient.delete(client);
    else openPerClient.set(client, open);
  },
});
console.log(
  `per-client-limit listening on ${formatAddress(address)} (${listener.runtime.name} ${listener.runtime.version}), ` +
    `at most ${limit} connections per client address`,
);

let stopping = false;
/** @param {string} signal */
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down, ${listener.connectionCount} connections open`);
  const { idleClosed, finished, reset } = await listener.shutdown({ timeout: 5_000 });
  // Nothing is left running now, so the process exits by itself, with status 0.
  console.log(`stopped: ${idleClosed} idle closed, ${finished} finished, ${reset} reset`);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
