import { transport } from "tcp-echo:binding";
import { type Server, serve } from "@tcp-echo/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wireCases } from "../src/index.ts";

describe("echo on the wire", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve(transport, { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    const result = await server.shutdown({ timeout: 5000 });
    expect(result.reset).toBe(0);
  });

  for (const wireCase of wireCases) {
    it(wireCase.title, () => wireCase.run({ host: "127.0.0.1", port: server.address.port }), wireCase.timeout);
  }
});
