/**
 * A file system in memory: tests, workers, edge functions (Cloudflare workerd). Web APIs
 * only.
 *
 * @module
 */
import { checkPosition, FsError } from "./errors.ts";
import { dirname, resolvePath } from "./path.ts";
import type { FileInfo, FileSystem, OpenOptions, RandomAccessFile } from "./types.ts";

/** A file's bytes: `data` has room beyond `size` to grow into. */
interface Node {
  data: Uint8Array;
  size: number;
  mtime: number;
}

function fail(code: string, path: string, what: string): FsError {
  return new FsError(code, path, new Error(what));
}

/** An open file of a {@linkcode MemoryFileSystem}. */
class MemoryFile implements RandomAccessFile {
  #closed = false;
  constructor(readonly node: Node, readonly path: string, readonly readOnly: boolean) {}

  #check(position: number, writing: boolean): void {
    checkPosition(position);
    if (this.#closed) throw fail("EBADF", this.path, "file handle is closed");
    if (writing && this.readOnly) throw fail("EBADF", this.path, "file opened read-only");
  }

  #grow(size: number): void {
    const n = this.node;
    if (size > n.data.length) {
      const data = new Uint8Array(Math.max(size, Math.min(n.data.length * 2, size + (64 << 20))));
      data.set(n.data.subarray(0, n.size));
      n.data = data;
    }
    if (size > n.size) n.size = size;
    n.mtime = Date.now();
  }

  write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    try {
      this.#check(position, true);
      let at = position;
      for (const c of chunks) {
        this.#grow(at + c.length);
        this.node.data.set(c, at);
        at += c.length;
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    try {
      this.#check(position, false);
      const n = Math.max(0, Math.min(buffer.length, this.node.size - position));
      buffer.set(this.node.data.subarray(position, position + n));
      return Promise.resolve(n);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  truncate(length: number): Promise<void> {
    try {
      this.#check(length, true);
      if (length < this.node.size) this.node.data.fill(0, length, this.node.size);
      this.#grow(length);
      this.node.size = length;
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  sync(): Promise<void> {
    return this.#closed ? Promise.reject(fail("EBADF", this.path, "closed")) : Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/**
 * A {@linkcode FileSystem} whose files live in this realm's memory, `/`-separated paths
 * from `/`. The same errors as on disk (`ENOENT`, `EEXIST`, `EISDIR`, `ENOTDIR`).
 *
 * @example
 * ```ts ignore
 * import { MemoryFileSystem } from "@resumable-download/resumable-download/web";
 * const fs = new MemoryFileSystem();
 * await fs.mkdir("/dl");
 * const file = await fs.open("/dl/a.bin", { create: true });
 * await file.write([new Uint8Array([1, 2, 3])], 0);
 * await file.close();
 * console.log(fs.readFile("/dl/a.bin")); // Uint8Array [1, 2, 3]
 * ```
 */
export class MemoryFileSystem implements FileSystem {
  readonly #files = new Map<string, Node>();
  readonly #dirs = new Set<string>(["/"]);

  #parent(path: string): void {
    const dir = dirname(path);
    if (this.#dirs.has(dir)) return;
    if (this.#files.has(dir)) throw fail("ENOTDIR", path, "not a directory");
    throw fail("ENOENT", path, "no such file or directory");
  }

  /** Opens `path`; see {@linkcode OpenOptions}. */
  open(path: string, options: OpenOptions = {}): Promise<RandomAccessFile> {
    try {
      const p = resolvePath(path);
      if (this.#dirs.has(p)) {
        if (!options.readOnly) throw fail("EISDIR", p, "is a directory");
        return Promise.resolve(
          new MemoryFile({ data: new Uint8Array(0), size: 0, mtime: 0 }, p, true),
        );
      }
      let node = this.#files.get(p);
      if (node && options.create && options.exclusive) throw fail("EEXIST", p, "file exists");
      if (!node) {
        if (!options.create || options.readOnly) throw fail("ENOENT", p, "no such file");
        this.#parent(p);
        this.#files.set(p, node = { data: new Uint8Array(0), size: 0, mtime: Date.now() });
      }
      return Promise.resolve(new MemoryFile(node, p, options.readOnly === true));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Info about `path`, or `undefined`. */
  stat(path: string): Promise<FileInfo | undefined> {
    const p = resolvePath(path);
    const node = this.#files.get(p);
    if (node) {
      return Promise.resolve({
        isFile: true,
        isDirectory: false,
        size: node.size,
        mtime: node.mtime,
      });
    }
    const dir = this.#dirs.has(p);
    return Promise.resolve(dir ? { isFile: false, isDirectory: true, size: 0 } : undefined);
  }

  /** Renames file `from` onto `to`. */
  rename(from: string, to: string): Promise<void> {
    try {
      const [f, t] = [resolvePath(from), resolvePath(to)];
      const node = this.#files.get(f);
      if (!node) throw fail(this.#dirs.has(f) ? "EISDIR" : "ENOENT", f, "no such file");
      if (this.#dirs.has(t)) throw fail("EISDIR", t, "is a directory");
      this.#parent(t);
      this.#files.delete(f);
      this.#files.set(t, node);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Removes a file; a missing one is fine. */
  remove(path: string): Promise<void> {
    const p = resolvePath(path);
    if (this.#dirs.has(p)) return Promise.reject(fail("EISDIR", p, "is a directory"));
    this.#files.delete(p);
    return Promise.resolve();
  }

  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void> {
    const p = resolvePath(path);
    for (let d = p; !this.#dirs.has(d); d = dirname(d)) {
      if (this.#files.has(d)) return Promise.reject(fail("ENOTDIR", d, "not a directory"));
    }
    for (let d = p; !this.#dirs.has(d); d = dirname(d)) this.#dirs.add(d);
    return Promise.resolve();
  }

  /** The names in directory `path`. */
  list(path: string): Promise<string[]> {
    const p = resolvePath(path);
    if (!this.#dirs.has(p)) return Promise.reject(fail("ENOENT", p, "no such directory"));
    const prefix = p === "/" ? "/" : `${p}/`;
    const names = [...this.#files.keys(), ...this.#dirs]
      .filter((k) => k.startsWith(prefix) && k !== p && !k.slice(prefix.length).includes("/"))
      .map((k) => k.slice(prefix.length));
    return Promise.resolve(names);
  }

  /** A copy of the bytes of file `path`, or `undefined` when it does not exist. */
  readFile(path: string): Uint8Array | undefined {
    const node = this.#files.get(resolvePath(path));
    return node?.data.slice(0, node.size);
  }
}
