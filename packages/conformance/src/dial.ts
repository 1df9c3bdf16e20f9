import { connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { withDeadline } from "./deadline.ts";
import { formatTarget, isTlsTarget, isUnixTarget, type Target } from "./target.ts";

/** A socket opening to a target, and the event after which it carries echo bytes. */
export interface Dialing {
  /** The socket: `node:net` for TCP and unix targets, `node:tls` for TLS ones. */
  readonly socket: Socket;
  /** `connect`, or for TLS `secureConnect`: the handshake has to finish first. */
  readonly ready: "connect" | "secureConnect";
}

/**
 * Opens a half-open capable socket to `target` over `node:net` or `node:tls`, which Node, Deno
 * and Bun all ship.
 *
 * @param target The echo server.
 * @returns The socket and the event to wait for.
 * @example Dial a TCP target
 * ```ts ignore
 * const { socket, ready } = dial({ host: "127.0.0.1", port: 7007 });
 * socket.once(ready, () => socket.end("hello"));
 * ```
 */
export function dial(target: Target): Dialing {
  if (isUnixTarget(target)) return { socket: netConnect({ path: target.path, allowHalfOpen: true }), ready: "connect" };
  if (!isTlsTarget(target)) {
    const socket = netConnect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    return { socket, ready: "connect" };
  }
  const { ca, cert, key, servername, rejectUnauthorized } = target.tls;
  // `node:tls` hands allowHalfOpen to its TLSSocket, though @types/node does not list it.
  const options: ConnectionOptions & { allowHalfOpen: boolean } = {
    host: target.host,
    port: target.port,
    allowHalfOpen: true,
    ...(ca === undefined ? {} : { ca: pem(ca) }),
    ...(cert === undefined ? {} : { cert: pem(cert) }),
    ...(key === undefined ? {} : { key: pem(key) }),
    // Unset, Node.js sends the host as SNI unless it is an IP literal (RFC 6066 forbids those).
    ...(servername === undefined ? {} : { servername }),
    ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
  };
  const socket = tlsConnect(options);
  socket.setNoDelay(true);
  return { socket, ready: "secureConnect" };
}

function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Connects to `target`, within `ms`. A unix connect to a full listen queue fails at once with
 * EAGAIN (ECONNREFUSED on Bun) where TCP would resend its SYN, so a unix connect is retried
 * likewise (after 1, 2, 4 ... 100 ms) until the deadline: 1,000 clients at once reach a server with a backlog of 511
 * over either transport.
 *
 * @param target The echo server.
 * @param ms Milliseconds before giving up.
 * @returns The socket, connected (for TLS: the handshake done).
 * @throws {Error} the connect error; for TLS "Cannot connect to tls://HOST:PORT: <reason>".
 * @example Connect to a TCP target
 * ```ts ignore
 * const socket = await connectSocket({ host: "127.0.0.1", port: 7007 }, 5000);
 * socket.end();
 * ```
 */
export function connectSocket(target: Target, ms: number): Promise<Socket> {
  const deadline = performance.now() + ms;
  let current: Socket | undefined;
  let gaveUp = false;
  const attempt = async (backoff: number): Promise<Socket> => {
    let dialing: Dialing;
    try {
      dialing = dial(target);
    } catch (error) {
      // node:tls throws at once for options it cannot use, e.g. a key that is not the cert's.
      throw new Error(`Cannot connect to ${formatTarget(target)}: ${(error as Error).message}`, { cause: error });
    }
    const { socket, ready } = dialing;
    current = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once(ready, () => {
          socket.off("error", reject);
          resolve();
        });
        socket.once("error", reject);
      });
      return socket;
    } catch (error) {
      socket.destroy();
      // Bun's node:net reports that EAGAIN as ECONNREFUSED, which a unix socket with no server
      // behind it also gives: that one is retried until the deadline too.
      const code = (error as NodeJS.ErrnoException).code;
      const full = isUnixTarget(target) && (code === "EAGAIN" || code === "ECONNREFUSED");
      if (full && !gaveUp && performance.now() + backoff < deadline) {
        await new Promise((resolve) => setTimeout(resolve, backoff));
        if (!gaveUp) return attempt(Math.min(backoff * 2, 100));
      }
      if (!isTlsTarget(target)) throw error;
      throw new Error(`Cannot connect to ${formatTarget(target)}: ${(error as Error).message}`, { cause: error });
    }
  };
  return withDeadline(attempt(1), ms, `a connection to ${formatTarget(target)}`).catch((error: unknown) => {
    gaveUp = true;
    current?.destroy();
    throw error;
  });
}
