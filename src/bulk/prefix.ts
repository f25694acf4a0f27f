/**
 * {@linkcode downloadPrefix}: every object under a prefix of an OSS bucket into a directory.
 *
 * @module
 */
import { redacting } from "../redact.ts";
import { loadFileSystem } from "../fs/mod.ts";
import type { Bucket } from "../sources/oss/bucket.ts";
import { OssObjectSource, type OssObjectSourceOptions } from "../sources/oss/source.ts";
import { ResumableDownloadStore } from "../stores/file.ts";
import { keyFilter } from "./filters.ts";
import { ListedObjectSource } from "./listed_source.ts";
import { listPrefix } from "./listing.ts";
import { type BulkOptions, type BulkResult, resolveBulkOptions } from "./options.ts";
import { absolutePath, joinUnder, keyToRelativePath, lastSegment } from "./paths.ts";
import { type Job, runBatch } from "./run.ts";
import { inShard } from "./shard.ts";

/**
 * Downloads every object whose key starts with `prefix` into `directory`: the object
 * `prefix + "a/b.bin"` lands at `directory/a/b.bin` (folders created). Keys ending in `/`
 * (folder markers) are not files and are passed over; a key that cannot be a file name
 * under the directory (a `..` or empty segment, control characters, a backslash) is
 * reported as failed and never written outside it.
 *
 * The listing (ListObjectsV2, 1000 keys a page) and the downloads overlap: `concurrency`
 * objects are in flight at once, each through the resumable engine (so a large object
 * resumes from its checkpoint after a kill). With `skipUnchanged` (the default) a file
 * downloaded before whose object is unchanged costs nothing but its share of the listing,
 * so running the same call again after a kill finishes the batch, refetching only what
 * was in flight. Failures are collected in {@linkcode BulkResult.failed}; the call rejects
 * only when the listing fails, on abort, or with `failFast`.
 *
 * @example Mirror a prefix, 16 objects at a time, only Parquet files, this machine's third
 * ```ts ignore
 * import { Bucket, downloadPrefix } from "@resumable-download/resumable-download";
 * const result = await downloadPrefix(Bucket.fromEnv(), "datasets/2024/", "data/", {
 *   concurrency: 16,
 *   include: ["*.parquet"],
 *   shard: { index: 0, count: 3 },
 *   onObject: (e) => e.type === "failed" && console.error(e.key, e.error?.message),
 * });
 * console.log(result.downloaded, result.skipped, result.failed.length);
 * ```
 */
export function downloadPrefix(
  bucket: Bucket,
  prefix: string,
  directory: string,
  options?: BulkOptions,
): Promise<BulkResult> {
  return redacting(() => prefixBatch(bucket, prefix, directory, options));
}

/** {@linkcode downloadPrefix}, its errors not yet redacted. */
async function prefixBatch(
  bucket: Bucket,
  prefix: string,
  directory: string,
  options?: BulkOptions,
): Promise<BulkResult> {
  const b = bucket as Partial<Bucket> | null;
  if (typeof b !== "object" || b === null || typeof b.listObjects !== "function") {
    throw new TypeError(`'bucket' must be a Bucket: got ${String(bucket)}`);
  }
  if (typeof prefix !== "string") {
    throw new TypeError(`'prefix' must be a string: got ${String(prefix)}`);
  }
  if (typeof directory !== "string" || directory === "") {
    throw new TypeError(`'directory' must be a non-empty path: got ${String(directory)}`);
  }
  const o = resolveBulkOptions(options);
  const fs = await loadFileSystem();
  const store = o.resolved.store ?? new ResumableDownloadStore({ fs });
  const root = absolutePath(directory);
  const keep = keyFilter(o.include, o.exclude);
  const sourceOptions: OssObjectSourceOptions = {};
  if (options?.headers !== undefined) sourceOptions.headers = options.headers;
  if (options?.fetch !== undefined) sourceOptions.fetch = options.fetch;
  const listing = {
    prefix,
    maxKeys: o.maxKeys,
    retry: o.resolved.retry,
    ...(options?.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options?.signal ? { signal: options.signal } : {}),
    ...(options?.fetch ? { fetch: options.fetch } : {}),
  };

  async function* jobs(): AsyncGenerator<Job> {
    for await (const listed of listPrefix(bucket, listing)) {
      const key = listed.key;
      if (key.endsWith("/")) continue; // a folder marker
      const relative = key === prefix ? lastSegment(key) : key.slice(prefix.length);
      if (!keep(relative.replace(/^\/+/, ""))) continue;
      if (o.shard && !inShard(key, o.shard)) continue;
      const path = keyToRelativePath(relative);
      if (typeof path !== "string") {
        // Never written: the name is shown as the key would have it, for the report.
        yield { key, target: joinUnder(root, relative.replace(/^\/+/, "")), invalid: path };
        continue;
      }
      const inner = new OssObjectSource(bucket, key, sourceOptions);
      const job: Job = {
        key,
        target: joinUnder(root, path),
        source: new ListedObjectSource(
          inner,
          listed,
          o.resolved.multigetThreshold,
          o.resolved.verify,
        ),
        remote: listed.etag === undefined
          ? { size: listed.size }
          : { size: listed.size, etag: listed.etag },
      };
      yield job;
    }
  }

  return await runBatch(jobs(), {
    fs,
    store,
    options: o,
    ...(options?.progressCallback ? { progress: options.progressCallback } : {}),
    ...(options?.signal ? { signal: options.signal } : {}),
  });
}
