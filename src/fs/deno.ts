/**
 * The file adapter for Deno, on `Deno.*` file APIs.
 *
 * `Deno` is only touched inside functions, so this module also imports cleanly on Bun and
 * Node (where {@linkcode DenoFileSystem} must not be used).
 *
 * @module
 */
import * as path from "node:path";
import process from "node:process";
import { noteWritten, releaseHandle, type WorkerUse, writeHashedVia } from "./file_worker.ts";
import { PathOperations } from "./paths.ts";
import type {
  FileInfo,
  FileSystem,
  HashedWrite,
  RandomAccessFile,
  WriteTextOptions,
} from "./types.ts";

/** Consecutive chunks are copied into one write of up to this many bytes. */
const COALESCE = 1024 * 1024;

/** Deno's error classes and the Node-style code each one stands for. */
const CODE_BY_NAME: Record<string, string> = {
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  PermissionDenied: "EACCES",
  NotCapable: "EACCES", // a Deno permission (--allow-write ...) is missing
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
  BadResource: "EBADF",
  Busy: "EBUSY",
  Interrupted: "EINTR",
  WriteZero: "EIO",
  UnexpectedEof: "EIO",
  InvalidData: "EINVAL",
  FilesystemLoop: "ELOOP",
};

/** `(os error N)` numbers that Deno may leave without a `code`, on Linux and on macOS. */
const CODE_BY_ERRNO: Record<string, Record<number, string>> = {
  linux: {
    1: "EPERM",
    5: "EIO",
    13: "EACCES",
    24: "EMFILE",
    27: "EFBIG",
    28: "ENOSPC",
    30: "EROFS",
    36: "ENAMETOOLONG",
    122: "EDQUOT",
  },
  darwin: {
    1: "EPERM",
    5: "EIO",
    13: "EACCES",
    24: "EMFILE",
    27: "EFBIG",
    28: "ENOSPC",
    30: "EROFS",
    63: "ENAMETOOLONG",
    69: "EDQUOT",
  },
};

/** A Deno error with a Node-style `code` and the path it is about; the original is `cause`. */
class DenoFsError extends Error {
  readonly code: string;
  readonly path: string;
  constructor(code: string, path: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message.includes(path) ? message : `${message}: '${path}'`, { cause });
    this.name = cause instanceof Error ? cause.name : "Error";
    this.code = code;
    this.path = path;
  }
}

function codeOf(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const own = (e as { code?: unknown }).code;
  if (typeof own === "string" && own !== "") return own;
  const errno = /\(os error (\d+)\)/.exec(e.message)?.[1];
  if (errno !== undefined) {
    const code = CODE_BY_ERRNO[Deno.build.os]?.[Number(errno)];
    if (code) return code;
  }
  return CODE_BY_NAME[e.name];
}

/** Wraps a Deno error so it carries a Node-style `code` (`EIO` when nothing is known). */
function fsError(e: unknown, path: string): DenoFsError {
  if (e instanceof DenoFsError) return e;
  return new DenoFsError(codeOf(e) ?? "EIO", path, e);
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * One `Deno.FsFile` used positionally. Deno has no pwrite, so the handle remembers its
 * offset, seeks only when a call starts elsewhere, and runs its calls one at a time so a
 * seek and the write after it never interleave with another call's.
 */
class DenoRandomAccessFile implements RandomAccessFile {
  readonly #file: Deno.FsFile;
  readonly #path: string;
  /** The OS offset of the handle; NaN when unknown (after a failed call). */
  #offset = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Where small chunks are coalesced; calls are serialised, so one buffer serves all. */
  #scratch: Uint8Array | undefined;
  /** This handle's use of the file worker (`writeHashed`), by absolute path. */
  readonly #workerUse: WorkerUse;

  constructor(file: Deno.FsFile, p: string) {
    this.#file = file;
    this.#path = p;
    this.#workerUse = {
      path: path.resolve(p),
      usesWorker: false,
      write: (chunks, position) => this.write(chunks, position),
    };
  }

  /** Runs `op` after every call queued before it; a failure leaves the offset unknown. */
  #run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(async () => {
      if (this.#closed) {
        throw new DenoFsError("EBADF", this.#path, new Error("file handle is closed"));
      }
      try {
        return await op();
      } catch (e) {
        this.#offset = NaN;
        throw fsError(e, this.#path);
      }
    });
    this.#queue = result.then(noop, noop);
    return result;
  }

  async #seek(position: number): Promise<void> {
    if (this.#offset === position) return;
    this.#offset = NaN;
    await this.#file.seek(position, Deno.SeekMode.Start);
    this.#offset = position;
  }

  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    const bad = checkPosition(position);
    if (bad) return Promise.reject(bad);
    return this.#run(async () => {
      await this.#seek(position);
      // Each FsFile.write is one async op; small chunks are copied into runs of up to
      // COALESCE bytes first (64 KiB chunks: ~3.2 GB/s written one by one, ~5.1 GB/s
      // coalesced; bench/write_paths.ts).
      let i = 0, written = 0;
      while (i < chunks.length) {
        let j = i, size = 0;
        while (j < chunks.length && (j === i || size + chunks[j]!.length <= COALESCE)) {
          size += chunks[j++]!.length;
        }
        let bytes = chunks[i]!;
        if (j - i > 1) {
          this.#scratch ??= new Uint8Array(COALESCE);
          bytes = this.#scratch.subarray(0, size);
          let at = 0;
          for (let k = i; k < j; k++) {
            bytes.set(chunks[k]!, at);
            at += chunks[k]!.length;
          }
        }
        await writeAll(this.#file, bytes);
        this.#offset += size;
        written += size;
        i = j;
      }
      noteWritten(this.#workerUse.path, written);
    });
  }

  /**
   * Writes `bytes` at `position` like `write([bytes], position)` and resolves their
   * CRC-64/XZ (seed 0). Large buffers are written and hashed by the shared file worker
   * thread (`FileWorker` in file_worker.ts), on a descriptor of its own. The memory of `bytes` is
   * lent until the promise settles (it moves to the worker and back): use the `bytes` of
   * the result afterwards.
   */
  writeHashed(bytes: Uint8Array, position: number): Promise<HashedWrite> {
    const bad = checkPosition(position);
    if (bad) return Promise.reject(bad);
    if (this.#closed) {
      return Promise.reject(
        new DenoFsError("EBADF", this.#path, new Error("file handle is closed")),
      );
    }
    return writeHashedVia(this.#workerUse, bytes, position);
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    const bad = checkPosition(position);
    if (bad) return Promise.reject(bad);
    return this.#run(async () => {
      await this.#seek(position);
      let done = 0;
      while (done < buffer.length) {
        const n = await this.#file.read(done === 0 ? buffer : buffer.subarray(done));
        if (n === null || n === 0) break;
        done += n;
        this.#offset += n;
      }
      return done;
    });
  }

  truncate(length: number): Promise<void> {
    const bad = checkPosition(length);
    if (bad) return Promise.reject(bad);
    // ftruncate leaves the offset where it was.
    return this.#run(() => this.#file.truncate(length));
  }

  sync(): Promise<void> {
    return this.#run(() => this.#file.sync());
  }

  close(): Promise<void> {
    const result = this.#queue.then(async () => {
      if (this.#closed) return;
      await releaseHandle(this.#workerUse);
      this.#closed = true;
      try {
        this.#file.close();
      } catch (e) {
        if (!(e instanceof Deno.errors.BadResource)) throw fsError(e, this.#path);
      }
    });
    this.#queue = result.then(noop, noop);
    return result;
  }
}

function noop(): void {}

/** Writes all of `bytes` at the handle's offset, looping on short writes. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const n = await file.write(done === 0 ? bytes : bytes.subarray(done));
    if (n <= 0) throw Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
    done += n;
  }
}

/** A `RangeError` when `position` is not a non-negative safe integer. */
function checkPosition(position: number): RangeError | undefined {
  return Number.isSafeInteger(position) && position >= 0
    ? undefined
    : new RangeError(`position must be a non-negative integer: got ${position}`);
}

/**
 * The {@linkcode FileSystem} on Deno's own APIs. Errors carry a Node-style `code`
 * (`ENOENT`, `EACCES`, `ENOSPC`, ...), the `path`, and the Deno error as `cause`.
 *
 * @example
 * ```ts ignore
 * import { DenoFileSystem } from "./deno.ts";
 * const fs = new DenoFileSystem();
 * const file = await fs.open("/tmp/a.bin", { create: true });
 * await file.write([new Uint8Array([1, 2, 3])], 1024);
 * await file.close();
 * ```
 */
export class DenoFileSystem extends PathOperations implements FileSystem {
  /** Always `"deno"`. */
  readonly runtime = "deno" as const;

  /** This process's id. */
  get pid(): number {
    return Deno.pid;
  }

  /** Info about `p`; `undefined` when it (or a parent) does not exist. */
  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const s = await Deno.stat(p);
      return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size };
    } catch (e) {
      const err = fsError(e, p);
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    }
  }

  /** Opens `p` for positional reads and writes, creating it when `create` is true. */
  async open(p: string, options: { create: boolean }): Promise<RandomAccessFile> {
    try {
      const file = await Deno.open(p, { read: true, write: true, create: options.create });
      return new DenoRandomAccessFile(file, p);
    } catch (e) {
      throw fsError(e, p);
    }
  }

  /** Renames `from` onto `to`, replacing `to`. */
  async rename(from: string, to: string): Promise<void> {
    try {
      await Deno.rename(from, to);
    } catch (e) {
      throw fsError(e, from);
    }
  }

  /** Removes a file; a missing one is fine. */
  async remove(p: string): Promise<void> {
    try {
      await Deno.remove(p);
    } catch (e) {
      const err = fsError(e, p);
      if (err.code !== "ENOENT") throw err;
    }
  }

  /** Creates a directory and its parents. */
  async mkdir(p: string): Promise<void> {
    try {
      await Deno.mkdir(p, { recursive: true });
    } catch (e) {
      throw fsError(e, p);
    }
  }

  /** The text of `p`, or `undefined` when it does not exist. */
  /** Writes `text` over the start of `p` (created if missing, never truncated). */
  overwriteText(p: string, text: string, options: WriteTextOptions = {}): Promise<void> {
    // Synchronous: three cheap syscalls, where async calls would each wait their turn on
    // a busy event loop while the record trails the bytes on disk.
    try {
      const file = Deno.openSync(p, { write: true, create: true });
      try {
        const bytes = new TextEncoder().encode(text);
        for (let done = 0; done < bytes.length;) {
          done += file.writeSync(bytes.subarray(done));
        }
        if (options.durable) file.syncDataSync();
      } finally {
        file.close();
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(fsError(e, p));
    }
  }

  async readText(p: string): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(p);
    } catch (e) {
      const err = fsError(e, p);
      if (err.code === "ENOENT") return undefined;
      throw err;
    }
  }

  /**
   * Writes `text` to a temp file beside `p`, fsyncs it, renames it onto `p`, fsyncs the
   * directory. With `durable: false`, the same without the fsyncs: still atomic for
   * readers and across a crash of the process, not across a power loss.
   */
  async writeTextAtomic(
    p: string,
    text: string,
    options: WriteTextOptions = {},
  ): Promise<void> {
    const tmp = `${p}.${randomHex(6)}.tmp`;
    const durable = options.durable !== false;
    try {
      const file = await Deno.open(tmp, { write: true, createNew: true });
      try {
        await writeAll(file, new TextEncoder().encode(text));
        if (durable) await file.sync();
      } finally {
        file.close();
      }
      await Deno.rename(tmp, p);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw fsError(e, p);
    }
    if (durable) await syncDirectory(path.dirname(p));
  }

  /** Creates `p` holding `text` unless it exists; resolves whether it created it. */
  async createExclusive(p: string, text: string): Promise<boolean> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(p, { write: true, createNew: true });
    } catch (e) {
      const err = fsError(e, p);
      if (err.code === "EEXIST") return false;
      throw err;
    }
    try {
      await writeAll(file, new TextEncoder().encode(text));
    } catch (e) {
      file.close();
      await Deno.remove(p).catch(() => {}); // a half-written file must not stay behind
      throw fsError(e, p);
    }
    file.close();
    return true;
  }

  /**
   * Bytes free for unprivileged users where `p` lives, through `node:fs` `statfs` (Deno has
   * no statfs of its own); `undefined` when that is unavailable or fails.
   */
  async freeSpace(p: string): Promise<number | undefined> {
    try {
      const fs = await import("node:fs");
      if (typeof fs.promises?.statfs !== "function") return undefined;
      const s = await fs.promises.statfs(p);
      const free = Number(s.bavail) * Number(s.bsize);
      return Number.isFinite(free) ? free : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Whether `pid` is alive, by sending it signal 0. A process that exists but belongs to
   * someone else (EPERM) is alive; when the check itself is not allowed, the answer is
   * `true` so that a lock is never taken from a process that may still run.
   */
  isProcessAlive(pid: number): boolean {
    return processAlive(pid);
  }

  /** This machine's host name. */
  hostname(): string {
    return Deno.hostname();
  }

  /** The user's home directory (`HOME`, `USERPROFILE` on Windows). */
  homedir(): string {
    const env = Deno.build.os === "windows" ? "USERPROFILE" : "HOME";
    const home = Deno.env.get(env);
    if (home) return home;
    throw new DenoFsError(
      "ENOENT",
      "~",
      new Error(`cannot find the home directory: ${env} is not set`),
    );
  }
}

/** fsync a directory so a rename in it is durable; best effort (not possible everywhere). */
async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch { /* best effort */ }
}

/** Signal 0 to `pid`: ESRCH means gone, EPERM means alive; see `isProcessAlive`. */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== "ESRCH";
  }
}
