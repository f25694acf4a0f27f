/**
 * The file adapter for Deno, on `Deno.*` file APIs. Files are created 0600; a symbolic link
 * at a path is refused (`ELOOP`): Deno has no `O_NOFOLLOW`, so an existing file is `lstat`ed
 * and the opened descriptor compared with it (device and inode), and new files are created
 * exclusively. A missing Deno permission is a `LocalFileError` naming the flag.
 *
 * @module
 */
import { LocalFileError } from "../errors.ts";
import { checkPosition, FsError } from "./errors.ts";
import { releaseHandle, type WorkerUse, writeHashedVia } from "./file_worker.ts";
import { statfsFree } from "./free_space.ts";
import { dirname } from "./path.ts";
import { workingDirectory } from "./process_env.ts";
import type { FileInfo, FileSystem, HashedWrite, OpenOptions, RandomAccessFile } from "./types.ts";
import { withWriteback } from "./writeback.ts";

/** Consecutive chunks are copied into one write of up to this many bytes. */
const COALESCE = 1024 * 1024;

/** Deno's error classes and the Node-style code each one stands for. */
const CODE_BY_NAME: Record<string, string> = {
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  PermissionDenied: "EACCES",
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
  BadResource: "EBADF",
  Busy: "EBUSY",
  FilesystemLoop: "ELOOP",
};
/** `(os error N)` numbers that Deno may leave without a `code` (Linux; macOS differs above 35). */
const CODE_BY_ERRNO: Record<number, string> = { 1: "EPERM", 5: "EIO", 13: "EACCES", 24: "EMFILE" };
Object.assign(CODE_BY_ERRNO, {
  27: "EFBIG",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
  122: "EDQUOT",
});

/** A Deno error as an error with a Node-style `code`, or a `LocalFileError` for a permission. */
function fsError(e: unknown, path: string): Error {
  if (e instanceof FsError || e instanceof LocalFileError || e instanceof RangeError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === "NotCapable") {
    const flag = /--allow-[a-z]+/.exec(err.message)?.[0] ?? "--allow-read / --allow-write";
    const scope = flag === "--allow-read" || flag === "--allow-write" ? `=${dirname(path)}` : "";
    return new LocalFileError("EACCES", path, `Deno needs ${flag}${scope}`, { cause: e });
  }
  const own = (err as { code?: unknown }).code;
  const errno = Number(/\(os error (\d+)\)/.exec(err.message)?.[1]);
  const code = typeof own === "string" && own
    ? own
    : CODE_BY_ERRNO[errno] ?? CODE_BY_NAME[err.name];
  return new FsError(code ?? "EIO", path, e);
}

function closedError(path: string): FsError {
  return new FsError("EBADF", path, new Error("file handle is closed"));
}

/**
 * One `Deno.FsFile` used positionally. Deno has no pwrite, so the handle remembers its
 * offset, seeks only when a call starts elsewhere, and runs its calls one at a time.
 */
class DenoFile implements RandomAccessFile {
  #offset = 0; // NaN when unknown (after a failed call)
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #scratch: Uint8Array | undefined;
  readonly #use: WorkerUse;

  constructor(readonly file: Deno.FsFile, readonly path: string) {
    this.#use = { path, usesWorker: false, write: (c, p) => this.write(c, p) };
  }

  /** Runs `op` after every call queued before it, at `position` when given. */
  #run<T>(op: () => Promise<T>, position?: number): Promise<T> {
    const result = this.#queue.then(async () => {
      if (position !== undefined) checkPosition(position);
      if (this.#closed) throw closedError(this.path);
      try {
        if (position !== undefined && this.#offset !== position) {
          this.#offset = NaN;
          await this.file.seek(position, Deno.SeekMode.Start);
          this.#offset = position;
        }
        return await op();
      } catch (e) {
        this.#offset = NaN;
        throw fsError(e, this.path);
      }
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Small chunks are coalesced into runs of up to 1 MiB (~5.1 against ~3.2 GB/s). */
  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    return this.#run(async () => {
      for (let i = 0; i < chunks.length;) {
        let j = i, size = 0;
        while (j < chunks.length && (j === i || size + chunks[j]!.length <= COALESCE)) {
          size += chunks[j++]!.length;
        }
        let bytes = chunks[i]!;
        if (j - i > 1) {
          bytes = (this.#scratch ??= new Uint8Array(COALESCE)).subarray(0, size);
          for (let k = i, at = 0; k < j; at += chunks[k++]!.length) bytes.set(chunks[k]!, at);
        }
        for (let done = 0; done < bytes.length;) {
          const n = await this.file.write(bytes.subarray(done));
          if (n <= 0) throw new FsError("EIO", this.path, new Error("write wrote no bytes"));
          done += n;
        }
        this.#offset += size;
        i = j;
      }
    }, position);
  }

  /** Large buffers are written and hashed by the shared file worker (file_worker.ts). */
  writeHashed(bytes: Uint8Array, position: number): Promise<HashedWrite> {
    if (this.#closed) return Promise.reject(closedError(this.path));
    try {
      checkPosition(position);
    } catch (e) {
      return Promise.reject(e);
    }
    return writeHashedVia(this.#use, bytes, position);
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.#run(async () => {
      let done = 0;
      while (done < buffer.length) {
        const n = await this.file.read(buffer.subarray(done));
        if (!n) break;
        done += n;
        this.#offset += n;
      }
      return done;
    }, position);
  }

  truncate(length: number): Promise<void> {
    checkPosition(length);
    return this.#run(() => this.file.truncate(length)); // leaves the offset where it was
  }

  sync(): Promise<void> {
    return this.#run(() => this.file.sync());
  }

  close(): Promise<void> {
    const result = this.#queue.then(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await releaseHandle(this.#use);
      this.file.close();
    });
    this.#queue = result.catch(() => {});
    return result;
  }
}

/**
 * The {@linkcode FileSystem} on Deno's own APIs. Errors carry a Node-style `code`, the
 * `path`, and the Deno error as `cause`.
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
export class DenoFileSystem implements FileSystem {
  /** Opens `p` (created 0600 with `create`), never through a symbolic link. */
  async open(p: string, options: OpenOptions = {}): Promise<RandomAccessFile> {
    const write = !options.readOnly;
    try {
      for (let tries = 0;; tries++) {
        const before = await Deno.lstat(p).catch((e) => {
          if (e instanceof Deno.errors.NotFound && options.create && !options.readOnly) return;
          throw e;
        });
        if (before?.isSymlink) throw new FsError("ELOOP", p, new Error("a symbolic link"));
        if (before && options.exclusive) throw new FsError("EEXIST", p, new Error("file exists"));
        if (!before) {
          // A new file: created exclusively, which never follows a link.
          const made = await Deno.open(p, { read: true, write, createNew: true, mode: 0o600 })
            .catch((e) => {
              if (e instanceof Deno.errors.AlreadyExists && !options.exclusive && tries < 3) return;
              throw e;
            });
          if (made) return withWriteback(this, p, new DenoFile(made, p));
          continue; // created by someone else meanwhile: open it as an existing file
        }
        const file = await Deno.open(p, { read: true, write });
        const after = await file.stat();
        if (after.ino !== null && (after.ino !== before.ino || after.dev !== before.dev)) {
          // Replaced between the lstat and the open: by a link (refused), or by another
          // file (a lock published meanwhile: look again).
          file.close();
          if ((await Deno.lstat(p).catch(() => undefined))?.isSymlink || tries >= 5) {
            throw new FsError("ELOOP", p, new Error("the path changed while it was opened"));
          }
          continue;
        }
        const opened = new DenoFile(file, p);
        return write ? withWriteback(this, p, opened) : opened;
      }
    } catch (e) {
      throw fsError(e, p);
    }
  }

  /** Info about `p`; `undefined` when it (or a parent) does not exist. */
  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const s = await Deno.stat(p);
      const info: FileInfo = { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size };
      if (s.mtime) info.mtime = s.mtime.getTime();
      return info;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return;
      throw fsError(e, p);
    }
  }

  /** Renames `from` onto `to`, replacing `to`. */
  async rename(from: string, to: string): Promise<void> {
    await Deno.rename(from, to).catch((e) => Promise.reject(fsError(e, from)));
  }

  /** Removes a file; a missing one is fine. */
  async remove(p: string): Promise<void> {
    await Deno.remove(p).catch((e) =>
      e instanceof Deno.errors.NotFound || Promise.reject(fsError(e, p))
    );
  }

  /** Creates a directory and its parents (with `mode`). */
  async mkdir(p: string, options: { mode?: number } = {}): Promise<void> {
    await Deno.mkdir(p, { recursive: true, mode: options.mode ?? 0o777 })
      .catch((e) => Promise.reject(fsError(e, p)));
  }

  /** Creates `to` as another name of `from` (`EEXIST` when it exists): the lock's publish. */
  async link(from: string, to: string): Promise<void> {
    await Deno.link(from, to).catch((e) => Promise.reject(fsError(e, to)));
  }

  /** The names in directory `p`. */
  async list(p: string): Promise<string[]> {
    try {
      return await Array.fromAsync(Deno.readDir(p), (e) => e.name);
    } catch (e) {
      throw fsError(e, p);
    }
  }

  /** Bytes free where `p` lives (`statfs`), when `--allow-sys` is granted; else unknown. */
  freeSpace(p: string): Promise<number | undefined> {
    const sys = Deno.permissions.querySync(
      { name: "sys", kind: "statfs" } as Deno.PermissionDescriptor,
    );
    return sys.state === "granted" ? statfsFree(p) : Promise.resolve(undefined);
  }

  /** The working directory (needs read access to it). */
  cwd(): string {
    return workingDirectory();
  }
}
