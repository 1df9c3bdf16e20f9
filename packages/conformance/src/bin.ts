#!/usr/bin/env node
// `tcp-echo-conformance --target HOST:PORT`: the wire-level cases against any echo server.
import { main } from "./cli.ts";

const status = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
// Exit at once: a failed case may leave sockets behind that would keep the process alive.
process.exit(status);
