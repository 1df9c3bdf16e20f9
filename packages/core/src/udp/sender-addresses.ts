/**
 * The sender's address of each datagram, made once a run: datagrams come in runs from one
 * address (a client sends its window at once, and reads its echoes at once), so the address
 * object of the last datagram serves the next when its host and port are the same.
 *
 * @module
 */

import { type UdpAddress, udpAddress } from "../address.ts";

/**
 * Turns the host and port a runtime reports for each datagram into a {@link UdpAddress},
 * handing back the last one made when they match it. The addresses are never changed, so the
 * core and a handler may keep them; two datagrams from one address may share one object.
 *
 * @example One object for a run from one sender
 * ```ts
 * import { SenderAddresses } from "@tcp-echo/core/transport";
 *
 * const senders = new SenderAddresses();
 * const first = senders.of("192.0.2.1", 40000);
 * if (senders.of("192.0.2.1", 40000) !== first) throw new Error("same sender, same object");
 * if (senders.of("192.0.2.1", 40001).port !== 40001) throw new Error("a new sender");
 * ```
 */
export class SenderAddresses {
  #last: UdpAddress = udpAddress("", 0);

  /**
   * The address of a datagram's sender.
   *
   * @param hostname The IP literal the runtime reports, without brackets.
   * @param port The port the runtime reports.
   * @returns The address: the last one made when host and port are the same.
   */
  of(hostname: string, port: number): UdpAddress {
    const last = this.#last;
    if (port === last.port && hostname === last.hostname) return last;
    const made = udpAddress(hostname, port);
    this.#last = made;
    return made;
  }
}
