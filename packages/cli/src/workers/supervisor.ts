import type { Adapter } from "@tcp-echo/core";
import { type CliOptions, isHostName } from "../args.ts";
import { describeFailure } from "../failure.ts";
import { createLogger, formatJson, type LogEvent } from "../log.ts";
import type { Platform, Signal } from "../platform.ts";
import { chooseEndpoint } from "../serve-choice.ts";
import { Backoff } from "./backoff.ts";
import { WORKER_ID_VARIABLE } from "./identity.ts";
import type { WorkerAccess, WorkerExit, WorkerProcess, WorkerSharing } from "./worker-process.ts";

/** The exit status after a second signal: 128 + the signal's number, as shells report it. */
const SECOND_SIGNAL_EXIT: Readonly<Record<Signal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** After a second signal, how long workers get to exit before they are killed. */
const KILL_AFTER_MS = 5000;

/** One worker's place: its id, the process filling it now, and its restart backoff. */
interface Slot {
  readonly id: number;
  readonly backoff: Backoff;
  /** The running process; undefined while it is being started, waiting to restart, or done. */
  process: WorkerProcess | undefined;
  /** Being started: spawnWorker() has not returned yet. */
  starting: boolean;
  /** Whether the running process has printed its startup line. */
  listening: boolean;
  /** When the running process started, for the backoff. */
  startedAt: number;
  /** The pending restart. */
  restart: ReturnType<typeof setTimeout> | undefined;
  /** Called once the running process listens (true) or exits before it does (false). */
  ready: (listening: boolean) => void;
}

/**
 * Runs `--workers`: starts the workers, each this command again with `TCP_ECHO_WORKER_ID` set,
 * passes on their stderr line by line, restarts a worker that exits without being asked, and
 * passes SIGINT and SIGTERM on to every worker. Returns the exit status: 0 when every worker
 * exited 0 after the shutdown, 130 or 143 after a second signal, 1 when the workers cannot run.
 *
 * @param platform The process.
 * @param adapter The runtime's adapter: whether its TCP has `SO_REUSEPORT` decides how workers
 * share the port.
 * @param options The command line, as every worker reads it too: `workers` says how many.
 * @returns The exit status.
 */
export async function supervise(platform: Platform, adapter: Adapter, options: CliOptions): Promise<number> {
  const log = createLogger({ format: options.logFormat, quiet: options.quiet, write: platform.stderr });
  const fail = (message: string) => {
    log({ type: "error", message });
    return 1;
  };
  const reason = adapter.tcp().unsupported.reusePort;
  const sharing = reason === undefined ? "reusePort" : platform.workerFallback;
  if (sharing === undefined) return fail(`Cannot use --workers on ${platform.runtime.name}: ${reason}`);
  if (platform.spawnWorker === undefined) {
    return fail(`Cannot use --workers on ${platform.runtime.name}: it cannot start processes here`);
  }
  const denied = platform.workersDenied?.();
  if (denied !== undefined) return fail(denied);

  // Checked here once, so that an address, a certificate or a permission that cannot work is
  // one line from the supervisor rather than one from each worker.
  let description: string;
  try {
    const host = isHostName(options.host) ? await lookup(platform, options.host) : options.host;
    description = chooseEndpoint(platform, adapter, options, host, sharing === "reusePort").description;
    const refused = platform.listenDenied(description);
    if (refused !== undefined) throw Object.assign(new Error(refused), { code: "EPERM" });
  } catch (error) {
    const failure = describeFailure(error);
    log({ type: "error", message: failure.message, ...(failure.code === undefined ? {} : { code: failure.code }) });
    return failure.exitCode;
  }
  // Loaded only here: on Bun node:os stays in the heap for good (see platform/process.ts).
  const count = options.workers === "auto" ? (await import("node:os")).availableParallelism() : (options.workers ?? 1);
  log({ type: "workers", count, address: description, runtime: platform.runtime, sharing });
  const supervisor = new Supervisor(platform, options, { count, sharing, description, log });
  return await supervisor.run();
}

/** The address `name` resolves to, with the runtime's resolver, as the server itself words a failure. */
async function lookup(platform: Platform, name: string): Promise<string> {
  try {
    return await platform.lookup(name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot resolve host '${name}' (${reason}); pass an IP address or a name this machine resolves`);
  }
}

interface Settings {
  readonly count: number;
  readonly sharing: WorkerSharing;
  /** The listen address as the startup line prints it: `127.0.0.1:7007`, `tls://[::1]:0`. */
  readonly description: string;
  readonly log: (event: LogEvent) => void;
}

class Supervisor {
  readonly #platform: Platform;
  readonly #options: CliOptions;
  readonly #settings: Settings;
  readonly #slots: Slot[];
  /** `--port <n>` once the first worker has the port `--port 0` gave it (reusePort only). */
  #portArgs: string[] = [];
  #port: number;
  /** Set once every worker has listened: from then on a worker that exits is restarted. */
  #started = false;
  #failed = false;
  #signals = 0;
  #lastSignal: Signal = "SIGTERM";
  /** Whether every worker that exited during the shutdown exited 0. */
  #clean = true;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #finish: (code: number) => void = () => {};
  #finished = false;

  constructor(platform: Platform, options: CliOptions, settings: Settings) {
    this.#platform = platform;
    this.#options = options;
    this.#settings = settings;
    this.#port = options.port;
    this.#slots = Array.from({ length: settings.count }, (_, index) => ({
      id: index + 1,
      backoff: new Backoff(),
      process: undefined,
      starting: false,
      listening: false,
      startedAt: 0,
      restart: undefined,
      ready: () => {},
    }));
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.#finish = resolve;
    });
    this.#platform.onSignal("SIGINT", () => this.#signal("SIGINT"));
    this.#platform.onSignal("SIGTERM", () => this.#signal("SIGTERM"));
    void this.#launch();
    return done;
  }

  /** Starts the first worker, and the others once it listens: it finds the port, or the error. */
  async #launch(): Promise<void> {
    const [first, ...others] = this.#slots;
    if (first === undefined || !(await this.#start(first))) return;
    if (this.#stopping) return;
    const listening = await Promise.all(others.map((slot) => this.#start(slot)));
    if (listening.every(Boolean) && !this.#stopping) this.#started = true;
  }

  get #stopping(): boolean {
    return this.#signals > 0 || this.#failed;
  }

  /** Starts a worker in `slot`; resolves true once it listens, false when it exits first. */
  async #start(slot: Slot): Promise<boolean> {
    slot.restart = undefined;
    slot.starting = true;
    slot.listening = false;
    slot.startedAt = Date.now();
    const ready = new Promise<boolean>((resolve) => {
      slot.ready = resolve;
    });
    let worker: WorkerProcess;
    try {
      worker = await (this.#platform.spawnWorker as NonNullable<Platform["spawnWorker"]>)({
        args: withArgs(this.#platform.args, this.#portArgs),
        env: { [WORKER_ID_VARIABLE]: String(slot.id) },
        sharing: this.#settings.sharing,
        access: this.#access(),
        onLine: (line) => this.#line(slot, line),
      });
    } catch (error) {
      slot.starting = false;
      const message = error instanceof Error ? error.message : String(error);
      this.#giveUp(`Cannot start worker ${slot.id}: ${message}`);
      this.#settle();
      return false;
    }
    slot.starting = false;
    slot.process = worker;
    if (this.#signals > 0 || this.#failed) worker.stop(this.#lastSignal);
    void worker.exited.then((exit) => this.#exited(slot, worker, exit));
    return await ready;
  }

  /** What a worker must be allowed: its address (with the port once known), the host name, the TLS files. */
  #access(): WorkerAccess {
    const host = this.#settings.description.replace(/^tls:\/\//, "").replace(/:\d+$/, "");
    const name = isHostName(this.#options.host) ? [this.#options.host] : [];
    const transport = this.#options.transport;
    const files =
      transport.kind === "tls"
        ? [transport.certFile, transport.keyFile, ...(transport.caFile === undefined ? [] : [transport.caFile])]
        : [];
    return { net: [`${host}:${this.#port}`, ...name], files };
  }

  /** Hands on a worker's stderr line, tagged with its id, and notes its startup line. */
  #line(slot: Slot, line: string): void {
    const json = this.#options.logFormat === "json";
    const port = listeningPort(line);
    if (port !== undefined && !slot.listening) {
      slot.listening = true;
      if (this.#port === 0 && port > 0) {
        this.#port = port;
        // node:cluster gives every worker that listens on port 0 the same port; with
        // SO_REUSEPORT each would get its own.
        if (this.#settings.sharing === "reusePort") this.#portArgs = ["--port", String(port)];
      }
      slot.ready(true);
    }
    const tagged = line.startsWith(json ? "{" : `[worker ${slot.id}] `);
    const text = tagged
      ? line
      : json
        ? formatJson({ type: "note", message: line }, new Date(), { worker: slot.id })
        : `[worker ${slot.id}] ${line}`;
    this.#platform.stderr(`${text}\n`);
  }

  #exited(slot: Slot, worker: WorkerProcess, exit: WorkerExit): void {
    slot.process = undefined;
    const listened = slot.listening;
    slot.ready(false);
    if (this.#stopping) {
      if (exit.code !== 0) this.#clean = false;
      this.#settle();
      return;
    }
    if (!listened && !this.#started) {
      const how = exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
      this.#giveUp(`worker ${slot.id} (pid ${worker.pid}) ${how} before it listened; stopping the workers`);
      return;
    }
    const delayMs = slot.backoff.delay(Date.now() - slot.startedAt);
    this.#settings.log({ type: "restart", worker: slot.id, pid: worker.pid, ...exit, delayMs });
    slot.restart = setTimeout(() => void this.#start(slot), delayMs);
  }

  /** A worker cannot start: stop the others and exit 1. */
  #giveUp(message: string): void {
    if (this.#stopping) return;
    this.#failed = true;
    this.#settings.log({ type: "error", message });
    this.#stopAll("SIGTERM");
    this.#settle();
  }

  #signal(signal: Signal): void {
    this.#signals += 1;
    this.#lastSignal = signal;
    if (this.#signals === 1) {
      this.#stopAll(signal);
      this.#settle();
      return;
    }
    // A second signal: every worker exits at once, as one server does.
    this.#settings.log({ type: "exit", signal, code: SECOND_SIGNAL_EXIT[signal] });
    this.#stopAll(signal);
    this.#killTimer ??= setTimeout(() => {
      for (const slot of this.#slots) slot.process?.kill();
    }, KILL_AFTER_MS);
    this.#settle();
  }

  #stopAll(signal: Signal): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      slot.restart = undefined;
      slot.process?.stop(signal);
    }
  }

  /** Finishes once no worker runs or is being started. */
  #settle(): void {
    if (this.#finished || this.#slots.some((slot) => slot.process !== undefined || slot.starting)) return;
    this.#finished = true;
    clearTimeout(this.#killTimer);
    if (this.#failed) this.#finish(1);
    else if (this.#signals > 1) this.#finish(SECOND_SIGNAL_EXIT[this.#lastSignal]);
    else this.#finish(this.#clean ? 0 : 1);
  }
}

/**
 * The port in a worker's startup line, pretty (`[worker 1] tcp-echo listening on
 * 127.0.0.1:7007 (node 20.20.2)`) or JSON; undefined for any other line.
 */
function listeningPort(line: string): number | undefined {
  if (line.startsWith("{")) {
    try {
      const event = JSON.parse(line) as { type?: unknown; port?: unknown };
      return event.type === "listening" && typeof event.port === "number" ? event.port : undefined;
    } catch {
      return undefined;
    }
  }
  const match = /^\[worker \d+\] tcp-echo listening on .*:(\d+) \(/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** The command line with `extra` flags: the last of a repeated flag wins, so they go last, before a final `--`. */
function withArgs(args: readonly string[], extra: readonly string[]): string[] {
  return args.at(-1) === "--" ? [...args.slice(0, -1), ...extra, "--"] : [...args, ...extra];
}
