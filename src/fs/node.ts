/**
 * The file adapter on `node:fs`, used on Bun and Node. Files are created 0600 and opened with
 * `O_NOFOLLOW`, so a symbolic link planted at a path is refused (`ELOOP`).
 *
 * @module
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { checkPosition, codeOf, toFsError } from "./errors.ts";
import { releaseHandle, type WorkerUse, writeHashedVia } from "./file_worker.ts";
import { statfsFree } from "./free_space.ts";
import { workingDirectory } from "./process_env.ts";
import type { FileInfo, FileSystem, HashedWrite, OpenOptions, RandomAccessFile } from "./types.ts";
import { withWriteback } from "./writeback.ts";

/** Deno's `node:fs` `writevSync` is slow (bench/write_paths.ts): there, write per chunk. */
const USE_WRITEV = typeof (globalThis as { Deno?: unknown }).Deno === "undefined";
/** At most this many buffers go to one `writevSync` (the usual POSIX IOV_MAX). */
const IOV_MAX = 1024;

function wroteNothing(): Error {
  return Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
}

/** Writes all of `chunks` at `position` (writev, or a write per chunk), looping on short writes. */
function writeChunksSync(fd: number, chunks: readonly Uint8Array[], position: number): void {
  let pos = position;
  let list = chunks.filter((c) => c.length > 0);
  while (list.length > 0) {
    const n = USE_WRITEV && list.length > 1
      ? fs.writevSync(fd, list.slice(0, IOV_MAX), pos)
      : fs.writeSync(fd, list[0]!, 0, list[0]!.length, pos);
    if (n <= 0) throw wroteNothing();
    pos += n;
    let skip = n, i = 0; // drop what was written; keep the tail of a partly written chunk
    while (i < list.length && skip >= list[i]!.length) skip -= list[i++]!.length;
    list = list.slice(i);
    if (skip > 0) list[0] = list[0]!.subarray(skip);
  }
}

/** One file descriptor used with positional reads and writes (pread/pwrite). */
class NodeFile implements RandomAccessFile {
  #closing: Promise<void> | undefined;
  readonly #use: WorkerUse;

  constructor(readonly handle: fsp.FileHandle, readonly path: string) {
    this.#use = { path, usesWorker: false, write: (c, p) => this.write(c, p) };
  }

  /** Runs `op` on the descriptor; errors get a code and the path. */
  #do<T>(op: (fd: number) => T | Promise<T>, position = 0): Promise<T> {
    try {
      checkPosition(position);
      if (this.#closing) throw Object.assign(new Error("file handle is closed"), { code: "EBADF" });
      return Promise.resolve(op(this.handle.fd)).catch((e) =>
        Promise.reject(toFsError(e, this.path))
      );
    } catch (e) {
      return Promise.reject(e instanceof RangeError ? e : toFsError(e, this.path));
    }
  }

  /**
   * Synchronous on purpose: on Bun `writevSync` of ~1 MiB of 64 KiB chunks runs at ~6.8 GB/s
   * against ~3 GB/s for `FileHandle.write` per chunk (bench/write_paths.ts); the page cache
   * takes the engine's ~1 MiB in a fraction of a millisecond.
   */
  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    return this.#do((fd) => writeChunksSync(fd, chunks, position), position);
  }

  /** Large buffers are written and hashed by the shared file worker (file_worker.ts). */
  writeHashed(bytes: Uint8Array, position: number): Promise<HashedWrite> {
    return this.#do(() => writeHashedVia(this.#use, bytes, position), position);
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.#do(async () => {
      let done = 0;
      while (done < buffer.length) {
        const r = await this.handle.read(buffer, done, buffer.length - done, position + done);
        if (r.bytesRead === 0) break;
        done += r.bytesRead;
      }
      return done;
    }, position);
  }

  truncate(length: number): Promise<void> {
    return this.#do(() => this.handle.truncate(length), length);
  }

  sync(): Promise<void> {
    return this.#do(() => this.handle.sync());
  }

  close(): Promise<void> {
    this.#closing ??= releaseHandle(this.#use).then(() => this.handle.close()).catch((e) => {
      throw toFsError(e, this.path);
    });
    return this.#closing;
  }
}

/**
 * The {@linkcode FileSystem} on `node:fs`, for Bun and Node. Errors are the runtime's own,
 * with their `code` (`ENOENT`, `EACCES`, `ENOSPC`, `ELOOP`, ...) and a `path`.
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
  /** Opens `p` (created 0600 with `create`), never through a symbolic link. */
  async open(p: string, options: OpenOptions = {}): Promise<RandomAccessFile> {
    const c = fs.constants;
    const flags = (c.O_NOFOLLOW ?? 0) |
      (options.readOnly
        ? c.O_RDONLY
        : c.O_RDWR | (options.create ? c.O_CREAT : 0) | (options.exclusive ? c.O_EXCL : 0));
    try {
      const file = new NodeFile(await fsp.open(p, flags, 0o600), p);
      return options.readOnly ? file : withWriteback(this, p, file);
    } catch (e) {
      throw toFsError(e, p);
    }
  }

  /** Info about `p`; `undefined` when it (or a parent) does not exist. */
  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const s = await fsp.stat(p);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtime: s.mtimeMs };
    } catch (e) {
      if (codeOf(e) === "ENOENT" || codeOf(e) === "ENOTDIR") return undefined;
      throw toFsError(e, p);
    }
  }

  /** Renames `from` onto `to`, replacing `to`. */
  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to).catch((e) => Promise.reject(toFsError(e, from)));
  }

  /** Removes a file; a missing one is fine. */
  async remove(p: string): Promise<void> {
    await fsp.unlink(p).catch((e) => codeOf(e) === "ENOENT" || Promise.reject(toFsError(e, p)));
  }

  /** Creates a directory and its parents (with `mode`). */
  async mkdir(p: string, options: { mode?: number } = {}): Promise<void> {
    await fsp.mkdir(p, { recursive: true, mode: options.mode ?? 0o777 })
      .catch((e) => Promise.reject(toFsError(e, p)));
  }

  /** Creates `to` as another name of `from` (`EEXIST` when it exists): the lock's publish. */
  async link(from: string, to: string): Promise<void> {
    await fsp.link(from, to).catch((e) => Promise.reject(toFsError(e, to)));
  }

  /** The names in directory `p`. */
  async list(p: string): Promise<string[]> {
    return await fsp.readdir(p).catch((e) => Promise.reject(toFsError(e, p)));
  }

  /** Bytes free for unprivileged users where `p` lives (`statfs`), if known. */
  freeSpace(p: string): Promise<number | undefined> {
    return statfsFree(p);
  }

  /** The working directory. */
  cwd(): string {
    return workingDirectory();
  }
}
