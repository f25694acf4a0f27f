/**
 * Free space through `node:fs` `statfs` (Deno, Bun and Node all have it), for the runtime
 * adapters. Written once; `undefined` whenever the answer is unknown or meaningless.
 *
 * @module
 */
import { promises as fsp } from "node:fs";

/** Bytes free for unprivileged users on the file system holding `path`, if known. */
export async function statfsFree(path: string): Promise<number | undefined> {
  if (typeof fsp.statfs !== "function") return undefined;
  try {
    const s = await fsp.statfs(path);
    const free = Number(s.bavail) * Number(s.bsize);
    // Some runtimes answer zeros for every field (workerd): that is "unknown", not "full".
    if (!Number.isFinite(free) || (free === 0 && Number(s.blocks) === 0)) return undefined;
    return free;
  } catch {
    return undefined;
  }
}
