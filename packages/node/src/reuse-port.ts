import type { Unsupported } from "@tcp-echo/core/transport";

// https://nodejs.org/api/net.html#serverlistenoptions-callback: reusePort came in 23.1.0 and
// 22.12.0; libuv sets SO_REUSEPORT (SO_REUSEPORT_LB on FreeBSD) only where the system spreads
// connections across the sockets, and fails with ENOTSUP elsewhere.
const SPREADING_SYSTEMS: readonly string[] = ["linux", "freebsd", "sunos", "aix"];

/**
 * The `reusePort` entry of node:net's `unsupported` table: empty where `listen({ reusePort })`
 * works.
 *
 * @param version `process.versions.node`.
 * @param platform `process.platform`.
 * @returns `{ reusePort: reason }`, or `{}`.
 */
export function reusePortSupport(version: string, platform: string): Unsupported {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const known = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  if (!known) return { reusePort: "node:net has no reusePort before Node.js 22.12" };
  if (!SPREADING_SYSTEMS.includes(platform)) {
    return { reusePort: `node:net sets SO_REUSEPORT only on Linux, FreeBSD, Solaris and AIX, not on ${platform}` };
  }
  return {};
}
