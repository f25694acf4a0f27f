/**
 * The lock on a target: a file next to it, created exclusively, naming the process that
 * holds it. A second download to the same target fails at once with
 * `DownloadLockedError`; a lock left by a process that died is taken over.
 *
 * @module
 */
import { DownloadLockedError, LocalFileError } from "../errors.ts";
import type { FileSystem } from "../fs/types.ts";

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  token: string;
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text);
    if (
      typeof v === "object" && v !== null && Number.isSafeInteger(v.pid) &&
      typeof v.host === "string" && typeof v.token === "string"
    ) return v as LockOwner;
  } catch { /* unreadable: treated as stale below */ }
  return undefined;
}

/** Path of the lock file of `target`. */
export function lockPathOf(target: string): string {
  return `${target}.lock`;
}

/**
 * Takes the lock on `target`; resolves a function that releases it. Throws
 * `DownloadLockedError` when a live process (this one included) holds it.
 */
export async function acquireLock(fs: FileSystem, target: string): Promise<() => Promise<void>> {
  const path = lockPathOf(target);
  const me: LockOwner = {
    pid: fs.pid,
    host: fs.hostname(),
    since: new Date().toISOString(),
    token: crypto.randomUUID(),
  };
  const text = JSON.stringify(me);
  for (let tries = 0; tries < 3; tries++) {
    let created: boolean;
    try {
      created = await fs.createExclusive(path, text);
    } catch (e) {
      const code = (e as { code?: string }).code ?? "EIO";
      throw new LocalFileError(code, path, "cannot create the lock file", { cause: e });
    }
    if (created) {
      return async () => {
        // Remove it only while it is still ours.
        if (parseOwner(await fs.readText(path))?.token === me.token) await fs.remove(path);
      };
    }
    const raw = await fs.readText(path);
    if (raw === undefined) continue; // released meanwhile
    const owner = parseOwner(raw);
    const stale = owner === undefined
      // A half-written lock: its writer died between create and write, or is writing now.
      ? raw.length === 0 && tries === 0 ? false : true
      : owner.host === me.host && !fs.isProcessAlive(owner.pid);
    if (!stale) {
      if (owner === undefined) {
        // Give a writer that is mid-write a moment, then look again.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      throw new DownloadLockedError(path, { pid: owner.pid, host: owner.host, since: owner.since });
    }
    await fs.remove(path);
  }
  const owner = parseOwner(await fs.readText(path));
  throw new DownloadLockedError(
    path,
    owner && { pid: owner.pid, host: owner.host, since: owner.since },
  );
}
