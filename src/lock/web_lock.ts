/**
 * Locks without lock files: Web Locks (`navigator.locks`) in browsers, where every tab and
 * worker of an origin shares them, and a lock per JavaScript realm where there is nothing
 * else (Cloudflare's workerd; a {@linkcode MemoryFileSystem} is private to its realm
 * anyway). Web APIs only.
 *
 * @module
 */
import { DownloadLockedError } from "../errors.ts";
import { lockPathOf, type ReleaseLock, type TargetLock } from "./types.ts";

interface LockManager {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<void>;
}

function heldHere(target: string): DownloadLockedError {
  const err = new DownloadLockedError(lockPathOf(target));
  err.message = `target is being downloaded by another call: ${target}`;
  return err;
}

/**
 * The Web Locks API: `navigator.locks.request(name, { ifAvailable: true })`, held until
 * released. Names are `resumable-download:<prefix><target>`.
 *
 * @example
 * ```ts ignore
 * const release = await new WebLock(navigator.locks).acquire("/dl/big.iso");
 * await release();
 * ```
 */
export class WebLock implements TargetLock {
  readonly #locks: LockManager;
  readonly #prefix: string;

  /** A lock on `locks` (default `navigator.locks`); `prefix` separates file systems. */
  constructor(locks?: LockManager, prefix = "") {
    const found = locks ?? (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (!found) throw new TypeError("Web Locks (navigator.locks) are not available here");
    this.#locks = found;
    this.#prefix = prefix;
  }

  /** Takes the lock on `target`, or throws `DownloadLockedError` when it is held. */
  acquire(target: string): Promise<ReleaseLock> {
    return new Promise<ReleaseLock>((resolve, reject) => {
      const name = `resumable-download:${this.#prefix}${target}`;
      this.#locks.request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject(heldHere(target));
          return Promise.resolve();
        }
        return new Promise<void>((release) => resolve(() => Promise.resolve(release())));
      }).catch(reject);
    });
  }
}

/** Targets locked in this realm, per lock domain (one per file system). */
const held = new WeakMap<object, Set<string>>();

/**
 * A lock held in this JavaScript realm only: a second download of the same target on the
 * same file system in this realm is refused. For file systems no other process can see.
 *
 * @example
 * ```ts ignore
 * const lock = new RealmLock(fs);
 * const release = await lock.acquire("/a.bin");
 * await release();
 * ```
 */
export class RealmLock implements TargetLock {
  readonly #targets: Set<string>;

  /** A lock whose domain is `domain` (e.g. the file system). */
  constructor(domain: object) {
    let targets = held.get(domain);
    if (!targets) held.set(domain, targets = new Set());
    this.#targets = targets;
  }

  /** Takes the lock on `target`, or throws `DownloadLockedError` when it is held. */
  acquire(target: string): Promise<ReleaseLock> {
    if (this.#targets.has(target)) return Promise.reject(heldHere(target));
    this.#targets.add(target);
    let released = false;
    return Promise.resolve(() => {
      if (!released) this.#targets.delete(target);
      released = true;
      return Promise.resolve();
    });
  }
}

/**
 * The lock for a file system other than the runtime's: Web Locks when the platform has them,
 * else a lock per realm.
 */
export function webLockFor(fs: object): TargetLock {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return locks ? new WebLock(locks) : new RealmLock(fs);
}
