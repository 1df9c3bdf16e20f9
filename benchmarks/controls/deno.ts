// The raw control on Deno: echo written straight against Deno.listen. Reading waits for the
// previous write to finish, which is the backpressure; write() may take only part of a buffer,
// so the loop writes the rest; the peer's FIN (read() === null) is answered with closeWrite()
// once everything is written. A pending read holds its buffer, so an idle connection keeps a
// small one and a read that fills it switches to a large one: a fixed 64 KiB buffer would cost
// every idle connection 64 KiB, and a fixed small one would cut streams into many reads.
// https://docs.deno.com/api/deno/~/Deno.listen

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : (Deno.args[at + 1] ?? fallback);
}

const listener = Deno.listen({ hostname: option("host", "127.0.0.1"), port: Number(option("port", "0")) });
const { hostname, port } = listener.addr;
const host = hostname.includes(":") ? `[${hostname}]` : hostname;
console.error(`deno-control listening on ${host}:${port} (deno ${Deno.version.deno})`);

Deno.addSignalListener("SIGTERM", () => {
  listener.close();
  Deno.exit(0);
});

const SMALL_READ = 4 * 1024;
const LARGE_READ = 64 * 1024;

async function echo(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  let buffer = new Uint8Array(SMALL_READ);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      let written = 0;
      while (written < n) written += await conn.write(buffer.subarray(written, n));
      if (n === buffer.byteLength && n < LARGE_READ) buffer = new Uint8Array(LARGE_READ);
      else if (n < SMALL_READ / 4 && buffer.byteLength > SMALL_READ) buffer = new Uint8Array(SMALL_READ);
    }
    await conn.closeWrite();
  } catch {
    // A reset by the peer ends the connection like a FIN would: nothing to answer.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

for await (const conn of listener) echo(conn);
