/**
 * Options, events and results of {@linkcode downloadPrefix} and {@linkcode downloadMany}.
 *
 * @module
 */
import { type DownloadError, optionError } from "../errors.ts";
import type { DownloadResult } from "../engine/engine.ts";
import { type DownloadOptions, type ResolvedOptions, resolveOptions } from "../engine/options.ts";
import { MAX_LIST_KEYS } from "../sources/oss/list.ts";
import { checkShard, type Shard } from "./shard.ts";

/** Most objects a batch downloads at once. */
export const MAX_CONCURRENCY = 256;

/** What happened to one object of a batch. */
export interface BulkEvent {
  /**
   * `start`: the download begins; `done`: the file is in place and verified; `skipped`:
   * the file is already there and unchanged; `failed`: see `error`.
   */
  type: "start" | "done" | "skipped" | "failed";
  /** The object key (`downloadPrefix`) or the source's id (`downloadMany`). */
  key: string;
  /** Where the object goes on disk. */
  filename: string;
  /** Size in bytes, when known. */
  size?: number;
  /** The download's result (`done`). */
  result?: DownloadResult;
  /** Why it failed (`failed`). */
  error?: DownloadError;
}

/**
 * Options of {@linkcode downloadPrefix} and {@linkcode downloadMany}: every
 * {@linkcode DownloadOptions} (per object: `numThreads`, `partSize`, `verify`, ...) plus
 * the batch's own. `progressCallback` reports the whole batch: bytes on disk of the objects
 * started so far, and their total size.
 */
export interface BulkOptions extends DownloadOptions {
  /**
   * Objects downloaded at once (`numThreads` stays per object, so up to
   * `concurrency * numThreads` connections).
   * @default {8}
   */
  concurrency?: number;
  /**
   * Globs on the key relative to the prefix; only matching keys are downloaded. A glob
   * without `/` matches the file name at any depth (`*.parquet`), one with `/` the whole
   * relative key (`2024/**`). `*` stays within a segment, `**` crosses them.
   * @default {[]} (everything)
   */
  include?: string[];
  /**
   * Globs (as `include`) of keys not to download; wins over `include`.
   * @default {[]}
   */
  exclude?: string[];
  /**
   * A local file whose size and checksum (ETag / CRC-64 recorded when it was downloaded)
   * still match the object is not fetched again. The record lives in the checkpoint store.
   * With a listing (`downloadPrefix`) this costs no request; `downloadMany` asks the server
   * (one small request) for files that are there. A file without a record is recognised
   * when the object's ETag is the MD5 of its content and the file has that MD5.
   * @default {true}
   */
  skipUnchanged?: boolean;
  /**
   * This machine's share of the keys, by a stable hash of the key: shard `index` of `count`
   * (`{ index: 0, count: 3 }` takes about a third). Every key is in exactly one shard.
   * @default {undefined} (all keys)
   */
  shard?: Shard;
  /**
   * Called for every object: start, done, skipped, failed.
   * @default {undefined}
   */
  onObject?: (event: BulkEvent) => void;
  /**
   * Reject at the first failed object (the others in flight are cancelled, their progress
   * saved). By default failures are collected in `BulkResult.failed` and the batch goes on.
   * @default {false}
   */
  failFast?: boolean;
  /**
   * Largest download rate in bytes per second, for all objects and connections together.
   * @default {undefined} (unlimited)
   */
  rateLimit?: number;
  /**
   * Keys per listing page (`downloadPrefix`), 1 to 1000.
   * @default {1000}
   */
  maxKeys?: number;
}

/** What a batch did. */
export interface BulkResult {
  /** Objects downloaded by this call. */
  downloaded: number;
  /** Objects not fetched because the local file was unchanged. */
  skipped: number;
  /** Body bytes this call read from the network for downloaded objects. */
  bytesFetched: number;
  /** Objects that failed, with why. */
  failed: { key: string; error: DownloadError }[];
}

/** The batch options after validation. */
export interface ResolvedBulk {
  /** What goes to each object's download (no batch-only options, no progressCallback). */
  perObject: DownloadOptions;
  resolved: ResolvedOptions;
  concurrency: number;
  include: string[];
  exclude: string[];
  skipUnchanged: boolean;
  shard: Shard | undefined;
  onObject: ((event: BulkEvent) => void) | undefined;
  failFast: boolean;
  rateLimit: number | undefined;
  maxKeys: number;
}

function globs(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((g) => typeof g !== "string" || g === "")) {
    throw optionError("type", name, `'${name}' must be an array of non-empty glob strings`);
  }
  return [...value];
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw optionError("type", name, `'${name}' must be a boolean`);
  }
  return value;
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(
      "range",
      name,
      `'${name}' must be an integer from ${min} to ${max}: got ${String(value)}`,
    );
  }
  return value;
}

/** Validates `options` (throws `TypeError`/`RangeError` naming the option). */
export function resolveBulkOptions(options: BulkOptions | undefined): ResolvedBulk {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") {
    throw optionError("type", "options", `'options' must be an object: got ${String(options)}`);
  }
  const {
    concurrency,
    include,
    exclude,
    skipUnchanged,
    shard,
    onObject,
    failFast,
    rateLimit,
    maxKeys,
    progressCallback: _batchProgress,
    ...perObject
  } = options;
  const resolved = resolveOptions(options);
  if (onObject !== undefined && typeof onObject !== "function") {
    throw optionError("type", "onObject", `'onObject' must be a function`);
  }
  if (
    rateLimit !== undefined &&
    (typeof rateLimit !== "number" || !(rateLimit > 0) || !Number.isFinite(rateLimit))
  ) {
    throw optionError(
      "range",
      "rateLimit",
      `'rateLimit' must be a positive number of bytes per second`,
    );
  }
  return {
    perObject,
    resolved,
    concurrency: integer("concurrency", concurrency, 1, MAX_CONCURRENCY, 8),
    include: globs("include", include),
    exclude: globs("exclude", exclude),
    skipUnchanged: flag("skipUnchanged", skipUnchanged, true),
    shard: shard === undefined ? undefined : checkShard(shard),
    onObject,
    failFast: flag("failFast", failFast, false),
    rateLimit,
    maxKeys: integer("maxKeys", maxKeys, 1, MAX_LIST_KEYS, MAX_LIST_KEYS),
  };
}
