import type { Platform } from "../platform.ts";
import { WORKER_ID_VARIABLE } from "../workers/identity.ts";
import { type DenoSpawnApi, type PermissionQuery, spawnDenoWorker, workerPermissions } from "./deno-worker.ts";
import { lookupHost } from "./lookup.ts";

type PermissionDescriptor = PermissionQuery | { name: "write"; path: string };

// The part of the Deno namespace this file uses, so the package type-checks without Deno's types.
interface DenoApi extends DenoSpawnApi {
  readonly args: readonly string[];
  readonly version: { readonly deno: string };
  readonly env: { get(name: string): string | undefined };
  readonly permissions: { querySync(descriptor: PermissionDescriptor): { readonly state: string } };
  readonly stdout: { writeSync(bytes: Uint8Array): number };
  readonly stderr: { writeSync(bytes: Uint8Array): number };
  readonly stdin: { read(buffer: Uint8Array): Promise<number | null> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  exit(code: number): never;
  readonly pid: number;
  hostname(): string;
  readTextFileSync(path: string): string;
}

/**
 * The {@link Platform} of Deno. It reads only the environment variables and listens only where
 * `--allow-env`, `--allow-net`, `--allow-read` and `--allow-write` already allow (`Deno.permissions.querySync`), so it never
 * prompts: a variable it may not read counts as unset, and an address it may not listen on
 * gives a message naming the `--allow-net` to add.
 *
 * @returns The platform of this process.
 * @throws {Error} When called outside Deno.
 *
 * @example Run the command on Deno
 * ```ts ignore
 * import { denoPlatform, main } from "@tcp-echo/cli";
 * import * as deno from "@tcp-echo/deno";
 *
 * const platform = denoPlatform();
 * platform.exit(await main(platform, deno));
 * ```
 */
export function denoPlatform(): Platform {
  const deno = (globalThis as { Deno?: DenoApi }).Deno;
  if (deno === undefined) throw new Error("denoPlatform() runs on Deno; on Node.js use nodePlatform()");
  const encoder = new TextEncoder();
  // https://docs.deno.com/api/deno/~/Deno.permissions
  const granted = (descriptor: PermissionDescriptor) => deno.permissions.querySync(descriptor).state === "granted";
  const write = (stream: DenoApi["stdout"], text: string) => {
    const bytes = encoder.encode(text);
    for (let written = 0; written < bytes.length; ) written += stream.writeSync(bytes.subarray(written));
  };
  // The variables this process may read and has looked at: a worker may read them too.
  const readable = new Set<string>([WORKER_ID_VARIABLE]);
  return {
    runtime: { name: "deno", version: deno.version.deno },
    args: deno.args,
    env(name) {
      if (!granted({ name: "env", variable: name })) return undefined;
      readable.add(name);
      return deno.env.get(name);
    },
    stdout: (text) => write(deno.stdout, text),
    stderr: (text) => write(deno.stderr, text),
    onSignal: (signal, listener) => deno.addSignalListener(signal, listener),
    exit: (code) => deno.exit(code),
    listenDenied(address) {
      if (address.startsWith("unix:")) {
        const path = address.slice("unix:".length);
        // An abstract name has no file: Deno asks for no permission.
        if (path.startsWith("@")) return undefined;
        const missing = (["read", "write"] as const).filter((name) => !granted({ name, path }));
        if (missing.length === 0) return undefined;
        const flags = missing.map((name) => `--allow-${name}=${path}`).join(" ");
        return `Cannot listen on ${address}: Deno may not ${missing.join(" or ")} the socket file; run with ${flags}`;
      }
      const host = address.replace(/^(tls|udp):\/\//, "");
      if (granted({ name: "net", host })) return undefined;
      const shown = host.replace(/:0$/, "");
      return `Cannot listen on ${address}: Deno has no network permission; run with --allow-net or --allow-net=${shown}`;
    },
    readTextFile(path) {
      if (!granted({ name: "read", path })) throw new Error(`Deno may not read it; run with --allow-read=${path}`);
      return deno.readTextFileSync(path);
    },
    lookup: lookupHost,
    pid: deno.pid,
    descriptorLimitHint:
      "Deno reads the open-file limit (/proc/self/limits) only with --allow-all, so there is no default --max-connections; set one, or run with -A",
    workerDescriptorLimitHint:
      "a Deno worker runs without --allow-all, so it cannot read the open-file limit (/proc/self/limits) and has no default --max-connections; set one",
    hostname() {
      if (granted({ name: "sys", kind: "hostname" })) return deno.hostname();
      throw new Error("Cannot read the host name for --greeting: run with --allow-sys=hostname");
    },
    spawnWorker(options) {
      // Read later, by a worker only: its greeting's {pod} and the debug switch.
      for (const name of ["POD_NAME", "TCP_ECHO_DEBUG"])
        if (granted({ name: "env", variable: name })) readable.add(name);
      return spawnDenoWorker(deno, workerPermissions(granted, options.access, [...readable]), options);
    },
    workersDenied() {
      if (granted({ name: "run", command: deno.execPath() })) return undefined;
      return `Cannot start workers: Deno may not start processes; run with --allow-run (or --allow-run=${deno.execPath()})`;
    },
    onSupervisorGone(listener) {
      // The supervisor holds the other end of stdin open and never writes: end of file means it is gone.
      const buffer = new Uint8Array(64);
      const watch = async (): Promise<void> => {
        while ((await deno.stdin.read(buffer)) !== null);
      };
      watch().then(listener, listener);
    },
  };
}
