/**
 * What the entry points share: checking the source, building the URL and OSS sources, and
 * running the engine with the file system, store and lock a platform provides. Web APIs
 * only (download.ts adds the runtime's defaults, download_web.ts requires them).
 *
 * @module
 */
import { type DownloadResult, runDownload } from "./engine/engine.ts";
import { type DownloadOptions, optionError, resolveOptions } from "./engine/options.ts";
import type { FileSystem } from "./fs/types.ts";
import type { TargetLock } from "./lock/types.ts";
import { HttpSource } from "./sources/http.ts";
import type { Bucket } from "./sources/oss/bucket.ts";
import { OssObjectSource, type OssObjectSourceOptions } from "./sources/oss/source.ts";
import type { ObjectSource } from "./sources/source.ts";
import type { CheckpointStore } from "./stores/store.ts";

/** Where a platform's downloads keep their files, progress and lock. */
export interface Platform {
  /**
   * The file system, store and lock for a download with `options`; `fs` is `options.fs`,
   * already checked.
   */
  setup(
    options: DownloadOptions | undefined,
    fs: FileSystem | undefined,
  ): Promise<{ fs: FileSystem; store: CheckpointStore; lock: TargetLock }>;
}

const FS_METHODS = ["open", "stat", "rename", "remove", "mkdir"] as const;

/** `options.fs`, checked: `undefined` or a {@linkcode FileSystem}, else a `TypeError`. */
export function checkFs(fs: unknown): FileSystem | undefined {
  if (fs === undefined) return undefined;
  const f = fs as Record<string, unknown> | null;
  if (typeof f !== "object" || f === null || FS_METHODS.some((m) => typeof f[m] !== "function")) {
    throw optionError(
      "type",
      "fs",
      `'fs' must be a FileSystem (${FS_METHODS.join(", ")}): got ${String(fs)}`,
    );
  }
  return fs as FileSystem;
}

/** Runs a download of `source` on `platform`. */
export async function download(
  platform: Platform,
  source: ObjectSource,
  filename: string,
  options: DownloadOptions | undefined,
): Promise<DownloadResult> {
  if (
    typeof source !== "object" || source === null || typeof source.read !== "function" ||
    typeof source.stat !== "function" || typeof source.id !== "string"
  ) {
    throw optionError(
      "type",
      "source",
      `'source' must be an ObjectSource (id, stat, read): got ${String(source)}`,
    );
  }
  const resolved = resolveOptions(options);
  const { fs, store, lock } = await platform.setup(options, checkFs(options?.fs));
  return await runDownload(source, filename, { fs, store, lock, options: resolved });
}

/** The {@linkcode HttpSource} for `url` with the headers and fetch of `options`. */
export function urlSource(url: string | URL, options: DownloadOptions | undefined): HttpSource {
  const sourceOptions: ConstructorParameters<typeof HttpSource>[1] = {};
  if (options?.headers !== undefined) sourceOptions.headers = options.headers;
  if (options?.fetch !== undefined) sourceOptions.fetch = options.fetch;
  return new HttpSource(url, sourceOptions);
}

/** The {@linkcode OssObjectSource} for `key` in `bucket` with the options that apply. */
export function ossSource(
  bucket: Bucket,
  key: string,
  options: DownloadOptions | undefined,
): OssObjectSource {
  const sourceOptions: OssObjectSourceOptions = {};
  if (options?.versionId !== undefined) sourceOptions.versionId = options.versionId;
  if (options?.headers !== undefined) sourceOptions.headers = options.headers;
  if (options?.fetch !== undefined) sourceOptions.fetch = options.fetch;
  return new OssObjectSource(bucket, key, sourceOptions);
}
