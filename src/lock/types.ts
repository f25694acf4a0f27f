/**
 * The target lock: one download per target at a time. Web APIs only.
 *
 * @module
 */

/** Releases a lock; releasing twice is harmless. */
export type ReleaseLock = () => Promise<void>;

/**
 * Takes the lock on a target path, or throws `DownloadLockedError` at once when another
 * download (in this process or another) holds it. Implementations: a lock file next to the
 * target (Deno, Bun, Node: file_lock.ts), Web Locks in browsers and a per-process lock where
 * there is neither (web_lock.ts).
 *
 * @example
 * ```ts ignore
 * const release = await lock.acquire("/dl/big.iso");
 * try {
 *   // download
 * } finally {
 *   await release();
 * }
 * ```
 */
export interface TargetLock {
  /** Takes the lock on `target` (an absolute path); resolves the function releasing it. */
  acquire(target: string): Promise<ReleaseLock>;
}

/** Path of the lock file of `target`. */
export function lockPathOf(target: string): string {
  return `${target}.lock`;
}

/**
 * Who runs this code, for a lock file: the process id, the host name and the process's start
 * time (when the runtime can tell), and whether another process is alive.
 */
export interface ProcessInfo {
  /** This process's id. */
  readonly pid: number;
  /** This machine's host name, when it may be read. */
  readonly host: string | undefined;
  /** This process's start time (an opaque string), when it can be read. */
  readonly start: string | undefined;
  /**
   * Whether process `pid` on this host still runs: false for a zombie and for a process
   * whose start time differs from `start` (a reused pid); true when it cannot be told.
   */
  isAlive(pid: number, start?: string): boolean;
}
