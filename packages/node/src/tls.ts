import type { Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import { formatAddress, type TlsAddress, type TlsFactory, type TlsOptions, type TlsTransport } from "@tcp-echo/core";
import { type Handshake, type TlsAdapter, tlsAddress, tlsTransport } from "@tcp-echo/core/transport";
import { mapCredentialsError } from "./errors.ts";
import { boundPort, listenOptions, listenServer } from "./listen.ts";
import { type AddressReader, NodeSocket } from "./socket.ts";
import { nodeRuntime, tcpUnsupported } from "./tcp.ts";

const addresses: AddressReader<TlsAddress> = {
  local: (socket) => tlsAddress(socket.localAddress, socket.localPort),
  remote: (socket) => tlsAddress(socket.remoteAddress, socket.remotePort),
};

const key = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

const adapter: TlsAdapter = {
  ...nodeRuntime,
  unsupported: tcpUnsupported,
  // https://nodejs.org/api/tls.html#tlscreateserveroptions-secureconnectionlistener
  listen(target, settings, sink) {
    const { tls } = target;
    const description = formatAddress({ ...target, transport: "tls" });
    let server: ReturnType<typeof createServer>;
    try {
      server = createServer({
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        requestCert: tls.requestCert,
        rejectUnauthorized: tls.requestCert,
        minVersion: tls.minVersion,
        allowHalfOpen: true,
        highWaterMark: settings.highWaterMark,
        // The core's handshake guard closes first; Node's own timer is only a backstop.
        handshakeTimeout: tls.handshakeTimeout + 1000,
      });
    } catch (error) {
      return Promise.reject(mapCredentialsError(error, description));
    }
    // A handshake begins on the TCP connection and ends on the TLS socket wrapping it; both
    // report the same client address and port.
    const handshakes = new Map<string, Handshake>();
    server.on("connection", (raw: Socket) => {
      if (tls.noDelay) raw.setNoDelay(true);
      const id = key(raw);
      handshakes.set(
        id,
        sink.handshake(addresses.remote(raw), () => raw.destroy()),
      );
      raw.once("close", () => {
        handshakes.get(id)?.failed(new Error("the client closed the connection during the handshake"));
        handshakes.delete(id);
      });
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      const id = key(socket);
      const handshake = handshakes.get(id);
      handshakes.delete(id);
      if (handshake !== undefined && !handshake.succeeded()) return;
      const wrapped = new NodeSocket(socket, addresses);
      wrapped.start(sink.connection(wrapped));
    });
    server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
      const id = key(socket);
      handshakes.get(id)?.failed(handshakeReason(error));
      handshakes.delete(id);
      socket.destroy();
    });
    return listenServer(server, listenOptions(target, settings), description, sink, (bound) =>
      tlsAddress(target.hostname, boundPort(bound)),
    );
  },
};

/** OpenSSL's reason ("wrong version number", "http request") and Node's code, on one line. */
function handshakeReason(error: Error): string {
  const { reason, code } = error as { reason?: unknown; code?: unknown };
  const text = typeof reason === "string" ? reason : (error.message.split("\n")[0] ?? "");
  return typeof code === "string" ? `${text} (${code})` : text;
}

/**
 * TLS over `node:tls`: the transport to hand `serve()` or `createListener()` on Node.js. At
 * least TLS 1.2; every client gets `handshakeTimeout` (default 10 s) to finish its handshake.
 *
 * @param options The certificate and key (PEM), and optionally `ca` with `requestCert` for
 * client certificates, `minVersion`, `handshakeTimeout`, `noDelay`.
 * @returns The transport.
 * @throws {import("@tcp-echo/core").TcpEchoError} `ERR_INVALID_OPTION` or `ERR_TLS_CREDENTIALS`
 * for options it cannot use.
 *
 * @example Serve echo over TLS
 * ```ts ignore
 * // ignore: needs a certificate and listens on the network.
 * import { readFileSync } from "node:fs";
 * import { serve } from "@tcp-echo/core";
 * import { tls } from "@tcp-echo/node";
 *
 * const transport = tls({ cert: readFileSync("cert.pem", "utf8"), key: readFileSync("key.pem", "utf8") });
 * const server = await serve(transport, { host: "127.0.0.1", port: 7443 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tls: TlsFactory = (options: TlsOptions): TlsTransport => tlsTransport(adapter, options);
