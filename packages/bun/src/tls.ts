import { formatAddress, type TlsAddress, type TlsFactory, type TlsOptions, type TlsTransport } from "@tcp-echo/core";
import { type Handshake, type TlsAdapter, type TlsSettings, tlsAddress, tlsTransport } from "@tcp-echo/core/transport";
import type { Socket, SocketHandler, TLSOptions } from "bun";
import { mapTlsListenError, sslReason } from "./errors.ts";
import { BunListener } from "./listen.ts";
import { type AddressReader, BunSocket, forwarding } from "./socket.ts";
import { bunRuntime, tcpUnsupported } from "./tcp.ts";

const addresses: AddressReader<TlsAddress> = {
  local: (socket) => tlsAddress(socket.localAddress, socket.localPort),
  remote: (socket) => tlsAddress(socket.remoteAddress, socket.remotePort),
};

// Bun.TLSOptions has no minVersion; BoringSSL still honours OpenSSL's SSL_OP_NO_* bits.
const SSL_OP_NO_TLSv1 = 0x0400_0000;
const SSL_OP_NO_TLSv1_1 = 0x1000_0000;
const SSL_OP_NO_TLSv1_2 = 0x0800_0000;

/** Bun's TLS options for the validated settings; TLS 1.0 and 1.1 are refused whatever Bun's default. */
function bunTls(tls: TlsSettings): TLSOptions {
  const below12 = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: tls.requestCert,
    rejectUnauthorized: tls.requestCert,
    secureOptions: tls.minVersion === "TLSv1.3" ? below12 | SSL_OP_NO_TLSv1_2 : below12,
  };
}

const adapter: TlsAdapter = {
  ...bunRuntime,
  unsupported: tcpUnsupported,
  listen(target, _settings, sink) {
    const { tls } = target;
    const description = formatAddress({ ...target, transport: "tls" });
    // With a `handshake` callback, Bun calls `open` when the TCP connection is accepted and
    // `handshake` when the TLS handshake ends: the guard runs in between.
    const handshakes = new Map<Socket<BunSocket<TlsAddress>>, Handshake>();
    const shared = forwarding<TlsAddress>();
    const handler: SocketHandler<BunSocket<TlsAddress>> = {
      ...shared,
      open(socket) {
        socket.data = new BunSocket(socket, addresses);
        if (tls.noDelay) socket.setNoDelay(true);
        handshakes.set(
          socket,
          sink.handshake(addresses.remote(socket), () => socket.terminate()),
        );
      },
      handshake(socket, success, authorizationError) {
        const handshake = handshakes.get(socket);
        handshakes.delete(socket);
        // Bun sets authorizationError even without requestCert (there is no client chain to
        // verify), so only `success` counts then; with requestCert, a client certificate that
        // does not verify still has success true, and `authorized` false.
        const refused = !success || (tls.requestCert && !socket.authorized);
        if (refused) {
          handshake?.failed(sslReason(authorizationError ?? "the TLS handshake failed"));
          // BoringSSL has sent its alert; end() would leave a FIN that a client which never reads
          // does not notice, so the connection is reset, as for a stalled handshake.
          socket.terminate();
          return;
        }
        if (handshake === undefined || handshake.succeeded()) socket.data.start(sink.connection(socket.data));
      },
      close(socket, error) {
        const handshake = handshakes.get(socket);
        if (handshake !== undefined) {
          handshakes.delete(socket);
          handshake.failed(sslReason(error ?? "the client closed the connection during the handshake"));
        }
        shared.close(socket, error);
      },
    };
    try {
      // https://bun.com/docs/api/tcp#start-a-server-bun-listen
      const options = {
        hostname: target.hostname,
        port: target.port,
        allowHalfOpen: true,
        ipv6Only: target.ipv6Only,
        reusePort: target.reusePort,
        tls: bunTls(tls),
        socket: handler,
      };
      const listener = Bun.listen<BunSocket<TlsAddress>>(options);
      return Promise.resolve(new BunListener(listener, tlsAddress(target.hostname, listener.port)));
    } catch (error) {
      return Promise.reject(mapTlsListenError(error, description));
    }
  },
};

/**
 * TLS over `Bun.listen`: the transport to hand `serve()` or `createListener()` on Bun. At least
 * TLS 1.2; every client gets `handshakeTimeout` (default 10 s) to finish its handshake.
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
 * import { tls } from "@tcp-echo/bun";
 *
 * const transport = tls({ cert: readFileSync("cert.pem", "utf8"), key: readFileSync("key.pem", "utf8") });
 * const server = await serve(transport, { host: "127.0.0.1", port: 7443 });
 * process.once("SIGINT", () => server.shutdown({ timeout: 5000 }));
 * ```
 */
export const tls: TlsFactory = (options: TlsOptions): TlsTransport => tlsTransport(adapter, options);
