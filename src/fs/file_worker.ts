/**
 * Writing and hashing the engine's large buffers off the JS thread, for both file adapters:
 * one `node:worker_threads` worker (Deno, Bun and Node.js all have it) that writes each
 * buffer at its offset and computes its CRC-64, and an early background writeback so the
 * fsync before the final rename only waits for the tail. This module is also the worker's
 * own script (it loads itself in the thread it starts).
 *
 * @module
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { crc64 } from "../integrity/crc64.ts";
import type { HashedWrite } from "./types.ts";

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
 * set once the handle's path has a descriptor in the worker, for `releaseHandle`.
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

/**
 * Called when a handle closes: forgets the path's writeback count, and the last handle of
 * a path closes the worker's descriptor.
 */
export async function releaseHandle(handle: { path: string; usesWorker: boolean }) {
  forgetWritten(handle.path);
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
    if (s.since === 0 && writeback.get(p) === s) writeback.delete(p);
  });
}

/** Drops the count of `p` (its handle closed), so that no entry outlives the file's use. */
function forgetWritten(p: string): void {
  writeback.delete(p);
}

/** Whether writes to `p` are being counted for writeback (for tests). */
export function countsWritesTo(p: string): boolean {
  return writeback.has(p);
}
