/**
 * {@linkcode downloadMany}: a list of URLs or sources, each to its own file.
 *
 * @module
 */
import { redacting } from "../redact.ts";
import { loadFileSystem } from "../fs/mod.ts";
import { HttpSource, type HttpSourceOptions } from "../sources/http.ts";
import type { ObjectSource } from "../sources/source.ts";
import { ResumableDownloadStore } from "../stores/file.ts";
import { keyFilter } from "./filters.ts";
import { type BulkOptions, type BulkResult, resolveBulkOptions } from "./options.ts";
import { absolutePath } from "./paths.ts";
import { type Job, runBatch } from "./run.ts";
import { inShard } from "./shard.ts";

/** One entry of {@linkcode downloadMany}. */
export interface BulkItem {
  /** A URL (plain or presigned) or any {@linkcode ObjectSource}. */
  source: ObjectSource | string | URL;
  /** Where it goes. */
  filename: string;
}

function isSource(value: unknown): value is ObjectSource {
  const s = value as Partial<ObjectSource> | null;
  return typeof s === "object" && s !== null && typeof s.id === "string" &&
    typeof s.stat === "function" && typeof s.read === "function";
}

/**
 * Downloads each item's source to its filename, `concurrency` at a time, with the same
 * machinery as {@linkcode downloadPrefix}: skip unchanged (one small request per item whose
 * file is already there; none otherwise), one request per small object, per-object
 * events and collected failures, shards (by the source's id), a shared rate limit.
 * `include`/`exclude` match the filename.
 *
 * @example A URL list
 * ```ts ignore
 * import { downloadMany } from "@resumable-download/resumable-download";
 * const result = await downloadMany([
 *   { source: "https://example.com/a.iso", filename: "isos/a.iso" },
 *   { source: "https://example.com/b.iso", filename: "isos/b.iso" },
 * ], { concurrency: 2 });
 * for (const f of result.failed) console.error(f.key, f.error.message);
 * ```
 */
export function downloadMany(
  items: BulkItem[],
  options?: BulkOptions,
): Promise<BulkResult> {
  return redacting(() => many(items, options));
}

/** {@linkcode downloadMany}, its errors not yet redacted. */
async function many(
  items: BulkItem[],
  options?: BulkOptions,
): Promise<BulkResult> {
  if (!Array.isArray(items)) {
    throw new TypeError(`'items' must be an array of { source, filename }`);
  }
  const o = resolveBulkOptions(options);
  const httpOptions: HttpSourceOptions = {};
  if (options?.headers !== undefined) httpOptions.headers = options.headers;
  if (options?.fetch !== undefined) httpOptions.fetch = options.fetch;
  const prepared = items.map((item, i) => {
    if (typeof item !== "object" || item === null) {
      throw new TypeError(`'items[${i}]' must be { source, filename }`);
    }
    if (typeof item.filename !== "string" || item.filename === "") {
      throw new TypeError(`'items[${i}].filename' must be a non-empty path`);
    }
    const source = isSource(item.source)
      ? item.source
      : typeof item.source === "string" || item.source instanceof URL
      ? new HttpSource(item.source, httpOptions)
      : undefined;
    if (!source) {
      throw new TypeError(`'items[${i}].source' must be a URL or an ObjectSource`);
    }
    return { source, filename: item.filename };
  });
  const keep = keyFilter(o.include, o.exclude);
  const fs = await loadFileSystem();
  const store = o.resolved.store ?? new ResumableDownloadStore({ fs });

  async function* jobs(): AsyncGenerator<Job> {
    for (const { source, filename } of prepared) {
      if (!keep(filename)) continue;
      if (o.shard && !inShard(source.id, o.shard)) continue;
      yield { key: source.id, target: absolutePath(filename), source };
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
