/**
 * Writing and hashing the engine's large buffers off the JS thread, for the Deno and the
 * Node/Bun adapters: one `node:worker_threads` worker (file_worker_main.ts, a module of its
 * own so bundlers can follow it) that writes each buffer at its offset and computes its
 * CRC-64. Until the worker has said it is ready, and wherever it cannot start (a bundle
 * without the worker file, Deno without read access to it), buffers are written and hashed
 * on the calling thread.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { crc64 } from "../integrity/crc64.ts";
import type { OffloadReply, OffloadRequest } from "./file_worker_protocol.ts";
import type { HashedWrite } from "./types.ts";

/** Below this, bytes are written and hashed on the calling thread: handing over costs more. */
const OFFLOAD_MIN = 256 * 1024;

/** The worker thread failed (not the request): the bytes it held are lost. */
class WorkerGone extends Error {}

/** The worker script next to this module (`.ts` from source, `.js` in the npm build). */
function workerUrl(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./file_worker_main.ts", import.meta.url)
    : new URL("./file_worker_main.js", import.meta.url);
}

/** On Deno: whether starting the worker needs no permission that is missing (no prompt). */
function denoAllowsWorker(url: URL): boolean {
  const deno = (globalThis as {
    Deno?: { permissions: { querySync(d: { name: string; path?: URL }): { state: string } } };
  }).Deno;
  if (!deno) return true;
  try {
    return deno.permissions.querySync({ name: "read", path: url }).state === "granted" &&
      deno.permissions.querySync({ name: "env" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * One worker thread that writes the engine's ~1 MiB buffers at their offsets and computes
 * their CRC-64, so that writing and hashing (~0.2 s and ~0.5 s of CPU per GiB) run beside the
 * JS thread's network reads, and one thread writes each file. Buffers are transferred, not
 * copied. Started on first use, shared by every file, unref'd whenever nothing is pending.
 */
class FileWorker {
  #worker: Worker | undefined;
  #ready = false;
  #broken = false;
  #next = 0;
  readonly #pending = new Map<number, (reply: OffloadReply) => void>();

  /** Resolves once the worker answered, false when it cannot start (tests, benches). */
  async whenReady(): Promise<boolean> {
    while (this.#start() && !this.#ready) await new Promise((r) => setTimeout(r, 5));
    return this.#ready;
  }

  /** Whether the worker has started and answered (starts it on first call). */
  get usable(): boolean {
    return this.#start() !== undefined && this.#ready;
  }

  #send(request: OffloadRequest): Promise<OffloadReply> | undefined {
    const worker = this.#start();
    if (!worker || !this.#ready) return undefined;
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
      const url = workerUrl();
      if (!denoAllowsWorker(url)) throw new Error("no permission to start the file worker");
      worker = new Worker(url);
    } catch {
      this.#broken = true;
      return undefined;
    }
    worker.unref();
    worker.on("message", (reply: OffloadReply) => {
      if (reply.ready) {
        this.#ready = true;
        if (this.#pending.size === 0) worker.unref(); // Bun: a message may re-ref the worker
      } else this.#settle(reply.id)?.(reply);
    });
    const fail = (e: unknown) => {
      this.#broken = true;
      this.#ready = false;
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

/**
 * Starts the shared file worker; resolves whether it runs (false where it cannot start).
 * Buffers go to it once it does (for tests and benchmarks that need it from the first write).
 */
export function fileWorkerReady(): Promise<boolean> {
  offload ??= new FileWorker();
  return offload.whenReady();
}

/** How an open file handle uses the file worker. */
export interface WorkerUse {
  /** The file's absolute path (the worker opens it once per path). */
  readonly path: string;
  /** Whether this handle counts in `workerPaths`. */
  usesWorker: boolean;
  /** The handle's own write, for when there is no worker. */
  write(chunks: readonly Uint8Array[], position: number): Promise<void>;
}

/** Paths with descriptors in the file worker, and how many open handles use them. */
const workerPaths = new Map<string, number>();

/**
 * `writeHashed` for the runtime adapters: on the file worker when it is ready, else
 * `write` here and the hash after it.
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
    const job = worker.write(handle.path, bytes, position);
    if (job) {
      try {
        return await job;
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
export async function releaseHandle(handle: { path: string; usesWorker: boolean }) {
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
