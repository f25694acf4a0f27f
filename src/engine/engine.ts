/**
 * The download engine's entry: checks the target, takes the lock, and runs the download
 * (`run.ts`: prepare, prove, fetch, verify, rename), starting over when the object changes
 * under it. Web APIs only: files go through the {@linkcode FileSystem} adapter it is given.
 *
 * @module
 */
import { LocalFileError, ObjectChangedError } from "../errors.ts";
import { absolutePath, dirname } from "../fs/path.ts";
import type { FileSystem } from "../fs/types.ts";
import type { TargetLock } from "../lock/types.ts";
import type { ObjectSource } from "../sources/source.ts";
import type { CheckpointStore } from "../stores/store.ts";
import { emit } from "./events.ts";
import { optionError, type ResolvedOptions } from "./options.ts";
import { Run } from "./run.ts";
import { ObjectChangedSignal } from "./signals.ts";
import { fileError } from "./temp_file.ts";

/** What a finished download reports. */
export interface DownloadResult {
  /** Size of the file in bytes. */
  size: number;
  /** ETag of the object, as the server sent it. */
  etag?: string;
  /** CRC-64/XZ of the file as an unsigned decimal string (as OSS sends it). */
  crc64?: string;
  /** Whether this call continued a previous run's progress. */
  resumed: boolean;
  /** Body bytes this call read from the network. */
  bytesFetched: number;
  /**
   * What the finished file was checked against before it replaced the target: `crc64`
   * (OSS's `x-oss-hash-crc64ecma`, or `verify.crc64`), `md5`, `crc32c`, `crc32`, `sha1`,
   * `sha256`, `sha512` (what the server stated in `x-goog-hash`, `Repr-Digest`, `Digest`,
   * `x-amz-checksum-*`, `Content-MD5` or a plain-MD5 S3/OSS ETag, or what the caller gave
   * in `verify`). `[]` when nothing was compared: the file is then the server's object as
   * far as its validators and a sample of its bytes can tell, not proven byte for byte.
   */
  verifiedBy: string[];
}

/** How often the object may change under a download before it gives up. */
const MAX_RESTARTS = 3;

/** The dependencies a run gets from the entry points. */
export interface EngineContext {
  fs: FileSystem;
  store: CheckpointStore;
  lock: TargetLock;
  options: ResolvedOptions;
}

/**
 * Downloads `source` to `filename`. See {@linkcode DownloadOptions} for the options, the
 * README ("How it works", "What is verified") for the contract (resume, consistency,
 * integrity, atomicity) and docs/architecture.md for which file owns which step.
 */
export async function runDownload(
  source: ObjectSource,
  filename: string,
  ctx: EngineContext,
): Promise<DownloadResult> {
  if (typeof filename !== "string" || filename === "") {
    throw optionError(
      "type",
      "filename",
      `'filename' must be a non-empty path: got ${JSON.stringify(filename)}`,
    );
  }
  const { fs, options } = ctx;
  options.signal?.throwIfAborted();
  const target = absolutePath(fs, filename);
  const existing = await fs.stat(target);
  if (existing?.isDirectory) {
    throw new LocalFileError("EISDIR", target, "the target is a directory");
  }
  const dir = dirname(target);
  const dirInfo = await fs.stat(dir);
  if (dirInfo && !dirInfo.isDirectory) {
    throw new LocalFileError("ENOTDIR", dir, "the target's parent is not a directory");
  }
  if (!dirInfo) {
    try {
      await fs.mkdir(dir);
    } catch (e) {
      throw fileError(e, dir, "cannot create the target's directory");
    }
  }
  const release = await ctx.lock.acquire(target);
  try {
    let bytesFetched = 0;
    for (let restart = 0;; restart++) {
      const run = new Run(source, target, ctx);
      try {
        const result = await run.execute();
        return { ...result, bytesFetched: bytesFetched + result.bytesFetched };
      } catch (e) {
        bytesFetched += run.bytesFetched;
        if (!(e instanceof ObjectChangedSignal)) throw e;
        if (restart >= MAX_RESTARTS) {
          throw new ObjectChangedError(
            `the object changed ${restart + 1} times during the download: ${e.message}`,
          );
        }
        emit(ctx.options.onEvent, {
          type: "restart",
          reason: e.message,
          discardedBytes: run.consumed,
        });
      }
    }
  } finally {
    await release().catch(() => {});
  }
}
