// The raw control on Bun: echo written straight against Bun.listen. Bun's write() returns how
// many bytes the kernel took; the rest is kept here and reading pauses until drain() sends it.
// The peer's FIN is answered with end() once nothing is left to send.
// https://bun.sh/docs/api/tcp

interface State {
  pending: Uint8Array[];
  ended: boolean;
}

function option(name: string, fallback: string): string {
  const at = Bun.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (Bun.argv[at + 1] ?? fallback);
}

function flush(socket: Bun.Socket<State>): boolean {
  const pending = socket.data.pending;
  while (pending.length > 0) {
    const chunk = pending[0] as Uint8Array;
    const n = socket.write(chunk);
    if (n < 0) return false;
    if (n < chunk.byteLength) {
      pending[0] = chunk.subarray(n);
      return false;
    }
    pending.shift();
  }
  return true;
}

const listener = Bun.listen<State>({
  hostname: option("host", "127.0.0.1"),
  port: Number(option("port", "0")),
  allowHalfOpen: true,
  socket: {
    open(socket) {
      socket.setNoDelay(true);
      socket.data = { pending: [], ended: false };
    },
    data(socket, chunk) {
      const state = socket.data;
      if (state.pending.length > 0) {
        state.pending.push(chunk);
        return;
      }
      const n = socket.write(chunk);
      if (n >= 0 && n < chunk.byteLength) {
        state.pending.push(chunk.subarray(n));
        socket.pause();
      }
    },
    drain(socket) {
      if (!flush(socket)) return;
      if (socket.data.ended) socket.end();
      else socket.resume();
    },
    end(socket) {
      socket.data.ended = true;
      if (socket.data.pending.length === 0) socket.end();
    },
    error() {
      // The close handler follows; a peer's reset needs no answer.
    },
  },
});

const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
console.error(`bun-control listening on ${host}:${listener.port} (bun ${Bun.version})`);

process.once("SIGTERM", () => {
  listener.stop(true);
  process.exit(0);
});
