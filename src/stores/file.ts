/**
 * The default checkpoint store: one JSON file per record, under `~/.resumable-download`.
 *
 * @module
 */
import { defaultFileSystem } from "../fs/mod.ts";
import type { FileSystem } from "../fs/types.ts";
import type { CheckpointStore } from "./store.ts";

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
}

/** What a record file holds: the key, to tell a foreign or mixed-up file from ours. */
interface RecordFile {
  key: string;
  value: unknown;
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
 * works: slashes, unicode, thousands of characters), and each `put` replaces the file
 * atomically (temp file, fsync, rename), so a crash leaves the old record or the new one.
 * A file that does not parse reads as no record. Several instances, in one process or in
 * several, may share a directory.
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
  #directoryMade = false;

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
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
    return this.#fs.join(this.directory, `${hex.join("")}.json`);
  }

  /** The record under `key`, or `undefined` when there is none or its file is unreadable. */
  async get(key: string): Promise<unknown> {
    const text = await this.#fs.readText(await this.pathOf(key));
    if (text === undefined) return undefined;
    let file: Partial<RecordFile>;
    try {
      file = JSON.parse(text);
    } catch {
      return undefined; // corrupt: the next put replaces it
    }
    if (typeof file !== "object" || file === null || file.key !== key || !("value" in file)) {
      return undefined;
    }
    return file.value;
  }

  /** Saves `value` (JSON-serialisable) under `key`, atomically replacing any old record. */
  async put(key: string, value: unknown): Promise<void> {
    const path = await this.pathOf(key);
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      throw new TypeError(`a checkpoint must be JSON-serialisable: got ${String(value)}`);
    }
    const text = JSON.stringify({ key, value } satisfies RecordFile);
    if (!this.#directoryMade) {
      await this.#fs.mkdir(this.directory);
      this.#directoryMade = true;
    }
    try {
      await this.#fs.writeTextAtomic(path, text);
    } catch (e) {
      if ((e as { code?: unknown })?.code !== "ENOENT") throw e;
      // The directory was removed since: make it again, once.
      await this.#fs.mkdir(this.directory);
      await this.#fs.writeTextAtomic(path, text);
    }
  }

  /** Removes the record under `key`; a missing record is fine. */
  async delete(key: string): Promise<void> {
    await this.#fs.remove(await this.pathOf(key));
  }
}
