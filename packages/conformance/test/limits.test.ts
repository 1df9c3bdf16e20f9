import { transport } from "tcp-echo:binding";
import { proxyProtocol, type ServerEvent, serve, type TcpAddress } from "@tcp-echo/core";
import { describe, expect, it } from "vitest";
import { EchoClient, roundTrip, withDeadline } from "../src/index.ts";

const encoder = new TextEncoder();

const PROXY_UNKNOWN = encoder.encode("PROXY UNKNOWN\r\n");

describe("connection limit", () => {
  it.each([
    { over: "the transport", proxied: false },
    { over: "the PROXY protocol", proxied: true },
  ])(
    "closes each connection over maxConnections at once, reports it, and keeps the limit whole ($over)",
    async ({ proxied }) => {
      const events: ServerEvent<TcpAddress>[] = [];
      const wakers = new Set<() => void>();
      await using server = await serve(proxied ? proxyProtocol(transport) : transport, {
        host: "127.0.0.1",
        port: 0,
        maxConnections: 1,
        onEvent(event) {
          events.push(event);
          for (const wake of wakers) wake();
        },
      });
      const target = { host: "127.0.0.1", port: server.address.port };
      const until = (what: string, done: () => boolean) =>
        withDeadline(
          new Promise<void>((resolve) => {
            const check = () => {
              if (!done()) return;
              wakers.delete(check);
              resolve();
            };
            wakers.add(check);
            check();
          }),
          5000,
          `${what} (${server.connectionCount} open)`,
        );

      // Behind the PROXY protocol a connection counts once its header is in.
      const connect = async () => {
        const client = await EchoClient.connect(target);
        if (proxied) await client.write(PROXY_UNKNOWN);
        return client;
      };
      const held = await connect();
      await until("the first connection to open", () => server.connectionCount === 1);
      // Three rejections in a row: a close made while the connection is being accepted must be
      // released like any other, or each one would shrink the limit for good.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const rejected = await connect();
        expect(await rejected.untilEnd(5000)).toHaveLength(0);
        await until(
          `rejection ${attempt} to be reported`,
          () => events.filter((e) => e.type === "reject").length === attempt,
        );
        expect(server.connectionCount).toBe(1);
      }
      const rejects = events.filter((event) => event.type === "reject");
      for (const reject of rejects) expect(reject).toMatchObject({ remote: { hostname: "127.0.0.1" }, limit: 1 });
      expect(rejects.every((reject) => reject.type === "reject" && reject.remote.port > 0)).toBe(true);

      // The one held connection still echoes; once it closes, a new one is served.
      await held.write(encoder.encode("still here"));
      held.end();
      expect(new TextDecoder().decode(await held.untilEnd(5000))).toBe("still here");
      await until("the held connection to close", () => server.connectionCount === 0);
      const next = proxied ? new Uint8Array([...PROXY_UNKNOWN, ...encoder.encode("next")]) : encoder.encode("next");
      expect(new TextDecoder().decode(await roundTrip(target, next, 5000))).toBe("next");
    },
  );
});
