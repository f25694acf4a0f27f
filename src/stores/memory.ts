/**
 * A checkpoint store in memory: progress lasts as long as the process.
 *
 * @module
 */
import type { CheckpointStore } from "./store.ts";

/**
 * A {@linkcode CheckpointStore} in a `Map`, for tests and for downloads that need not
 * survive a restart. Records are kept as JSON text, so what `get` returns is always a fresh
 * copy: changing the saved object after `put`, or the object `get` returned, does not change
 * what is stored.
 *
 * @example
 * ```ts
 * import { MemoryCheckpointStore } from "@resumable-download/resumable-download";
 * const store = new MemoryCheckpointStore();
 * store.put("k", { parts: [1, 2] });
 * console.log(store.get("k")); // { parts: [ 1, 2 ] }
 * ```
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #records = new Map<string, string>();

  /** The record under `key` (a fresh copy), or `undefined`. */
  get(key: string): unknown {
    const text = this.#records.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  /** Saves a copy of `value` under `key`; `value` must be JSON-serialisable. */
  put(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError(`a checkpoint must be JSON-serialisable: got ${String(value)}`);
    }
    this.#records.set(key, text);
  }

  /** Removes the record under `key`, if any. */
  delete(key: string): void {
    this.#records.delete(key);
  }

  /** How many records the store holds. */
  get size(): number {
    return this.#records.size;
  }
}
