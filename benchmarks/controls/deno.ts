// The raw control on Deno: echo written straight against Deno.listen (TCP, or a unix socket with
// --unix PATH) or Deno.listenTls (--tls-cert FILE --tls-key FILE). Reading waits for the previous
// write to finish, which is the backpressure; write() may take only part of a buffer, so the loop
// writes the rest; the peer's FIN (read() === null) is answered with closeWrite() once everything
// is written. A pending read holds its buffer, so an idle connection keeps a small one and a read
// that fills it switches to a large one: a fixed 64 KiB buffer would cost every idle connection
// 64 KiB, and a fixed small one would cut streams into many reads.
// With --udp it is a UDP echo on Deno.listenDatagram instead (needs --unstable-net; UDP alone:
// the control serves one transport, so --no-tcp, which tcp-echo needs for the same, changes nothing).
// https://docs.deno.com/api/deno/~/Deno.listen https://docs.deno.com/api/deno/~/Deno.listenTls
// https://docs.deno.com/api/deno/~/Deno.listenDatagram

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? undefined : Deno.args[at + 1];
}

const SMALL_READ = 4 * 1024;
const LARGE_READ = 64 * 1024;

async function echo(conn: Deno.Conn): Promise<void> {
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

async function serve<C extends Deno.Conn>(listener: Deno.Listener<C>, at: string, prepare = (_conn: C) => {}) {
  console.error(`deno-control listening on ${at} (deno ${Deno.version.deno})`);
  Deno.addSignalListener("SIGTERM", () => {
    listener.close();
    Deno.exit(0);
  });
  for await (const conn of listener) {
    prepare(conn);
    echo(conn);
  }
}

const hostPort = ({ hostname, port }: Deno.NetAddr) => `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
const hostname = option("host") ?? "127.0.0.1";
const port = Number(option("port") ?? "0");
const unix = option("unix");
const certFile = option("tls-cert");

if (Deno.args.includes("--udp")) {
  // Receive a datagram into one buffer, send it back to its sender, receive the next: the loop a
  // user writes, with the buffer passed to receive(). Without one (receive() bare, or `for await`
  // over the socket) Deno allocates 64 KiB for every datagram: half the throughput on 64-byte
  // datagrams, measured, which would make this no control. The buffer is reused only once the
  // send of what it holds has finished.
  const socket = Deno.listenDatagram({ transport: "udp", hostname, port });
  console.error(`deno-control listening on udp://${hostPort(socket.addr as Deno.NetAddr)} (deno ${Deno.version.deno})`);
  Deno.addSignalListener("SIGTERM", () => {
    socket.close();
    Deno.exit(0);
  });
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    let datagram: Uint8Array;
    let sender: Deno.Addr;
    try {
      [datagram, sender] = await socket.receive(buffer);
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) break;
      continue; // An error left by an earlier datagram: read on.
    }
    try {
      await socket.send(datagram, sender);
    } catch {
      // A send that fails (an ICMP unreachable surfacing as ECONNREFUSED, ENOBUFS) loses that one
      // echo; the socket goes on, as a UDP echo must.
    }
  }
} else if (unix !== undefined) {
  await serve(Deno.listen({ transport: "unix", path: unix }), `unix:${unix}`);
} else if (certFile !== undefined) {
  const cert = Deno.readTextFileSync(certFile);
  const key = Deno.readTextFileSync(option("tls-key") ?? "");
  const listener = Deno.listenTls({ hostname, port, cert, key });
  // Deno's TlsConn has no setNoDelay: the TLS connections keep the runtime's default.
  await serve(listener, `tls://${hostPort(listener.addr)}`);
} else {
  const listener = Deno.listen({ hostname, port });
  await serve(listener, hostPort(listener.addr), (conn) => conn.setNoDelay(true));
}
