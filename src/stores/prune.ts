/**
 * `prune` of the file store: removes records nobody wrote for a while, the temp files they
 * name, and leftovers of interrupted writes. Web APIs only (through the
 * {@linkcode FileSystem}).
 *
 * @module
 */
import { joinPath } from "../fs/path.ts";
import { readText } from "../fs/text.ts";
import type { FileSystem } from "../fs/types.ts";
import { decodeSlot } from "./record_slot.ts";

/** Options of `ResumableDownloadStore.prune`. */
export interface PruneOptions {
  /**
   * Records whose newest slot was written longer ago than this many milliseconds go.
   *
   * @default {7 days}
   */
  olderThan?: number;
  /** The time to measure from, in ms since the epoch (tests). @default {Date.now()} */
  now?: number;
}

/** What `prune` removed. */
export interface PruneResult {
  /** Records removed. */
  records: number;
  /** Temp files of those records removed. */
  tempFiles: number;
}

/** One week, in milliseconds. */
export const WEEK = 7 * 24 * 3600 * 1000;

const SLOT = /^([0-9a-f]{64})(\.1)?\.json$/;
const LEFTOVER = /^[0-9a-f]{64}(\.1)?\.json\.[0-9a-f]{12}\.tmp$/;

/** The temp file a record names, when it is one of its target's temp files. */
function tempFileOf(value: unknown): string | undefined {
  const v = value as { target?: unknown; tempFile?: unknown } | null;
  if (typeof v?.target !== "string" || typeof v.tempFile !== "string") return undefined;
  const rest = v.tempFile.slice(v.target.length);
  return v.tempFile.startsWith(v.target) && /^\.tmp-[0-9a-f]+$/.test(rest) ? v.tempFile : undefined;
}

/** The value of a slot file, whatever its key (the header names it). */
function slotValue(text: string): unknown {
  try {
    const key = JSON.parse(text.slice(0, text.indexOf("\n")))?.key;
    return typeof key === "string" ? decodeSlot(text, key)?.value : undefined;
  } catch {
    return undefined;
  }
}

/** Prunes the store in `directory`; see {@linkcode PruneOptions}. */
export async function pruneStore(
  fs: FileSystem,
  directory: string,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const olderThan = options.olderThan ?? WEEK;
  if (typeof olderThan !== "number" || !(olderThan >= 0)) {
    throw new RangeError(`'olderThan' must be a number of milliseconds >= 0: got ${olderThan}`);
  }
  if (!fs.list) throw new TypeError("this file system cannot list a directory");
  const before = (options.now ?? Date.now()) - olderThan;
  const result: PruneResult = { records: 0, tempFiles: 0 };
  if (!(await fs.stat(directory))?.isDirectory) return result;
  const records = new Map<string, string[]>();
  for (const name of await fs.list(directory)) {
    const hash = SLOT.exec(name)?.[1];
    if (hash) records.set(hash, [...records.get(hash) ?? [], joinPath(directory, name)]);
    else if (LEFTOVER.test(name)) {
      const path = joinPath(directory, name);
      if (((await fs.stat(path))?.mtime ?? Infinity) < before) await fs.remove(path);
    }
  }
  for (const paths of records.values()) {
    const infos = await Promise.all(paths.map((p) => fs.stat(p)));
    const newest = Math.max(...infos.map((i) => i?.mtime ?? Infinity));
    if (!(newest < before)) continue;
    const temps = new Set<string>();
    for (const path of paths) {
      const temp = tempFileOf(slotValue(await readText(fs, path).catch(() => "") ?? ""));
      if (temp) temps.add(temp);
    }
    for (const temp of temps) {
      if ((await fs.stat(temp))?.isFile) {
        await fs.remove(temp);
        result.tempFiles++;
      }
    }
    for (const path of paths) await fs.remove(path);
    result.records++;
  }
  return result;
}
