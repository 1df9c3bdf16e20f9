// The container image, built as a release would build it and run as a container runtime would,
// without a registry or a container runtime: compile the binary with Bun, `podman build` it on a
// local base (the build machine's copies of the libraries the binary links, in place of
// distroless, which needs a registry), check the image's config, then export the image's root
// file system and start its ENTRYPOINT there with chroot, as its USER, with its ENV, on a
// read-only root (as the Deployment's readOnlyRootFilesystem has it), and echo over TCP and UDP.
// `podman run` would need cgroups, which sandboxed CI does not always give; chroot needs root.
// Needs the build (`npm test` builds first): the binary bundles packages/cli/dist.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
// vfs needs no overlay mount, so it works in any sandbox; STORAGE_DRIVER picks another (a machine
// whose podman storage is already overlay needs STORAGE_DRIVER=overlay).
// biome-ignore lint/suspicious/noUndeclaredEnvVars: this test runs under vitest, not a turbo task.
const podmanArgs = ["--storage-driver", process.env.STORAGE_DRIVER ?? "vfs"];
const name = `tcp-echo-test-${process.pid}`;
const image = `localhost/${name}:latest`;
const base = `localhost/${name}-base:latest`;
const { version } = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8"));

const hasPodman = spawnSync("podman", ["--version"]).status === 0;
const skipReason = !hasPodman
  ? "podman is not installed (.ci/run installs it)"
  : process.getuid?.() !== 0
    ? "not root: running the image needs chroot and mount (CI runs as root)"
    : undefined;
if (skipReason !== undefined) console.log(`container image: skipped, ${skipReason}`);

/** Runs a command to completion; its stdout, or an error with its stderr. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 2 ** 20, ...options });
  if (result.status !== 0) {
    const reason = result.error?.message ?? result.stderr.trim();
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${reason}`);
  }
  return result.stdout.trim();
}
const podman = (...args) => run("podman", [...podmanArgs, ...args]);

/** Resolves with the match when a line of `lines` (which the server's stderr fills) matches `pattern`. */
function waitForLine(lines, pattern, ms = 10_000) {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = lines.map((line) => line.match(pattern)).find((candidate) => candidate !== null);
      if (match !== undefined) resolve(match);
      else if (performance.now() > deadline)
        reject(new Error(`no line like ${pattern} in ${ms} ms:\n${lines.join("\n")}`));
      else return;
      clearInterval(timer);
    }, 20);
  });
}

describe.skipIf(skipReason)(`container image${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const timings = {};
  const time = (phase, fn) => {
    const started = performance.now();
    const value = fn();
    timings[phase] = (performance.now() - started) / 1000;
    return value;
  };
  let dir;
  let container;
  let config;
  let server;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tcp-echo-image-"));
    const binary = join(dir, "context", "tcp-echo");
    time("compile", () =>
      run(join(root, "node_modules/.bin/bun"), ["build", "--compile", "runtimes/bun/main.ts", "--outfile", binary], {
        cwd: root,
      }),
    );
    time("base", () => {
      // The libraries the binary links, at the paths its loader looks in: what distroless cc has.
      const libraries = [...run("ldd", [binary]).matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]);
      for (const library of libraries) {
        const copy = join(dir, "base", library);
        mkdirSync(dirname(copy), { recursive: true });
        copyFileSync(library, copy);
        chmodSync(copy, 0o755);
      }
      run("tar", ["-C", join(dir, "base"), "-cf", join(dir, "base.tar"), "."]);
      podman("import", join(dir, "base.tar"), base);
    });
    time("build", () =>
      podman(
        "build",
        "--pull=never",
        "--build-arg",
        `BASE=${base}`,
        "--build-arg",
        `VERSION=${version}`,
        "-f",
        join(root, "deploy/container/Containerfile"),
        "-t",
        image,
        join(dir, "context"),
      ),
    );
    [config] = JSON.parse(podman("image", "inspect", image));
    time("export", () => {
      container = podman("create", image);
      podman("export", "-o", join(dir, "rootfs.tar"), container);
      mkdirSync(join(dir, "rootfs"));
      run("tar", ["-C", join(dir, "rootfs"), "-xf", join(dir, "rootfs.tar")]);
    });
  }, 120_000);

  afterAll(() => {
    if (server?.exitCode === null) server.kill("SIGKILL");
    if (container !== undefined) spawnSync("podman", [...podmanArgs, "rm", "-f", container]);
    spawnSync("podman", [...podmanArgs, "rmi", "-f", image, base]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    const phases = Object.entries(timings).map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)} s`);
    const size = config === undefined ? "" : `; image ${(config.Size / 1e6).toFixed(1)} MB on the test base`;
    console.log(`container image: ${phases.join(", ")}${size}`);
  });

  test("the image runs as 65532 on 7007/tcp and 7007/udp, on all interfaces, stopped by SIGTERM", () => {
    expect(config.Config).toMatchObject({
      User: "65532:65532",
      ExposedPorts: { "7007/tcp": {}, "7007/udp": {} },
      StopSignal: "SIGTERM",
      Entrypoint: ["/usr/local/bin/tcp-echo"],
    });
    expect(config.Config.Env).toEqual(expect.arrayContaining(["TCP_ECHO_HOST=", "TCP_ECHO_PORT=7007"]));
    expect(config.Config.Labels).toMatchObject({
      "org.opencontainers.image.title": "tcp-echo",
      "org.opencontainers.image.version": version,
      "org.opencontainers.image.licenses": "MIT",
      "org.opencontainers.image.source": "https://github.com/tcp-echo/tcp-echo",
    });
  });

  test("the executable belongs to root, so the server cannot rewrite it", () => {
    const stat = statSync(join(dir, "rootfs", config.Config.Entrypoint[0]));
    expect({ uid: stat.uid, writableByOthers: (stat.mode & 0o022) !== 0 }).toEqual({ uid: 0, writableByOthers: false });
  });

  test("its ENTRYPOINT serves TCP and UDP echo from the exported root, then drains on SIGTERM and exits 0", async () => {
    const rootfs = join(dir, "rootfs");
    for (const mountPoint of ["proc", "dev"]) mkdirSync(join(rootfs, mountPoint), { recursive: true });
    const env = Object.fromEntries(config.Config.Env.map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
    // The image's ENV, with what a test on a shared machine needs: loopback, a free port, and UDP
    // as the Deployment turns it on.
    Object.assign(env, { TCP_ECHO_HOST: "127.0.0.1", TCP_ECHO_PORT: "0", TCP_ECHO_UDP: "1" });
    // A mount namespace of its own: the mounts end with the process. The root is bound read-only;
    // /proc and /dev come from the host, as a runtime would mount them (Bun reads /proc).
    const script = [
      'r=$1; u=$2; shift 2; set -e; mount --bind "$r" "$r"; mount -o remount,bind,ro "$r"',
      'mount --rbind /proc "$r/proc"; mount --rbind /dev "$r/dev"; exec chroot --userspec="$u" "$r" "$@"',
    ].join("; ");
    const command = [...config.Config.Entrypoint, ...(config.Config.Cmd ?? [])];
    const started = performance.now();
    server = spawn("unshare", ["--mount", "sh", "-c", script, "sh", rootfs, config.Config.User, ...command], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const lines = [];
    let partial = "";
    server.stderr.setEncoding("utf8").on("data", (chunk) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop();
      lines.push(...parts);
    });
    const exited = new Promise((resolve) => server.on("exit", (code, signal) => resolve({ code, signal })));

    const [, port] = await waitForLine(lines, /^tcp-echo listening on 127\.0\.0\.1:(\d+) \(bun /);
    await waitForLine(lines, new RegExp(`^tcp-echo listening on udp://127\\.0\\.0\\.1:${port} `));
    expect(readFileSync(`/proc/${server.pid}/status`, "utf8")).toMatch(/^Uid:\s+65532\s/m);

    const payload = randomBytes(256 * 1024);
    const echoed = await new Promise((resolve, reject) => {
      const chunks = [];
      const socket = createConnection({ host: "127.0.0.1", port: Number(port) }, () => socket.end(payload));
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.on("end", () => resolve(Buffer.concat(chunks)));
      socket.on("error", reject);
    });
    expect(echoed.equals(payload)).toBe(true);

    const datagram = await new Promise((resolve, reject) => {
      const socket = createSocket("udp4");
      const timer = setTimeout(() => reject(new Error("no UDP echo within 5 s")), 5000);
      socket.on("message", (message) => {
        clearTimeout(timer);
        socket.close();
        resolve(message.toString());
      });
      socket.send("one datagram", Number(port), "127.0.0.1");
    });
    expect(datagram).toBe("one datagram");

    server.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    timings.run = (performance.now() - started) / 1000;
    expect(lines.join("\n")).toMatch(/^tcp-echo stopped: /m);
  }, 30_000);
});
