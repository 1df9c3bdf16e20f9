/**
 * Where a unix domain socket listener binds: a path in the file system, or a Linux abstract
 * name (`@name`), validated before any I/O so that a path the kernel would truncate is an error
 * naming the limit.
 *
 * @module
 */

import { TcpEchoError } from "../errors.ts";
import type { RuntimeInfo, Unsupported } from "../transport/capability.ts";
import { rejectUnknownOptions, requireCapability } from "../transport/options.ts";

/**
 * Where to bind a unix domain socket listener.
 *
 * @example A socket file only its owner and group may use
 * ```ts
 * import type { UnixBindOptions } from "@tcp-echo/core";
 *
 * const options: UnixBindOptions = { path: "/run/echo/echo.sock", mode: 0o660 };
 * if (options.mode !== 0o660) throw new Error("mode");
 * ```
 */
export interface UnixBindOptions {
  /** The socket file's path, or `@name` for a Linux abstract name (no file). */
  readonly path: string;
  /**
   * The socket file's permission bits, `0` to `0o777` (for example `0o660`), in place before the
   * first connection can arrive. Defaults to what the process's umask gives.
   */
  readonly mode?: number;
}

/** A unix bind target after validation: what an adapter hands its runtime. */
export interface UnixBindTarget {
  /** The path as the runtime takes it: an abstract name starts with a NUL byte. */
  readonly path: string;
  /** Whether `path` is an abstract name, which has no file. */
  readonly abstract: boolean;
  /** The permission bits to create the file with, when asked for. */
  readonly mode: number | undefined;
}

const BIND_OPTIONS: readonly (keyof UnixBindOptions)[] = ["path", "mode"];

/** The length of `text` in UTF-8 bytes (the core has no TextEncoder: it compiles against ECMAScript alone). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function invalid(message: string): TcpEchoError {
  return new TcpEchoError("ERR_INVALID_ADDRESS", message);
}

/**
 * Validates unix bind options against the platform's limit on a socket path.
 *
 * @param options The bind options as given.
 * @param transport The runtime, its capabilities and its longest path in bytes (107 on Linux,
 * whose `sun_path` holds 108 bytes with the terminating NUL).
 * @returns The path as the runtime binds it, and the mode.
 * @throws {TcpEchoError} `ERR_INVALID_ADDRESS` for an empty or over-long path, a NUL byte in it,
 * or a mode outside `0` to `0o777`; `ERR_UNKNOWN_OPTION`; `ERR_UNSUPPORTED_OPTION` for an
 * abstract name without the `abstractUnix` capability.
 *
 * @example A path over the limit
 * ```ts
 * import { resolveUnixBind } from "@tcp-echo/core/transport";
 *
 * const transport = { runtime: { name: "example", version: "1" }, unsupported: {}, maxPathBytes: 107 };
 * let message = "";
 * try {
 *   resolveUnixBind({ path: `/tmp/${"x".repeat(120)}` }, transport);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (!message.includes("at most 107 bytes")) throw new Error(message);
 * ```
 */
export function resolveUnixBind(
  options: UnixBindOptions,
  transport: { readonly runtime: RuntimeInfo; readonly unsupported: Unsupported; readonly maxPathBytes: number },
): UnixBindTarget {
  rejectUnknownOptions("bind", options, BIND_OPTIONS);
  const { path, mode } = options;
  if (typeof path !== "string" || path === "" || path === "@") {
    throw invalid("Cannot bind a unix socket: give a path such as /run/echo.sock, or @name for an abstract name");
  }
  if (path.includes("\0")) throw invalid(`Cannot bind unix:${JSON.stringify(path)}: a path cannot hold a NUL byte`);
  const abstract = path.startsWith("@");
  const bytes = utf8Length(abstract ? path.slice(1) : path);
  if (bytes > transport.maxPathBytes) {
    throw invalid(
      `Cannot bind unix:${path}: the ${abstract ? "name" : "path"} is ${bytes} bytes and a unix socket's may be at most ${transport.maxPathBytes} bytes on this system; use a shorter one`,
    );
  }
  if (mode !== undefined) {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      throw invalid(`Cannot bind unix:${path}: mode ${String(mode)} is not permission bits from 0 to 0o777`);
    }
    if (abstract) throw invalid(`Cannot bind unix:${path}: an abstract name has no file, so no mode`);
  }
  if (abstract) requireCapability(transport, "abstractUnix", `path: "${path}"`);
  return { path: abstract ? `\0${path.slice(1)}` : path, abstract, mode };
}
