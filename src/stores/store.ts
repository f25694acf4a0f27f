/**
 * The checkpoint store contract. Web APIs only.
 *
 * @module
 */

/** A value a store may return synchronously or as a promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where download progress is kept between runs. Records are plain JSON-compatible values;
 * the engine validates what it reads back, so a store never has to understand them. A store
 * that cannot parse what it holds returns `undefined` (the download then starts afresh).
 *
 * @example A store keeping records in a Map
 * ```ts
 * import type { CheckpointStore } from "@resumable-download/resumable-download";
 * const map = new Map<string, string>();
 * const store: CheckpointStore = {
 *   get: (key) => (map.has(key) ? JSON.parse(map.get(key)!) : undefined),
 *   put: (key, value) => void map.set(key, JSON.stringify(value)),
 *   delete: (key) => void map.delete(key),
 * };
 * ```
 */
export interface CheckpointStore {
  /** The record saved under `key`, or `undefined` when there is none (or it is unreadable). */
  get(key: string): MaybePromise<unknown>;
  /** Saves `value` under `key`, replacing any previous record atomically. */
  put(key: string, value: unknown): MaybePromise<void>;
  /** Removes the record under `key`; removing a missing record is not an error. */
  delete(key: string): MaybePromise<void>;
}
