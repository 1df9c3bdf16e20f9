import { assertSameBytes } from "../assert-bytes.ts";
import { patternBytes } from "../payload.ts";
import type { UdpCase, UdpCaseOptions } from "./case.ts";
import { resolveUdpTarget, UdpClient } from "./client.ts";
import type { UdpTarget } from "./target.ts";

/** Options of {@link pacedDatagrams}. */
export interface PacedOptions extends UdpCaseOptions {
  /** Datagrams to send. Default 10,000. */
  readonly count?: number;
  /** Bytes in each, at least 4 (the sequence number). Default 64. */
  readonly size?: number;
  /** Datagrams in flight at most: a new one goes out as an echo comes back. Default 32. */
  readonly window?: number;
  /** Milliseconds after which a datagram without an echo counts as lost. Default 1000. */
  readonly lostAfter?: number;
  /** Lost datagrams allowed. Default 1% of `count`. */
  readonly maxLost?: number;
  /**
   * Answers each datagram may get: 1 for an echo (the default); more for a handler that replies
   * several times. Each is checked byte for byte; the first paces the sender, and one more than
   * this fails. At most 255.
   */
  readonly copies?: number;
}

/** What a paced run saw. */
export interface PacedResult {
  /** Datagrams sent. */
  readonly sent: number;
  /** Datagrams whose exact echo came back, late ones included. */
  readonly answered: number;
  /** Datagrams whose echo never came. */
  readonly lost: number;
  /** Milliseconds the run took. */
  readonly ms: number;
}

/**
 * Sends `count` datagrams from one socket, each with its sequence number and its own bytes, at
 * most `window` in flight (the echoes pace the sender, so no buffer on the way overflows),
 * and checks every echo byte for byte: a datagram that is no echo of one sent, or one echoed
 * more than `copies` times, fails at once; more than `maxLost` lost fails.
 *
 * @param target The echo server.
 * @param options How many, how large, how many in flight.
 * @returns The counts.
 * @throws {Error} naming the first wrong datagram, or the loss.
 */
export async function pacedDatagrams(target: UdpTarget, options: PacedOptions = {}): Promise<PacedResult> {
  const { count = 10_000, size = 64, window = 32, lostAfter = 1000, copies = 1 } = options;
  const maxLost = options.maxLost ?? Math.floor(count / 100);
  if (size < 4) throw new RangeError(`size ${size}: a paced datagram holds a 4-byte sequence number`);
  // Each datagram's answers are counted in a byte: more than 255 would wrap and pass unseen.
  if (!Number.isInteger(copies) || copies < 1 || copies > 255)
    throw new RangeError(`copies ${copies}: answers per datagram must be a whole number from 1 to 255`);
  const peer = await resolveUdpTarget(target);
  const base = patternBytes(size, 862);
  const datagram = (sequence: number): Buffer => {
    const bytes = Buffer.allocUnsafe(size);
    for (let index = 4; index < size; index++)
      bytes[index] = (base[index] as number) ^ ((sequence * 31 + index) & 0xff);
    bytes.writeUInt32BE(sequence, 0);
    return bytes;
  };

  const inFlight = new Map<number, number>();
  const lost = new Set<number>();
  const echoed = new Uint8Array(count);
  let next = 0;
  let answered = 0;
  let settle: (error?: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });

  const client = await UdpClient.open({
    family: peer.family,
    address: options.localAddress,
    onMessage(received) {
      const sequence = received.length >= 4 ? received.readUInt32BE(0) : -1;
      if (received.length !== size || sequence < 0 || sequence >= next) {
        settle(
          new Error(
            `received a ${received.length}-byte datagram that is the echo of none sent ` +
              `(${next} sent of ${size} bytes each; ${answered} echoed so far)`,
          ),
        );
        return;
      }
      if ((echoed[sequence] as number) >= copies) {
        settle(new Error(`datagram ${sequence} was answered ${copies === 1 ? "twice" : `more than ${copies} times`}`));
        return;
      }
      try {
        assertSameBytes(received, datagram(sequence), `the echo of datagram ${sequence}`);
      } catch (error) {
        settle(error);
        return;
      }
      echoed[sequence] = (echoed[sequence] as number) + 1;
      if (echoed[sequence] !== 1) return;
      answered += 1;
      if (!inFlight.delete(sequence)) lost.delete(sequence);
      fill();
    },
  });
  const fill = () => {
    while (inFlight.size < window && next < count) {
      const sequence = next++;
      inFlight.set(sequence, performance.now());
      client.send(datagram(sequence), peer).catch(settle);
    }
    if (next === count && inFlight.size === 0) settle();
  };
  // Loss detection: a datagram in flight too long makes way for the next one.
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const [sequence, sentAt] of inFlight) {
        if (now - sentAt < lostAfter) break;
        inFlight.delete(sequence);
        lost.add(sequence);
      }
      if (lost.size > maxLost) {
        settle(new Error(`lost more than ${maxLost} of ${count} datagrams (${lost.size} of ${next} sent so far)`));
      } else fill();
    },
    Math.min(100, lostAfter),
  );
  const started = performance.now();
  try {
    fill();
    await finished;
  } finally {
    clearInterval(sweep);
    await client.close();
  }
  const result = { sent: next, answered, lost: lost.size, ms: Math.round(performance.now() - started) };
  if (result.lost > maxLost) throw new Error(`lost ${result.lost} of ${count} datagrams, more than ${maxLost}`);
  return result;
}

/** 10,000 paced 64-byte datagrams, every echo checked, at most 1% lost. */
export const udpPacedCase: UdpCase = {
  id: "udp-paced-10000",
  title: "returns 10,000 paced 64-byte datagrams (32 in flight) byte-exact, losing at most 1%",
  timeout: 20_000,
  async run(target, options) {
    await pacedDatagrams(target, options);
  },
};
