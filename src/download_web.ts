/**
 * The entry points of web.ts: the same downloads as download.ts onto a caller's file system
 * (`options.fs`, e.g. `MemoryFileSystem`, `OpfsFileSystem`) and store (`options.store`),
 * both required. Nothing here reaches a `node:` module, `Deno` or `Bun`. The target lock is
 * a Web Lock where the platform has them (browsers), else a lock per realm (workerd).
 *
 * @module
 */
import { redacting } from "./redact.ts";
import { download, ossSource, type Platform, urlSource } from "./download_core.ts";
import type { DownloadResult } from "./engine/engine.ts";
import { type DownloadOptions, optionError } from "./engine/options.ts";
import { webLockFor } from "./lock/web_lock.ts";
import type { Bucket } from "./sources/oss/bucket.ts";
import type { ObjectSource } from "./sources/source.ts";

const web: Platform = {
  setup(options, fs) {
    if (!fs) {
      return Promise.reject(
        optionError(
          "type",
          "fs",
          "'fs' is required here (e.g. new MemoryFileSystem()): got undefined",
        ),
      );
    }
    if (options?.store === undefined) {
      return Promise.reject(
        optionError(
          "type",
          "store",
          "'store' is required here (e.g. new MemoryCheckpointStore()): got undefined",
        ),
      );
    }
    return Promise.resolve({ fs, store: options.store, lock: webLockFor(fs) });
  },
};

/**
 * Downloads `source` to `filename` on `options.fs`, keeping progress in `options.store`.
 *
 * @example
 * ```ts ignore
 * import { downloadObject, HttpSource, MemoryCheckpointStore, MemoryFileSystem } from
 *   "@resumable-download/resumable-download/web";
 * const fs = new MemoryFileSystem();
 * await downloadObject(new HttpSource("https://example.com/a.bin"), "/a.bin", {
 *   fs,
 *   store: new MemoryCheckpointStore(),
 * });
 * ```
 */
export function downloadObject(
  source: ObjectSource,
  filename: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  return redacting(() => download(web, source, filename, options));
}

/**
 * Downloads a URL to `filename` on `options.fs`, keeping progress in `options.store`.
 *
 * @example In a browser worker, into the Origin Private File System
 * ```ts ignore
 * import { MemoryCheckpointStore, OpfsFileSystem, resumableDownloadUrl } from
 *   "@resumable-download/resumable-download/web";
 * await resumableDownloadUrl("https://example.com/big.iso", "/dl/big.iso", {
 *   fs: new OpfsFileSystem(),
 *   store: new MemoryCheckpointStore(),
 *   numThreads: 4,
 * });
 * ```
 */
export async function resumableDownloadUrl(
  url: string | URL,
  filename: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  return await redacting(() => download(web, urlSource(url, options), filename, options));
}

/**
 * Downloads object `key` of `bucket` to `filename` on `options.fs`.
 *
 * @example
 * ```ts ignore
 * import { Bucket, MemoryCheckpointStore, MemoryFileSystem, resumableDownload } from
 *   "@resumable-download/resumable-download/web";
 * const bucket = new Bucket({ endpoint: "oss-cn-hangzhou.aliyuncs.com", bucket: "b" });
 * await resumableDownload(bucket, "big.iso", "/big.iso", {
 *   fs: new MemoryFileSystem(),
 *   store: new MemoryCheckpointStore(),
 * });
 * ```
 */
export async function resumableDownload(
  bucket: Bucket,
  key: string,
  filename: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  return await redacting(() => download(web, ossSource(bucket, key, options), filename, options));
}
