/**
 * CRC-32 (ISO-HDLC, zlib's: reflected polynomial `0xEDB88320`) and CRC-32C (Castagnoli,
 * reflected `0x82F63B78`, what GCS sends as `x-goog-hash: crc32c=` and S3 as
 * `x-amz-checksum-crc32c`), streaming, in plain JavaScript with slicing-by-4 tables.
 * Check values: the CRC-32 of `"123456789"` is `cbf43926`, its CRC-32C `e3069283`.
 *
 * @module
 */

const tables = new Map<number, Uint32Array[]>();

function tablesFor(poly: number): Uint32Array[] {
  let t = tables.get(poly);
  if (t) return t;
  t = Array.from({ length: 4 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      t[k]![n] = (t[0]![t[k - 1]![n]! & 0xff]! ^ (t[k - 1]![n]! >>> 8)) >>> 0;
    }
  }
  tables.set(poly, t);
  return t;
}

/** Reflected polynomial of CRC-32. */
export const CRC32_POLY = 0xedb88320;
/** Reflected polynomial of CRC-32C. */
export const CRC32C_POLY = 0x82f63b78;

/** An incremental CRC-32 of either polynomial. */
export class Crc32 {
  #crc = 0xffffffff;
  readonly #t: Uint32Array[];

  constructor(poly: number = CRC32_POLY) {
    this.#t = tablesFor(poly);
  }

  /** Feeds `data`. */
  update(data: Uint8Array): this {
    const [t0, t1, t2, t3] = this.#t as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let c = this.#crc;
    let i = 0;
    const n4 = data.length - (data.length & 3);
    for (; i < n4; i += 4) {
      c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
      c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
    }
    for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    this.#crc = c;
    return this;
  }

  /** The CRC as 8 lowercase hex digits (big-endian, as GCS and S3 encode it). */
  digest(): string {
    return ((this.#crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
  }
}
