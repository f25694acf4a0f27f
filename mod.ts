/**
 * Resumable, verified, parallel downloads from Alibaba Cloud OSS and from any HTTP server
 * that honours `Range`, for Deno and Bun. A dropped connection, a killed process or a
 * reboot costs only the bytes that were in flight; the target file is only ever replaced
 * by a complete file, checked against every checksum the server offers (`verifiedBy`).
 *
 * @example Download a URL with four connections
 * ```ts ignore
 * import { resumableDownloadUrl } from "@resumable-download/resumable-download";
 * const result = await resumableDownloadUrl("https://example.com/big.iso", "big.iso", {
 *   numThreads: 4,
 * });
 * console.log(`${result.size} bytes, resumed: ${result.resumed}`);
 * ```
 *
 * @module
 */
export { downloadObject, resumableDownload, resumableDownloadUrl } from "./src/download.ts";
export { downloadMany, downloadPrefix, RateLimitedSource, RateLimiter } from "./src/bulk/mod.ts";
export type { BulkEvent, BulkItem, BulkOptions, BulkResult, Shard } from "./src/bulk/mod.ts";
export type { DownloadResult } from "./src/engine/engine.ts";
export type { DownloadOptions, ExpectedDigests, RetryOptions } from "./src/engine/options.ts";
export { DEFAULT_MULTIGET_THRESHOLD, DEFAULT_RETRY } from "./src/engine/options.ts";
export type {
  DownloadEvent,
  ProgressEvent,
  RestartEvent,
  RetryEvent,
} from "./src/engine/events.ts";
export type { Checksums } from "./src/integrity/server_checksums.ts";
export type { DigestName } from "./src/integrity/hashers.ts";
export {
  DownloadError,
  DownloadLockedError,
  HttpError,
  IntegrityError,
  LocalFileError,
  NetworkError,
  ObjectChangedError,
  OssError,
  ProtocolError,
} from "./src/errors.ts";
export type { HttpErrorInit, OptionError, OssErrorInit } from "./src/errors.ts";
export { HttpSource } from "./src/sources/http.ts";
export { Bucket, OssObjectSource } from "./src/sources/oss/mod.ts";
export type {
  BucketFromEnvOptions,
  BucketOptions,
  ListedObject,
  ListObjectsOptions,
  ListObjectsPage,
  OssObjectSourceOptions,
  OssRequestInit,
  QueryInit,
  SignUrlOptions,
  UrlStyle,
} from "./src/sources/oss/mod.ts";
export type { HttpSourceOptions } from "./src/sources/http.ts";
export type { FetchInit, FetchLike, FetchResponse } from "./src/sources/fetch_like.ts";
export type { ObjectInfo, ObjectSource, ReadRequest } from "./src/sources/source.ts";
export type { CheckpointStore, MaybePromise } from "./src/stores/store.ts";
export type {
  FileInfo,
  FileSystem,
  HashedWrite,
  OpenOptions,
  RandomAccessFile,
  WriteTextOptions,
} from "./src/fs/types.ts";
export { MemoryFileSystem } from "./src/fs/memory.ts";
export { MemoryCheckpointStore } from "./src/stores/memory.ts";
export { ResumableDownloadStore } from "./src/stores/file.ts";
export type {
  PruneOptions,
  PruneResult,
  ResumableDownloadStoreOptions,
} from "./src/stores/file.ts";
