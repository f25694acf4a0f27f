/**
 * The file adapter on `node:fs`, used on Bun and Node.
 *
 * @module
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
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

const { O_RDWR, O_CREAT, O_WRONLY } = fs.constants;

/** Adds the path to a `node:fs` error that lacks one (writes and reads on a descriptor). */
function withPath(e: unknown, p: string): unknown {
  if (e instanceof Error && (e as { path?: unknown }).path === undefined) {
    try {
      Object.assign(e, { path: p });
      if (!e.message.includes(p)) e.message = `${e.message}: '${p}'`;
    } catch { /* frozen: leave it */ }
  }
  return e;
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

function checkPosition(position: number): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`position must be a non-negative integer: got ${position}`);
  }
}

/**
 * Deno's `node:fs` `writevSync` is slow (~1-4 GB/s against ~5-6.5 GB/s for a `writeSync`
 * per chunk, bench/write_paths.ts), so this adapter, when run on Deno, writes chunk by chunk.
 */
const USE_WRITEV = typeof (globalThis as { Deno?: unknown }).Deno === "undefined";

/** At most this many buffers go to one `writevSync` (the usual POSIX IOV_MAX). */
const IOV_MAX = 1024;

/**
 * Writes all of `chunks` at `position` with `writevSync` (or a `writeSync` per chunk),
 * looping on short writes.
 */
function writeChunksSync(fd: number, chunks: readonly Uint8Array[], position: number): void {
  let pos = position;
  if (!USE_WRITEV || chunks.length === 1) {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) {
        const n = fs.writeSync(fd, chunk, done, chunk.length - done, pos + done);
        if (n <= 0) throw Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
        done += n;
      }
      pos += chunk.length;
    }
    return;
  }
  let list = chunks.filter((c) => c.length > 0);
  while (list.length > 0) {
    const n = fs.writevSync(fd, list.length > IOV_MAX ? list.slice(0, IOV_MAX) : list, pos);
    if (n <= 0) throw Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
    pos += n;
    // Drop what was written; keep the unwritten tail of a partly written chunk.
    let skip = n;
    let i = 0;
    while (i < list.length && skip >= list[i]!.length) skip -= list[i++]!.length;
    list = list.slice(i);
    if (skip > 0) list[0] = list[0]!.subarray(skip);
  }
}

/** One file descriptor used with positional reads and writes (pread/pwrite). */
class NodeRandomAccessFile implements RandomAccessFile {
  readonly #handle: fsp.FileHandle;
  readonly #path: string;
  #closing: Promise<void> | undefined;
  /** This handle's use of the file worker (`writeHashed`), by absolute path. */
  readonly #workerUse: WorkerUse;

  constructor(handle: fsp.FileHandle, p: string) {
    this.#handle = handle;
    this.#path = p;
    this.#workerUse = {
      path: path.resolve(p),
      usesWorker: false,
      write: (chunks, position) => this.write(chunks, position),
    };
  }

  #fd(): number {
    if (this.#closing) {
      throw Object.assign(new Error(`file handle is closed: '${this.#path}'`), {
        code: "EBADF",
        path: this.#path,
      });
    }
    return this.#handle.fd;
  }

  /**
   * Positional writes (pwrite/pwritev) need no ordering between calls, so concurrent calls
   * are safe.
   *
   * The write is synchronous on purpose. On Bun, `writevSync` of a ~1 MiB write made of
   * 64 KiB fetch chunks runs at ~6.8 GB/s, `FileHandle.write` per chunk at ~2.8-3.2 GB/s and
   * `FileHandle.writev` at ~5.7-6.1 GB/s (bench/write_paths.ts; performance-notes.md found
   * the same). The engine hands over ~1 MiB at a time, which the page cache takes in a
   * fraction of a millisecond, so blocking the event loop for it is cheap.
   */
  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    try {
      checkPosition(position);
      writeChunksSync(this.#fd(), chunks, position);
      let n = 0;
      for (const c of chunks) n += c.length;
      noteWritten(this.#workerUse.path, n);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(withPath(e, this.#path));
    }
  }

  /**
   * Writes `bytes` at `position` like `write([bytes], position)` and resolves their
   * CRC-64/XZ (seed 0). Large buffers are written and hashed by the shared file worker
   * thread (see `FileWorker`). The memory of `bytes` is lent until the promise settles (it
   * moves to the worker and back): use the `bytes` of the result afterwards.
   */
  writeHashed(bytes: Uint8Array, position: number): Promise<HashedWrite> {
    try {
      checkPosition(position);
      this.#fd(); // throws once closed
    } catch (e) {
      return Promise.reject(withPath(e, this.#path));
    }
    return writeHashedVia(this.#workerUse, bytes, position);
  }

  async read(buffer: Uint8Array, position: number): Promise<number> {
    checkPosition(position);
    this.#fd(); // throws once closed
    let done = 0;
    try {
      while (done < buffer.length) {
        const { bytesRead } = await this.#handle.read(
          buffer,
          done,
          buffer.length - done,
          position + done,
        );
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw withPath(e, this.#path);
    }
    return done;
  }

  async truncate(length: number): Promise<void> {
    checkPosition(length);
    this.#fd();
    try {
      await this.#handle.truncate(length);
    } catch (e) {
      throw withPath(e, this.#path);
    }
  }

  async sync(): Promise<void> {
    this.#fd();
    try {
      await this.#handle.sync();
    } catch (e) {
      throw withPath(e, this.#path);
    }
  }

  close(): Promise<void> {
    this.#closing ??= releaseHandle(this.#workerUse).then(() => this.#handle.close()).catch(
      (e) => {
        throw withPath(e, this.#path);
      },
    );
    return this.#closing;
  }
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * The {@linkcode FileSystem} on `node:fs`, for Bun and Node. Errors are the runtime's own,
 * with their `code` (`ENOENT`, `EACCES`, `ENOSPC`, ...) and a `path`.
 *
 * @example
 * ```ts ignore
 * import { NodeFileSystem } from "./node.ts";
 * const fs = new NodeFileSystem();
 * const file = await fs.open("/tmp/a.bin", { create: true });
 * await file.write([new Uint8Array([1, 2, 3])], 1024);
 * await file.close();
 * ```
 */
export class NodeFileSystem extends PathOperations implements FileSystem {
  /** `"bun"` on Bun, `"node"` elsewhere. */
  readonly runtime: "node" | "bun" = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : "node";

  /** This process's id. */
  get pid(): number {
    return process.pid;
  }

  /** Info about `p`; `undefined` when it (or a parent) does not exist. */
  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const s = await fsp.stat(p);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
    } catch (e) {
      const code = codeOf(e);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw e;
    }
  }

  /** Opens `p` for positional reads and writes, creating it when `create` is true. */
  async open(p: string, options: { create: boolean }): Promise<RandomAccessFile> {
    const handle = await fsp.open(p, options.create ? O_RDWR | O_CREAT : O_RDWR);
    return new NodeRandomAccessFile(handle, p);
  }

  /** Renames `from` onto `to`, replacing `to`. */
  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to);
  }

  /** Removes a file; a missing one is fine. */
  async remove(p: string): Promise<void> {
    try {
      await fsp.unlink(p);
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
    }
  }

  /** Creates a directory and its parents. */
  async mkdir(p: string): Promise<void> {
    await fsp.mkdir(p, { recursive: true });
  }

  /** The text of `p`, or `undefined` when it does not exist. */
  /** Writes `text` over the start of `p` (created if missing, never truncated). */
  overwriteText(p: string, text: string, options: WriteTextOptions = {}): Promise<void> {
    // Synchronous: three cheap syscalls, where async calls would each wait their turn on
    // a busy event loop while the record trails the bytes on disk.
    try {
      const fd = fs.openSync(p, O_WRONLY | O_CREAT, 0o644);
      try {
        writeChunksSync(fd, [new TextEncoder().encode(text)], 0);
        if (options.durable) fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(withPath(e, p));
    }
  }

  async readText(p: string): Promise<string | undefined> {
    try {
      return await fsp.readFile(p, "utf8");
    } catch (e) {
      if (codeOf(e) === "ENOENT") return undefined;
      throw e;
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
      const handle = await fsp.open(tmp, "wx");
      try {
        await handle.writeFile(text, "utf8");
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, p);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw e;
    }
    if (durable) await syncDirectory(path.dirname(p));
  }

  /** Creates `p` holding `text` unless it exists; resolves whether it created it. */
  async createExclusive(p: string, text: string): Promise<boolean> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(p, "wx");
    } catch (e) {
      if (codeOf(e) === "EEXIST") return false;
      throw e;
    }
    try {
      await handle.writeFile(text, "utf8");
    } catch (e) {
      await handle.close().catch(() => {});
      await fsp.unlink(p).catch(() => {}); // a half-written file must not stay behind
      throw withPath(e, p);
    }
    await handle.close();
    return true;
  }

  /** Bytes free for unprivileged users where `p` lives (`statfs`), if the runtime has it. */
  async freeSpace(p: string): Promise<number | undefined> {
    if (typeof fsp.statfs !== "function") return undefined;
    try {
      const s = await fsp.statfs(p);
      const free = Number(s.bavail) * Number(s.bsize);
      return Number.isFinite(free) ? free : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Whether `pid` is alive, by sending it signal 0: ESRCH means gone, EPERM (someone else's
   * process) means alive, and so does any other failure, so that a lock is never taken from
   * a process that may still run.
   */
  isProcessAlive(pid: number): boolean {
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return codeOf(e) !== "ESRCH";
    }
  }

  /** This machine's host name. */
  hostname(): string {
    return os.hostname();
  }

  /** The user's home directory. */
  homedir(): string {
    return os.homedir();
  }
}

/** fsync a directory so a rename in it is durable; best effort (not possible everywhere). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  try {
    const d = await fsp.open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch { /* best effort */ }
}
