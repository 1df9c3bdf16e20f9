import { transport } from "tcp-echo:binding";
import {
  AddressInUseError,
  AddressNotAvailableError,
  createListener,
  type Listener,
  TcpEchoError,
} from "@tcp-echo/core";
import { describe, expect, it } from "vitest";

async function listening(host: string, port: number): Promise<Listener> {
  const listener = createListener(transport);
  listener.bind({ host, port });
  await listener.listen();
  return listener;
}

describe("listen errors", () => {
  it("a taken port is AddressInUseError (EADDRINUSE), naming the address", async () => {
    await using first = await listening("127.0.0.1", 0);
    const port = first.address?.port as number;
    const second = createListener(transport);
    second.bind({ host: "127.0.0.1", port });
    const error = await second.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AddressInUseError);
    expect(error).toBeInstanceOf(TcpEchoError);
    expect(error).toMatchObject({
      code: "EADDRINUSE",
      message: `Cannot listen on 127.0.0.1:${port}: address already in use`,
    });
    expect(second.state).toBe("created");
  });

  it("an address the machine does not have is AddressNotAvailableError (EADDRNOTAVAIL)", async () => {
    const listener = createListener(transport);
    listener.bind({ host: "192.0.2.1", port: 7 });
    const error = await listener.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AddressNotAvailableError);
    expect(error).toMatchObject({
      code: "EADDRNOTAVAIL",
      message: "Cannot listen on 192.0.2.1:7: address not available on this machine",
    });
  });
});
