import type { Platform } from "../platform.ts";
import { lookupHost } from "./lookup.ts";

type PermissionDescriptor =
  | { name: "env"; variable: string }
  | { name: "net"; host: string }
  | { name: "sys"; kind: "hostname" }
  | { name: "read"; path: string }
  | { name: "write"; path: string };

// The part of the Deno namespace this file uses, so the package type-checks without Deno's types.
interface DenoApi {
  readonly args: readonly string[];
  readonly version: { readonly deno: string };
  readonly env: { get(name: string): string | undefined };
  readonly permissions: { querySync(descriptor: PermissionDescriptor): { readonly state: string } };
  readonly stdout: { writeSync(bytes: Uint8Array): number };
  readonly stderr: { writeSync(bytes: Uint8Array): number };
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
  return {
    runtime: { name: "deno", version: deno.version.deno },
    args: deno.args,
    env: (name) => (granted({ name: "env", variable: name }) ? deno.env.get(name) : undefined),
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
    hostname() {
      if (granted({ name: "sys", kind: "hostname" })) return deno.hostname();
      throw new Error("Cannot read the host name for --greeting: run with --allow-sys=hostname");
    },
  };
}
