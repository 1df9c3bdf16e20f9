/**
 * The unix domain socket transport, shared by every adapter: the factory type each adapter's
 * `unix()` is checked against, and {@link unixTransport}, which owns the socket file's rules
 * (a stale file is removed only once a connect to it is refused; a live one never; the file is
 * gone after the listener closes) so that an adapter only translates.
 *
 * @module
 */

import { formatAddress, type UnixAddress } from "../address.ts";
import { AddressInUseError, TcpEchoError } from "../errors.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import type { Descriptors } from "../transport/descriptors.ts";
import { rejectUnknownOptions } from "../transport/options.ts";
import type { AcceptSink, ListenSettings, StreamListener, StreamTransport } from "../transport/stream.ts";
import { resolveUnixBind, type UnixBindOptions, type UnixBindTarget } from "./bind.ts";

/**
 * Options of a unix socket transport, given to an adapter's `unix()`. None yet: where to bind
 * (`path`, `mode`) goes to `bind()` or `serve()`.
 *
 * @example No options
 * ```ts
 * import type { UnixOptions } from "@tcp-echo/core";
 *
 * const options: UnixOptions = {};
 * if (Object.keys(options).length !== 0) throw new Error("options");
 * ```
 */
export type UnixOptions = Record<never, never>;

/** A stream transport for unix domain sockets: what `unix()` returns on every runtime. */
export type UnixTransport = StreamTransport<UnixBindOptions, UnixAddress>;

/**
 * The type of every adapter's `unix()`.
 *
 * @example Serve echo on a socket file with the Node.js adapter
 * ```ts ignore
 * import { serve } from "@tcp-echo/core";
 * import { unix } from "@tcp-echo/node";
 *
 * const server = await serve(unix(), { path: "/tmp/echo.sock", mode: 0o660 });
 * await server.shutdown({ timeout: 1000 });
 * ```
 */
export type UnixFactory = (options?: UnixOptions) => UnixTransport;

/**
 * What is at a socket path, as far as deciding whether it may be replaced goes: a socket,
 * something else, nothing (the path does not exist), or `"unknown"` when it could not be looked
 * at (no permission to).
 */
export type PathKind = "socket" | "other" | "absent" | "unknown";

/** The part of a unix transport that is the runtime's: listening, and the file primitives. */
export interface UnixAdapter {
  /** The runtime the adapter runs on. */
  readonly runtime: RuntimeInfo;
  /** Each capability the runtime lacks, with the reason. */
  readonly unsupported: Unsupported;
  /** The longest socket path in bytes, without the NUL: 107 on Linux, 103 on macOS and the BSDs. */
  readonly maxPathBytes: number;
  /** The process's descriptor budget, where the runtime can read it. */
  descriptors?(): Descriptors | undefined;
  /**
   * Bind and listen on a validated target, the file created with `target.mode` (when given)
   * before it accepts anything; reject with the core's listen errors (`EADDRINUSE` when the path
   * exists).
   */
  listen(
    target: UnixBindTarget,
    settings: ListenSettings,
    sink: AcceptSink<UnixAddress>,
  ): Promise<StreamListener<UnixAddress>>;
  /** What is at `path` (`lstat`). */
  pathKind(path: string): Promise<PathKind>;
  /** Connect to `path` and close at once: true when a server accepted, false when refused. */
  connects(path: string): Promise<boolean>;
  /** Remove the file at `path` (`unlink`). */
  remove(path: string): Promise<void>;
}

/**
 * Builds a unix socket transport from an adapter's primitives. Listening on a path that exists:
 * a socket nobody accepts on (a server that was killed) is removed and the listen retried; a
 * socket a server accepts on, or a file that is not a socket, fails with `EADDRINUSE` and a
 * message saying which. After the listener closes, its socket file is gone.
 *
 * @param adapter The runtime's listen and file primitives.
 * @param options The options given to `unix()`.
 * @returns The transport.
 * @throws {import("../errors.ts").UnknownOptionError} for a key of `options` it does not read.
 *
 * @example An adapter whose listen always fails, to show the shape
 * ```ts
 * import { unixTransport } from "@tcp-echo/core/transport";
 *
 * const transport = unixTransport({
 *   runtime: { name: "example", version: "0.0.0" },
 *   unsupported: {},
 *   maxPathBytes: 107,
 *   listen: () => Promise.reject(new Error("no sockets here")),
 *   pathKind: () => Promise.resolve("absent"),
 *   connects: () => Promise.resolve(false),
 *   remove: () => Promise.resolve(),
 * });
 * if (transport.bind({ path: "/tmp/echo.sock" }).description !== "unix:/tmp/echo.sock") throw new Error("bind");
 * ```
 */
export function unixTransport(adapter: UnixAdapter, options: UnixOptions = {}): UnixTransport {
  rejectUnknownOptions("create a unix transport", options, []);
  return {
    kind: "stream",
    name: "unix",
    runtime: adapter.runtime,
    unsupported: adapter.unsupported,
    descriptors: () => adapter.descriptors?.(),
    bind(bindOptions) {
      const target = resolveUnixBind(bindOptions, adapter);
      const description = formatAddress({ transport: "unix", path: bindOptions.path });
      return {
        description,
        async listen(settings, sink) {
          const listener = await listenReplacingStale(adapter, target, description, settings, sink);
          return target.abstract ? listener : new FileListener(listener, adapter, target.path);
        },
      };
    },
  };
}

async function listenReplacingStale(
  adapter: UnixAdapter,
  target: UnixBindTarget,
  description: string,
  settings: ListenSettings,
  sink: AcceptSink<UnixAddress>,
): Promise<StreamListener<UnixAddress>> {
  try {
    return await adapter.listen(target, settings, sink);
  } catch (error) {
    if (target.abstract) throw error;
    if ((error as TcpEchoError).code !== "EADDRINUSE")
      throw await missingDirectory(adapter, target.path, description, error);
    const kind = await adapter.pathKind(target.path);
    if (kind === "other") {
      throw new AddressInUseError(description, {
        cause: error,
        reason: "the path exists and is not a socket; it was left alone",
      });
    }
    if (kind === "socket" && (await adapter.connects(target.path))) {
      throw new AddressInUseError(description, {
        cause: error,
        reason: "another server is accepting connections on it",
      });
    }
    // Nobody accepts on it: a server that died without removing its socket file.
    if (kind === "socket") await adapter.remove(target.path);
    return await adapter.listen(target, settings, sink);
  }
}

/**
 * The error for a listen that failed: a clear one when the socket's directory does not exist
 * (each runtime says so differently, Node.js as "permission denied"), else `error` itself.
 */
async function missingDirectory(adapter: UnixAdapter, path: string, description: string, error: unknown) {
  const slash = path.lastIndexOf("/");
  if (slash === -1) return error;
  const directory = slash === 0 ? "/" : path.slice(0, slash);
  if ((await adapter.pathKind(directory)) !== "absent") return error;
  return new TcpEchoError(
    "ERR_LISTEN_FAILED",
    `Cannot listen on ${description}: the directory ${directory} does not exist`,
    {
      cause: error,
    },
  );
}

/** A listener on a socket file, which makes sure the file is gone once it has closed. */
class FileListener implements StreamListener<UnixAddress> {
  readonly #inner: StreamListener<UnixAddress>;
  readonly #adapter: UnixAdapter;
  readonly #path: string;

  constructor(inner: StreamListener<UnixAddress>, adapter: UnixAdapter, path: string) {
    this.#inner = inner;
    this.#adapter = adapter;
    this.#path = path;
  }

  get address(): UnixAddress {
    return this.#inner.address;
  }

  // The runtimes unlink the file on close themselves; this covers one that does not.
  async close(): Promise<void> {
    await this.#inner.close();
    if ((await this.#adapter.pathKind(this.#path)) === "socket" && !(await this.#adapter.connects(this.#path))) {
      await this.#adapter.remove(this.#path).catch(() => undefined);
    }
  }
}
