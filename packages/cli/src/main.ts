import type { Adapter, DatagramServer, Server, SocketAddress } from "@tcp-echo/core";
import { type CliOptions, isHostName, parseCommandLine } from "./args.ts";
import { describeFailure, type Failure } from "./failure.ts";
import { expandGreeting, needsHostName } from "./greeting.ts";
import { HELP } from "./help.ts";
import { createLogger, type LogEvent, loggedEvents } from "./log.ts";
import type { Platform, Signal } from "./platform.ts";
import { chooseEndpoint } from "./serve-choice.ts";
import { serveUdp } from "./udp-server.ts";
import { UsageError } from "./usage-error.ts";
import { VERSION } from "./version.ts";
import { workerTag } from "./workers/identity.ts";

/** The exit status after a second signal: 128 + the signal's number, as shells report it. */
const SECOND_SIGNAL_EXIT: Readonly<Record<Signal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs the tcp-echo command: parses the command line, serves echo until the first SIGINT or
 * SIGTERM, shuts down gracefully, and returns the exit status. It never throws: every failure
 * is printed as one line on stderr.
 *
 * Exit status: 0 after `--help`, `--version` or a shutdown; 1 when the server cannot run (the
 * address is in use, a permission is missing); 2 for a bad command line; 130 or 143 when a
 * second SIGINT or SIGTERM cuts a shutdown short.
 *
 * @param platform The process to run in: arguments, environment, output, signals, files.
 * @param adapter The adapter of the same runtime: its `tcp`, `unix`, `tls` and `udp` factories.
 * @returns The exit status, for `platform.exit()`.
 *
 * @example The entrypoint of a runtime
 * ```ts ignore
 * import { main, nodePlatform } from "@tcp-echo/cli";
 * import * as node from "@tcp-echo/node";
 *
 * const platform = nodePlatform();
 * platform.exit(await main(platform, node));
 * ```
 */
export async function main(platform: Platform, adapter: Adapter): Promise<number> {
  try {
    const command = parseCommandLine(platform.args, (name) => platform.env(name));
    if (command.kind === "help") platform.stdout(HELP);
    if (command.kind === "version") {
      platform.stdout(`tcp-echo ${VERSION} (${platform.runtime.name} ${platform.runtime.version})\n`);
    }
    if (command.kind !== "serve") return 0;
    // A worker serves; only the process started with --workers supervises.
    if (command.options.workers !== undefined && workerTag(platform) === undefined) {
      const { supervise } = await import("./workers/supervisor.ts");
      return await supervise(platform, adapter, command.options);
    }
    return await run(platform, adapter, command.options, command.sources);
  } catch (error) {
    if (error instanceof UsageError) {
      platform.stderr(`tcp-echo: ${error.message}\nTry 'tcp-echo --help' for more information.\n`);
      return 2;
    }
    platform.stderr(`tcp-echo: ${describeFailure(error).message}\n`);
    if (platform.env("TCP_ECHO_DEBUG") && error instanceof Error) platform.stderr(`${error.stack}\n`);
    return 1;
  }
}

async function run(
  platform: Platform,
  adapter: Adapter,
  options: CliOptions,
  sources: ReadonlyMap<string, string>,
): Promise<number> {
  const worker = workerTag(platform);
  const log = createLogger({
    format: options.logFormat,
    quiet: options.quiet,
    write: platform.stderr,
    ...(worker === undefined ? {} : { worker }),
  });
  let server: Server<SocketAddress> | undefined;
  let udp: DatagramServer | undefined;
  let stopping = false;
  let settle: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    settle = resolve;
  });
  const shutdown = async () => {
    // UDP has nothing to drain: it closes at once. Then TCP stops accepting, and waits until
    // the port is released (close() resolves then), so that a connection made after the
    // "shutting down" line, which shutdown() logs before it starts waiting, is refused.
    await udp?.close();
    if (server === undefined) return settle(0);
    const running = server;
    await running.close();
    running.shutdown({ timeout: options.shutdownTimeout, quietPeriod: options.shutdownQuietPeriod }).then(
      () => settle(0),
      (error: unknown) => settle(fail(log, describeFailure(error))),
    );
  };
  // With UDP beside TCP, the events of both wait until both are up: a UDP port that cannot be had
  // must leave one error line, not a "listening" line (which scripts wait for) and a shutdown.
  let held: LogEvent[] | undefined = options.udp !== undefined && options.udp.alone !== true ? [] : undefined;
  // Set once the servers' events are no longer wanted: a failed start, or a second signal.
  let muted = false;
  const startupLog = (event: LogEvent) => {
    if (muted) return;
    if (held !== undefined) held.push(event);
    else log(event);
  };
  const stop = (signal: Signal) => {
    if (stopping) {
      const code = SECOND_SIGNAL_EXIT[signal];
      log({ type: "exit", signal, code });
      // The process exits now: what the cut-short shutdown would report is not so.
      muted = true;
      void server?.shutdown({ timeout: 0 }).catch(() => {});
      settle(code);
      return;
    }
    stopping = true;
    if (server !== undefined || udp !== undefined) void shutdown();
  };
  // Listening before the server is up, so a signal right after the startup line is not lost.
  platform.onSignal("SIGINT", () => stop("SIGINT"));
  platform.onSignal("SIGTERM", () => stop("SIGTERM"));
  // A worker whose supervisor was killed shuts down as if it had passed on a SIGTERM.
  if (worker !== undefined) platform.onSupervisorGone?.(() => stopping || stop("SIGTERM"));

  try {
    const needsLookup = options.transport.kind !== "unix" && isHostName(options.host);
    const host = needsLookup ? await resolve(platform, options.host) : options.host;
    // Workers share the port with SO_REUSEPORT where the transport has it, else through node:cluster.
    const reusePort = worker !== undefined && adapter.tcp().unsupported.reusePort === undefined;
    if (options.udp?.alone !== true)
      server = await serveStream(platform, adapter, options, host, startupLog, reusePort);
    if (options.udp !== undefined) {
      // Beside TCP, UDP takes the port TCP got, so that port 0 gives both the same number.
      const port = server !== undefined && "port" in server.address ? server.address.port : options.port;
      udp = await serveUdp(platform, adapter, options.udp, { host, port }, startupLog);
    }
  } catch (error) {
    muted = true;
    await server?.shutdown({ timeout: 0 }).catch(() => {});
    return fail(log, describeFailure(error, sources));
  }
  const started = held;
  held = undefined;
  for (const event of started ?? []) log(event);
  const hint = (worker === undefined ? undefined : platform.workerDescriptorLimitHint) ?? platform.descriptorLimitHint;
  if (hint !== undefined && server?.maxConnections === Number.POSITIVE_INFINITY) {
    log({ type: "note", message: hint });
  }
  if (stopping) void shutdown();
  return stopped;
}

/** Serves echo on the stream transport the flags picked: TCP, a unix socket or TLS. */
async function serveStream(
  platform: Platform,
  adapter: Adapter,
  options: CliOptions,
  host: string,
  log: (event: LogEvent) => void,
  reusePort: boolean,
): Promise<Server<SocketAddress>> {
  const endpoint = chooseEndpoint(platform, adapter, options, host, reusePort);
  // The address is validated by now; the permission check needs it resolved.
  const denied = platform.listenDenied(endpoint.description);
  if (denied !== undefined) throw Object.assign(new Error(denied), { code: "EPERM" });
  const greeting = options.greeting === undefined ? undefined : greetingBytes(platform, options.greeting);
  return await endpoint.serve({
    ...(greeting === undefined ? {} : { greeting }),
    backlog: options.backlog,
    maxConnections: options.maxConnections,
    idleTimeout: options.idleTimeout,
    onEvent: log,
    events: loggedEvents(options),
  });
}

/** The greeting to send each connection, its placeholders filled in from the process. */
function greetingBytes(platform: Platform, template: string): Uint8Array {
  const host = needsHostName(template) ? platform.hostname() : "";
  const runtime = `${platform.runtime.name} ${platform.runtime.version}`;
  const text = expandGreeting(template, { host, pid: platform.pid, runtime, pod: platform.env("POD_NAME") ?? host });
  return new TextEncoder().encode(text);
}

/** The address `name` resolves to, with the runtime's resolver. */
async function resolve(platform: Platform, name: string): Promise<string> {
  try {
    return await platform.lookup(name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot resolve host '${name}' (${reason}); pass an IP address or a name this machine resolves`, {
      cause: error,
    });
  }
}

function fail(log: (event: LogEvent) => void, failure: Failure): number {
  log({ type: "error", message: failure.message, ...(failure.code === undefined ? {} : { code: failure.code }) });
  return failure.exitCode;
}
