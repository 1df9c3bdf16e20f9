/**
 * The state of one of the Deno UDP socket's receive loops.
 *
 * @module
 */

import type { UdpAddress } from "@tcp-echo/core";
import type { SendBudget } from "@tcp-echo/core/transport";

/**
 * One receive loop's state: its buffer, and the sends from that buffer not settled yet, which
 * the loop awaits before it reads into the buffer again. The Deno UDP socket runs one to four
 * of them (see udp.ts).
 */
export class DatagramReader {
  buffer: Uint8Array | undefined;
  running = false;
  /** The first send from the buffer since the last read, which the loop awaits. */
  lent: Promise<number> | undefined;
  lentTo: UdpAddress | undefined;
  lentSize = 0;
  /** Other sends from the buffer not settled yet. */
  sending = 0;
  /** Resolves the loop's sleep: paused, or waiting for `sending` to reach 0. */
  wake: (() => void) | undefined;
  /** The callback for a further send from the buffer. */
  readonly settled: (sent: number) => void;

  constructor(budget: SendBudget) {
    this.settled = (sent) => {
      this.sending -= 1;
      if (this.sending === 0) this.wakeUp();
      budget.release(sent);
    };
  }

  sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
