/**
 * The browser's Origin Private File System, for a dedicated worker: random access through
 * `FileSystemSyncAccessHandle`s, one per file shared by every open handle of it (OPFS allows
 * a single access handle per file), DOM errors mapped to Node-style codes. Web APIs only.
 *
 * @module
 */
import { checkPosition, FsError } from "./errors.ts";
import { basename, dirname, resolvePath } from "./path.ts";
import type { FileInfo, FileSystem, OpenOptions, RandomAccessFile } from "./types.ts";

/** The parts of the OPFS API this adapter uses (not in every TypeScript lib). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
interface FileHandle {
  readonly kind: "file";
  getFile(): Promise<{ size: number; lastModified: number }>;
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
  move(parent: DirectoryHandle, name: string): Promise<void>;
}
/** A directory of the Origin Private File System (`FileSystemDirectoryHandle`). */
export interface DirectoryHandle {
  readonly kind: "directory";
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterableIterator<string>;
}

/** DOM exception names and the Node-style code each stands for. */
const CODE_BY_NAME: Record<string, string> = {
  NotFoundError: "ENOENT",
  NoModificationAllowedError: "EBUSY", // another access handle holds the file
  QuotaExceededError: "ENOSPC",
  InvalidModificationError: "ENOTEMPTY",
  NotAllowedError: "EACCES",
  SecurityError: "EACCES",
  InvalidStateError: "EBADF",
  TypeError: "EINVAL",
};

/** A DOM error as an error with a code; `mismatch` is the code of a `TypeMismatchError`. */
function opfsError(e: unknown, path: string, mismatch = "ENOTDIR"): FsError {
  if (e instanceof FsError) return e;
  const name = (e as { name?: string })?.name ?? "";
  return new FsError(
    name === "TypeMismatchError" ? mismatch : CODE_BY_NAME[name] ?? "EIO",
    path,
    e,
  );
}

/** One access handle per path, shared by the open files of that path. */
interface Shared {
  handle: Promise<SyncAccessHandle>;
  refs: number;
}

/** An open file: positional reads and writes on the path's shared access handle. */
class OpfsFile implements RandomAccessFile {
  #closed = false;
  constructor(
    readonly path: string,
    readonly handle: SyncAccessHandle,
    readonly release: () => void,
  ) {}

  #do<T>(op: () => T, position = 0): Promise<T> {
    try {
      checkPosition(position);
      if (this.#closed) throw new FsError("EBADF", this.path, new Error("file handle is closed"));
      return Promise.resolve(op());
    } catch (e) {
      return Promise.reject(e instanceof RangeError ? e : opfsError(e, this.path));
    }
  }

  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    return this.#do(() => {
      let at = position;
      for (const chunk of chunks) {
        for (let done = 0; done < chunk.length;) {
          const n = this.handle.write(chunk.subarray(done), { at: at + done });
          if (n <= 0) throw new FsError("ENOSPC", this.path, new Error("write wrote no bytes"));
          done += n;
        }
        at += chunk.length;
      }
    }, position);
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.#do(() => {
      let done = 0;
      while (done < buffer.length) {
        const n = this.handle.read(buffer.subarray(done), { at: position + done });
        if (n <= 0) break;
        done += n;
      }
      return done;
    }, position);
  }

  truncate(length: number): Promise<void> {
    return this.#do(() => this.handle.truncate(length), length);
  }

  sync(): Promise<void> {
    return this.#do(() => this.handle.flush());
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.release();
    }
    return Promise.resolve();
  }
}

/**
 * A {@linkcode FileSystem} on the Origin Private File System, in a dedicated worker (where
 * `createSyncAccessHandle` exists). Paths are `/`-separated from the OPFS root, or from the
 * directory handle given. `rename` is `move()`: the target is removed first, so unlike on a
 * disk it is not atomic. Free space is the origin's quota left (`navigator.storage.estimate`).
 *
 * @example In a worker
 * ```ts ignore
 * import { MemoryCheckpointStore, OpfsFileSystem, resumableDownloadUrl } from
 *   "@resumable-download/resumable-download/web";
 * const fs = new OpfsFileSystem();
 * await resumableDownloadUrl("https://example.com/big.iso", "/dl/big.iso", {
 *   fs,
 *   store: new MemoryCheckpointStore(),
 * });
 * ```
 */
export class OpfsFileSystem implements FileSystem {
  readonly #root: () => Promise<DirectoryHandle>;
  readonly #shared = new Map<string, Shared>();

  /** The OPFS root (`navigator.storage.getDirectory()`), or the directory `root`. */
  constructor(root?: DirectoryHandle) {
    const storage = (globalThis as unknown as {
      navigator?: { storage?: { getDirectory?(): Promise<DirectoryHandle> } };
    }).navigator?.storage;
    if (!root && typeof storage?.getDirectory !== "function") {
      throw new TypeError("the Origin Private File System (navigator.storage) is not available");
    }
    let cached: Promise<DirectoryHandle> | undefined;
    this.#root = () => cached ??= root ? Promise.resolve(root) : storage!.getDirectory!();
  }

  /** The directory holding `path` (created with `create`), and the last segment. */
  async #parent(path: string, create = false): Promise<[DirectoryHandle, string]> {
    const p = resolvePath(path);
    let dir = await this.#root();
    for (const part of dirname(p).split("/").filter(Boolean)) {
      try {
        dir = await dir.getDirectoryHandle(part, { create });
      } catch (e) {
        throw opfsError(e, p);
      }
    }
    return [dir, basename(p)];
  }

  async #file(path: string, create = false): Promise<FileHandle> {
    const [dir, name] = await this.#parent(path);
    if (!name) throw new FsError("EISDIR", path, new Error("is a directory"));
    try {
      return await dir.getFileHandle(name, { create });
    } catch (e) {
      throw opfsError(e, path, "EISDIR");
    }
  }

  /** Opens `path`; every open file of a path shares its one access handle. */
  async open(path: string, options: OpenOptions = {}): Promise<RandomAccessFile> {
    const p = resolvePath(path);
    const create = options.create === true && !options.readOnly;
    if (create && options.exclusive) {
      const exists = await this.#file(p).then(() => true, (e) => {
        if (e.code === "ENOENT") return false;
        throw e;
      });
      if (exists) throw new FsError("EEXIST", p, new Error("file exists"));
    }
    let shared = this.#shared.get(p);
    if (!shared) {
      const handle = this.#file(p, create).then((f) => f.createSyncAccessHandle());
      this.#shared.set(p, shared = { handle, refs: 0 });
      handle.catch(() => this.#shared.get(p) === shared && this.#shared.delete(p));
    }
    shared.refs++;
    let handle: SyncAccessHandle;
    try {
      handle = await shared.handle;
    } catch (e) {
      shared.refs--;
      throw opfsError(e, p, "EISDIR");
    }
    const s = shared;
    return new OpfsFile(p, handle, () => {
      if (--s.refs > 0) return;
      if (this.#shared.get(p) === s) this.#shared.delete(p);
      handle.close();
    });
  }

  /** Info about `path`, or `undefined` when it does not exist. */
  async stat(path: string): Promise<FileInfo | undefined> {
    const p = resolvePath(path);
    if (p === "/") return { isFile: false, isDirectory: true, size: 0 };
    let dir: DirectoryHandle, name: string;
    try {
      [dir, name] = await this.#parent(p);
    } catch {
      return undefined;
    }
    try {
      await dir.getDirectoryHandle(name);
      return { isFile: false, isDirectory: true, size: 0 };
    } catch { /* not a directory */ }
    try {
      const open = this.#shared.get(p);
      if (open) return { isFile: true, isDirectory: false, size: (await open.handle).getSize() };
      const file = await (await dir.getFileHandle(name)).getFile();
      return { isFile: true, isDirectory: false, size: file.size, mtime: file.lastModified };
    } catch (e) {
      const err = opfsError(e, p);
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    }
  }

  /** Moves file `from` onto `to`, replacing it (not atomically: OPFS cannot). */
  async rename(from: string, to: string): Promise<void> {
    const file = await this.#file(from);
    const [dir, name] = await this.#parent(to);
    await this.remove(to);
    try {
      await file.move(dir, name);
    } catch (e) {
      throw opfsError(e, from);
    }
  }

  /** Removes a file; a missing one is fine. */
  async remove(path: string): Promise<void> {
    let dir: DirectoryHandle, name: string;
    try {
      [dir, name] = await this.#parent(path);
    } catch (e) {
      if ((e as FsError).code === "ENOENT") return;
      throw e;
    }
    try {
      await dir.getFileHandle(name); // a directory is not removed here
      await dir.removeEntry(name);
    } catch (e) {
      const err = opfsError(e, path, "EISDIR");
      if (err.code !== "ENOENT") throw err;
    }
  }

  /** Creates a directory and its parents. */
  async mkdir(path: string): Promise<void> {
    const [dir, name] = await this.#parent(path, true);
    if (!name) return;
    try {
      await dir.getDirectoryHandle(name, { create: true });
    } catch (e) {
      throw opfsError(e, path);
    }
  }

  /** The names in directory `path`. */
  async list(path: string): Promise<string[]> {
    const p = resolvePath(path);
    let dir = await this.#root();
    if (p !== "/") {
      const [parent, name] = await this.#parent(p);
      try {
        dir = await parent.getDirectoryHandle(name);
      } catch (e) {
        throw opfsError(e, p);
      }
    }
    return await Array.fromAsync(dir.keys());
  }

  /** The origin's storage quota left. */
  async freeSpace(): Promise<number | undefined> {
    const storage = (globalThis as unknown as {
      navigator?: { storage?: { estimate?(): Promise<{ quota?: number; usage?: number }> } };
    }).navigator?.storage;
    const e = await storage?.estimate?.().catch(() => undefined);
    return e?.quota !== undefined ? e.quota - (e.usage ?? 0) : undefined;
  }
}
