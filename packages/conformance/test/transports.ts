import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tcp, tls, unix } from "tcp-echo:binding";
import { type ServerOptions, type SocketAddress, type StreamTransport, serve, type Unsupported } from "@tcp-echo/core";
import { makeTestCertificates, type Target, type TestCertificates } from "../src/index.ts";
import { closeWatcher, type WatchedServer } from "./serve.ts";

/** The stream transports every wire case runs over. */
export type TransportName = "tcp" | "unix" | "tls";

/** A server under test over one transport, and the target a client connects to. */
export interface Endpoint extends WatchedServer<SocketAddress> {
  readonly target: Target;
}

/** One transport of the runtime under test, as the wire cases see it. */
export interface TransportUnderTest {
  readonly name: TransportName;
  /** The capabilities this transport lacks on this runtime, with the reasons. */
  readonly unsupported: Unsupported;
  /** Serves echo over the transport: 127.0.0.1 on an ephemeral port, or a fresh socket path. */
  serve(options?: ServerOptions): Promise<Endpoint>;
}

let certificates: Promise<TestCertificates> | undefined;
let socketDir: string | undefined;
let sockets = 0;

/** The throwaway CA and server certificate of this test file, made once by openssl. */
export function testCertificates(): Promise<TestCertificates> {
  certificates ??= makeTestCertificates();
  return certificates;
}

/** A fresh socket path in this test file's temporary directory. */
export function socketPath(): string {
  socketDir ??= mkdtempSync(join(tmpdir(), "tcp-echo-conf-"));
  sockets += 1;
  return join(socketDir, `${sockets}.sock`);
}

/** Removes the certificates and socket directory: call it in `afterAll`. */
export async function releaseTransports(): Promise<void> {
  const made = certificates;
  certificates = undefined;
  if (made !== undefined) await (await made).remove();
  if (socketDir !== undefined) rmSync(socketDir, { recursive: true, force: true });
  socketDir = undefined;
}

async function serveOver<B extends object, A extends SocketAddress>(
  transport: StreamTransport<B, A>,
  bind: B,
  options: ServerOptions,
  target: (address: A) => Target,
): Promise<Endpoint> {
  const watcher = closeWatcher<A>();
  const server = await serve(transport, {
    ...bind,
    ...options,
    onEvent(event) {
      (options.onEvent as ((event: unknown) => void) | undefined)?.(event);
      watcher.onEvent(event);
    },
  } as Parameters<typeof serve<B, A>>[1]);
  const watched = watcher.watched(server);
  return { ...watched, server: watched.server as never, target: target(server.address) };
}

// tls() needs a certificate to say what it lacks; any PEM shape does for reading the table.
const PLACEHOLDER = "-----BEGIN PLACEHOLDER-----\n-----END PLACEHOLDER-----\n";
const tlsUnsupported: Unsupported = tls({ cert: PLACEHOLDER, key: PLACEHOLDER }).unsupported;

/** The runtime's tcp, unix and tls transports, in that order. */
export const transportsUnderTest: readonly TransportUnderTest[] = [
  {
    name: "tcp",
    unsupported: tcp().unsupported,
    serve: (options = {}) =>
      serveOver(tcp(), { host: "127.0.0.1", port: 0 }, options, (address) => ({
        host: "127.0.0.1",
        port: address.port,
      })),
  },
  {
    name: "unix",
    unsupported: unix().unsupported,
    serve(options = {}) {
      const path = socketPath();
      return serveOver(unix(), { path }, options, () => ({ path }));
    },
  },
  {
    name: "tls",
    unsupported: tlsUnsupported,
    async serve(options = {}) {
      const certs = await testCertificates();
      const transport = tls({ cert: certs.certPem, key: certs.keyPem });
      return serveOver(transport, { host: "127.0.0.1", port: 0 }, options, (address) => ({
        host: "127.0.0.1",
        port: address.port,
        tls: { ca: certs.caCertPem },
      }));
    },
  },
];
