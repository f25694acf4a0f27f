/**
 * The entry points of mod.ts: download an OSS object, a URL, or any {@linkcode ObjectSource}
 * to a file of the running runtime (Deno, Bun, Node), or of `options.fs`. The runtime's file
 * adapter, lock file and default store are loaded on first use.
 *
 * @module
 */
import { redacting } from "./redact.ts";
import { download, ossSource, type Platform, urlSource } from "./download_core.ts";
import type { DownloadResult } from "./engine/engine.ts";
import type { DownloadOptions } from "./engine/options.ts";
import { loadRuntimeFiles } from "./fs/mod.ts";
import { webLockFor } from "./lock/web_lock.ts";
import { useNodeFetch } from "./runtime/node_fetch.ts";
import type { Bucket } from "./sources/oss/bucket.ts";
import type { ObjectSource } from "./sources/source.ts";
import { ResumableDownloadStore } from "./stores/file.ts";

/** The runtime: its file adapter and lock file, unless `options.fs` is another one. */
const runtime: Platform = {
  async setup(options, given) {
    useNodeFetch(); // on Node.js, a default fetch that never decodes and honours HTTP(S)_PROXY
    const files = await loadRuntimeFiles();
    const fs = given ?? files.fs;
    // A file system other than the runtime's disk (memory, OPFS) gets a lock without files.
    const lock = given && !files.isRuntime(given) ? webLockFor(given) : files.lockFor(fs);
    return { fs, lock, store: options?.store ?? new ResumableDownloadStore({ fs }) };
  },
};

/**
 * Downloads `source` to `filename`: ranges in parallel into a temp file next to the target,
 * progress checkpointed so a later call resumes, verified, then renamed onto the target.
 *
 * @example Download from a custom source
 * ```ts ignore
 * import { downloadObject, HttpSource } from "@resumable-download/resumable-download";
 * const result = await downloadObject(new HttpSource("https://example.com/a.iso"), "a.iso", {
 *   numThreads: 4,
 * });
 * console.log(result.size, result.resumed);
 * ```
 */
export function downloadObject(
  source: ObjectSource,
  filename: string,
  options?: DownloadOptions,
): Promise<DownloadResult> {
  return redacting(() => download(runtime, source, filename, options));
}

/**
 * Downloads a URL (plain or presigned) from any HTTP server that honours `Range`.
 *
 * @example
 * ```ts ignore
 * import { resumableDownloadUrl } from "@resumable-download/resumable-download";
 * await resumableDownloadUrl("https://example.com/big.iso", "big.iso", {
 *   numThreads: 4,
 *   progressCallback: (done, total) => console.log(`${done}/${total}`),
 * });
 * ```
 */
export async function resumableDownloadUrl(
  url: string | URL,
  filename: string,
  options?: DownloadOptions,
): Promise<DownloadResult> {
  return await redacting(() => download(runtime, urlSource(url, options), filename, options));
}

/**
 * Downloads object `key` of `bucket` to `filename`: the TypeScript form of
 * `oss2.resumable_download(bucket, key, filename, ...)`. Requests are signed (v4 by
 * default), every range carries `If-Match`, and the file is checked against the object's
 * CRC-64 before it replaces the target.
 *
 * @example
 * ```ts ignore
 * import { Bucket, resumableDownload } from "@resumable-download/resumable-download";
 * const bucket = new Bucket({
 *   endpoint: "oss-cn-hangzhou.aliyuncs.com",
 *   bucket: "examplebucket",
 *   accessKeyId: "<id>",
 *   accessKeySecret: "<secret>",
 * });
 * await resumableDownload(bucket, "dir/big.iso", "big.iso", { numThreads: 4 });
 * ```
 */
export async function resumableDownload(
  bucket: Bucket,
  key: string,
  filename: string,
  options?: DownloadOptions,
): Promise<DownloadResult> {
  return await redacting(() =>
    download(runtime, ossSource(bucket, key, options), filename, options)
  );
}
