/**
 * Skip unchanged: after an object is downloaded, what it was (size, ETag, CRC-64) is kept
 * in the checkpoint store under the target's path, in a key namespace of its own. A later
 * run skips the object when the listing (or a `HEAD`) still describes the same object and
 * the local file still has its size.
 *
 * @module
 */
import { ResumableDownloadStore } from "../stores/file.ts";
import type { CheckpointStore } from "../stores/store.ts";
import { fnv1a32 } from "./shard.ts";

/** The record's format tag. */
export const DONE_RECORD_KIND = "resumable-download/bulk-done@1";

/** What is known about a finished download. */
export interface DoneRecord {
  kind: typeof DONE_RECORD_KIND;
  /** `ObjectSource.id` of what was downloaded. */
  source: string;
  /** Absolute path of the file. */
  target: string;
  size: number;
  etag?: string;
  crc64?: string;
  /** When it was downloaded (ISO 8601). */
  at: string;
}

/** What a listing or a `HEAD` says about the object now. */
export interface RemoteState {
  size: number;
  etag?: string;
  crc64?: string;
}

/** The store key of the record of `target` (an absolute path). */
export function doneRecordKey(target: string): string {
  return `bulk-done\n${target}`;
}

/** The record of `target` for `source`, when there is a valid one. */
export async function readDoneRecord(
  store: CheckpointStore,
  source: string,
  target: string,
): Promise<DoneRecord | undefined> {
  const value = await store.get(doneRecordKey(target)) as Partial<DoneRecord> | undefined;
  if (
    typeof value !== "object" || value === null || value.kind !== DONE_RECORD_KIND ||
    value.source !== source || value.target !== target || typeof value.size !== "number"
  ) {
    return undefined;
  }
  return value as DoneRecord;
}

/** Saves the record of a finished download. */
export async function writeDoneRecord(
  store: CheckpointStore,
  source: string,
  target: string,
  state: RemoteState,
): Promise<void> {
  const record: DoneRecord = {
    kind: DONE_RECORD_KIND,
    source,
    target,
    size: state.size,
    at: new Date().toISOString(),
  };
  if (state.etag !== undefined) record.etag = state.etag;
  if (state.crc64 !== undefined) record.crc64 = state.crc64;
  await store.put(doneRecordKey(target), record);
}

/** An ETag without quotes or weakness marker, uppercase, for comparison. */
function bareEtag(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toUpperCase();
}

/**
 * Whether the record still describes the remote object: same size, and every checksum
 * both sides know (ETag, CRC-64) equal, with at least one compared.
 *
 * @example
 * ```ts
 * import { recordMatches } from "./record.ts";
 * const record = { size: 3, etag: '"AB"', crc64: "1" };
 * console.log(recordMatches(record, { size: 3, etag: '"ab"' })); // true
 * console.log(recordMatches(record, { size: 3, etag: '"CD"' })); // false
 * ```
 */
export function recordMatches(
  record: Pick<DoneRecord, "size" | "etag" | "crc64">,
  remote: RemoteState,
): boolean {
  if (record.size !== remote.size) return false;
  let compared = 0;
  if (record.etag !== undefined && remote.etag !== undefined) {
    if (bareEtag(record.etag) !== bareEtag(remote.etag)) return false;
    compared++;
  }
  if (record.crc64 !== undefined && remote.crc64 !== undefined) {
    if (record.crc64 !== remote.crc64) return false;
    compared++;
  }
  return compared > 0;
}

/**
 * Where the record of a target is written. The file store runs its `put`s one after the
 * other (per instance), and a record's first `put` is several file operations: with many
 * objects finishing at once that queue, not the network, sets the pace. So for a plain
 * {@linkcode ResumableDownloadStore}, records go through `size` instances over the same
 * directory, each target always to the same one (by a hash of its path); they write
 * without `durable` (a record lost to a power cut only costs a refetch or an MD5 check).
 * Any other store is used as it is.
 */
export function recordStores(
  store: CheckpointStore,
  size: number,
): (target: string) => CheckpointStore {
  if (!(store instanceof ResumableDownloadStore) || store.constructor !== ResumableDownloadStore) {
    return () => store;
  }
  const pool: CheckpointStore[] = [store];
  for (let i = 1; i < size; i++) {
    pool.push(new ResumableDownloadStore({ root: store.directory, dir: "." }));
  }
  return (target) => pool[fnv1a32(target) % pool.length]!;
}
