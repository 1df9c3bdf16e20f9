/**
 * Addresses: what listeners and connections report, one type per transport, told apart by
 * `transport`, and the IP literal checks the bind resolvers use.
 *
 * @module
 */

/** IP version of an address, spelled as the runtimes spell it. */
export type IpFamily = "IPv4" | "IPv6";

/**
 * A TCP endpoint as a listener or connection reports it.
 *
 * @example An IPv6 loopback address
 * ```ts
 * import { formatAddress, type TcpAddress } from "@tcp-echo/core";
 *
 * const address: TcpAddress = { transport: "tcp", hostname: "::1", port: 7007, family: "IPv6" };
 * if (formatAddress(address) !== "[::1]:7007") throw new Error(formatAddress(address));
 * ```
 */
export interface TcpAddress {
  /** Discriminates the members of {@link SocketAddress}. */
  readonly transport: "tcp";
  /** An IP literal, without brackets. */
  readonly hostname: string;
  /** The port number, 0 to 65535. */
  readonly port: number;
  /** The IP version of `hostname`. */
  readonly family: IpFamily;
}

/**
 * A unix domain socket endpoint: a path in the file system, or a Linux abstract name starting
 * with `@`. A client's side is usually unnamed: `path` is then `""`.
 *
 * @example A socket file
 * ```ts
 * import { formatAddress, type UnixAddress } from "@tcp-echo/core";
 *
 * const address: UnixAddress = { transport: "unix", path: "/run/echo.sock" };
 * if (formatAddress(address) !== "unix:/run/echo.sock") throw new Error(formatAddress(address));
 * ```
 */
export interface UnixAddress {
  /** Discriminates the members of {@link SocketAddress}. */
  readonly transport: "unix";
  /** The socket's path, `@name` for an abstract name, `""` when unnamed. */
  readonly path: string;
}

/**
 * A UDP endpoint: where a datagram socket is bound, or a datagram's sender.
 *
 * @example A datagram's sender
 * ```ts
 * import { formatAddress, type UdpAddress } from "@tcp-echo/core";
 *
 * const sender: UdpAddress = { transport: "udp", hostname: "127.0.0.1", port: 40000, family: "IPv4" };
 * if (formatAddress(sender) !== "udp://127.0.0.1:40000") throw new Error(formatAddress(sender));
 * ```
 */
export interface UdpAddress {
  /** Discriminates the members of {@link SocketAddress}. */
  readonly transport: "udp";
  /** An IP literal, without brackets. */
  readonly hostname: string;
  /** The port number, 0 to 65535. */
  readonly port: number;
  /** The IP version of `hostname`. */
  readonly family: IpFamily;
}

/**
 * A TLS endpoint: TCP underneath, told apart so that addresses print as `tls://host:port`.
 *
 * @example A TLS listener's address
 * ```ts
 * import { formatAddress, type TlsAddress } from "@tcp-echo/core";
 *
 * const address: TlsAddress = { transport: "tls", hostname: "127.0.0.1", port: 7443, family: "IPv4" };
 * if (formatAddress(address) !== "tls://127.0.0.1:7443") throw new Error(formatAddress(address));
 * ```
 */
export interface TlsAddress {
  /** Discriminates the members of {@link SocketAddress}. */
  readonly transport: "tls";
  /** An IP literal, without brackets. */
  readonly hostname: string;
  /** The port number, 0 to 65535. */
  readonly port: number;
  /** The IP version of `hostname`. */
  readonly family: IpFamily;
}

/** Every address a transport may report, told apart by `transport`. */
export type SocketAddress = TcpAddress | UnixAddress | TlsAddress | UdpAddress;

/** A host and port, as `formatAddress()` prints them. */
export interface HostPort {
  /** An IP literal or host name, without brackets. */
  readonly hostname: string;
  /** The port number. */
  readonly port: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;

/**
 * Tells whether `text` is an IPv4 literal in dotted-quad form.
 *
 * @param text The candidate.
 * @returns True for `a.b.c.d` with each part 0-255 and no leading zeros.
 *
 * @example Recognise an IPv4 literal
 * ```ts
 * import { isIPv4 } from "@tcp-echo/core";
 *
 * if (!isIPv4("127.0.0.1") || isIPv4("256.0.0.1")) throw new Error("isIPv4");
 * ```
 */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Tells whether `text` is an IPv6 literal (RFC 4291 text form, with an optional embedded IPv4
 * tail and an optional `%zone`), without brackets.
 *
 * @param text The candidate.
 * @returns True for a valid literal.
 *
 * @example Recognise an IPv6 literal
 * ```ts
 * import { isIPv6 } from "@tcp-echo/core";
 *
 * if (!isIPv6("::1") || !isIPv6("::ffff:127.0.0.1") || isIPv6("1::2::3")) throw new Error("isIPv6");
 * ```
 */
export function isIPv6(text: string): boolean {
  const zone = text.indexOf("%");
  const address = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && zone === text.length - 1) return false;
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string): string[] => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i] ?? "";
    if (i === all.length - 1 && group.includes(".")) {
      if (!isIPv4(group)) return false;
      width += 2;
    } else if (IPV6_GROUP.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width <= 7 : width === 8;
}

/**
 * Formats an address the way people type it: `127.0.0.1:7007` and `[::1]:7007` for TCP (and a
 * bare host and port), `unix:/run/echo.sock` (`unix:@name` for an abstract name),
 * `tls://127.0.0.1:7443`, `udp://127.0.0.1:7007`.
 *
 * @param address The address to format.
 * @returns The address as text, with brackets around IPv6 hosts.
 *
 * @example Print addresses
 * ```ts
 * import { formatAddress } from "@tcp-echo/core";
 *
 * if (formatAddress({ hostname: "127.0.0.1", port: 7 }) !== "127.0.0.1:7") throw new Error("IPv4");
 * if (formatAddress({ hostname: "::1", port: 7 }) !== "[::1]:7") throw new Error("IPv6");
 * ```
 */
export function formatAddress(address: SocketAddress | HostPort): string {
  if ("path" in address) return `unix:${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const text = `${host}:${address.port}`;
  if (!("transport" in address) || address.transport === "tcp") return text;
  return `${address.transport}://${text}`;
}

/**
 * Builds a {@link TcpAddress} from the host and port a runtime reports for a socket. The family
 * follows from the literal (IPv6 literals contain a colon, IPv4-mapped ones included), so every
 * adapter reports it the same way.
 *
 * @param hostname The IP literal, without brackets; `undefined` (a closed socket) gives `""`.
 * @param port The port; `undefined` gives 0.
 * @returns The address.
 *
 * @example Build an address from a runtime's host and port
 * ```ts
 * import { tcpAddress } from "@tcp-echo/core/transport";
 *
 * if (tcpAddress("::1", 7007).family !== "IPv6") throw new Error("family");
 * ```
 */
export function tcpAddress(hostname: string | undefined, port: number | undefined): TcpAddress {
  const host = hostname ?? "";
  return { transport: "tcp", hostname: host, port: port ?? 0, family: host.includes(":") ? "IPv6" : "IPv4" };
}

/**
 * Builds a {@link TlsAddress} from the host and port a runtime reports for a TLS socket.
 *
 * @param hostname The IP literal, without brackets; `undefined` (a closed socket) gives `""`.
 * @param port The port; `undefined` gives 0.
 * @returns The address.
 *
 * @example Build a TLS address
 * ```ts
 * import { tlsAddress } from "@tcp-echo/core/transport";
 *
 * if (tlsAddress("127.0.0.1", 7443).transport !== "tls") throw new Error("transport");
 * ```
 */
export function tlsAddress(hostname: string | undefined, port: number | undefined): TlsAddress {
  return { ...tcpAddress(hostname, port), transport: "tls" };
}

/**
 * Builds a {@link UnixAddress} from the path a runtime reports, spelling a Linux abstract name
 * (which the runtimes report with a leading NUL byte) as `@name`.
 *
 * @param path The runtime's path; `undefined` or `""` for an unnamed socket.
 * @returns The address.
 *
 * @example An abstract name
 * ```ts
 * import { unixAddress } from "@tcp-echo/core/transport";
 *
 * if (unixAddress("\0echo").path !== "@echo") throw new Error("abstract");
 * ```
 */
export function unixAddress(path: string | undefined): UnixAddress {
  const text = path ?? "";
  return { transport: "unix", path: text.startsWith("\0") ? `@${text.slice(1)}` : text };
}

/**
 * A UDP address from a runtime's host and port, for adapters.
 *
 * @param hostname An IP literal without brackets, as the runtime reports it.
 * @param port The port.
 * @returns The address, with its family read from the literal.
 *
 * @example A datagram's sender
 * ```ts
 * import { udpAddress } from "@tcp-echo/core/transport";
 *
 * if (udpAddress("::1", 40000).family !== "IPv6") throw new Error("family");
 * ```
 */
export function udpAddress(hostname: string | undefined, port: number | undefined): UdpAddress {
  // One object, not a spread of tcpAddress(): adapters make one per datagram.
  const host = hostname ?? "";
  return { transport: "udp", hostname: host, port: port ?? 0, family: host.includes(":") ? "IPv6" : "IPv4" };
}
