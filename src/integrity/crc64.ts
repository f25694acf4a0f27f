/**
 * CRC-64/XZ, the checksum OSS calls "crc64ecma" and sends as `x-oss-hash-crc64ecma`:
 * streaming (seeded, so a saved CRC continues after a restart), one-shot, combine (parts
 * fetched in parallel), and the decimal text form.
 *
 * Parameters: polynomial `0x42F0E1EBA9EA3693` (reflected `0xC96C5795D7870F42`), reflected
 * in and out, init and xorout all ones. Check value: the CRC of `"123456789"` is
 * `0x995DC9BBDF1939FA` = `11051210869376104954`. (Not the non-reflected "CRC-64/ECMA-182",
 * whose check value is `0x6C40DF5F0B497347`.)
 *
 * Two implementations compute the same values: a pure-JS slicing-by-8 table
 * (`crc64_table.ts`) and `hash-wasm`'s WebAssembly (`crc64_wasm.ts`). Measured with
 * `bench/crc64.ts` (256 MiB, 16 KiB to 1 MiB chunks), the JS table is ~10% faster on Deno
 * (V8: ~2090 vs ~1880 MB/s) and `hash-wasm` ~1-2% faster on Bun (JavaScriptCore: ~2230 vs
 * ~2190 MB/s), so Bun (`navigator.userAgent` starting with `Bun/`) uses WebAssembly and
 * every other runtime the JS table. Without WebAssembly, Bun falls back to the JS table.
 *
 * @example
 * ```ts
 * import { createCrc64, crc64Combine, formatCrc64, parseCrc64 } from "./crc64.ts";
 *
 * const enc = new TextEncoder();
 * const h = await createCrc64();
 * h.update(enc.encode("1234")).update(enc.encode("56789"));
 * console.log(formatCrc64(h.digest())); // "11051210869376104954"
 *
 * // Parts hashed separately, then combined:
 * const a = (await createCrc64()).update(enc.encode("1234")).digest();
 * const b = (await createCrc64()).update(enc.encode("56789")).digest();
 * console.log(crc64Combine(a, b, 5) === parseCrc64("11051210869376104954")); // true
 * ```
 *
 * @module
 */

import { type Crc64Hasher, crc64Js, createCrc64Js } from "./crc64_table.ts";
import { createCrc64Wasm } from "./crc64_wasm.ts";
import { assertCrc64 } from "./value.ts";

export type { Crc64Hasher } from "./crc64_table.ts";
export { crc64Combine } from "./crc64_combine.ts";
export { formatCrc64, parseCrc64 } from "./value.ts";

/** Whether this runtime hashes faster with `hash-wasm` than with the JS table (see above). */
const PREFER_WASM = typeof navigator !== "undefined" &&
  typeof navigator.userAgent === "string" && navigator.userAgent.startsWith("Bun/");

/**
 * Creates an incremental CRC-64/XZ hasher. `seed` is the CRC of the bytes that precede the
 * ones to be fed (`0n`, the default, is the CRC of nothing), so a CRC saved in a checkpoint
 * continues: `(await createCrc64(crc(A))).update(B).digest() === crc(A‖B)`.
 *
 * `digest()` does not end the hasher: it may be called after every chunk (to checkpoint
 * progress) and `update()` may continue afterwards. `update()` accepts any `Uint8Array`
 * (subarrays at any offset included) and does not keep a reference to it.
 *
 * Rejects with `TypeError`/`RangeError` for a seed that is not a bigint in `[0, 2^64)`.
 *
 * @example
 * ```ts
 * import { createCrc64, formatCrc64 } from "./crc64.ts";
 *
 * const h = await createCrc64();
 * h.update(new TextEncoder().encode("123456789"));
 * console.log(formatCrc64(h.digest())); // "11051210869376104954"
 * ```
 */
export async function createCrc64(seed: bigint = 0n): Promise<Crc64Hasher> {
  assertCrc64("seed", seed);
  return (PREFER_WASM && await createCrc64Wasm(seed)) || createCrc64Js(seed);
}

/**
 * The CRC-64/XZ of `data`, continuing `seed` (the CRC of the preceding bytes; `0n` for
 * none). Rejects with `TypeError`/`RangeError` for a bad seed.
 *
 * @example
 * ```ts
 * import { crc64 } from "./crc64.ts";
 *
 * console.log(await crc64(new TextEncoder().encode("123456789")));
 * // 11051210869376104954n
 * console.log(await crc64(new Uint8Array(0))); // 0n
 * ```
 */
export async function crc64(data: Uint8Array, seed: bigint = 0n): Promise<bigint> {
  assertCrc64("seed", seed);
  return PREFER_WASM ? (await createCrc64(seed)).update(data).digest() : crc64Js(data, seed);
}
