import type {
  Adapter,
  ServeOptions,
  Server,
  ServerOptions,
  SocketAddress,
  StreamTransport,
  TcpAddress,
  UnixAddress,
} from "@tcp-echo/core";
import { proxyProtocol, serve, TcpEchoError } from "@tcp-echo/core";
import type { CliOptions } from "./args.ts";
import { readPem } from "./pem-file.ts";
import type { Platform } from "./platform.ts";

/** A transport and where to bind it, ready to serve; `description` is the address for messages. */
export interface Endpoint {
  readonly description: string;
  serve(options: ServerOptions): Promise<Server<SocketAddress>>;
}

function endpoint<B extends object, A extends SocketAddress>(transport: StreamTransport<B, A>, bind: B): Endpoint {
  return {
    // Validates the address and options before anything listens.
    description: transport.bind(bind).description,
    serve: (options) =>
      serve(transport, { ...bind, ...options } as ServeOptions<B, A>) as Promise<Server<SocketAddress>>,
  };
}

/** The transport behind a PROXY header reader with `--proxy-protocol`, else as it is. */
function proxied<B extends object, A extends TcpAddress | UnixAddress>(
  transport: StreamTransport<B, A>,
  options: CliOptions,
): StreamTransport<B, A | TcpAddress> {
  const proxy = options.proxyProtocol;
  return proxy === undefined ? transport : proxyProtocol(transport, { timeout: proxy.timeout });
}

/**
 * The transport the command line picked, with its bind options: a unix socket's path, or a
 * host and port (resolved already) for TCP and TLS, whose certificate files are read here.
 * `reusePort` (a worker of `--workers`) sets `SO_REUSEPORT` on TCP and TLS.
 */
export function chooseEndpoint(
  platform: Platform,
  adapter: Adapter,
  options: CliOptions,
  host: string,
  reusePort = false,
): Endpoint {
  const choice = options.transport;
  if (choice.kind === "unix") {
    return endpoint(
      proxied(adapter.unix(), options),
      choice.mode === undefined ? { path: choice.path } : { path: choice.path, mode: choice.mode },
    );
  }
  const bind = { host, port: options.port, reuseAddress: options.reuseAddress, ...(reusePort ? { reusePort } : {}) };
  if (choice.kind === "tcp") return endpoint(proxied(adapter.tcp(), options), bind);
  const transport = adapter.tls({
    cert: readPem(platform, "--tls-cert", choice.certFile),
    key: readPem(platform, "--tls-key", choice.keyFile),
    ...(choice.caFile === undefined ? {} : { ca: readPem(platform, "--tls-ca", choice.caFile) }),
    requestCert: choice.clientAuth,
    handshakeTimeout: choice.handshakeTimeout,
  });
  const inner = endpoint(transport, bind);
  const files = `--tls-cert ${choice.certFile}, --tls-key ${choice.keyFile}`;
  return {
    description: inner.description,
    // The runtime finds a key that does not match its certificate only when it listens.
    serve: (serveOptions) =>
      inner.serve(serveOptions).catch((error: unknown) => {
        if (!(error instanceof TcpEchoError) || error.code !== "ERR_TLS_CREDENTIALS") throw error;
        throw new TcpEchoError(error.code, `${error.message} (${files})`, { cause: error });
      }),
  };
}
