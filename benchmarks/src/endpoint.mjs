/**
 * Where one session's server listens and its load client connects. TCP, TLS and UDP take a free
 * port on 127.0.0.1 (TLS with the run's throwaway certificate); a unix socket lives in a temporary
 * folder of its own, made for the session and removed after it, so no stale socket file from an
 * earlier server is ever in the way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * @typedef {object} Endpoint
 * @property {import("./servers.mjs").Listen} listen what the server is told
 * @property {() => void} remove delete what the endpoint made
 */

/**
 * Make a session's endpoint.
 * @param {import("./scenarios.mjs").Transport} transport
 * @param {{ cert: string, key: string } | undefined} certificates the run's, needed for TLS
 * @returns {Endpoint}
 * @throws {TypeError} for TLS without certificates.
 */
export function openEndpoint(transport, certificates) {
  if (transport === "unix") {
    const dir = mkdtempSync(join(tmpdir(), "tcp-echo-bench-"));
    return {
      listen: { transport, path: join(dir, "echo.sock") },
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (transport === "tls") {
    if (certificates === undefined) throw new TypeError("Cannot listen with TLS: the run made no certificates");
    return { listen: { transport, cert: certificates.cert, key: certificates.key }, remove: () => {} };
  }
  return { listen: { transport }, remove: () => {} };
}

/**
 * The load client's target for a server's announced address.
 * @param {import("./servers.mjs").ServerAddress} address
 * @returns {import("./loadgen.mjs").LoadgenTarget}
 */
export function loadgenTarget(address) {
  if (address.transport === "unix") return { unix: address.path };
  if (address.transport === "udp") return { port: address.port, udp: true };
  return { port: address.port, tls: address.transport === "tls" };
}
