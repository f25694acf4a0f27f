/**
 * The file-system contract: file operations only. Each runtime implements it in one small
 * adapter (deno.ts, node.ts, memory.ts, opfs.ts); text files, writeback and the target lock
 * are written once above it (text.ts, writeback.ts, src/lock/). Web APIs only.
 *
 * @module
 */

/**
 * An open file for positional reads and writes. Calls may overlap: each adapter keeps a
 * call's bytes at the position it was given.
 *
 * @example
 * ```ts ignore
 * const file: RandomAccessFile = await fs.open("/tmp/a.bin", { create: true });
 * await file.write([new Uint8Array([1, 2]), new Uint8Array([3])], 4096); // bytes 4096..4098
 * const n = await file.read(new Uint8Array(3), 4096); // 3
 * await file.close();
 * ```
 */
export interface RandomAccessFile {
  /** Writes all of `chunks`, back to back, starting at byte `position`. */
  write(chunks: readonly Uint8Array[], position: number): Promise<void>;
  /**
   * Reads up to `buffer.length` bytes at `position`; resolves the count (fewer only at the
   * end of the file, 0 at or past it).
   */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Sets the file's length (extends with zeros or cuts). */
  truncate(length: number): Promise<void>;
  /** Flushes the data to the device. */
  sync(): Promise<void>;
  /** Closes the handle; closing twice is harmless. */
  close(): Promise<void>;
  /**
   * Optional: writes `bytes` at `position` like `write([bytes], position)` and resolves
   * their CRC-64/XZ (seed 0), possibly off the JS thread. The memory of `bytes` is lent
   * until the promise settles (it may be transferred and handed back): use the `bytes` of
   * the result afterwards. The engine hashes on its own thread when a file lacks it.
   */
  writeHashed?(bytes: Uint8Array, position: number): Promise<HashedWrite>;
}

/** What {@linkcode RandomAccessFile.writeHashed} resolves. */
export interface HashedWrite {
  /** CRC-64/XZ of the bytes, seed 0 (combine it onto a running CRC with `crc64Combine`). */
  crc: bigint;
  /** The bytes, handed back (same offset and length in a buffer of the same size). */
  bytes: Uint8Array;
}

/**
 * What `stat` reports.
 *
 * @example
 * ```ts ignore
 * const info: FileInfo | undefined = await fs.stat("/tmp");
 * console.log(info?.isDirectory); // true
 * ```
 */
export interface FileInfo {
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** Length in bytes. */
  size: number;
  /** Last modification, in milliseconds since the epoch, when the adapter knows it. */
  mtime?: number;
}

/**
 * How {@linkcode FileSystem.open} opens a file. Runtime adapters create files with mode
 * 0600 and never follow a symbolic link at the last component of the path (`ELOOP`).
 */
export interface OpenOptions {
  /** Create the file when it is missing. */
  create?: boolean;
  /** With `create`: fail with `EEXIST` when the file exists. */
  exclusive?: boolean;
  /** Open for reading only (the file must exist). */
  readOnly?: boolean;
}

/**
 * The file-system adapter: file operations only. Paths are absolute (`/`-separated on
 * POSIX; the pure helpers in `path.ts` build them). Errors carry a Node-style `code`
 * (`ENOENT`, `ENOSPC`, `EACCES`, `ELOOP`, ...) on every adapter, and the `path` they are
 * about.
 *
 * @example A download into memory
 * ```ts ignore
 * import { downloadObject, HttpSource, MemoryCheckpointStore, MemoryFileSystem } from
 *   "@resumable-download/resumable-download/web";
 * const fs = new MemoryFileSystem();
 * await downloadObject(new HttpSource("https://example.com/a.bin"), "/a.bin", {
 *   fs,
 *   store: new MemoryCheckpointStore(),
 * });
 * console.log((await fs.stat("/a.bin"))?.size);
 * ```
 */
export interface FileSystem {
  /** Opens `path` for reading and writing (see {@linkcode OpenOptions}). */
  open(path: string, options?: OpenOptions): Promise<RandomAccessFile>;
  /** Info about `path`, or `undefined` when it (or a parent directory) does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Atomically renames `from` onto `to` (replacing it). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /**
   * Creates a directory and its parents; an existing directory is fine. Runtime adapters
   * give the directories they create `mode` (default 0o777 less the umask).
   */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Optional: the names in directory `path` (for the store's `prune`). */
  list?(path: string): Promise<string[]>;
  /** Optional: bytes free for unprivileged users on the file system holding `path`. */
  freeSpace?(path: string): Promise<number | undefined>;
  /** Optional: the working directory relative paths are resolved against (default `/`). */
  cwd?(): string;
}

/** Options of the text-file helpers in `text.ts`. */
export interface WriteTextOptions {
  /**
   * Whether the data is flushed to the device before the call resolves. `writeTextAtomic`
   * defaults to `true`, `overwriteText` to `false`.
   */
  durable?: boolean;
}
