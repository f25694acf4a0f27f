/**
 * CRC-64/XZ combine: `crc(A‖B)` from `crc(A)`, `crc(B)` and `len(B)`, without the bytes.
 * This is how the CRCs of parts downloaded in parallel become the whole object's CRC, to
 * compare with `x-oss-hash-crc64ecma`.
 *
 * Appending `len2` bytes to `A` multiplies its CRC register by `x^(8·len2)` modulo the
 * polynomial, in GF(2); init and xorout cancel because both are all ones. Two
 * implementations of that, both on 32-bit halves (no BigInt arithmetic in the loops):
 *
 * - {@linkcode crc64Combine}: zlib ≥ 1.2.12 style. A table of `x^(2^k) mod P` (k < 64, built
 *   once) and one 64-step carry-less multiply per set bit of `len2`. About a microsecond.
 * - {@linkcode crc64CombineMatrix}: the classic zlib `crc32_combine` (and Go
 *   `CRC64Combine`, py `crc64_combine`) with 64×64 GF(2) operator matrices squared
 *   `log2(len2)` times. Kept as an independent cross-check; about 100× slower.
 *
 * @example
 * ```ts
 * import { crc64Combine } from "./crc64_combine.ts";
 * import { crc64Js } from "./crc64_table.ts";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * const a = crc64Js(bytes.subarray(0, 4)), b = crc64Js(bytes.subarray(4));
 * console.log(crc64Combine(a, b, 5)); // 11051210869376104954n
 * ```
 *
 * @module
 */

import { assertCrc64 } from "./value.ts";

const POLY_LO = 0xd7870f42 | 0;
const POLY_HI = 0xc96c5795 | 0;

/** Output of {@linkcode mulmod} (module state: no allocation for a two-number result). */
let outLo = 0;
let outHi = 0;

/**
 * `a·b mod P` for reflected 64-bit polynomials (bit 63 is `x^0`), in 32-bit halves; result
 * in `outLo`/`outHi`.
 */
function mulmod(aHi: number, aLo: number, bHi: number, bLo: number): void {
  let pHi = 0, pLo = 0;
  // Walk a's coefficients from x^0 (bit 63) upwards while b runs through b·x^i.
  for (let i = 31; i >= 0; i--) {
    if ((aHi >>> i) & 1) {
      pHi ^= bHi;
      pLo ^= bLo;
      if ((aHi & ((1 << i) - 1)) === 0 && aLo === 0) {
        outLo = pLo;
        outHi = pHi;
        return;
      }
    }
    const m = -(bLo & 1);
    bLo = ((bLo >>> 1) | (bHi << 31)) ^ (m & POLY_LO);
    bHi = (bHi >>> 1) ^ (m & POLY_HI);
  }
  for (let i = 31; i >= 0; i--) {
    if ((aLo >>> i) & 1) {
      pHi ^= bHi;
      pLo ^= bLo;
      if (i === 0 || (aLo & ((1 << i) - 1)) === 0) break;
    }
    const m = -(bLo & 1);
    bLo = ((bLo >>> 1) | (bHi << 31)) ^ (m & POLY_LO);
    bHi = (bHi >>> 1) ^ (m & POLY_HI);
  }
  outLo = pLo;
  outHi = pHi;
}

/** `X2N_HI[k]`, `X2N_LO[k]`: `x^(2^k) mod P`, reflected. */
const X2N_HI = new Int32Array(64);
const X2N_LO = new Int32Array(64);
{
  let hi = 1 << 30, lo = 0; // x^1
  for (let k = 0; k < 64; k++) {
    X2N_HI[k] = hi;
    X2N_LO[k] = lo;
    mulmod(hi, lo, hi, lo);
    hi = outHi;
    lo = outLo;
  }
}

function checkLength(len2: number): void {
  if (typeof len2 !== "number" || !Number.isSafeInteger(len2) || len2 < 0) {
    throw new RangeError(`'len2' must be a non-negative safe integer: got ${String(len2)}`);
  }
}

/**
 * The CRC-64/XZ of `A‖B`, given `crc1 = crc(A)`, `crc2 = crc(B)` and `len2 = len(B)` in
 * bytes (any safe integer, so objects far beyond 4 GiB). With `len2 = 0` it returns `crc1`.
 * Throws `TypeError`/`RangeError` for CRCs that are not bigints in `[0, 2^64)` or a length
 * that is not a non-negative safe integer. Costs about a microsecond.
 *
 * @example
 * ```ts
 * import { crc64Combine } from "./crc64_combine.ts";
 * import { crc64Js } from "./crc64_table.ts";
 *
 * const a = new Uint8Array([1, 2, 3]), b = new Uint8Array([4, 5]);
 * const whole = crc64Js(new Uint8Array([1, 2, 3, 4, 5]));
 * console.log(crc64Combine(crc64Js(a), crc64Js(b), b.length) === whole); // true
 * ```
 */
export function crc64Combine(crc1: bigint, crc2: bigint, len2: number): bigint {
  assertCrc64("crc1", crc1);
  assertCrc64("crc2", crc2);
  checkLength(len2);
  if (len2 === 0) return crc1;
  // p = x^(8·len2) mod P, from the bits of len2 (k starts at 3: 8 = 2^3).
  let pHi = 1 << 31, pLo = 0; // x^0
  let n = len2, k = 3;
  while (n > 0) {
    if (n % 2 === 1) {
      mulmod(X2N_HI[k]!, X2N_LO[k]!, pHi, pLo);
      pHi = outHi;
      pLo = outLo;
    }
    n = Math.floor(n / 2);
    k++;
  }
  mulmod(pHi, pLo, Number(crc1 >> 32n) | 0, Number(crc1 & 0xffff_ffffn) | 0);
  return ((BigInt(outHi >>> 0) << 32n) | BigInt(outLo >>> 0)) ^ crc2;
}

/** `mat · vec` for a 64×64 GF(2) matrix stored as 64 (hi, lo) columns; into outHi/outLo. */
function matTimes(mat: Int32Array, vHi: number, vLo: number): void {
  let sHi = 0, sLo = 0, i = 0;
  while (vLo !== 0) {
    if (vLo & 1) {
      sHi ^= mat[2 * i]!;
      sLo ^= mat[2 * i + 1]!;
    }
    vLo >>>= 1;
    i++;
  }
  i = 32;
  while (vHi !== 0) {
    if (vHi & 1) {
      sHi ^= mat[2 * i]!;
      sLo ^= mat[2 * i + 1]!;
    }
    vHi >>>= 1;
    i++;
  }
  outHi = sHi;
  outLo = sLo;
}

/** `square = mat · mat`. */
function matSquare(square: Int32Array, mat: Int32Array): void {
  for (let n = 0; n < 64; n++) {
    matTimes(mat, mat[2 * n]!, mat[2 * n + 1]!);
    square[2 * n] = outHi;
    square[2 * n + 1] = outLo;
  }
}

/**
 * Same result as {@linkcode crc64Combine}, computed the classic zlib way (`crc32_combine`
 * before 1.2.12; Go `CRC64Combine`; py `crc64_combine`): the operator for one zero bit,
 * squared into operators for 2, 4, 8… zero bits and applied for each set bit of `8·len2`.
 * An independent cross-check; use {@linkcode crc64Combine}, which is much faster.
 *
 * @example
 * ```ts
 * import { crc64CombineMatrix } from "./crc64_combine.ts";
 * import { crc64Js } from "./crc64_table.ts";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * const a = crc64Js(bytes.subarray(0, 2)), b = crc64Js(bytes.subarray(2));
 * console.log(crc64CombineMatrix(a, b, 7)); // 11051210869376104954n
 * ```
 */
export function crc64CombineMatrix(crc1: bigint, crc2: bigint, len2: number): bigint {
  assertCrc64("crc1", crc1);
  assertCrc64("crc2", crc2);
  checkLength(len2);
  if (len2 === 0) return crc1;
  const even = new Int32Array(128); // even-power-of-two zeros operator
  const odd = new Int32Array(128); // odd-power-of-two zeros operator
  // Operator for one zero bit: column 0 is the polynomial, column n > 0 is bit n-1.
  odd[0] = POLY_HI;
  odd[1] = POLY_LO;
  for (let n = 1; n < 64; n++) {
    const bit = n - 1;
    odd[2 * n] = bit >= 32 ? 1 << (bit - 32) : 0;
    odd[2 * n + 1] = bit < 32 ? 1 << bit : 0;
  }
  matSquare(even, odd); // 2 zero bits
  matSquare(odd, even); // 4 zero bits
  let hi = Number(crc1 >> 32n) | 0, lo = Number(crc1 & 0xffff_ffffn) | 0;
  let n = len2;
  // The first square below gives 8 zero bits: one zero byte.
  for (;;) {
    matSquare(even, odd);
    if (n % 2 === 1) {
      matTimes(even, hi, lo);
      hi = outHi;
      lo = outLo;
    }
    n = Math.floor(n / 2);
    if (n === 0) break;
    matSquare(odd, even);
    if (n % 2 === 1) {
      matTimes(odd, hi, lo);
      hi = outHi;
      lo = outLo;
    }
    n = Math.floor(n / 2);
    if (n === 0) break;
  }
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) ^ crc2;
}
