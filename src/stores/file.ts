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
  /**
   * Whether each `put` is flushed to the device (fsync of the record and of its directory)
   * before it resolves, so that a record survives a power loss, not only a crash.
   *
   * Off by default: the engine saves progress after every ~1 MiB written per part, and an
   * fsync per save (several ms each, more while the download fills the page cache) made
   * the checkpoint trail the bytes on disk by tens of MiB, which a kill then refetched.
   * Without it a record is still replaced atomically (temp file and rename), a killed process
   * loses nothing, and after a power loss the engine re-checks every saved part's CRC on
   * resume (a record lost or torn reads as none: the download starts afresh).
   *
   * @default {false}
   */
  durable?: boolean;
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
 * atomically (temp file, rename), so a crash leaves the old record or the new one; with
 * `durable: true` each put is also fsync'd, for records that must survive a power loss.
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
  readonly #durable: boolean;
  #directoryMade = false;
  /** The last key's file path (one download puts under one key many times). */
  #lastPath: { key: string; path: string } | undefined;

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
      await this.#write(path, text);
    } catch (e) {
      if ((e as { code?: unknown })?.code !== "ENOENT") throw e;
      // The directory was removed since: make it again, once.
      await this.#fs.mkdir(this.directory);
      await this.#write(path, text);
    }
  }

  /** Replaces `path` with `text` atomically; fsync'd only when the store is durable. */
  async #write(path: string, text: string): Promise<void> {
    await this.#fs.writeTextAtomic(path, text, { durable: this.#durable });
  }

  /** Removes the record under `key`; a missing record is fine. */
  async delete(key: string): Promise<void> {
    await this.#fs.remove(await this.pathOf(key));
  }
}
