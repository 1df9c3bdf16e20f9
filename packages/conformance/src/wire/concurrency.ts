import { assertSameBytes } from "../assert-bytes.ts";
import { EchoClient, roundTrip } from "../client.ts";
import { patternBytes } from "../payload.ts";
import type { Target } from "../target.ts";
import type { WireCase } from "../wire-case.ts";

const CLIENTS = 1000;
const IDLE = 5000;
/**
 * Connections opened at once. Each echoes a byte before the next batch, which proves the server
 * accepted it, so the listen queue never holds more than a batch: no SYN is dropped and
 * retransmitted a second later, whatever the server's accept rate.
 */
const CONNECT_BATCH = 250;

async function openIdle(target: Target, index: number): Promise<EchoClient> {
  const client = await EchoClient.connect(target, { timeout: 15_000 });
  try {
    await client.write(new Uint8Array([index & 0xff]));
    await client.until(1, 15_000);
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/** 1,000 clients at once, each with its own 4 KiB, each gets exactly its own bytes back. */
export const concurrentClientsCase: WireCase = {
  id: "concurrent-1000",
  title: "echoes 1,000 simultaneous clients their own distinct 4 KiB",
  timeout: 30_000,
  connections: CLIENTS,
  async run(target) {
    const payloads = Array.from({ length: CLIENTS }, (_, index) => patternBytes(4096, index + 1));
    await Promise.all(
      payloads.map(async (payload, index) => {
        assertSameBytes(await roundTrip(target, payload, 25_000), payload, `client ${index}`);
      }),
    );
  },
};

/** 5,000 connections held open and silent (after one byte each); a new one is still served. */
export const idleConnectionsCase: WireCase = {
  id: "idle-5000",
  title: "still echoes a new client while 5,000 idle connections are open",
  timeout: 60_000,
  connections: IDLE + 1,
  async run(target) {
    const idle: EchoClient[] = [];
    try {
      while (idle.length < IDLE) {
        const batch = Math.min(CONNECT_BATCH, IDLE - idle.length);
        const opened = await Promise.allSettled(
          Array.from({ length: batch }, (_, index) => openIdle(target, idle.length + index)),
        );
        for (const result of opened) if (result.status === "fulfilled") idle.push(result.value);
        const failed = opened.find((result) => result.status === "rejected");
        if (failed) throw new Error(`idle connection ${idle.length + 1} of ${IDLE} failed: ${failed.reason}`);
      }
      const payload = patternBytes(4096, 5001);
      assertSameBytes(await roundTrip(target, payload, 10_000), payload, `a new client beside ${IDLE} idle ones`);
      const closed = idle.find((client) => client.ended);
      if (closed) throw new Error(`an idle connection was closed by the server (${idle.indexOf(closed)})`);
    } finally {
      for (const client of idle) client.destroy();
    }
  },
};
