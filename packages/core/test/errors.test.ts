import { describe, expect, it } from "vitest";
import { AddressInUseError, AddressNotAvailableError, PermissionDeniedError, TcpEchoError } from "../src/index.ts";
import { listenError } from "../src/transport.ts";

describe("listenError", () => {
  it.each([
    ["EADDRINUSE", AddressInUseError, "Cannot listen on 127.0.0.1:7007: address already in use"],
    ["EACCES", PermissionDeniedError, "Cannot listen on 127.0.0.1:7007: permission denied"],
    [
      "EADDRNOTAVAIL",
      AddressNotAvailableError,
      "Cannot listen on 127.0.0.1:7007: address not available on this machine",
    ],
  ] as const)("maps %s to its class with a message naming the address", (code, type, message) => {
    const cause = new Error("runtime error");
    const error = listenError(code, "127.0.0.1:7007", cause);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(TcpEchoError);
    expect(error).toMatchObject({ code, message, cause, address: "127.0.0.1:7007" });
  });

  it("keeps the runtime's message for anything else", () => {
    const error = listenError(undefined, "[::1]:7", new Error("Requires net access"));
    expect(error).toMatchObject({
      code: "ERR_LISTEN_FAILED",
      message: "Cannot listen on [::1]:7: Requires net access",
    });
  });
});
