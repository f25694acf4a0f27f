/**
 * The file operations the engine needs, implemented once per runtime (deno.ts, node.ts).
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
}

/**
 * The file-system adapter. Errors carry a Node-style `code` (`ENOENT`, `ENOSPC`, `EACCES`,
 * ...) on every runtime, and the `path` they are about.
 *
 * @example
 * ```ts ignore
 * import { defaultFileSystem } from "./mod.ts";
 * const fs: FileSystem = defaultFileSystem();
 * if (await fs.createExclusive("/tmp/a.lock", String(fs.pid))) await fs.remove("/tmp/a.lock");
 * ```
 */
export interface FileSystem {
  /** Which runtime this adapter serves. */
  readonly runtime: "deno" | "node" | "bun";
  /** Absolute, normalised form of `path`. */
  resolve(path: string): string;
  /** Parent directory of `path`. */
  dirname(path: string): string;
  /** Last path segment of `path`. */
  basename(path: string): string;
  /** Joins path segments. */
  join(...parts: string[]): string;
  /** Info about `path`, or `undefined` when it (or a parent directory) does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Opens `path` for reading and writing; creates it when `create` is true. */
  open(path: string, options: { create: boolean }): Promise<RandomAccessFile>;
  /** Atomically renames `from` onto `to` (replacing it). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** Reads a whole file as text, or `undefined` when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /**
   * Writes text to `path` via a temporary file, fsync and rename, so readers see the old
   * or the new content, never a mix. With `durable: false` the fsyncs are skipped: still
   * atomic across a crash of the process, not across a power loss.
   */
  writeTextAtomic(path: string, text: string, options?: WriteTextOptions): Promise<void>;
  /**
   * Writes `text` (UTF-8) over the start of `path`, creating the file when it is missing
   * and never truncating it: one open, write and close, no rename (a rename is a journaled
   * metadata change, ~0.4 ms on ext4; this is ~20 µs). Not atomic: callers that need
   * atomicity detect torn writes themselves (the file store keeps two checksummed slots).
   * With `durable: true` the data is fdatasync'd before the call resolves.
   */
  overwriteText(path: string, text: string, options?: WriteTextOptions): Promise<void>;
  /** Creates `path` with `text` only if it does not exist; resolves false if it does. */
  createExclusive(path: string, text: string): Promise<boolean>;
  /** Bytes free for unprivileged users on the file system holding `path`, if known. */
  freeSpace(path: string): Promise<number | undefined>;
  /** Whether a process with this pid is alive on this host. */
  isProcessAlive(pid: number): boolean;
  /** This process's id. */
  readonly pid: number;
  /** This machine's host name. */
  hostname(): string;
  /** The user's home directory. */
  homedir(): string;
}

/** Options of {@linkcode FileSystem.writeTextAtomic} and {@linkcode FileSystem.overwriteText}. */
export interface WriteTextOptions {
  /**
   * Whether the data is flushed to the device before the call resolves. `writeTextAtomic`
   * defaults to `true`, `overwriteText` to `false`.
   */
  durable?: boolean;
}
