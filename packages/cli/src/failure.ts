import { TcpEchoError, UnsupportedOptionError } from "@tcp-echo/core";
import { nameSources } from "./env-flags.ts";

/** Why the server cannot run, as the one line the command prints, and the exit status. */
export interface Failure {
  /** The sentence after `tcp-echo: `: what failed and what to do about it. */
  readonly message: string;
  /** The core's error code, when the failure has one. */
  readonly code?: string;
  /** 2 for a bad command line the core caught, 1 otherwise. */
  readonly exitCode: 1 | 2;
}

const REMEDIES: Readonly<Partial<Record<string, string>>> = {
  EADDRINUSE: "pick another port with --port",
  EACCES: "pick a port of 1024 or more with --port, or run with the privilege to bind this one",
  EADDRNOTAVAIL: "pick an address of this machine with --host, or '' for all interfaces",
};

/** The same codes for a unix socket, whose address is a path. */
const UNIX_REMEDIES: Readonly<Partial<Record<string, string>>> = {
  EADDRINUSE: "pick another path with --unix",
  EACCES: "pick a path in a directory this user may write to with --unix",
};

/** The command-line flag that sets each option a runtime may not honour. */
const FLAGS: Readonly<Partial<Record<string, string>>> = {
  backlog: "--backlog",
  "reuseAddress: false": "--no-reuse-address",
  requestCert: "--tls-client-auth",
};

/**
 * Turns an error thrown while starting or stopping the server into the line to print: the
 * core's message plus a remedy for the errors a person can fix, the bare message otherwise.
 *
 * @param error What was thrown.
 * @param sources What set the flags taken from the environment (`Command`'s `sources`): a
 * remedy then names the variable the user set (`TCP_ECHO_PORT`) instead of its flag.
 * @returns The line, the code and the exit status.
 *
 * @example The port is taken
 * ```ts
 * import { AddressInUseError } from "@tcp-echo/core";
 * import { describeFailure } from "@tcp-echo/cli";
 *
 * console.log(describeFailure(new AddressInUseError("127.0.0.1:7007")).message);
 * // "Cannot listen on 127.0.0.1:7007: address already in use; pick another port with --port"
 * ```
 */
export function describeFailure(error: unknown, sources?: ReadonlyMap<string, string>): Failure {
  if (error instanceof TcpEchoError) {
    const flag = error instanceof UnsupportedOptionError ? FLAGS[error.option] : undefined;
    const address = (error as { address?: unknown }).address;
    const remedies = typeof address === "string" && address.startsWith("unix:") ? UNIX_REMEDIES : REMEDIES;
    const remedy = flag === undefined ? remedies[error.code] : `run without ${flag} on this runtime`;
    const named = remedy === undefined || sources === undefined ? remedy : nameSources(remedy, sources);
    const message = named === undefined ? error.message : `${error.message}; ${named}`;
    return { message, code: error.code, exitCode: error.code === "ERR_INVALID_ADDRESS" ? 2 : 1 };
  }
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === "string" ? { code } : {}),
    exitCode: 1,
  };
}
