/**
 * CRC-64/XZ on WebAssembly, via `hash-wasm`'s `createCRC64()` (its default polynomial,
 * `c96c5795d7870f42`, reflected, gives the XZ check value).
 *
 * `hash-wasm` keeps the CRC in an 8-byte state (the finished CRC so far, little-endian),
 * which `save()`/`load()` expose behind a 4-byte build prefix. That gives seeding (load a
 * state holding the seed) and a repeatable, non-final `digest()` (read the state).
 *
 * Instantiating a `hash-wasm` hasher costs 80-350 µs and its own wasm memory, so all
 * hashers made here share one instance: each keeps its CRC in its own 12-byte state and
 * loads it into the instance when it becomes the one feeding. A single stream (or a few
 * streams taking turns on whole network chunks) costs no more than raw `hash-wasm`.
 * `hash-wasm` itself is imported on first use.
 *
 * @example
 * ```ts
 * import { createCrc64Wasm } from "./crc64_wasm.ts";
 *
 * const h = await createCrc64Wasm();
 * if (h) console.log(h.update(new TextEncoder().encode("123456789")).digest());
 * // 11051210869376104954n
 * ```
 *
 * @module
 */

import type { IHasher } from "hash-wasm";
import type { Crc64Hasher } from "./crc64_table.ts";
import { assertCrc64 } from "./value.ts";

interface Shared {
  /** The one `hash-wasm` CRC-64 instance. */
  readonly wasm: IHasher;
  /** A saved state of the instance: the 4-byte build prefix and an 8-byte CRC. */
  readonly template: Uint8Array;
  /** The hasher whose CRC is in the instance now (its own `state` may be stale). */
  owner: WasmCrc64 | undefined;
}

let shared: Promise<Shared | undefined> | undefined;

function loadShared(): Promise<Shared | undefined> {
  shared ??= (async () => {
    try {
      // Loaded on first use only, so a runtime that never picks this backend never parses
      // hash-wasm's bundle (all of its algorithms' wasm, base64-encoded).
      const { createCRC64 } = await import("hash-wasm");
      const wasm = await createCRC64();
      wasm.init();
      const template = wasm.save();
      if (template.length !== 12) return undefined;
      return { wasm, template, owner: undefined };
    } catch {
      return undefined; // no WebAssembly here (or it is forbidden): the caller falls back
    }
  })();
  return shared;
}

class WasmCrc64 implements Crc64Hasher {
  readonly #shared: Shared;
  /** This hasher's saved state; current unless it is the owner of the instance. */
  readonly #state: Uint8Array;
  readonly #view: DataView;

  constructor(shared: Shared, seed: bigint) {
    this.#shared = shared;
    this.#state = shared.template.slice();
    this.#view = new DataView(this.#state.buffer);
    this.#view.setBigUint64(4, seed, true);
  }

  update(data: Uint8Array): this {
    const s = this.#shared;
    if (s.owner !== this) {
      if (s.owner) s.owner.#park();
      s.wasm.load(this.#state);
      s.owner = this;
    }
    s.wasm.update(data);
    return this;
  }

  digest(): bigint {
    if (this.#shared.owner === this) this.#park();
    return this.#view.getBigUint64(4, true);
  }

  /** Copies the instance's state (this hasher's CRC) into `#state`. */
  #park(): void {
    this.#state.set(this.#shared.wasm.save());
  }
}

/**
 * Creates a CRC-64/XZ hasher backed by `hash-wasm`, continuing `seed` (the CRC of the
 * preceding bytes; `0n` for none). Resolves to `undefined` where WebAssembly is unavailable,
 * so the caller can fall back to {@linkcode createCrc64Js}. Throws `TypeError`/`RangeError`
 * for a seed that is not a bigint in `[0, 2^64)`.
 *
 * @example
 * ```ts
 * import { createCrc64Wasm } from "./crc64_wasm.ts";
 * import { createCrc64Js } from "./crc64_table.ts";
 *
 * const h = (await createCrc64Wasm(0n)) ?? createCrc64Js(0n);
 * h.update(new Uint8Array(1024));
 * console.log(h.digest());
 * ```
 */
export async function createCrc64Wasm(seed: bigint = 0n): Promise<Crc64Hasher | undefined> {
  assertCrc64("seed", seed);
  const s = await loadShared();
  return s && new WasmCrc64(s, seed);
}
