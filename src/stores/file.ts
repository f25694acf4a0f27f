/**
 * The default checkpoint store: one JSON file per record, under `~/.resumable-download`.
 *
 * @module
 */
import { defaultFileSystem } from "../fs/mod.ts";
import type { FileSystem } from "../fs/types.ts";
import { decodeSlot, encodeSlot, type Slot } from "./record_slot.ts";
import type { CheckpointStore } from "./store.ts";

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

function checkDirOption(name: "root" | "dir", value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `'${name}' must be a non-empty string: got ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
  }
  return value;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") {
    throw new TypeError(`a checkpoint key must be a string: got ${String(key)}`);
  }
}

/**
 * A {@linkcode CheckpointStore} keeping each record in its own JSON file, like oss2's
 * `ResumableDownloadStore(root, dir)`. The file's name is the SHA-256 of the key (any key
 * works: slashes, unicode, thousands of characters). A record has two slot files,
 * `<sha-256>.json` and `<sha-256>.1.json`; each `put` overwrites the older slot in place
 * (one write, no rename: a download saves its progress every MiB, which must cost
 * microseconds) with a sequence number and a checksum, so a write cut short by a kill
 * leaves the other slot whole, and `get` returns the newest slot that checks out. With
 * `durable: true` each put is also fdatasync'd, for records that must survive a power loss.
 * Files that do not parse read as no record. Several instances, in one process or in
 * several, may share a directory; one key is written by one download at a time (the
 * download's lock on its target sees to that).
 *
 * @example
 * ```ts ignore
 * import { ResumableDownloadStore } from "@resumable-download/resumable-download";
 * const store = new ResumableDownloadStore(); // ~/.resumable-download
 * await store.put("job-1", { done: [0, 1] });
 * console.log(await store.get("job-1"), store.directory);
 * ```
 */
export class ResumableDownloadStore implements CheckpointStore {
  /** The absolute path of the directory holding the records. */
  readonly directory: string;
  readonly #fs: FileSystem;
  readonly #durable: boolean;
  #directoryMade = false;
  /** The last key's file path (one download puts under one key many times). */
  #lastPath: { key: string; path: string } | undefined;
  /** Per key put by this store: the next sequence number and slot, and the slots' sizes
   * in bytes (-1: no file), so that a shorter record is padded over a longer one. */
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
    this.#fs = options.fs ?? defaultFileSystem();
    if (options.durable !== undefined && typeof options.durable !== "boolean") {
      const got = options.durable as unknown;
      throw new TypeError(
        `'durable' must be a boolean: got ${
          typeof got === "string" ? JSON.stringify(got) : String(got)
        }`,
      );
    }
    this.#durable = options.durable ?? false;
    this.directory = this.#fs.resolve(this.#fs.join(root ?? this.#fs.homedir(), dir));
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
    const path = this.#fs.join(this.directory, `${hex.join("")}.json`);
    this.#lastPath = { key, path };
    return path;
  }

  /** The paths of the two slots of `key`: `pathOf(key)` and the same with `.1.json`. */
  async #slotPaths(key: string): Promise<[string, string]> {
    const path = await this.pathOf(key);
    return [path, path.replace(/\.json$/, ".1.json")];
  }

  /**
   * Both slots of `key` as read from disk and, with `measure`, the files' byte lengths
   * (-1: no file), which only a first `put` needs.
   */
  async #readSlots(
    key: string,
    measure = false,
  ): Promise<{ slots: (Slot | undefined)[]; sizes: number[] }> {
    const paths = await this.#slotPaths(key);
    const slots: (Slot | undefined)[] = [];
    const sizes: number[] = [];
    for (const path of paths) {
      const text = await this.#fs.readText(path);
      slots.push(text === undefined ? undefined : decodeSlot(text, key));
      if (measure) sizes.push(text === undefined ? -1 : (await this.#fs.stat(path))?.size ?? -1);
    }
    return { slots, sizes };
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
    const { slots } = await this.#readSlots(key);
    let best: Slot | undefined;
    for (const slot of slots) if (slot && (!best || slot.seq > best.seq)) best = slot;
    return best?.value;
  }

  /**
   * Saves `value` (JSON-serialisable) under `key`. The record is written over the older of
   * its two slot files, in place, so the newer one stays whole whatever happens to this
   * write; `get` returns the newest slot that checks out.
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
        const { slots, sizes } = await this.#readSlots(key, true);
        const seqs = slots.map((s) => s?.seq ?? -1);
        // Write over the older (or missing, or damaged) slot first.
        state = { seq: Math.max(...seqs) + 1, next: seqs[0]! <= seqs[1]! ? 0 : 1, sizes };
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
      if (!this.#directoryMade) {
        await this.#fs.mkdir(this.directory);
        this.#directoryMade = true;
      }
      try {
        await this.#write(path, text, old >= 0);
      } catch (e) {
        if ((e as { code?: unknown })?.code !== "ENOENT") throw e;
        // The directory was removed since: make it again, once.
        await this.#fs.mkdir(this.directory);
        await this.#write(path, text, false);
      }
      state.sizes[state.next] = size;
      state.seq++;
      state.next = 1 - state.next;
    });
  }

  /**
   * Writes a slot: in place when the file exists (one write, no rename: saving progress
   * every MiB must cost microseconds), created atomically otherwise. fsync'd when durable.
   */
  async #write(path: string, text: string, exists: boolean): Promise<void> {
    if (exists) await this.#fs.overwriteText(path, text, { durable: this.#durable });
    else await this.#fs.writeTextAtomic(path, text, { durable: this.#durable });
  }

  /** Removes the record under `key`; a missing record is fine. */
  delete(key: string): Promise<void> {
    checkKey(key);
    return this.#serial(async () => {
      this.#slots.delete(key);
      for (const path of await this.#slotPaths(key)) await this.#fs.remove(path);
    });
  }
}
