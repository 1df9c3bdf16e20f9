import { describe, expect, test } from "vitest";
import { HELP } from "../src/help.ts";
import { options, usageError } from "./helpers/command-line.ts";

describe("--proxy-protocol and --proxy-timeout", () => {
  test("are off unless asked for, and the timeout defaults to 5s", () => {
    expect(options([]).proxyProtocol).toBeUndefined();
    expect(options(["--proxy-protocol"]).proxyProtocol).toEqual({ timeout: 5000 });
    expect(options(["--proxy-protocol", "--proxy-timeout", "1500ms"]).proxyProtocol).toEqual({ timeout: 1500 });
  });

  test("go with a unix socket and with UDP beside TCP", () => {
    expect(options(["--unix", "/tmp/echo.sock", "--proxy-protocol"])).toMatchObject({
      transport: { kind: "unix" },
      proxyProtocol: { timeout: 5000 },
    });
    expect(options(["--udp", "--proxy-protocol"]).proxyProtocol).toEqual({ timeout: 5000 });
  });

  test("refuse TLS, --no-tcp, a timeout without the flag, and a timeout of 0 or garbage", () => {
    expect(usageError(["--proxy-protocol", "--tls-cert", "c.pem", "--tls-key", "k.pem"])).toBe(
      "--proxy-protocol cannot be combined with TLS: a proxy sends the PROXY header before the TLS handshake, which the runtime reads itself; end TLS at the proxy and serve TCP here",
    );
    expect(usageError(["--proxy-protocol", "--udp", "--no-tcp"])).toBe(
      "--proxy-protocol applies to TCP and unix sockets, and --no-tcp serves neither",
    );
    expect(usageError(["--proxy-timeout", "5s"])).toBe("--proxy-timeout needs --proxy-protocol");
    for (const value of ["0", "soon"]) {
      expect(usageError(["--proxy-protocol", "--proxy-timeout", value])).toBe(
        `invalid --proxy-timeout '${value}': expected a duration above 0 such as 500ms, 5s or 1m`,
      );
    }
  });

  test("are in the help", () => {
    expect(HELP).toContain("--proxy-protocol ");
    expect(HELP).toContain("--proxy-timeout <duration>    Close connections without a whole PROXY header by then\n");
    expect(HELP).toContain("(default 5s)");
  });
});
