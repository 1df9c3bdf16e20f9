/**
 * Resolves a host name with the runtime's own resolver (getaddrinfo, so /etc/hosts counts),
 * through `node:dns`, which Node.js, Deno and Bun all ship. Loaded only when a name is given:
 * an IP literal never touches it.
 *
 * @param host The host name.
 * @returns The first address the resolver gives, as an IP literal.
 */
export async function lookupHost(host: string): Promise<string> {
  const { lookup } = await import("node:dns/promises");
  return (await lookup(host)).address;
}
