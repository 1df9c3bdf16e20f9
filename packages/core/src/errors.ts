/**
 * Errors are values with a stable `code`: match on `code`, not on the message or the class name,
 * which may change between versions.
 *
 * @module
 */

/** Every stable error code tcp-echo raises. */
export type TcpEchoErrorCode =
  | "ERR_LISTENER_STATE"
  | "ERR_LISTENER_CLOSED"
  | "ERR_CONNECTION_STATE"
  | "EADDRINUSE"
  | "EACCES"
  | "EADDRNOTAVAIL"
  | "ERR_LISTEN_FAILED"
  | "ERR_INVALID_ADDRESS"
  | "ERR_UNKNOWN_OPTION"
  | "ERR_UNSUPPORTED_OPTION"
  | "ERR_INVALID_OPTION"
  | "ERR_TLS_CREDENTIALS"
  | "ERR_TLS_HANDSHAKE"
  | "ERR_PROXY_HEADER"
  | "ERR_DATAGRAM_TOO_LARGE";

/**
 * The base class of every error tcp-echo raises on purpose.
 *
 * @example Match an error on its code
 * ```ts
 * import { TcpEchoError } from "@tcp-echo/core";
 *
 * function describe(error: unknown): string {
 *   if (error instanceof TcpEchoError && error.code === "EADDRINUSE") return "port taken";
 *   return "other";
 * }
 * ```
 */
export class TcpEchoError extends Error {
  /** The stable code: match on this. */
  readonly code: TcpEchoErrorCode;

  /**
   * Creates an error with a stable code.
   *
   * @param code The stable code.
   * @param message A sentence a person can act on.
   * @param options The underlying runtime error, kept as `cause`.
   */
  constructor(code: TcpEchoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A lifecycle call made in the wrong order: `listen()` before `bind()`, `bind()` twice,
 * `accept()` before `listen()`.
 *
 * @example Listening before binding
 * ```ts
 * import { ListenerStateError } from "@tcp-echo/core";
 *
 * const error = new ListenerStateError("Cannot listen: call bind() first");
 * if (error.code !== "ERR_LISTENER_STATE") throw new Error(error.code);
 * ```
 */
export class ListenerStateError extends TcpEchoError {
  /**
   * Creates the error for a call made in the wrong state.
   *
   * @param message What was called and in which state.
   */
  constructor(message: string) {
    super("ERR_LISTENER_STATE", message);
  }
}

/**
 * The listener is closed: a pending or later `accept()` rejects with this.
 *
 * @example Accepting after close
 * ```ts
 * import { ListenerClosedError } from "@tcp-echo/core";
 *
 * const error = new ListenerClosedError("Cannot accept: the listener is closed");
 * if (error.code !== "ERR_LISTENER_CLOSED") throw new Error(error.code);
 * ```
 */
export class ListenerClosedError extends TcpEchoError {
  /**
   * Creates the error for a call on a closed listener.
   *
   * @param message What was attempted.
   */
  constructor(message: string) {
    super("ERR_LISTENER_CLOSED", message);
  }
}

/**
 * Another socket already listens on the address (`EADDRINUSE`).
 *
 * @example A port already taken
 * ```ts
 * import { AddressInUseError } from "@tcp-echo/core";
 *
 * const error = new AddressInUseError("127.0.0.1:7007");
 * if (error.message !== "Cannot listen on 127.0.0.1:7007: address already in use") throw new Error(error.message);
 * ```
 */
export class AddressInUseError extends TcpEchoError {
  /** The address as `host:port`. */
  readonly address: string;
  /**
   * Creates the error for a listen on `address` that failed.
   *
   * @param address The address as `host:port`.
   * @param options The runtime's error, kept as `cause`, and `reason`, which replaces
   * "address already in use" where more is known (a live unix socket, a file in the way).
   */
  constructor(address: string, options?: { cause?: unknown; reason?: string }) {
    super("EADDRINUSE", `Cannot listen on ${address}: ${options?.reason ?? "address already in use"}`, options);
    this.address = address;
  }
}

/**
 * The process may not listen on the address (`EACCES`), usually a port below 1024 without
 * privileges.
 *
 * @example A privileged port
 * ```ts
 * import { PermissionDeniedError } from "@tcp-echo/core";
 *
 * const { code } = new PermissionDeniedError("0.0.0.0:7");
 * if (code !== "EACCES") throw new Error(code);
 * ```
 */
export class PermissionDeniedError extends TcpEchoError {
  /** The address as `host:port`. */
  readonly address: string;
  /**
   * Creates the error for a listen on `address` that failed.
   *
   * @param address The address as `host:port`.
   * @param options The runtime's error, kept as `cause`.
   */
  constructor(address: string, options?: { cause?: unknown }) {
    super("EACCES", `Cannot listen on ${address}: permission denied`, options);
    this.address = address;
  }
}

/**
 * The host is not an address of this machine (`EADDRNOTAVAIL`).
 *
 * @example An address the machine does not have
 * ```ts
 * import { AddressNotAvailableError } from "@tcp-echo/core";
 *
 * const { code } = new AddressNotAvailableError("192.0.2.1:7007");
 * if (code !== "EADDRNOTAVAIL") throw new Error(code);
 * ```
 */
export class AddressNotAvailableError extends TcpEchoError {
  /** The address as `host:port`. */
  readonly address: string;
  /**
   * Creates the error for a listen on `address` that failed.
   *
   * @param address The address as `host:port`.
   * @param options The runtime's error, kept as `cause`.
   */
  constructor(address: string, options?: { cause?: unknown }) {
    super("EADDRNOTAVAIL", `Cannot listen on ${address}: address not available on this machine`, options);
    this.address = address;
  }
}

/**
 * An options object has a key that nothing reads: a typo, or an option of another transport
 * (`path` given to a TCP server). Raised instead of ignoring the key.
 *
 * @example A misspelt option
 * ```ts
 * import { UnknownOptionError } from "@tcp-echo/core";
 *
 * const error = new UnknownOptionError("serve", "prot", ["host", "port"]);
 * if (error.message !== "Cannot serve: unknown option 'prot' (known: host, port)") throw new Error(error.message);
 * ```
 */
export class UnknownOptionError extends TcpEchoError {
  /** The key nothing reads. */
  readonly option: string;
  /** The keys that are read there. */
  readonly known: readonly string[];
  /**
   * Creates the error for an options key nothing reads.
   *
   * @param action What was being done: `"serve"`, `"bind"`, `"listen"`, `"create a tcp transport"`.
   * @param option The unknown key.
   * @param known The keys that are read there, for the message.
   */
  constructor(action: string, option: string, known: readonly string[]) {
    super("ERR_UNKNOWN_OPTION", `Cannot ${action}: unknown option '${option}' (known: ${known.join(", ")})`);
    this.option = option;
    this.known = known;
  }
}

/**
 * An option's value is out of range or of the wrong kind: a `maxConnections` of 0, a negative
 * `timeout`, a `highWaterMark` that is not a whole number. Raised before anything starts.
 *
 * @example A connection limit below 1
 * ```ts
 * import { InvalidOptionError } from "@tcp-echo/core";
 *
 * const error = new InvalidOptionError("maxConnections", "Cannot serve: maxConnections 0 must be at least 1");
 * if (error.code !== "ERR_INVALID_OPTION" || error.option !== "maxConnections") throw error;
 * ```
 */
export class InvalidOptionError extends TcpEchoError {
  /** The option whose value is wrong, as written in code. */
  readonly option: string;
  /**
   * Creates the error for an option's value.
   *
   * @param option The option, as written in code.
   * @param message What is wrong and what is allowed, e.g. "Cannot serve: idleTimeout -1 must be 0 or more".
   */
  constructor(option: string, message: string) {
    super("ERR_INVALID_OPTION", message);
    this.option = option;
  }
}

/**
 * The transport cannot do what an option asks on this runtime (`reuseAddress: false` where the
 * runtime always sets `SO_REUSEADDR`, a `backlog` the runtime does not pass on). Raised at
 * `bind()` or `listen()` instead of silently doing something else.
 *
 * @example Bun cannot set the listen backlog
 * ```ts
 * import { UnsupportedOptionError } from "@tcp-echo/core";
 *
 * const error = new UnsupportedOptionError("backlog", "bun", "Bun.listen takes no backlog");
 * if (error.message !== "Cannot use option 'backlog' on bun: Bun.listen takes no backlog") throw error;
 * ```
 */
export class UnsupportedOptionError extends TcpEchoError {
  /** The option, as written in code: `backlog`, `reuseAddress: false`. */
  readonly option: string;
  /** The runtime's name. */
  readonly runtime: string;
  /** Why the runtime cannot honour it. */
  readonly reason: string;
  /**
   * Creates the error for an option a runtime cannot honour.
   *
   * @param option The option, as written in code.
   * @param runtime The runtime's name.
   * @param reason Why, from the transport's `unsupported` table.
   */
  constructor(option: string, runtime: string, reason: string) {
    super("ERR_UNSUPPORTED_OPTION", `Cannot use option '${option}' on ${runtime}: ${reason}`);
    this.option = option;
    this.runtime = runtime;
    this.reason = reason;
  }
}

/** The runtime-neutral codes an adapter maps a failed listen to. */
export type ListenFailureCode = "EADDRINUSE" | "EACCES" | "EADDRNOTAVAIL";

/**
 * Builds the core error for a failed listen. Adapters call this from their one error-mapping
 * function, after translating the runtime's error to a {@link ListenFailureCode}.
 *
 * @param code The mapped code, or `undefined` when the runtime error has no core equivalent.
 * @param address The address as `host:port`.
 * @param cause The runtime's error.
 * @returns The matching {@link TcpEchoError}.
 *
 * @example Map a runtime's error code
 * ```ts
 * import { listenError } from "@tcp-echo/core/transport";
 *
 * const error = listenError("EADDRINUSE", "127.0.0.1:7007", new Error("listen EADDRINUSE"));
 * if (error.code !== "EADDRINUSE") throw new Error(error.code);
 * ```
 */
export function listenError(code: ListenFailureCode | undefined, address: string, cause: unknown): TcpEchoError {
  switch (code) {
    case "EADDRINUSE":
      return new AddressInUseError(address, { cause });
    case "EACCES":
      return new PermissionDeniedError(address, { cause });
    case "EADDRNOTAVAIL":
      return new AddressNotAvailableError(address, { cause });
    default: {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return new TcpEchoError("ERR_LISTEN_FAILED", `Cannot listen on ${address}: ${reason}`, { cause });
    }
  }
}
