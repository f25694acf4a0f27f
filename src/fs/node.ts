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
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { crc64 } from "../integrity/crc64.ts";
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

// ---------------------------------------------------------------------------------------
// Writing and hashing large buffers off the JS thread

/** `workerData` key that makes this module, loaded in a worker thread, a file worker. */
const OFFLOAD_TAG = "resumable-download:file-worker";
/** Below this, bytes are written and hashed on the calling thread: handing over costs more. */
const OFFLOAD_MIN = 256 * 1024;
/**
 * The file worker writes in slices of this size. One large write() makes the kernel fill
 * large page-cache folios, and on the benchmark VM that copy was at times 10-15x slower
 * (`copy_folio_from_iter_atomic` at 40 % of all CPU, bench/RESULTS.md); 64 KiB writes
 * never were, and cost ~16 syscalls per MiB on a thread that has time for them.
 */
const WRITE_SLICE = 64 * 1024;

type OffloadRequest =
  | {
    op: "write";
    id: number;
    path: string;
    position: number;
    buffer: ArrayBuffer;
    offset: number;
    length: number;
  }
  | { op: "release"; id: number; path: string };

interface OffloadReply {
  id: number;
  buffer?: ArrayBuffer;
  crc?: bigint;
  error?: { message: string; code?: string };
}

/** Writes all of `bytes` at `position`, `WRITE_SLICE` bytes per call. */
function writeSliced(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) {
    const end = Math.min(bytes.length, done + WRITE_SLICE);
    const n = fs.writeSync(fd, bytes, done, end - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
    done += n;
  }
}

/** The worker's side: writes and hashes each buffer, and hands it back. */
function serveFileWorker(port: NonNullable<typeof parentPort>): void {
  const fds = new Map<string, number>();
  port.on("message", async (m: OffloadRequest) => {
    const reply: OffloadReply = { id: m.id };
    const transfer: ArrayBuffer[] = [];
    try {
      if (m.op === "release") {
        const fd = fds.get(m.path);
        fds.delete(m.path);
        if (fd !== undefined) fs.closeSync(fd);
      } else {
        reply.buffer = m.buffer;
        transfer.push(m.buffer);
        const bytes = new Uint8Array(m.buffer, m.offset, m.length);
        let fd = fds.get(m.path);
        if (fd === undefined) fds.set(m.path, fd = fs.openSync(m.path, "r+"));
        writeSliced(fd, bytes, m.position);
        reply.crc = await crc64(bytes);
      }
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      reply.error = {
        message: e instanceof Error ? e.message : String(e),
        ...(typeof code === "string" ? { code } : {}),
      };
    }
    port.postMessage(reply, transfer);
  });
}

// This module is its own worker: loaded in a thread started by `FileWorker`, it serves
// the requests above (buffers are transferred both ways, never copied).
if (
  !isMainThread && parentPort &&
  (workerData as Record<string, unknown> | null)?.[OFFLOAD_TAG] === true
) {
  serveFileWorker(parentPort);
}

/** The worker thread failed (not the request): the bytes it held are lost. */
class WorkerGone extends Error {}

/**
 * One worker thread (`node:worker_threads`, which Deno, Bun and Node all have) that
 * writes the engine's ~1 MiB buffers at their offsets and computes their CRC-64, so that
 * writing and hashing (~0.2 s and ~0.5 s of CPU per GiB) run beside the JS thread's
 * network reads instead of between them, and one thread writes each file (no writers
 * contending for the inode lock). Buffers are transferred, not copied. The worker is
 * started on first use, shared by every file, and unref'd whenever nothing is pending, so
 * it never keeps a process alive.
 */
class FileWorker {
  #worker: Worker | undefined;
  #broken = false;
  #next = 0;
  readonly #pending = new Map<number, (reply: OffloadReply) => void>();

  /** Whether a worker can be had. */
  get usable(): boolean {
    return this.#start() !== undefined;
  }

  /**
   * Sends a request; resolves the reply. Rejects with `WorkerGone` if the worker died
   * (a transferred buffer is then lost). `undefined` when there is no worker.
   */
  #send(request: OffloadRequest): Promise<OffloadReply> | undefined {
    const worker = this.#start();
    if (!worker) return undefined;
    return new Promise<OffloadReply>((resolve, reject) => {
      this.#pending.set(request.id, (reply) => {
        if (reply.error?.code === "\0gone") reject(new WorkerGone(reply.error.message));
        else resolve(reply);
      });
      if (this.#pending.size === 1) worker.ref();
      try {
        worker.postMessage(request, "buffer" in request ? [request.buffer] : []);
      } catch (e) {
        this.#settle(request.id);
        reject(e);
      }
    });
  }

  /** Writes `bytes` at `position` of `path`, then hashes them. */
  write(path: string, bytes: Uint8Array, position: number): Promise<HashedWrite> | undefined {
    const { buffer, byteOffset, byteLength } = bytes;
    const sent = this.#send({
      op: "write",
      id: this.#next++,
      path,
      position,
      buffer: buffer as ArrayBuffer,
      offset: byteOffset,
      length: byteLength,
    });
    // `bytes` is detached (length 0) once transferred: the view is rebuilt from these.
    return sent?.then((reply) => done(reply, byteOffset, byteLength, path));
  }

  /** Closes the worker's descriptor of `path`. */
  async release(path: string): Promise<void> {
    const reply = await this.#send({ op: "release", id: this.#next++, path });
    if (reply?.error) throw fileError(reply.error, path);
  }

  #settle(id: number): ((reply: OffloadReply) => void) | undefined {
    const settle = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
    return settle;
  }

  #start(): Worker | undefined {
    if (this.#broken) return undefined;
    if (this.#worker) return this.#worker;
    let worker: Worker;
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: { [OFFLOAD_TAG]: true } });
    } catch {
      this.#broken = true;
      return undefined;
    }
    worker.unref();
    worker.on("message", (reply: OffloadReply) => this.#settle(reply.id)?.(reply));
    const fail = (e: unknown) => {
      this.#broken = true;
      this.#worker = undefined;
      for (const id of [...this.#pending.keys()]) {
        this.#settle(id)?.({ id, error: { message: String(e), code: "\0gone" } });
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the file worker thread exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}

/** A Node-style error for a failure the worker reported. */
function fileError(error: { message: string; code?: string }, path: string): Error {
  const message = error.message.includes(path) ? error.message : `${error.message}: '${path}'`;
  return Object.assign(new Error(message), { code: error.code ?? "EIO", path });
}

function done(reply: OffloadReply, offset: number, length: number, path: string): HashedWrite {
  if (reply.error || reply.crc === undefined || !reply.buffer) {
    throw fileError(reply.error ?? { message: "no CRC in the reply" }, path);
  }
  return { crc: reply.crc, bytes: new Uint8Array(reply.buffer, offset, length) };
}

let offload: FileWorker | undefined;

/** The shared file worker, when buffers of `bytes`' kind can go to one. */
function fileWorker(bytes: Uint8Array): FileWorker | undefined {
  if (bytes.byteLength < OFFLOAD_MIN || !(bytes.buffer instanceof ArrayBuffer)) return undefined;
  offload ??= new FileWorker();
  return offload.usable ? offload : undefined;
}

/** How an open file handle uses the file worker. */
export interface WorkerUse {
  /** The file's path (the worker opens it once per path). */
  readonly path: string;
  /** Whether this handle counts in `workerPaths`. */
  usesWorker: boolean;
  /** The handle's own write, for when there is no worker. */
  write(chunks: readonly Uint8Array[], position: number): Promise<void>;
}

/** Paths with descriptors in the file worker, and how many open handles use them. */
const workerPaths = new Map<string, number>();

/**
 * `writeHashed` for both adapters: on the file worker when it can (see `FileWorker`),
 * else `write` here and the hash after it. `handle.usesWorker` is
 * set once the handle's path has a descriptor in the worker, for `releaseWorkerPath`.
 */
export async function writeHashedVia(
  handle: WorkerUse,
  bytes: Uint8Array,
  position: number,
): Promise<HashedWrite> {
  const worker = fileWorker(bytes);
  if (worker) {
    if (!handle.usesWorker) {
      handle.usesWorker = true;
      workerPaths.set(handle.path, (workerPaths.get(handle.path) ?? 0) + 1);
    }
    const length = bytes.byteLength; // `bytes` is detached while the worker has it
    const job = worker.write(handle.path, bytes, position);
    if (job) {
      try {
        const result = await job;
        noteWritten(handle.path, length);
        return result;
      } catch (e) {
        if (!(e instanceof WorkerGone)) throw e;
        throw Object.assign(new Error(`${e.message}: '${handle.path}'`), {
          code: "EIO",
          path: handle.path,
        });
      }
    }
  }
  await handle.write([bytes], position);
  return { crc: await crc64(bytes), bytes };
}

/** Called when a handle closes: the last handle of a path closes the worker's descriptor. */
export async function releaseWorkerPath(handle: { path: string; usesWorker: boolean }) {
  if (!handle.usesWorker) return;
  handle.usesWorker = false;
  const n = (workerPaths.get(handle.path) ?? 1) - 1;
  if (n > 0) {
    workerPaths.set(handle.path, n);
    return;
  }
  workerPaths.delete(handle.path);
  await offload?.release(handle.path).catch(() => {});
}

// ---------------------------------------------------------------------------------------
// Early writeback

/** Bytes written to a file between two background flushes of it. */
const WRITEBACK_EVERY = 32 * 1024 * 1024;

/** Per path: bytes written since the last flush began, and the flush under way. */
const writeback = new Map<string, { since: number; running: boolean }>();

/**
 * Counts `bytes` written to `p` and, every `WRITEBACK_EVERY` bytes, starts an `fdatasync`
 * of it in the background (on a descriptor of its own, on the runtime's thread pool).
 *
 * A large download is fsync'd before it is renamed onto its target. Done only at the end,
 * that flush waits for the whole file to reach the device (~0.3 s per GiB on a fast
 * virtual disk, nearly all of it waiting, not CPU): flushing as the file is written lets
 * the device work while the download goes on, and leaves the final fsync only the tail.
 * It changes no guarantee (nothing waits for it; errors are for the final fsync to report:
 * a descriptor of its own does not consume them) and costs only an open per 32 MiB.
 */
export function noteWritten(p: string, bytes: number): void {
  let state = writeback.get(p);
  if (!state) writeback.set(p, state = { since: 0, running: false });
  state.since += bytes;
  if (state.running || state.since < WRITEBACK_EVERY) return;
  state.since = 0;
  state.running = true;
  const s = state;
  (async () => {
    const handle = await fsp.open(p, "r");
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  })().catch(() => {}).finally(() => {
    s.running = false;
    if (s.since === 0) writeback.delete(p);
  });
}

/** One file descriptor used with positional reads and writes (pread/pwrite). */
class NodeRandomAccessFile implements RandomAccessFile {
  readonly #handle: fsp.FileHandle;
  readonly #path: string;
  #closing: Promise<void> | undefined;

  constructor(handle: fsp.FileHandle, p: string) {
    this.#handle = handle;
    this.#path = p;
    (this.#workerUse as { path: string }).path = path.resolve(p);
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
      noteWritten(this.#path, n);
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

  readonly #workerUse: WorkerUse = {
    path: "",
    usesWorker: false,
    write: (chunks, position) => this.write(chunks, position),
  };

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
    this.#closing ??= releaseWorkerPath(this.#workerUse).then(() => this.#handle.close()).catch(
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
export class NodeFileSystem implements FileSystem {
  /** `"bun"` on Bun, `"node"` elsewhere. */
  readonly runtime: "node" | "bun" = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : "node";

  /** This process's id. */
  get pid(): number {
    return process.pid;
  }

  /** Absolute, normalised form of `p` (relative to the working directory). */
  resolve(p: string): string {
    return path.resolve(p);
  }

  /** Parent directory of `p`. */
  dirname(p: string): string {
    return path.dirname(p);
  }

  /** Last path segment of `p`. */
  basename(p: string): string {
    return path.basename(p);
  }

  /** Joins path segments. */
  join(...parts: string[]): string {
    return path.join(...parts);
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
    if (options.durable === false) {
      // Small and frequent (checkpoints): synchronous calls, ~0.15 ms, where each async
      // call would wait its turn on a busy event loop (2-9 ms per save in all, during
      // which the checkpoint trails the bytes on disk).
      try {
        fs.writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
        fs.renameSync(tmp, p);
      } catch (e) {
        try {
          fs.unlinkSync(tmp);
        } catch { /* not there */ }
        throw e;
      }
      return;
    }
    try {
      const handle = await fsp.open(tmp, "wx");
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, p);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw e;
    }
    await syncDirectory(path.dirname(p));
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
