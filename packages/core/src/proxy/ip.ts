/**
 * IP addresses between their bytes and their text, for PROXY headers: v2 carries bytes, v1
 * carries text, and both are reported in one canonical text form (RFC 5952 for IPv6, with
 * IPv4-mapped addresses as `::ffff:a.b.c.d`, as the runtimes report them).
 *
 * @module
 */

import { isIPv6 } from "../address.ts";

/** Dotted-quad text of 4 bytes. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 text of 16 bytes: lower case, the longest run of two or more zero groups as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes.subarray(12, 16))}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The 16 bytes of an IPv6 literal (an embedded IPv4 tail allowed, no `%zone`), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.includes("%") || !isIPv6(text)) return undefined;
  const groups = (part: string): number[] => {
    const values: number[] = [];
    for (const group of part === "" ? [] : part.split(":")) {
      if (group.includes(".")) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
        values.push((a << 8) | b, (c << 8) | d);
      } else {
        values.push(Number.parseInt(group, 16));
      }
    }
    return values;
  };
  const [head = "", tail] = text.split("::");
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}
