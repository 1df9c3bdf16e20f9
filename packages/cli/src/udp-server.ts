import type { Adapter, DatagramServer, DatagramServerEvent, RateLimit } from "@tcp-echo/core";
import { serveDatagrams } from "@tcp-echo/core";
import type { Platform } from "./platform.ts";
import type { UdpChoice } from "./udp-args.ts";

/**
 * Serves UDP echo as `--udp` asked, on `host` (resolved already) and `port` (the TCP side's
 * real port when it picked one), logging through `log`.
 *
 * @returns The server, or rejects with the core's error (or the one line a missing Deno
 * permission gets).
 */
export async function serveUdp(
  platform: Platform,
  adapter: Adapter,
  choice: UdpChoice,
  bind: { readonly host: string; readonly port: number },
  log: (event: DatagramServerEvent) => void,
): Promise<DatagramServer> {
  const transport = adapter.udp();
  const denied = platform.listenDenied(transport.bind(bind).description);
  if (denied !== undefined) throw Object.assign(new Error(denied), { code: "EPERM" });
  return await serveDatagrams(transport, {
    ...bind,
    allowReservedPorts: choice.allowReservedPorts,
    rateLimit: rateLimit(choice),
    summaryInterval: choice.summaryInterval,
    onEvent: log,
  });
}

/** The bucket `--udp-rate` and `--udp-bytes-rate` ask for; each 0 lifts its own limit. */
function rateLimit(choice: UdpChoice): RateLimit | false {
  const { datagramsPerSecond, bytesPerSecond } = choice;
  if (datagramsPerSecond === 0 && bytesPerSecond === 0) return false;
  return {
    datagramsPerSecond: datagramsPerSecond === 0 ? Number.POSITIVE_INFINITY : datagramsPerSecond,
    bytesPerSecond: bytesPerSecond === 0 ? Number.POSITIVE_INFINITY : bytesPerSecond,
  };
}
