/**
 * The lock file next to a target (`<target>.lock`, mode 0600), naming the process that
 * holds it. A second download of the same target fails at once with `DownloadLockedError`;
 * a lock whose owner died is taken over by exactly one process. Web APIs only: files go
 * through the {@linkcode FileSystem}, processes through the {@linkcode ProcessInfo}.
 *
 * Exactly one winner: a lock file is published whole (written to a file of its own, then
 * linked to its name, which fails when the name exists) and a stale lock is only removed by
 * the holder of its takeover guard, `<lock>.<digest of its content>.takeover`, itself taken
 * with this same algorithm. A process that lost the guard, or that finds the lock changed
 * under the guard, sees the new owner and gets `DownloadLockedError`.
 *
 * @module
 */
import { DownloadLockedError } from "../errors.ts";
import { asLocalFileError, codeOf } from "../fs/errors.ts";
import { basename, dirname, joinPath } from "../fs/path.ts";
import { createExclusive, readText } from "../fs/text.ts";
import type { FileSystem } from "../fs/types.ts";
import { lockPathOf, type ProcessInfo, type ReleaseLock, type TargetLock } from "./types.ts";

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  token: string;
  start?: string;
}

/** A file system that can also give a file a second name, failing when it exists. */
export interface LinkingFileSystem extends FileSystem {
  /** Creates `to` as another name of `from`; `EEXIST` when `to` exists. */
  link?(from: string, to: string): Promise<void>;
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text);
    if (
      typeof v === "object" && v !== null && Number.isSafeInteger(v.pid) &&
      typeof v.host === "string" && typeof v.token === "string"
    ) return v as LockOwner;
  } catch { /* unreadable: handled by the caller */ }
  return undefined;
}

async function digest(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The lock file on Deno, Bun and Node. */
export class FileLock implements TargetLock {
  readonly #fs: LinkingFileSystem;
  readonly #process: ProcessInfo;

  /** A lock on `fs` for the process described by `process`. */
  constructor(fs: LinkingFileSystem, process: ProcessInfo) {
    this.#fs = fs;
    this.#process = process;
  }

  /** Takes `<target>.lock`; see the module documentation. */
  async acquire(target: string): Promise<ReleaseLock> {
    const path = lockPathOf(target);
    const p = this.#process;
    const me: LockOwner = {
      pid: p.pid,
      host: p.host ?? "",
      since: new Date().toISOString(),
      token: crypto.randomUUID(),
    };
    if (p.start !== undefined) me.start = p.start;
    try {
      const release = await this.#take(path, me, 0);
      await this.#sweep(path).catch(() => {});
      return release;
    } catch (e) {
      throw asLocalFileError(e, path, "cannot take the lock", {
        fallback: "EIO",
        link: "the lock file is a symbolic link",
      });
    }
  }

  async #take(path: string, me: LockOwner, depth: number): Promise<ReleaseLock> {
    const text = JSON.stringify(me);
    for (let tries = 0; tries < 4; tries++) {
      if (await this.#publish(path, text)) return () => this.#release(path, me.token);
      const raw = await readText(this.#fs, path);
      if (raw === undefined) continue; // released meanwhile
      const owner = parseOwner(raw);
      if (owner && !this.#stale(owner)) throw this.#locked(path, owner);
      if (!owner && tries === 0) {
        // Not a lock this version writes (they are published whole): an older version may
        // be writing it now. Look again after a moment.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (depth >= 3) throw this.#locked(path, owner);
      let releaseGuard: ReleaseLock;
      try {
        releaseGuard = await this.#take(`${path}.${await digest(raw)}.takeover`, me, depth + 1);
      } catch (e) {
        // Another process is taking this stale lock over: it will own the target.
        if (e instanceof DownloadLockedError) throw this.#locked(path, e.owner);
        throw e;
      }
      try {
        if ((await readText(this.#fs, path)) === raw) await this.#fs.remove(path);
        if (await this.#publish(path, text)) return () => this.#release(path, me.token);
      } finally {
        await releaseGuard();
      }
    }
    throw this.#locked(path, parseOwner(await readText(this.#fs, path).catch(() => undefined)));
  }

  /** Creates `path` holding `text`, whole, unless it exists; resolves whether it did. */
  async #publish(path: string, text: string): Promise<boolean> {
    const fs = this.#fs;
    if (!fs.link) return await createExclusive(fs, path, text);
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    const tmp = `${path}.${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}.new`;
    await createExclusive(fs, tmp, text);
    try {
      await fs.link(tmp, path);
      return true;
    } catch (e) {
      if (codeOf(e) === "EEXIST") return false;
      // No hard links here (FAT, some network file systems): create it in place; a reader
      // that finds it half-written waits a moment (see #take).
      if (codeOf(e) === "ENOENT") throw e;
      return await createExclusive(fs, path, text);
    } finally {
      await fs.remove(tmp);
    }
  }

  /**
   * Removes what killed processes left beside the lock we now hold: a `.new` file (killed
   * while publishing) or a `.takeover` guard (killed while taking a stale lock over) whose
   * owner is dead (or, unreadable, that is over a minute old).
   */
  async #sweep(path: string): Promise<void> {
    const fs = this.#fs;
    if (!fs.list) return;
    const prefix = `${basename(path)}.`;
    for (const name of await fs.list(dirname(path))) {
      if (!name.startsWith(prefix) || !/\.(new|takeover)$/.test(name)) continue;
      const leftover = joinPath(dirname(path), name);
      const owner = parseOwner(await readText(fs, leftover).catch(() => undefined));
      // Unreadable: being written right now, or left by a kill long ago.
      const old = ((await fs.stat(leftover))?.mtime ?? Infinity) < Date.now() - 60_000;
      if (owner ? this.#stale(owner) : old) await fs.remove(leftover);
    }
  }

  /** Removes the lock while it is still ours. */
  async #release(path: string, token: string): Promise<void> {
    if (parseOwner(await readText(this.#fs, path))?.token === token) await this.#fs.remove(path);
  }

  /** Whether `owner` died: on this host, and no longer running (or its pid was reused). */
  #stale(owner: LockOwner): boolean {
    const p = this.#process;
    if (owner.host !== (p.host ?? "")) return false;
    if (owner.pid === p.pid && (owner.start ?? p.start) === p.start) return false;
    return !p.isAlive(owner.pid, owner.start);
  }

  #locked(path: string, owner: { pid: number; host: string; since?: string } | undefined) {
    const info = owner &&
      { pid: owner.pid, host: owner.host, ...(owner.since ? { since: owner.since } : {}) };
    const p = this.#process;
    const sameProcess = owner?.pid === p.pid && owner.host === (p.host ?? "");
    return new DownloadLockedError(path, info, { sameProcess });
  }
}
