/**
 * A token bucket per sender address, in a table of bounded size: one address cannot take more
 * than its share, and a flood of spoofed addresses cannot grow memory without limit (the oldest
 * entry makes way; a sender that returns starts with a full bucket, which only ever favours it).
 *
 * @module
 */

import { InvalidOptionError } from "../errors.ts";
import { rejectUnknownOptions } from "../transport/options.ts";

/**
 * How much one sender address may be answered. Each bucket holds one second's worth; see
 * {@link SourceBuckets} for when it refills.
 *
 * @example Tighter than the defaults
 * ```ts
 * import type { RateLimit } from "@tcp-echo/core";
 *
 * const limit: RateLimit = { datagramsPerSecond: 100, bytesPerSecond: 64 * 1024 };
 * if (limit.maxSources !== undefined) throw new Error("default table size");
 * ```
 */
export interface RateLimit {
  /** Datagrams per second per sender address; `Infinity` for no limit. Default {@link DEFAULT_RATE_LIMIT}. */
  readonly datagramsPerSecond?: number;
  /** Bytes per second per sender address; `Infinity` for no limit. */
  readonly bytesPerSecond?: number;
  /** How many sender addresses are tracked at once. */
  readonly maxSources?: number;
}

/**
 * The default limits: 10,000 datagrams and 4 MiB per second per sender address, 16,384
 * addresses tracked (about 2 MB). One person testing by hand or with a paced tool does not meet
 * them; a flood from one address is capped at them.
 *
 * @example
 * ```ts
 * import { DEFAULT_RATE_LIMIT } from "@tcp-echo/core";
 *
 * if (DEFAULT_RATE_LIMIT.datagramsPerSecond !== 10_000) throw new Error("default");
 * ```
 */
export const DEFAULT_RATE_LIMIT: Required<RateLimit> = {
  datagramsPerSecond: 10_000,
  bytesPerSecond: 4 * 1024 * 1024,
  maxSources: 16_384,
};

const LIMIT_OPTIONS: readonly (keyof RateLimit)[] = ["datagramsPerSecond", "bytesPerSecond", "maxSources"];

/** Why a bucket refused: out of datagrams, or out of bytes. */
export type RateRefusal = "rate-limit" | "byte-limit";

interface Bucket {
  datagrams: number;
  bytes: number;
  at: number;
}

/**
 * The table of buckets. A bucket pays for each datagram from what it holds without a look at the
 * clock, and is refilled (one second's worth at most, for the time since its last refill) only
 * when it runs short: reading the clock and looking the address up for every datagram cost 1.5
 * to 2.5% of the UDP echo's throughput on each runtime. Over any span a source gets at most two
 * seconds' worth plus the rate times the span, one second's worth more than a bucket refilled at
 * every datagram allows: a source that used part of its bucket, then fell silent, gets the rest
 * on top of its refill when it next runs it short. Datagrams from one address come in runs, so
 * the last address's bucket is kept at hand.
 *
 * @example Two datagrams a second: the third in the same instant is refused
 * ```ts
 * import { SourceBuckets } from "@tcp-echo/core";
 *
 * const buckets = new SourceBuckets({ datagramsPerSecond: 2 }, () => 0);
 * buckets.take("192.0.2.1", 10);
 * buckets.take("192.0.2.1", 10);
 * if (buckets.take("192.0.2.1", 10) !== "rate-limit") throw new Error("limit");
 * ```
 */
export class SourceBuckets {
  readonly #datagramsPerSecond: number;
  /** A whole datagram at least, or a rate under 1/s could never answer one. */
  readonly #datagramBurst: number;
  readonly #bytesPerSecond: number;
  readonly #maxSources: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #lastSource = "";
  #last: Bucket | undefined;

  /**
   * Makes an empty table.
   *
   * @param limit The limits; each missing one is the default's.
   * @param now The clock in milliseconds (`Date.now` unless told).
   * @throws {InvalidOptionError} `ERR_INVALID_OPTION` for a limit that is not a positive number.
   */
  constructor(limit: RateLimit = {}, now: () => number = Date.now) {
    if (typeof limit !== "object" || limit === null) {
      throw new TypeError(`Cannot limit the rate: rateLimit must be an object or false, not ${String(limit)}`);
    }
    rejectUnknownOptions("limit the rate", limit, LIMIT_OPTIONS);
    this.#datagramsPerSecond = positive(
      limit.datagramsPerSecond ?? DEFAULT_RATE_LIMIT.datagramsPerSecond,
      "datagramsPerSecond",
    );
    this.#bytesPerSecond = positive(limit.bytesPerSecond ?? DEFAULT_RATE_LIMIT.bytesPerSecond, "bytesPerSecond");
    this.#maxSources = positive(limit.maxSources ?? DEFAULT_RATE_LIMIT.maxSources, "maxSources");
    this.#datagramBurst = Math.max(1, this.#datagramsPerSecond);
    this.#now = now;
  }

  /** How many sender addresses the table holds now; never more than `maxSources`. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes one datagram of `bytes` from `source`'s bucket.
   * @returns undefined when it may be answered, or why not.
   */
  take(source: string, bytes: number): RateRefusal | undefined {
    let bucket = this.#last;
    if (source !== this.#lastSource || bucket === undefined) {
      bucket = this.#buckets.get(source) ?? this.#add(source);
      this.#lastSource = source;
      this.#last = bucket;
    }
    // What the bucket holds pays without a look at the clock; it is refilled when it runs short.
    if (bucket.datagrams < 1 || this.#lacksBytes(bucket, bytes)) {
      this.#refill(bucket);
      if (bucket.datagrams < 1) return "rate-limit";
      if (this.#lacksBytes(bucket, bytes)) return "byte-limit";
    }
    bucket.datagrams -= 1;
    bucket.bytes -= bytes;
    return undefined;
  }

  /**
   * Whether the bucket is short of `bytes`. A datagram larger than a second's worth still passes
   * when the bucket is full, or it could never be answered at all.
   */
  #lacksBytes(bucket: Bucket, bytes: number): boolean {
    return bucket.bytes < bytes && bucket.bytes < this.#bytesPerSecond;
  }

  /** A full bucket for a new address, making way for it first when the table is full. */
  #add(source: string): Bucket {
    if (this.#buckets.size >= this.#maxSources) {
      for (const oldest of this.#buckets.keys()) {
        this.#buckets.delete(oldest);
        break;
      }
    }
    const bucket = { datagrams: this.#datagramBurst, bytes: this.#bytesPerSecond, at: this.#now() };
    this.#buckets.set(source, bucket);
    return bucket;
  }

  /** Credits the time since the bucket's last refill, up to one second's worth. */
  #refill(bucket: Bucket): void {
    const now = this.#now();
    if (!(now > bucket.at)) return;
    const seconds = (now - bucket.at) / 1000;
    bucket.datagrams = Math.min(this.#datagramBurst, bucket.datagrams + seconds * this.#datagramsPerSecond);
    bucket.bytes = Math.min(this.#bytesPerSecond, bucket.bytes + seconds * this.#bytesPerSecond);
    bucket.at = now;
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0))
    throw new InvalidOptionError(`rateLimit.${name}`, `Cannot limit the rate: ${name} ${value} must be more than 0`);
  return value;
}
