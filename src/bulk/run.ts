/**
 * The batch machinery both entry points share: `concurrency` workers take jobs from one
 * queue, skip unchanged files, download the rest through the engine (`downloadObject`) with
 * one shared checkpoint store, record what they downloaded, and collect failures.
 *
 * @module
 */
import { downloadObject } from "../download.ts";
import { DownloadError } from "../errors.ts";
import type { FileSystem } from "../fs/types.ts";
import type { ObjectSource } from "../sources/source.ts";
import type { CheckpointStore } from "../stores/store.ts";
import type { BulkEvent, BulkResult, ResolvedBulk } from "./options.ts";
import { etagMd5, fileMd5 } from "./local_md5.ts";
import { PrefetchingSource, PrefetchPolicy } from "./prefetch_source.ts";
import { RateLimitedSource, RateLimiter } from "./rate_limit.ts";
import {
  readDoneRecord,
  recordMatches,
  recordStores,
  type RemoteState,
  writeDoneRecord,
} from "./record.ts";

/** One object of a batch. */
export interface Job {
  /** The key (prefix) or the source id (many): how events and failures name it. */
  key: string;
  /** Absolute path of the target. */
  target: string;
  /** Where the bytes come from; absent when the job cannot run (`invalid`). */
  source?: ObjectSource;
  /** What the listing says about the object, when there is a listing. */
  remote?: RemoteState;
  /** Why this object cannot be downloaded at all (e.g. a key that cannot be a file name). */
  invalid?: DownloadError;
}

/** What the workers share. */
export interface BatchContext {
  fs: FileSystem;
  store: CheckpointStore;
  options: ResolvedBulk;
  /** The caller's progressCallback, for the whole batch. */
  progress?: (consumed: number, total: number) => void;
  /** The caller's signal. */
  signal?: AbortSignal;
}

/** Any error as a DownloadError (failures are reported as such). */
function asDownloadError(e: unknown): DownloadError {
  if (e instanceof DownloadError) return e;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new DownloadError(message, { cause: e });
}

/** Runs the batch; rejects on abort, on a failing job queue, or (failFast) the first failure. */
export async function runBatch(jobs: AsyncIterable<Job>, ctx: BatchContext): Promise<BulkResult> {
  const o = ctx.options;
  const result: BulkResult = { downloaded: 0, skipped: 0, bytesFetched: 0, failed: [] };
  const stop = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
  const limiter = o.rateLimit === undefined ? undefined : new RateLimiter(o.rateLimit);
  const policy = new PrefetchPolicy();
  const records = recordStores(ctx.store, o.concurrency);
  const emit = (event: BulkEvent) => {
    try {
      o.onObject?.(event);
    } catch {
      // A throwing listener must not break the batch.
    }
  };
  // Batch-wide progress: bytes on disk of started objects and their sizes.
  const consumed = new Map<string, number>();
  let consumedTotal = 0;
  let sizeTotal = 0;
  const report = () => ctx.progress?.(consumedTotal, sizeTotal);

  const iterator = jobs[Symbol.asyncIterator]();
  let fatal: { error: unknown } | undefined;

  const runJob = async (job: Job) => {
    const filename = job.target;
    if (job.invalid || !job.source) {
      const error = job.invalid ?? new DownloadError(`no source for ${job.key}`);
      result.failed.push({ key: job.key, error });
      emit({ type: "failed", key: job.key, filename, error });
      if (o.failFast) throw error;
      return;
    }
    let source = job.source;
    let remote: StatState | undefined = job.remote;
    try {
      if (o.skipUnchanged) {
        remote ??= await knownRemote(job, ctx, signal);
        if (remote && await unchanged(job, remote, ctx, records(filename))) {
          result.skipped++;
          emit({ type: "skipped", key: job.key, filename, size: remote.size });
          return;
        }
      }
    } catch (e) {
      if (signal.aborted) throw ctx.signal?.aborted ? ctx.signal.reason : e;
      const error = asDownloadError(e);
      result.failed.push({ key: job.key, error });
      emit({ type: "failed", key: job.key, filename, error });
      if (o.failFast) throw error;
      return;
    }
    let prefetching: PrefetchingSource | undefined;
    if (job.remote === undefined && remote?.info) source = new StatOnce(source, remote.info);
    else if (job.remote === undefined) {
      source = prefetching = new PrefetchingSource(source, o.resolved.multigetThreshold, policy);
    }
    if (limiter) source = new RateLimitedSource(source, limiter);
    const size = remote?.size;
    if (size !== undefined) sizeTotal += size;
    emit({ type: "start", key: job.key, filename, ...(size === undefined ? {} : { size }) });
    let sized = size !== undefined;
    try {
      const downloaded = await downloadObject(source, filename, {
        ...o.perObject,
        store: ctx.store,
        signal,
        progressCallback: (done, total) => {
          if (!sized) {
            sizeTotal += total;
            sized = true;
          }
          consumedTotal += done - (consumed.get(filename) ?? 0);
          consumed.set(filename, done);
          report();
        },
      });
      const state: RemoteState = { size: downloaded.size };
      if (downloaded.etag !== undefined) state.etag = downloaded.etag;
      if (downloaded.crc64 !== undefined) state.crc64 = downloaded.crc64;
      if (o.skipUnchanged) {
        // The file is in place and verified whatever happens to its record; without one the
        // next run recognises it by its MD5 or fetches it again.
        await writeDoneRecord(records(filename), source.id, filename, state).catch(() => {});
      }
      result.downloaded++;
      result.bytesFetched += downloaded.bytesFetched;
      emit({ type: "done", key: job.key, filename, size: downloaded.size, result: downloaded });
    } catch (e) {
      if (signal.aborted) throw ctx.signal?.aborted ? ctx.signal.reason : e;
      const error = asDownloadError(e);
      result.failed.push({ key: job.key, error });
      emit({
        type: "failed",
        key: job.key,
        filename,
        error,
        ...(size === undefined ? {} : { size }),
      });
      if (o.failFast) throw error;
    } finally {
      consumed.delete(filename);
      await prefetching?.release();
    }
  };

  const worker = async () => {
    while (!signal.aborted) {
      let next: IteratorResult<Job>;
      try {
        next = await iterator.next();
      } catch (e) {
        fatal ??= { error: e };
        stop.abort(e);
        return;
      }
      if (next.done) return;
      try {
        await runJob(next.value);
      } catch (e) {
        fatal ??= { error: e };
        stop.abort(e);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await iterator.return?.().catch(() => {});
  if (ctx.signal?.aborted) throw ctx.signal.reason;
  if (fatal) throw fatal.error;
  report();
  return result;
}

/** A remote state from `stat()`, kept so the engine need not ask again. */
type StatState = RemoteState & { info?: Awaited<ReturnType<ObjectSource["stat"]>> };

/**
 * Without a listing, what the object is now, but only when it could matter: the local file
 * exists. Otherwise `undefined` (no request made).
 */
async function knownRemote(
  job: Job,
  ctx: BatchContext,
  signal: AbortSignal,
): Promise<StatState | undefined> {
  const local = await ctx.fs.stat(job.target);
  if (!local?.isFile) return undefined;
  let info;
  try {
    info = await job.source!.stat(signal);
  } catch {
    return undefined; // the download itself retries and reports
  }
  const state: StatState = { size: info.size, info };
  if (info.etag !== undefined) state.etag = info.etag;
  if (info.crc64 !== undefined) state.crc64 = info.crc64;
  return state;
}

/**
 * Whether the local file is this very object: its download record still matches, or (no
 * record) the object's ETag is a content MD5 and the file has that MD5 (then the record is
 * written, so the next run needs no hashing).
 */
async function unchanged(
  job: Job,
  remote: RemoteState,
  ctx: BatchContext,
  recordStore: CheckpointStore,
): Promise<boolean> {
  const local = await ctx.fs.stat(job.target);
  if (local?.isFile !== true || local.size !== remote.size) return false;
  const record = await readDoneRecord(ctx.store, job.source!.id, job.target);
  if (record) return recordMatches(record, remote);
  const md5 = etagMd5(remote.etag);
  if (md5 === undefined) return false;
  try {
    if (await fileMd5(ctx.fs, job.target, remote.size) !== md5) return false;
  } catch {
    return false; // unreadable: download it
  }
  await writeDoneRecord(recordStore, job.source!.id, job.target, remote);
  return true;
}

/** A source whose first `stat()` is answered from a `stat()` already made. */
class StatOnce implements ObjectSource {
  readonly id: string;
  readonly #inner: ObjectSource;
  #info: Awaited<ReturnType<ObjectSource["stat"]>> | undefined;

  constructor(inner: ObjectSource, info: Awaited<ReturnType<ObjectSource["stat"]>>) {
    this.#inner = inner;
    this.id = inner.id;
    this.#info = info;
  }

  stat(signal?: AbortSignal) {
    const info = this.#info;
    this.#info = undefined;
    return info ? Promise.resolve(info) : this.#inner.stat(signal);
  }

  read(request: Parameters<ObjectSource["read"]>[0]) {
    return this.#inner.read(request);
  }
}
