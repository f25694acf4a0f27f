/**
 * The default checkpoint store: one record per key in two slot files, under
 * `~/.resumable-download` (a directory created 0700; files created 0600; no file is ever
 * written through a symbolic link planted in it).
 *
 * @module
 */
import { asLocalFileError, codeOf } from "../fs/errors.ts";
import { loadFileSystem } from "../fs/mod.ts";
import { absolutePath, joinPath } from "../fs/path.ts";
import { homeDirectory, workingDirectory } from "../fs/process_env.ts";
import { overwriteText, readText, writeTextAtomic } from "../fs/text.ts";
import type { FileSystem } from "../fs/types.ts";
import { type PruneOptions, type PruneResult, pruneStore } from "./prune.ts";
import { decodeSlot, encodeSlot, type Slot } from "./record_slot.ts";
import type { CheckpointStore } from "./store.ts";

export type { PruneOptions, PruneResult } from "./prune.ts";

/** The UTF-8 length of `text`. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Options of {@linkcode ResumableDownloadStore}. */
export interface ResumableDownloadStoreOptions {
  /**
   * The directory that holds `dir`.
   *
   * @default {the user's home directory}
   */
  root?: string;
  /**
   * The store's directory, joined onto `root`.
   *
   * @default {".resumable-download"}
   */
  dir?: string;
  /**
   * The file adapter.
   *
   * @default {the adapter for the running runtime}
   */
  fs?: FileSystem;
  /**
   * Whether each `put` is flushed to the device (fdatasync) before it resolves, so that a
   * record survives a power loss, not only a crash.
   *
   * Off by default: the engine saves progress after every ~1 MiB written per part, and a
   * flush per save (several ms, far more while the download fills the page cache) made the
   * record trail the bytes on disk by tens of MiB, which a kill then refetched. A killed
   * process loses nothing either way (the page cache survives it). After a power loss a
   * record may be older than the data or torn: a torn slot fails its check and the other
   * slot is used, and the engine re-checks every saved part's CRC on resume.
   *
   * @default {false}
   */
  durable?: boolean;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function checkDirOption(name: "root" | "dir", value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`'${name}' must be a non-empty string: got ${show(value)}`);
  }
  return value;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") {
    throw new TypeError(`a checkpoint key must be a string: got ${String(key)}`);
  }
}

/** A store failure as a `LocalFileError` with the path and the code (`ELOOP`: a link). */
function storeError(e: unknown, path: string, what: string): unknown {
  if (e instanceof TypeError || e instanceof RangeError) return e;
  return asLocalFileError(e, path, what, {
    fallback: "EIO",
    link: `${what}: refusing a symbolic link in the store`,
  });
}

/**
 * A {@linkcode CheckpointStore} keeping each record in its own files, like oss2's
 * `ResumableDownloadStore(root, dir)`. The file's name is the SHA-256 of the key (any key
 * works). A record has two slot files, `<sha-256>.json` and `<sha-256>.1.json`; each `put`
 * overwrites the older slot in place (one write, no rename: a download saves its progress
 * every MiB, which must cost microseconds) with a sequence number and a checksum, so a write
 * cut short by a kill leaves the other slot whole, and `get` returns the newest slot that
 * checks out. Files that do not parse read as no record.
 *
 * Local state is private: the directory is created 0700, the files 0600, and a symbolic
 * link found at a slot's path is refused with a `LocalFileError` (`ELOOP`), never followed.
 * Errors are `LocalFileError`s with the path and the code. `prune` removes old records and
 * the temp files they name.
 *
 * @example
 * ```ts ignore
 * import { ResumableDownloadStore } from "@resumable-download/resumable-download";
 * const store = new ResumableDownloadStore(); // ~/.resumable-download
 * await store.put("job-1", { done: [0, 1] });
 * console.log(await store.get("job-1"), store.directory);
 * await store.prune({ olderThan: 7 * 24 * 3600_000 }); // records untouched for a week
 * ```
 */
export class ResumableDownloadStore implements CheckpointStore {
  /** The absolute path of the directory holding the records. */
  readonly directory: string;
  #fs: FileSystem | undefined;
  readonly #durable: boolean;
  #directoryMade = false;
  /** The last key's file path (one download puts under one key many times). */
  #lastPath: { key: string; path: string } | undefined;
  /**
   * Per key put by this store: the next sequence number and slot, and the sizes in bytes of
   * the slots this store wrote (-1: not written by it yet, so written whole, 0600).
   */
  readonly #slots = new Map<string, { seq: number; next: number; sizes: number[] }>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Creates a store; nothing is written until the first `put`.
   *
   * @param options `root` (default: the home directory) and `dir` (default
   * `.resumable-download`); a non-empty string each, else a `TypeError`.
   */
  constructor(options: ResumableDownloadStoreOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`'options' must be an object: got ${String(options)}`);
    }
    const root = checkDirOption("root", options.root);
    const dir = checkDirOption("dir", options.dir) ?? ".resumable-download";
    this.#fs = options.fs;
    if (options.durable !== undefined && typeof options.durable !== "boolean") {
      throw new TypeError(`'durable' must be a boolean: got ${show(options.durable)}`);
    }
    this.#durable = options.durable ?? false;
    const path = joinPath(root ?? homeDirectory(), dir);
    this.directory = absolutePath(this.#fs ?? { cwd: workingDirectory }, path);
  }

  async #files(): Promise<FileSystem> {
    return this.#fs ??= await loadFileSystem();
  }

  /**
   * The path of the file that holds (or would hold) the record under `key`.
   *
   * @example
   * ```ts ignore
   * const store = new ResumableDownloadStore({ root: "/tmp" });
   * console.log(await store.pathOf("k")); // /tmp/.resumable-download/<sha-256 of "k">.json
   * ```
   */
  async pathOf(key: string): Promise<string> {
    checkKey(key);
    if (this.#lastPath?.key === key) return this.#lastPath.path;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
    const path = joinPath(this.directory, `${hex.join("")}.json`);
    this.#lastPath = { key, path };
    return path;
  }

  /** The paths of the two slots of `key`: `pathOf(key)` and the same with `.1.json`. */
  async #slotPaths(key: string): Promise<[string, string]> {
    const path = await this.pathOf(key);
    return [path, path.replace(/\.json$/, ".1.json")];
  }

  /** Both slots of `key` as read from disk. */
  async #readSlots(key: string): Promise<(Slot | undefined)[]> {
    const fs = await this.#files();
    const slots: (Slot | undefined)[] = [];
    for (const path of await this.#slotPaths(key)) {
      let text;
      try {
        text = await readText(fs, path);
      } catch (e) {
        throw storeError(e, path, "cannot read the checkpoint");
      }
      slots.push(text === undefined ? undefined : decodeSlot(text, key));
    }
    return slots;
  }

  /** Runs `op` after every put and delete queued before it. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** The record under `key`, or `undefined` when there is none or its file is unreadable. */
  async get(key: string): Promise<unknown> {
    checkKey(key);
    let best: Slot | undefined;
    for (const slot of await this.#readSlots(key)) {
      if (slot && (!best || slot.seq > best.seq)) best = slot;
    }
    return best?.value;
  }

  /**
   * Saves `value` (JSON-serialisable) under `key`. The record is written over the older of
   * its two slot files, so the newer one stays whole whatever happens to this write; `get`
   * returns the newest slot that checks out.
   */
  put(key: string, value: unknown): Promise<void> {
    checkKey(key);
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      return Promise.reject(
        new TypeError(`a checkpoint must be JSON-serialisable: got ${String(value)}`),
      );
    }
    return this.#serial(async () => {
      let state = this.#slots.get(key);
      if (!state) {
        // First put of this key by this store: continue after what is on disk.
        const seqs = (await this.#readSlots(key)).map((s) => s?.seq ?? -1);
        // Write over the older (or missing, or damaged) slot first.
        state = { seq: Math.max(...seqs) + 1, next: seqs[0]! <= seqs[1]! ? 0 : 1, sizes: [-1, -1] };
        this.#slots.set(key, state);
      }
      const path = (await this.#slotPaths(key))[state.next]!;
      let text = encodeSlot(key, state.seq, value);
      let size = utf8Length(text);
      const old = state.sizes[state.next]!;
      if (size < old) {
        text += " ".repeat(old - size);
        size = old;
      }
      try {
        await this.#makeDirectory();
        try {
          await this.#write(path, text, old >= 0);
        } catch (e) {
          if (codeOf(e) !== "ENOENT") throw e;
          this.#directoryMade = false; // removed since: make it again, once
          await this.#makeDirectory();
          await this.#write(path, text, false);
        }
      } catch (e) {
        throw storeError(e, path, "cannot save the checkpoint");
      }
      state.sizes[state.next] = size;
      state.seq++;
      state.next = 1 - state.next;
    });
  }

  async #makeDirectory(): Promise<void> {
    if (this.#directoryMade) return;
    await (await this.#files()).mkdir(this.directory, { mode: 0o700 });
    this.#directoryMade = true;
  }

  /**
   * Writes a slot: in place once this store has written it (one write, no rename), else
   * whole through a new 0600 file renamed over it (which also replaces a slot of an older
   * version's wider mode). Flushed when durable.
   */
  async #write(path: string, text: string, ours: boolean): Promise<void> {
    const fs = await this.#files();
    if (ours) await overwriteText(fs, path, text, { durable: this.#durable });
    else await writeTextAtomic(fs, path, text, { durable: this.#durable });
  }

  /** Removes the record under `key`; a missing record is fine. */
  delete(key: string): Promise<void> {
    checkKey(key);
    return this.#serial(async () => {
      this.#slots.delete(key);
      const fs = await this.#files();
      for (const path of await this.#slotPaths(key)) {
        await fs.remove(path).catch((e) => {
          throw storeError(e, path, "cannot remove the checkpoint");
        });
      }
    });
  }

  /**
   * Removes the records not written for `olderThan` milliseconds (default 7 days), and the
   * temp files they name (only files named like a temp file of the record's target), and
   * leftovers of interrupted writes.
   *
   * @example
   * ```ts ignore
   * const { records, tempFiles } = await new ResumableDownloadStore().prune();
   * console.log(`removed ${records} records and ${tempFiles} temp files`);
   * ```
   */
  prune(options: PruneOptions = {}): Promise<PruneResult> {
    return this.#serial(async () => {
      try {
        return await pruneStore(await this.#files(), this.directory, options);
      } catch (e) {
        throw storeError(e, this.directory, "cannot prune the store");
      }
    });
  }
}
