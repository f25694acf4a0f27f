/**
 * The library without anything runtime-specific: no `node:` module, no `Deno`, no `Bun` is
 * reachable from here, so a bundle of this entry runs in browsers (a dedicated worker, with
 * {@linkcode OpfsFileSystem}) and in Cloudflare's workerd (with {@linkcode MemoryFileSystem}).
 * The caller gives the file system (`fs`) and the checkpoint store (`store`); the target
 * lock is a Web Lock where the platform has them, else a lock per realm.
 *
 * @example Download into memory (an edge function, a test)
 * ```ts ignore
 * import {
 *   MemoryCheckpointStore,
 *   MemoryFileSystem,
 *   resumableDownloadUrl,
 * } from "@resumable-download/resumable-download/web";
 * const fs = new MemoryFileSystem();
 * const result = await resumableDownloadUrl("https://example.com/a.bin", "/a.bin", {
 *   fs,
 *   store: new MemoryCheckpointStore(),
 * });
 * console.log(result.size, fs.readFile("/a.bin")?.length);
 * ```
 *
 * @module
 */
export { downloadObject, resumableDownload, resumableDownloadUrl } from "./src/download_web.ts";
export type { DownloadResult } from "./src/engine/engine.ts";
export type { DownloadOptions, ExpectedDigests, RetryOptions } from "./src/engine/options.ts";
export type {
  DownloadEvent,
  ProgressEvent,
  RestartEvent,
  RetryEvent,
} from "./src/engine/events.ts";
export type { Checksums } from "./src/integrity/server_checksums.ts";
export type { DigestName } from "./src/integrity/hashers.ts";
export { DEFAULT_MULTIGET_THRESHOLD, DEFAULT_RETRY } from "./src/engine/options.ts";
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
export type { HttpSourceOptions } from "./src/sources/http.ts";
export type { FetchInit, FetchLike, FetchResponse } from "./src/sources/fetch_like.ts";
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
export type { ObjectInfo, ObjectSource, ReadRequest } from "./src/sources/source.ts";
export type { CheckpointStore, MaybePromise } from "./src/stores/store.ts";
export { MemoryCheckpointStore } from "./src/stores/memory.ts";
export type {
  FileInfo,
  FileSystem,
  HashedWrite,
  OpenOptions,
  RandomAccessFile,
  WriteTextOptions,
} from "./src/fs/types.ts";
export { MemoryFileSystem } from "./src/fs/memory.ts";
export { OpfsFileSystem } from "./src/fs/opfs.ts";
