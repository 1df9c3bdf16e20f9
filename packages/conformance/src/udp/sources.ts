import { assertSameBytes } from "../assert-bytes.ts";
import { patternBytes } from "../payload.ts";
import type { UdpCase, UdpCaseOptions } from "./case.ts";
import { resolveUdpTarget, UdpClient } from "./client.ts";
import type { UdpTarget } from "./target.ts";

/** Options of {@link manySources}. */
export interface SourcesOptions extends UdpCaseOptions {
  /** Sockets, each a source of its own (its own port). Default 200. */
  readonly sources?: number;
  /** Bytes each sends. Default 256. */
  readonly size?: number;
  /**
   * Sources that send at once. Default 50: the kernel drops datagrams a receive buffer has no
   * room for, and 200 at once overflow Linux's default on the loopback, where each small
   * datagram costs a kilobyte or more of buffer.
   */
  readonly batch?: number;
}

/**
 * Opens `sources` sockets at once, each on its own port, and has each send its own distinct
 * bytes: each must get exactly its own bytes back, and nothing of another's.
 *
 * @param target The echo server.
 * @param options How many, how large, how many at once.
 * @throws {Error} naming the source and the first difference.
 */
export async function manySources(target: UdpTarget, options: SourcesOptions = {}): Promise<void> {
  const { sources = 200, size = 256, batch = 50 } = options;
  const peer = await resolveUdpTarget(target);
  const opened = await Promise.allSettled(
    Array.from({ length: sources }, () => UdpClient.open({ family: peer.family, address: options.localAddress })),
  );
  const clients = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    const failed = opened.find((result) => result.status === "rejected");
    if (failed !== undefined) throw new Error(`could not open ${sources} sockets: ${failed.reason}`);
    const payloads = clients.map((_, index) => patternBytes(size, 200_000 + index));
    for (let start = 0; start < sources; start += batch) {
      await Promise.all(
        clients.slice(start, start + batch).map((client, offset) => {
          const index = start + offset;
          return client.roundTrip(peer, payloads[index] as Uint8Array, `source ${index} (port ${client.port})`);
        }),
      );
    }
    // Anything more a source got must be a copy of its own echo (a resend's), never another's.
    for (const [index, client] of clients.entries()) {
      for (const extra of client.take()) {
        assertSameBytes(extra, payloads[index] as Uint8Array, `a further datagram to source ${index}`);
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** 200 sources at once, each answered with its own bytes only. */
export const udpSourcesCase: UdpCase = {
  id: "udp-sources-200",
  title: "answers 200 sources (sockets) each with exactly its own 256 bytes",
  timeout: 15_000,
  async run(target, options) {
    await manySources(target, options);
  },
};
