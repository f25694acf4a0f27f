/**
 * Shards: a stable share of the keys per machine, with no coordinator. A key belongs to
 * shard `fnv1a32(UTF-8 of key) mod count`, the same on every machine and every run.
 *
 * @module
 */
import { optionError } from "../errors.ts";

/** This machine's share of the keys: shard `index` (0-based) of `count`. */
export interface Shard {
  /** Which share, from 0 to `count - 1`. */
  index: number;
  /** How many shares the keys are split into. */
  count: number;
}

/**
 * FNV-1a (32 bit) of the UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * import { fnv1a32 } from "./shard.ts";
 * console.log(fnv1a32("a")); // 3826002220
 * ```
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Whether `key` is in `shard`.
 *
 * @example
 * ```ts
 * import { inShard } from "./shard.ts";
 * const keys = ["a", "b", "c", "d"];
 * const shares = [0, 1, 2].map((index) => keys.filter((k) => inShard(k, { index, count: 3 })));
 * console.log(shares.flat().length); // 4: every key in exactly one share
 * ```
 */
export function inShard(key: string, shard: Shard): boolean {
  return fnv1a32(key) % shard.count === shard.index;
}

/** Validates a shard option; throws `TypeError`/`RangeError` naming it. */
export function checkShard(shard: unknown): Shard {
  const s = shard as Partial<Shard> | null;
  if (typeof s !== "object" || s === null) {
    throw optionError("type", "shard", `'shard' must be { index, count }: got ${String(shard)}`);
  }
  const { index, count } = s;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
    throw optionError(
      "range",
      "shard.count",
      `'shard.count' must be an integer of at least 1: got ${String(count)}`,
    );
  }
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
    throw optionError(
      "range",
      "shard.index",
      `'shard.index' must be an integer from 0 to ${count - 1}: got ${String(index)}`,
    );
  }
  return { index, count };
}
