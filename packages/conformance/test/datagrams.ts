import { udp } from "tcp-echo:binding";
import {
  type Capability,
  type DatagramServer,
  type DatagramServerEvent,
  type DatagramServerOptions,
  serveDatagrams,
  type UdpBindOptions,
  type Unsupported,
} from "@tcp-echo/core";
import type { TestContext } from "vitest";
import {
  assertSameBytes,
  NotArrangedError,
  type UdpClient,
  type UdpPeer,
  type UdpTarget,
  withDeadline,
} from "../src/index.ts";

/** What the runtime's UDP transport lacks, with the reasons. */
export const udpUnsupported: Unsupported = udp().unsupported;

/**
 * Records that the running case is a UDP one, for the transports table, and skips it with the
 * transport's own reason when it needs a capability the UDP transport lacks.
 */
export function udpCase(context: TestContext, needs?: Capability): void {
  context.task.meta.transport = { name: "udp", unsupported: udpUnsupported };
  const reason = needs === undefined ? undefined : udpUnsupported[needs];
  if (reason !== undefined) context.skip(`${udp().runtime.name} udp lacks ${needs}: ${reason}`);
}

/** Runs `check`, skipping the case with the reason when this machine cannot arrange it. */
export async function arranged(context: TestContext, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof NotArrangedError) context.skip(error.message);
    throw error;
  }
}

/**
 * Sends `payload` once and waits up to 5 s for its exact echo: for the cases that count what
 * the server received, where a resend (as `roundTrip()` makes after 250 ms) would be counted.
 */
export async function exchangeOnce(client: UdpClient, peer: UdpPeer, payload: Uint8Array, what: string): Promise<void> {
  await client.send(payload, peer);
  assertSameBytes(await client.receive(5000, `the echo of ${what}`), payload, `the echo of ${what}`);
}

type EventOf<T extends DatagramServerEvent["type"]> = Extract<DatagramServerEvent, { type: T }>;

/** A datagram server under test: the server, its target, and what it reported. */
export interface UdpEndpoint extends AsyncDisposable {
  readonly server: DatagramServer;
  readonly target: UdpTarget;
  /** Every event, in order. */
  readonly events: DatagramServerEvent[];
  /** The events of `type` so far. */
  eventsOf<T extends DatagramServerEvent["type"]>(type: T): EventOf<T>[];
  /** Resolves with the `index`th event of `type` (0: the first), at once or when it comes; rejects after `ms`. */
  event<T extends DatagramServerEvent["type"]>(type: T, ms: number, index?: number): Promise<EventOf<T>>;
}

/**
 * `serveDatagrams()` over the runtime's `udp()`, on 127.0.0.1 and a free port unless told, with
 * its events recorded.
 */
export async function serveUdp(options: UdpBindOptions & DatagramServerOptions = {}): Promise<UdpEndpoint> {
  const events: DatagramServerEvent[] = [];
  const wakers = new Set<() => void>();
  const server = await serveDatagrams(udp(), {
    host: "127.0.0.1",
    port: 0,
    ...options,
    onEvent(event) {
      events.push(event);
      options.onEvent?.(event);
      for (const wake of [...wakers]) wake();
    },
  });
  const eventsOf = <T extends DatagramServerEvent["type"]>(type: T) =>
    events.filter((event): event is EventOf<T> => event.type === type);
  const host =
    server.address.hostname === "::"
      ? "::1"
      : server.address.hostname === "0.0.0.0"
        ? "127.0.0.1"
        : server.address.hostname;
  return {
    server,
    target: { udp: true, host, port: server.address.port },
    events,
    eventsOf,
    event(type, ms, index = 0) {
      const found = new Promise<EventOf<typeof type>>((resolve) => {
        const check = () => {
          const event = eventsOf(type)[index];
          if (event === undefined) return;
          wakers.delete(check);
          resolve(event);
        };
        wakers.add(check);
        check();
      });
      return withDeadline(
        found,
        ms,
        `${type} event ${index + 1} (events so far: ${events.map((e) => e.type).join(", ") || "none"})`,
      );
    },
    async [Symbol.asyncDispose]() {
      await server.close();
    },
  };
}
