import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EchoClient, type Target, withDeadline } from "../src/index.ts";
import { cpuSeconds, Fixture } from "./fixture.ts";

const LIMIT = 64;
const CLIENTS = 100;

/** Opens {@link CLIENTS} connections, each sending a byte, to a fixture that cannot accept them all. */
async function exhaust(target: Target): Promise<EchoClient[]> {
  const clients: EchoClient[] = [];
  try {
    for (let index = 0; index < CLIENTS; index++) {
      const client = await EchoClient.connect(target, { keep: false });
      clients.push(client);
      void client.write(new Uint8Array([index])).catch(() => {});
    }
  } catch (error) {
    for (const client of clients) client.destroy();
    throw error;
  }
  return clients;
}

/** Runs `body` against a fixture limited to {@link LIMIT} descriptors, holding {@link CLIENTS} clients. */
async function whileExhausted(body: (fixture: Fixture, clients: EchoClient[], target: Target) => Promise<void>) {
  const fixture = new Fixture({ wrapper: ["prlimit", `--nofile=${LIMIT}:${LIMIT}`] });
  let clients: EchoClient[] = [];
  try {
    const target = { host: "127.0.0.1", port: await fixture.port() };
    clients = await exhaust(target);
    // The exhausted period is the case: the listener keeps failing to accept for this long.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await body(fixture, clients, target);
  } finally {
    for (const client of clients) client.destroy();
    await fixture.stop();
  }
}

describe(`descriptor exhaustion (${CLIENTS} clients, a limit of ${LIMIT} descriptors)`, () => {
  it("accepts and echoes again within 2 s of the descriptors coming free", async () => {
    await whileExhausted(async (_fixture, clients, target) => {
      const served = clients.filter((client) => client.received > 0).length;
      expect(served, `${served} of ${CLIENTS} clients were served: the limit never bit`).toBeLessThan(CLIENTS);
      for (const client of clients.splice(0)) client.destroy();
      const freed = performance.now();
      // Until the server has seen those closes it is still exhausted, and a runtime may close a
      // connection it cannot serve (libuv accepts and drops it): such attempts are retried.
      const echoed = async () => {
        while (true) {
          const fresh = await EchoClient.connect(target);
          try {
            await fresh.write(new TextEncoder().encode("again"));
            await fresh.until(5, 2000);
            return fresh.bytes().toString();
          } catch (error) {
            if (performance.now() - freed > 2000) throw error;
          } finally {
            fresh.destroy();
          }
        }
      };
      expect(await withDeadline(echoed(), 2000, "an echo within 2 s of the descriptors coming free")).toBe("again");
      expect(performance.now() - freed).toBeLessThan(2000);
    });
  }, 20_000);

  // The server's default connection limit comes from its open-file limit, so it rejects the
  // clients it has no descriptor for instead of failing to accept them: a runtime that retries a
  // failed accept in a busy loop (Bun: no acceptBackoff) never gets there.
  it("uses under half a core while more clients arrive than it has descriptors for", async () => {
    await whileExhausted(async (fixture) => {
      const cpuBefore = cpuSeconds(fixture.pid);
      const started = performance.now();
      // Measuring over a stretch of time is the case.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const load = (cpuSeconds(fixture.pid) - cpuBefore) / ((performance.now() - started) / 1000);
      const descriptors = readdirSync(`/proc/${fixture.pid}/fd`).length;
      expect(load, `share of a core used while exhausted (${descriptors} descriptors open)`).toBeLessThan(0.5);
    });
  }, 20_000);
});
