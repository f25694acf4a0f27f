/**
 * The entry points: download an OSS object, a URL, or any {@linkcode ObjectSource}.
 *
 * @module
 */
import { type DownloadResult, runDownload } from "./engine/engine.ts";
import { type DownloadOptions, resolveOptions } from "./engine/options.ts";
import { loadFileSystem } from "./fs/mod.ts";
import { useNodeEnvProxy } from "./runtime/node_fetch.ts";
import { HttpSource } from "./sources/http.ts";
import type { Bucket } from "./sources/oss/bucket.ts";
import { OssObjectSource, type OssObjectSourceOptions } from "./sources/oss/source.ts";
import type { ObjectSource } from "./sources/source.ts";
import { ResumableDownloadStore } from "./stores/file.ts";

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
export async function downloadObject(
  source: ObjectSource,
  filename: string,
  options?: DownloadOptions,
): Promise<DownloadResult> {
  if (
    typeof source !== "object" || source === null || typeof source.read !== "function" ||
    typeof source.stat !== "function" || typeof source.id !== "string"
  ) {
    throw new TypeError(`'source' must be an ObjectSource (id, stat, read): got ${String(source)}`);
  }
  const resolved = resolveOptions(options);
  useNodeEnvProxy(); // the default fetch on Node.js honours HTTP(S)_PROXY / NO_PROXY
  const fs = await loadFileSystem();
  const store = resolved.store ?? new ResumableDownloadStore({ fs });
  return await runDownload(source, filename, { fs, store, options: resolved });
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
  const sourceOptions: ConstructorParameters<typeof HttpSource>[1] = {};
  if (options?.headers !== undefined) sourceOptions.headers = options.headers;
  if (options?.fetch !== undefined) sourceOptions.fetch = options.fetch;
  return await downloadObject(new HttpSource(url, sourceOptions), filename, options);
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
  const sourceOptions: OssObjectSourceOptions = {};
  if (options?.versionId !== undefined) sourceOptions.versionId = options.versionId;
  if (options?.headers !== undefined) sourceOptions.headers = options.headers;
  if (options?.fetch !== undefined) sourceOptions.fetch = options.fetch;
  return await downloadObject(new OssObjectSource(bucket, key, sourceOptions), filename, options);
}
