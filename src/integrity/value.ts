/**
 * CRC-64 values as text and their validation: OSS sends the CRC-64/XZ of an object as an
 * unsigned decimal string in `x-oss-hash-crc64ecma`; in memory it is a `bigint` in
 * `[0, 2^64)`.
 *
 * @example
 * ```ts
 * import { formatCrc64, parseCrc64 } from "./value.ts";
 *
 * const crc = parseCrc64("11051210869376104954");
 * console.log(formatCrc64(crc)); // "11051210869376104954"
 * ```
 *
 * @module
 */

/** The largest CRC-64 value, `2^64 - 1`. */
const MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Throws unless `value` is a `bigint` in `[0, 2^64)`: a `TypeError` for another type, a
 * `RangeError` for a bigint out of range. `name` names the argument in the message.
 *
 * @example
 * ```ts
 * import { assertCrc64 } from "./value.ts";
 *
 * assertCrc64("seed", 0n); // fine
 * try {
 *   assertCrc64("seed", -1n);
 * } catch (e) {
 *   console.log(e instanceof RangeError); // true
 * }
 * ```
 */
export function assertCrc64(name: string, value: unknown): asserts value is bigint {
  if (typeof value !== "bigint") {
    throw new TypeError(`'${name}' must be a bigint CRC-64 value: got ${describe(value)}`);
  }
  if (value < 0n || value > MAX) {
    throw new RangeError(`'${name}' must be in [0, 2^64): got ${value}n`);
  }
}

/**
 * Formats a CRC-64 value as OSS writes it in `x-oss-hash-crc64ecma`: unsigned decimal, no
 * sign, no leading zeros. Throws `TypeError`/`RangeError` unless `value` is a bigint in
 * `[0, 2^64)`.
 *
 * @example
 * ```ts
 * import { formatCrc64 } from "./value.ts";
 *
 * console.log(formatCrc64(0x995dc9bbdf1939fan)); // "11051210869376104954"
 * ```
 */
export function formatCrc64(value: bigint): string {
  assertCrc64("value", value);
  return value.toString(10);
}

/**
 * Parses an unsigned 64-bit decimal CRC (the `x-oss-hash-crc64ecma` header, or a value saved
 * by {@linkcode formatCrc64}). Strict: only ASCII digits (leading zeros allowed), no sign,
 * no spaces, no `0x`, no exponent, and at most `2^64 - 1`; anything else throws a
 * `TypeError`.
 *
 * @example
 * ```ts
 * import { parseCrc64 } from "./value.ts";
 *
 * console.log(parseCrc64("11051210869376104954")); // 11051210869376104954n
 * try {
 *   parseCrc64("-1");
 * } catch (e) {
 *   console.log(e instanceof TypeError); // true
 * }
 * ```
 */
export function parseCrc64(text: string): bigint {
  if (typeof text !== "string" || !/^[0-9]+$/.test(text)) {
    throw new TypeError(`not an unsigned 64-bit decimal CRC-64: ${describe(text)}`);
  }
  const value = BigInt(text);
  if (value > MAX) {
    throw new TypeError(`CRC-64 out of range (above 2^64 - 1): ${describe(text)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  if (typeof value === "bigint") return `${value}n`;
  return value === null ? "null" : typeof value;
}
