/**
 * The file operations the engine needs, implemented once per runtime (deno.ts, node.ts).
 *
 * @module
 */

/** An open file for positional reads and writes. */
export interface RandomAccessFile {
  /** Writes all of `chunks`, back to back, starting at byte `position`. */
  write(chunks: readonly Uint8Array[], position: number): Promise<void>;
  /** Reads up to `buffer.length` bytes at `position`; resolves the count (0 at end of file). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Sets the file's length (extends with zeros or cuts). */
  truncate(length: number): Promise<void>;
  /** Flushes the data to the device. */
  sync(): Promise<void>;
  /** Closes the handle; closing twice is harmless. */
  close(): Promise<void>;
}

/** What `stat` reports. */
export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
}

/** The file-system adapter. Errors keep the runtime's `code` (`ENOENT`, `ENOSPC`, ...). */
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
  /** Info about `path`, or `undefined` when it does not exist. */
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
   * or the new content, never a mix.
   */
  writeTextAtomic(path: string, text: string): Promise<void>;
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
