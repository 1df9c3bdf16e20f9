// The raw control on Bun: echo written straight against Bun.listen, over TCP, a unix socket
// (--unix PATH) or TLS (--tls-cert FILE --tls-key FILE). Bun's write() returns how many bytes it
// took; the rest is kept here and reading pauses until drain() sends it. The peer's FIN is
// answered with end() once nothing is left to send.
// With --udp it is a UDP echo on Bun.udpSocket instead (UDP alone: the control serves one
// transport, so --no-tcp, which tcp-echo needs for the same, changes nothing).
// https://bun.sh/docs/api/tcp https://bun.sh/docs/api/udp

// A module, for the top-level await of Bun.udpSocket().
export {};

interface State {
  pending: Uint8Array[];
  ended: boolean;
}

function option(name: string): string | undefined {
  const at = Bun.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : Bun.argv[at + 1];
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

const unix = option("unix");
const certFile = option("tls-cert");

const handler: Bun.SocketHandler<State> = {
  open(socket) {
    if (unix === undefined) socket.setNoDelay(true);
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
};

let at: string;
let stop: () => void;
if (Bun.argv.includes("--udp")) {
  // Each datagram goes straight back to its sender. send() returns false when the socket is full
  // (that echo is dropped, as UDP may). An ICMP port unreachable earned by an earlier reply (its
  // sender had gone: the benchmark's warm-up client exits with echoes in flight) surfaces as
  // ECONNREFUSED, read from the socket's error queue into error(), or thrown from send() when it
  // is pending as send() runs (about one send in ten in a burst to closed ports, measured). With
  // neither a catch nor error() the control dies at the first one, mid-benchmark; so the send is
  // caught (that one echo is lost, the socket goes on) and error() takes the rest.
  const socket = await Bun.udpSocket({
    hostname: option("host") ?? "127.0.0.1",
    port: Number(option("port") ?? "0"),
    socket: {
      data(self, datagram, port, address) {
        try {
          self.send(datagram, port, address);
        } catch {
          // See above: one echo lost.
        }
      },
      error() {
        // The same ECONNREFUSED, read from the socket's error queue: nothing to do.
      },
    },
  });
  const host = socket.hostname.includes(":") ? `[${socket.hostname}]` : socket.hostname;
  at = `udp://${host}:${socket.port}`;
  stop = () => socket.close();
} else if (unix !== undefined) {
  const listener = Bun.listen<State>({ unix, allowHalfOpen: true, socket: handler });
  at = `unix:${unix}`;
  stop = () => listener.stop(true);
} else {
  const tls = certFile === undefined ? undefined : { cert: Bun.file(certFile), key: Bun.file(option("tls-key") ?? "") };
  const listener = Bun.listen<State>({
    hostname: option("host") ?? "127.0.0.1",
    port: Number(option("port") ?? "0"),
    allowHalfOpen: true,
    tls,
    socket: handler,
  });
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
  at = `${tls === undefined ? "" : "tls://"}${host}:${listener.port}`;
  stop = () => listener.stop(true);
}
console.error(`bun-control listening on ${at} (bun ${Bun.version})`);

process.once("SIGTERM", () => {
  stop();
  process.exit(0);
});
