/**
 * Download options: their types, defaults and validation. A bad option is a `TypeError`
 * (wrong type) or `RangeError` (out of range) whose message names the option and the value.
 *
 * @module
 */
import type { FileSystem } from "../fs/types.ts";
import type { CheckpointStore } from "../stores/store.ts";
import type { FetchLike } from "../sources/fetch_like.ts";
import type { DownloadEvent } from "./events.ts";
import { optionError } from "../errors.ts";

export { type OptionError, optionError } from "../errors.ts";

/** 1 MiB. */
export const MiB = 1024 * 1024;
/** Largest part OSS serves in one ranged request that we plan for. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** Most parts a download is split into (as in the OSS SDKs). */
export const MAX_PARTS = 10_000;
/** Most ranges in flight at once. */
export const MAX_THREADS = 64;

/** Retry behaviour of each range request. */
export interface RetryOptions {
  /**
   * Attempts per range without progress before giving up; an attempt that wrote more than
   * `lowSpeedLimit × lowSpeedTime` bytes (any bytes when the floor is off) resets the count.
   * @default {8}
   */
  limit?: number;
  /**
   * First backoff delay in milliseconds; doubled per attempt, with full jitter.
   * @default {250}
   */
  initialDelay?: number;
  /**
   * Largest backoff delay in milliseconds (a server's Retry-After may ask for more, up to
   * `maxElapsed`).
   * @default {15000}
   */
  backoffLimit?: number;
  /**
   * Longest time in milliseconds one range keeps failing without progress before giving up.
   * @default {300000}
   */
  maxElapsed?: number;
  /**
   * Milliseconds without a single byte on a response before that request is aborted and
   * retried: the deadline for the response headers of every request (the first one, which
   * learns the size, included) and the longest silence in a body.
   * @default {30000}
   */
  idleTimeout?: number;
  // --- Speed floor (curl's --speed-limit / --speed-time); see low_speed.ts -------------
  /**
   * Bytes per second a response body must average over `lowSpeedTime` seconds; a slower
   * body is abandoned and retried from its last byte. An attempt counts as progress (and
   * resets `limit` and `maxElapsed`) only when it wrote more than `lowSpeedLimit ×
   * lowSpeedTime` bytes, so a tarpit that trickles a few bytes per attempt is given up on.
   * `0` turns the floor off.
   * @default {1024}
   */
  lowSpeedLimit?: number;
  /**
   * Seconds over which `lowSpeedLimit` is averaged (fractions allowed).
   * @default {30}
   */
  lowSpeedTime?: number;
}

/** Caller-supplied digests for sources that carry no CRC-64 (plain URLs). */
export interface ExpectedDigests {
  /** Expected SHA-256 as lowercase hex. */
  sha256?: string;
  /** Expected MD5 as lowercase hex. */
  md5?: string;
  /** Expected CRC-64/XZ as an unsigned decimal string. */
  crc64?: string;
}

/** Options of {@linkcode resumableDownload}, {@linkcode resumableDownloadUrl} and {@linkcode downloadObject}. */
export interface DownloadOptions {
  /**
   * Where progress is kept between runs.
   * @default {new ResumableDownloadStore()} (files under `~/.resumable-download`)
   */
  store?: CheckpointStore;
  /**
   * Objects smaller than this are fetched with one plain GET (still through a temp file,
   * rename and verification) and no checkpoint: none is written or looked up (a record left
   * by a run with a lower threshold is not resumed; `prune` removes it), and the free-space
   * check is skipped. `DEFAULT_MULTIGET_THRESHOLD` is the default.
   * @default {10485760} (10 MiB)
   */
  multigetThreshold?: number;
  /**
   * Bytes per part. When absent: 8 MiB, or larger so that there are at most 10,000 parts.
   * @default {undefined}
   */
  partSize?: number;
  /**
   * Ranges downloaded at once.
   * @default {1}
   */
  numThreads?: number;
  /**
   * Called with `(consumedBytes, totalBytes)` as bytes reach the temp file; monotonic,
   * starting from what a previous run already saved, ending with `(total, total)`.
   * @default {undefined}
   */
  progressCallback?: (consumedBytes: number, totalBytes: number) => void;
  /**
   * Cancels the download: requests stop, the checkpoint is saved, the temp file kept, and
   * the promise rejects with the signal's reason. The next call resumes.
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * Retry behaviour per range.
   * @default {{}}
   */
  retry?: RetryOptions;
  /**
   * OSS object version to download.
   * @default {undefined}
   */
  versionId?: string;
  /**
   * Extra request headers (e.g. `x-oss-traffic-limit`), sent on every request.
   * @default {undefined}
   */
  headers?: HeadersInit;
  /**
   * `true`: check the CRC-64 when the server sends one, and saved parts on resume. An object
   * of digests: check those too. `false`: check nothing but sizes (unsafe).
   * @default {true}
   */
  verify?: boolean | ExpectedDigests;
  /**
   * The fetch used for every request: the runtime's, undici's (Node.js), or your own.
   * @default {globalThis.fetch; on Node.js, one that honours HTTP_PROXY, HTTPS_PROXY, NO_PROXY}
   */
  fetch?: FetchLike;
  /**
   * Called with what happens during the download: `progress` (as `progressCallback`),
   * `retry` (a request failed and is tried again after `delayMs`) and `restart` (the
   * object changed, or the saved bytes proved not to be the server's: `discardedBytes` are
   * dropped and progress starts again from 0; `progress` only ever goes back after a
   * `restart`). Exceptions thrown by the handler are ignored.
   *
   * @example
   * ```ts ignore
   * await resumableDownloadUrl(url, "big.iso", {
   *   onEvent: (e) => {
   *     if (e.type === "restart") console.log(`starting over: ${e.reason}`);
   *     if (e.type === "retry") console.log(`retry ${e.attempt} in ${e.delayMs} ms`);
   *   },
   * });
   * ```
   * @default {undefined}
   */
  onEvent?: (event: DownloadEvent) => void;
  /**
   * The identity the checkpoint is found by, instead of the source's `id`. Use it for a
   * URL whose signature or expiry parameters the library does not know, so that a renewed
   * URL for the same object resumes. (OSS, S3, GCS, Azure SAS and CloudFront parameters are
   * stripped without it.)
   * @default {undefined}
   */
  checkpointId?: string;
  /**
   * The file system the target, the temp file and (by default) the checkpoints live on:
   * e.g. `new MemoryFileSystem()` or `new OpfsFileSystem()`. Required by the `./web` entry.
   * @default {the running runtime's own adapter (Deno, or node:fs on Bun and Node)}
   */
  fs?: FileSystem;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  store: CheckpointStore | undefined;
  multigetThreshold: number;
  partSize: number | undefined;
  numThreads: number;
  progressCallback: ((consumed: number, total: number) => void) | undefined;
  signal: AbortSignal | undefined;
  retry: Required<RetryOptions>;
  verify: boolean;
  digests: ExpectedDigests;
  onEvent: ((event: DownloadEvent) => void) | undefined;
  checkpointId: string | undefined;
}

/**
 * Objects smaller than this many bytes (10 MiB) are fetched with one plain GET and no
 * checkpoint, when `multigetThreshold` is absent.
 *
 * @example
 * ```ts
 * import { DEFAULT_MULTIGET_THRESHOLD } from "@resumable-download/resumable-download";
 * const multigetThreshold = 4 * DEFAULT_MULTIGET_THRESHOLD; // checkpoints from 40 MiB
 * ```
 */
export const DEFAULT_MULTIGET_THRESHOLD: number = 10 * MiB;

/**
 * The retry behaviour when `retry` (or one of its fields) is absent: 8 attempts without
 * progress, 250 ms doubling up to 15 s, 5 min without progress at most, 30 s of silence,
 * a speed floor of 1024 bytes/s over 30 s.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY } from "@resumable-download/resumable-download";
 * const retry = { limit: DEFAULT_RETRY.limit * 2 }; // the other fields keep their defaults
 * ```
 */
export const DEFAULT_RETRY: Readonly<Required<RetryOptions>> = Object.freeze({
  limit: 8,
  initialDelay: 250,
  backoffLimit: 15_000,
  maxElapsed: 300_000,
  idleTimeout: 30_000,
  lowSpeedLimit: 1024,
  lowSpeedTime: 30,
});

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/** Throws unless `value` is an integer in [min, max]; returns it. */
export function integerOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") {
    throw optionError("type", name, `'${name}' must be an integer: got ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw optionError(
      "range",
      name,
      `'${name}' must be an integer from ${min} to ${max}: got ${show(value)}`,
    );
  }
  return value;
}

/** Throws unless `value` is a number of seconds above 0 and at most `max`; returns it. */
function secondsOption(name: string, value: unknown, max: number): number {
  if (typeof value !== "number") {
    throw optionError("type", name, `'${name}' must be a number of seconds: got ${show(value)}`);
  }
  if (!(value > 0 && value <= max)) {
    throw optionError(
      "range",
      name,
      `'${name}' must be above 0 and at most ${max} seconds: got ${show(value)}`,
    );
  }
  return value;
}

const HEX = { sha256: 64, md5: 32 } as const;

function digestsOption(value: ExpectedDigests): ExpectedDigests {
  const out: ExpectedDigests = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (name === "crc64") {
      if (typeof v !== "string" || !/^(0|[1-9]\d{0,19})$/.test(v) || BigInt(v) >= 2n ** 64n) {
        throw optionError(
          "type",
          "verify.crc64",
          `'verify.crc64' must be an unsigned 64-bit decimal string: got ${show(v)}`,
        );
      }
      out.crc64 = v;
    } else if (name === "sha256" || name === "md5") {
      const len = HEX[name];
      if (typeof v !== "string" || !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v)) {
        throw optionError(
          "type",
          `verify.${name}`,
          `'verify.${name}' must be ${len} hex digits: got ${show(v)}`,
        );
      }
      out[name] = v.toLowerCase();
    } else {
      throw optionError(
        "type",
        "verify",
        `'verify' has an unknown digest '${name}' (use sha256, md5 or crc64)`,
      );
    }
  }
  return out;
}

/** Validates `options` and fills in defaults. */
export function resolveOptions(options: DownloadOptions | undefined): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") {
    throw optionError("type", "options", `'options' must be an object: got ${show(options)}`);
  }
  const o = options;
  const store = o.store;
  if (
    store !== undefined &&
    (typeof store !== "object" || store === null || typeof store.get !== "function" ||
      typeof store.put !== "function" || typeof store.delete !== "function")
  ) {
    throw optionError(
      "type",
      "store",
      `'store' must be a CheckpointStore (get, put, delete): got ${show(store)}`,
    );
  }
  const multigetThreshold = o.multigetThreshold === undefined
    ? DEFAULT_MULTIGET_THRESHOLD
    : integerOption("multigetThreshold", o.multigetThreshold, 1, Number.MAX_SAFE_INTEGER);
  const partSize = o.partSize === undefined
    ? undefined
    : integerOption("partSize", o.partSize, 1, MAX_PART_SIZE);
  const numThreads = o.numThreads === undefined
    ? 1
    : integerOption("numThreads", o.numThreads, 1, MAX_THREADS);
  if (o.progressCallback !== undefined && typeof o.progressCallback !== "function") {
    throw optionError(
      "type",
      "progressCallback",
      `'progressCallback' must be a function: got ${show(o.progressCallback)}`,
    );
  }
  if (
    o.signal !== undefined &&
    (typeof o.signal !== "object" || o.signal === null || !("aborted" in o.signal))
  ) {
    throw optionError("type", "signal", `'signal' must be an AbortSignal: got ${show(o.signal)}`);
  }
  const r = o.retry ?? {};
  if (typeof r !== "object" || r === null) {
    throw optionError("type", "retry", `'retry' must be an object: got ${show(r)}`);
  }
  const retry: Required<RetryOptions> = { ...DEFAULT_RETRY };
  for (const key of Object.keys(r) as (keyof RetryOptions)[]) {
    if (!(key in DEFAULT_RETRY)) {
      throw optionError(
        "type",
        "retry",
        `'retry' has an unknown option '${key}' (use ${Object.keys(DEFAULT_RETRY).join(", ")})`,
      );
    }
    const v = r[key];
    if (v === undefined) continue;
    if (key === "lowSpeedTime") retry[key] = secondsOption(`retry.${key}`, v, 24 * 3600);
    else if (key === "lowSpeedLimit") {
      retry[key] = integerOption(`retry.${key}`, v, 0, Number.MAX_SAFE_INTEGER);
    } else {
      retry[key] = key === "limit"
        ? integerOption("retry.limit", v, 1, 1000)
        : integerOption(`retry.${key}`, v, key === "idleTimeout" ? 1 : 0, 24 * 3600_000);
    }
  }
  let verify = true;
  let digests: ExpectedDigests = {};
  if (o.verify === false) verify = false;
  else if (o.verify === true || o.verify === undefined) verify = true;
  else if (typeof o.verify === "object" && o.verify !== null) digests = digestsOption(o.verify);
  else {throw optionError(
      "type",
      "verify",
      `'verify' must be a boolean or an object of digests: got ${show(o.verify)}`,
    );}
  if (o.versionId !== undefined && (typeof o.versionId !== "string" || o.versionId === "")) {
    throw optionError(
      "type",
      "versionId",
      `'versionId' must be a non-empty string: got ${show(o.versionId)}`,
    );
  }
  if (o.fetch !== undefined && typeof o.fetch !== "function") {
    throw optionError("type", "fetch", `'fetch' must be a function: got ${show(o.fetch)}`);
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== "function") {
    throw optionError("type", "onEvent", `'onEvent' must be a function: got ${show(o.onEvent)}`);
  }
  if (
    o.checkpointId !== undefined && (typeof o.checkpointId !== "string" || o.checkpointId === "")
  ) {
    throw optionError(
      "type",
      "checkpointId",
      `'checkpointId' must be a non-empty string: got ${show(o.checkpointId)}`,
    );
  }
  return {
    store,
    multigetThreshold,
    partSize,
    numThreads,
    progressCallback: o.progressCallback,
    signal: o.signal,
    retry,
    verify,
    digests,
    onEvent: o.onEvent,
    checkpointId: o.checkpointId,
  };
}
