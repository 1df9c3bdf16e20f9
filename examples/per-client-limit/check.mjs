#!/usr/bin/env node
/**
 * Checks examples/per-client-limit/server.mjs over the wire on Node.js, Deno and Bun: starts it on
 * an ephemeral port of a dual-stack listener (`--host ''`) with `--limit 3`, then
 *
 *   1. three clients from 127.0.0.1 each get "hello" echoed, exactly;
 *   2. a fourth and a fifth from 127.0.0.1 are each closed without an echo, and the server logs
 *      "per-client-limit" for each (the fifth shows that a refusal gives no slot back);
 *   3. a client from ::1 is echoed meanwhile: each address has its own budget;
 *   4. once one 127.0.0.1 client hangs up (and the server logs its close), a new one is echoed;
 *   5. every echoed client half-closes and has received exactly "hello" at the server's FIN;
 *   6. SIGTERM to the server's PID: it shuts down and exits 0.
 *
 * Every wait has a deadline; nothing sleeps. Prints one line per runtime; exits 1 if any failed.
 *
 *   node examples/per-client-limit/check.mjs [node] [deno] [bun]   (default: all three)
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { connect } from "node:net";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const server = new URL("server.mjs", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const runtimes = {
  node: [process.execPath],
  deno: [bin("deno"), "run", "-A"],
  bun: [bin("bun")],
};
const LIMIT = 3;
const MESSAGE = "hello";
/** Deadline of each step; startup gets longer, for a cold Deno cache. */
const STEP_MS = 5_000;
const START_MS = 15_000;

/** Resolves with `condition()`'s first truthy value, re-checked on each "change"; `condition` throws to fail. */
function until(bus, condition, what, ms = STEP_MS) {
  return new Promise((resolve, reject) => {
    const check = () => {
      try {
        const value = condition();
        if (value) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${ms} ms`))), ms);
    const finish = (settle) => {
      clearTimeout(timer);
      bus.off("change", check);
      settle();
    };
    bus.on("change", check);
    check();
  });
}

/** Starts the example; records its stdout lines and its exit. */
function startServer(bus, command) {
  const child = spawn(
    command[0],
    [...command.slice(1), server, "--host", "", "--port", "0", "--limit", String(LIMIT)],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const proc = { child, lines: [], stderr: "", exit: undefined };
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text) => {
    const parts = (partial + text).split("\n");
    partial = parts.pop();
    proc.lines.push(...parts);
    bus.emit("change");
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    proc.stderr += text;
  });
  child.once("error", (error) => {
    proc.exit = { code: null, signal: null, error };
    bus.emit("change");
  });
  child.once("close", (code, signal) => {
    proc.exit ??= { code, signal };
    bus.emit("change");
  });
  return proc;
}

function running(proc) {
  if (proc.exit) throw new Error(`the server exited (${proc.exit.code ?? proc.exit.signal ?? proc.exit.error})`);
}

/** Opens a client from `host`; records what it receives and how the server ended it ("FIN" or an error code). */
async function dial(bus, proc, host, port) {
  const socket = connect({ host, port, localAddress: host, allowHalfOpen: true });
  const client = { socket, host, localPort: 0, text: "", end: undefined };
  socket.setEncoding("utf8");
  socket.on("connect", () => {
    client.localPort = socket.localPort;
    bus.emit("change");
  });
  socket.on("data", (text) => {
    client.text += text;
    bus.emit("change");
  });
  socket.on("end", () => {
    client.end ??= "FIN";
    bus.emit("change");
  });
  socket.on("error", (error) => {
    client.end ??= error.code ?? error.message;
    bus.emit("change");
  });
  await until(
    bus,
    () => {
      running(proc);
      if (client.end) throw new Error(`connecting from ${host} failed: ${client.end}`);
      return client.localPort !== 0;
    },
    `connection from ${host}`,
  );
  return client;
}

/** Sends the message and waits for as many bytes back; they must be the message. */
async function echoes(bus, proc, client) {
  client.socket.write(MESSAGE);
  await until(
    bus,
    () => {
      running(proc);
      if (client.text.length >= MESSAGE.length) return true;
      if (client.end)
        throw new Error(`${label(client)} was closed (${client.end}) after ${JSON.stringify(client.text)}`);
      return false;
    },
    `echo to ${label(client)}`,
  );
  if (client.text !== MESSAGE) throw new Error(`${label(client)} got ${JSON.stringify(client.text)}`);
}

/**
 * Sends the message and waits for the server to end the connection with no echo, and to log it
 * closed with "per-client-limit". A real client writes at once; the server closes without
 * reading, so the client sees a FIN, or a reset when the message already sat in the server's
 * receive buffer: both are a refusal. Resolves with which one it was.
 */
async function refused(bus, proc, client) {
  client.socket.write(MESSAGE);
  const how = await until(
    bus,
    () => {
      running(proc);
      if (client.text !== "") throw new Error(`${label(client)} got ${JSON.stringify(client.text)}, expected no echo`);
      return client.end;
    },
    `close of ${label(client)}`,
  );
  await loggedClose(bus, proc, client, "per-client-limit");
  client.socket.destroy();
  return how;
}

/** Half-closes and waits for the server's FIN; everything received must be the one message. */
async function hangUp(bus, proc, client) {
  client.socket.end();
  const end = await until(
    bus,
    () => {
      running(proc);
      return client.end;
    },
    `end of ${label(client)}`,
  );
  if (end !== "FIN") throw new Error(`${label(client)} ended with ${end}, not a FIN`);
  if (client.text !== MESSAGE) throw new Error(`${label(client)} got ${JSON.stringify(client.text)} in all`);
  client.socket.destroy();
}

/** The server's `close` line for a client, as the example prints it: `close #7 [::1]:40312 peer, ...`. */
function closeLine(proc, client) {
  const host = client.host.replaceAll(".", "\\.");
  const pattern = new RegExp(`^close #\\d+ \\[?(?:::ffff:)?${host}\\]?:${client.localPort} ([^,]+),`);
  for (const line of proc.lines) {
    const match = pattern.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

async function loggedClose(bus, proc, client, reason) {
  const logged = await until(bus, () => closeLine(proc, client), `close of ${label(client)} in the server's log`);
  if (logged !== reason) throw new Error(`the server logged ${label(client)} closed with ${logged}, not ${reason}`);
}

function label(client) {
  return `the client from ${client.host} (port ${client.localPort})`;
}

async function check(name, command) {
  const started = performance.now();
  const bus = new EventEmitter();
  const proc = startServer(bus, command);
  const clients = [];
  try {
    const listening = await until(
      bus,
      () => {
        running(proc);
        return proc.lines.map((line) => /^per-client-limit listening on \S+:(\d+) \((.+?)\)/.exec(line)).find(Boolean);
      },
      "startup line",
      START_MS,
    );
    const port = Number(listening[1]);
    const runtime = listening[2];

    for (let i = 0; i < LIMIT; i++) {
      const client = await dial(bus, proc, "127.0.0.1", port);
      clients.push(client);
      await echoes(bus, proc, client);
    }

    // Twice: a refused connection must not give a slot back when it closes.
    const endings = [];
    for (let i = 0; i < 2; i++) endings.push(await refused(bus, proc, await dial(bus, proc, "127.0.0.1", port)));

    const other = await dial(bus, proc, "::1", port);
    clients.push(other);
    await echoes(bus, proc, other);

    const first = clients.shift();
    await hangUp(bus, proc, first);
    await loggedClose(bus, proc, first, "peer");
    const again = await dial(bus, proc, "127.0.0.1", port);
    clients.push(again);
    await echoes(bus, proc, again);

    for (const client of clients.splice(0)) await hangUp(bus, proc, client);

    const opens = proc.lines.filter((line) => line.startsWith("open ")).length;
    const refusals = proc.lines.filter((line) => / per-client-limit,/.test(line)).length;
    if (opens !== LIMIT + 2 || refusals !== 2) {
      throw new Error(`the server logged ${opens} opens and ${refusals} refusals, expected ${LIMIT + 2} and 2`);
    }

    process.kill(proc.child.pid, "SIGTERM");
    const exit = await until(bus, () => proc.exit, "exit after SIGTERM");
    if (exit.code !== 0) throw new Error(`the server exited with ${exit.code ?? exit.signal} after SIGTERM, not 0`);

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `ok   ${name}: ${runtime}: ${LIMIT} clients from 127.0.0.1 echoed, the next two closed (${endings.join(", ")}) ` +
        `with no echo and "per-client-limit"; ::1 echoed meanwhile; a freed slot reused; exit 0 on SIGTERM (${seconds} s)`,
    );
    return true;
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    const output = [...proc.lines, ...proc.stderr.split("\n")].filter(Boolean).slice(-20);
    for (const line of output) console.log(`       | ${line}`);
    return false;
  } finally {
    for (const client of clients) client.socket.destroy();
    if (proc.exit === undefined && proc.child.pid !== undefined) process.kill(proc.child.pid, "SIGKILL");
  }
}

const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in runtimes)) {
    console.error(`check.mjs: unknown runtime ${JSON.stringify(name)} (node, deno or bun)`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of chosen.length > 0 ? chosen : Object.keys(runtimes)) {
  if (!(await check(name, runtimes[name]))) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
