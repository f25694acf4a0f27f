/**
 * MD5 (RFC 1321) in plain JavaScript, streaming. `crypto.subtle` has no MD5 and cannot
 * stream; `hash-wasm` (already a dependency) is faster but compiles WebAssembly at run time,
 * which some runtimes forbid (Cloudflare's workerd), so this is the fallback the hasher
 * factory (`hashers.ts`) uses there. About 60 lines, checked against RFC 1321's test suite
 * and against `hash-wasm` on random data (tests/checksums.test.ts).
 *
 * @module
 */

/** Per-round shift amounts. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
/** `floor(abs(sin(i + 1)) * 2^32)`. */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));

/** An incremental MD5. */
export class Md5 {
  #state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  #block = new Uint8Array(64);
  #view = new DataView(this.#block.buffer);
  #fill = 0;
  #length = 0;
  #words = new Int32Array(16);

  /** Feeds `data`. */
  update(data: Uint8Array): this {
    let i = 0;
    this.#length += data.length;
    while (i < data.length) {
      const n = Math.min(64 - this.#fill, data.length - i);
      this.#block.set(data.subarray(i, i + n), this.#fill);
      this.#fill += n;
      i += n;
      if (this.#fill === 64) {
        this.#compress();
        this.#fill = 0;
      }
    }
    return this;
  }

  #compress(): void {
    const m = this.#words;
    for (let j = 0; j < 16; j++) m[j] = this.#view.getInt32(j * 4, true);
    let [a, b, c, d] = this.#state as unknown as [number, number, number, number];
    for (let i = 0; i < 64; i++) {
      let f: number, g: number;
      if (i < 16) [f, g] = [(b & c) | (~b & d), i];
      else if (i < 32) [f, g] = [(d & b) | (~d & c), (5 * i + 1) & 15];
      else if (i < 48) [f, g] = [b ^ c ^ d, (3 * i + 5) & 15];
      else [f, g] = [c ^ (b | ~d), (7 * i) & 15];
      const s = S[(i >> 4) * 4 + (i & 3)]!;
      const sum = (a + f + K[i]! + m[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    const st = this.#state;
    st[0] = (st[0]! + a) | 0;
    st[1] = (st[1]! + b) | 0;
    st[2] = (st[2]! + c) | 0;
    st[3] = (st[3]! + d) | 0;
  }

  /** The digest as lowercase hex; the hasher is finished afterwards. */
  digest(): string {
    const bits = this.#length * 8;
    this.update(new Uint8Array([0x80]));
    while (this.#fill !== 56) this.update(new Uint8Array(1));
    this.#view.setUint32(56, bits >>> 0, true);
    this.#view.setUint32(60, Math.floor(bits / 2 ** 32), true);
    this.#compress();
    const out = new Uint8Array(this.#state.buffer);
    return Array.from(out, (x) => x.toString(16).padStart(2, "0")).join("");
  }
}
