/**
 * Throws unless `actual` equals `expected` byte for byte, naming the first difference.
 *
 * @example Compare an echo with what was sent
 * ```ts
 * import { assertSameBytes } from "@tcp-echo/conformance";
 *
 * assertSameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]), "echo");
 * ```
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const length = Math.min(actual.byteLength, expected.byteLength);
  for (let index = 0; index < length; index++) {
    if (actual[index] !== expected[index]) {
      throw new Error(
        `${what}: byte ${index} is 0x${hex(actual[index])}, expected 0x${hex(expected[index])} ` +
          `(${actual.byteLength} of ${expected.byteLength} bytes received)`,
      );
    }
  }
  if (actual.byteLength !== expected.byteLength) {
    throw new Error(`${what}: received ${actual.byteLength} bytes, expected exactly ${expected.byteLength}`);
  }
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, "0");
}
