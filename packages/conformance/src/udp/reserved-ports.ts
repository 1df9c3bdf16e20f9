import { patternBytes } from "../payload.ts";
import { NotArrangedError, type UdpCase, type UdpCaseOptions } from "./case.ts";
import { bindRefusal, resolveUdpTarget, UdpClient, type UdpFamily } from "./client.ts";
import type { UdpTarget } from "./target.ts";

/**
 * Opens a client socket on source port `port` (7, 19: below 1024, so root or
 * `CAP_NET_BIND_SERVICE` on most systems).
 *
 * @param family The socket's family.
 * @param port The local port.
 * @param address The local address; default the family's wildcard.
 * @returns The client.
 * @throws {NotArrangedError} when the port needs privileges this process lacks (EACCES) or is
 * taken (EADDRINUSE); any other bind error as it is.
 */
export async function openOnPort(family: UdpFamily, port: number, address?: string): Promise<UdpClient> {
  try {
    return await UdpClient.open({ family, port, address });
  } catch (error) {
    const refusal = bindRefusal(error);
    if (refusal === "EACCES") {
      throw new NotArrangedError(
        `cannot bind source port ${port}: permission denied (EACCES); needs root or CAP_NET_BIND_SERVICE`,
      );
    }
    if (refusal === "EADDRINUSE") {
      throw new NotArrangedError(`cannot bind source port ${port}: another socket holds it here (EADDRINUSE)`);
    }
    throw error;
  }
}

/** Options of {@link reservedPortsUnanswered}. */
export interface ReservedPortsOptions extends UdpCaseOptions {
  /** The source ports that must get no answer. Default 7 (echo) and 19 (chargen). */
  readonly ports?: readonly number[];
  /** Milliseconds to wait, once a later datagram has been answered, for an answer that must not come. Default 250. */
  readonly quiet?: number;
}

/**
 * Sends a datagram from each of the source ports of UDP services that answer everything (echo
 * 7, chargen 19): answering them lets two servers loop forever, so an echo server must not.
 * Then a datagram from an ordinary port, which must be answered: the server read the earlier
 * ones first, so once this answer is in, an answer to them would be too. A bounded wait for
 * one that must not come follows.
 *
 * @param target The echo server.
 * @param options The ports, and the wait.
 * @throws {NotArrangedError} when a port cannot be bound here; {@link Error} naming the port
 * the server answered, or when the ordinary port got no answer.
 */
export async function reservedPortsUnanswered(target: UdpTarget, options: ReservedPortsOptions = {}): Promise<void> {
  const { ports = [7, 19], quiet = 250 } = options;
  const peer = await resolveUdpTarget(target);
  const clients: UdpClient[] = [];
  try {
    for (const port of ports) clients.push(await openOnPort(peer.family, port, options.localAddress));
    const ordinary = await UdpClient.open({ family: peer.family, address: options.localAddress });
    clients.push(ordinary);
    for (const [index, port] of ports.entries()) {
      await (clients[index] as UdpClient).send(patternBytes(64, 7_000 + port), peer);
    }
    await ordinary.roundTrip(peer, patternBytes(64, 7_999), `a datagram from ordinary port ${ordinary.port}`);
    const answers = await Promise.all(clients.slice(0, ports.length).map((client) => client.silence(quiet)));
    const answered = ports.filter((_, index) => answers[index] !== undefined);
    if (answered.length > 0) {
      throw new Error(
        `answered the datagram from source port ${answered.join(" and ")}; ` +
          "an echo server must not answer the ports of services that answer everything",
      );
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** No answer from source ports 7 and 19, while an ordinary port right after is answered. */
export const udpReservedPortsCase: UdpCase = {
  id: "udp-reserved-ports",
  title: "does not answer source ports 7 (echo) and 19 (chargen), and answers an ordinary port right after",
  timeout: 10_000,
  async run(target, options) {
    await reservedPortsUnanswered(target, options);
  },
};
