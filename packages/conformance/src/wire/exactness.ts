import { assertSameBytes } from "../assert-bytes.ts";
import { roundTrip } from "../client.ts";
import { allByteValues } from "../payload.ts";
import type { WireCase } from "../wire-case.ts";

/** Every byte value 0x00..0xff comes back, in order, then EOF. */
export const allByteValuesCase: WireCase = {
  id: "exact-256-byte-values",
  title: "echoes all 256 byte values exactly",
  timeout: 10_000,
  async run(target) {
    const payload = allByteValues();
    assertSameBytes(await roundTrip(target, payload, 5000), payload, "echo of 0x00..0xff");
  },
};
