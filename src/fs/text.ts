/**
 * Small text files on any {@linkcode FileSystem}, written once for every adapter: the file
 * store's records and the lock file use these.
 *
 * @module
 */
import { codeOf } from "./errors.ts";
import { dirname } from "./path.ts";
import type { FileSystem, WriteTextOptions } from "./types.ts";

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** The whole of `path` as UTF-8 text, or `undefined` when it does not exist. */
export async function readText(fs: FileSystem, path: string): Promise<string | undefined> {
  let file;
  try {
    file = await fs.open(path, { readOnly: true });
  } catch (e) {
    if (codeOf(e) === "ENOENT") return undefined;
    throw e;
  }
  try {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(Math.max(4096, total));
      const n = await file.read(buf, total);
      if (n === 0) break;
      parts.push(buf.subarray(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder().decode(all);
  } finally {
    await file.close();
  }
}

/**
 * Writes `text` (UTF-8) over the start of `path`, creating the file when it is missing and
 * never truncating it: one open, write and close, no rename. Not atomic: callers detect torn
 * writes themselves (the file store keeps two checksummed slots). With `durable: true` the
 * data reaches the device before the call resolves.
 */
export async function overwriteText(
  fs: FileSystem,
  path: string,
  text: string,
  options: WriteTextOptions = {},
): Promise<void> {
  const file = await fs.open(path, { create: true });
  try {
    await file.write([new TextEncoder().encode(text)], 0);
    if (options.durable) await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Creates `path` holding `text` only if it does not exist; resolves false if it does. A
 * failed write removes the half-written file.
 */
export async function createExclusive(
  fs: FileSystem,
  path: string,
  text: string,
  options: WriteTextOptions = {},
): Promise<boolean> {
  let file;
  try {
    file = await fs.open(path, { create: true, exclusive: true });
  } catch (e) {
    if (codeOf(e) === "EEXIST") return false;
    throw e;
  }
  try {
    await file.write([new TextEncoder().encode(text)], 0);
    if (options.durable) await file.sync();
    await file.close();
  } catch (e) {
    await file.close().catch(() => {});
    await fs.remove(path).catch(() => {});
    throw e;
  }
  return true;
}

/**
 * Writes `text` to a new file beside `path`, flushes it, renames it onto `path` and flushes
 * the directory, so readers see the old or the new content, never a mix. With
 * `durable: false` the flushes are skipped: atomic across a crash of the process, not
 * across a power loss.
 */
export async function writeTextAtomic(
  fs: FileSystem,
  path: string,
  text: string,
  options: WriteTextOptions = {},
): Promise<void> {
  const tmp = `${path}.${randomHex(6)}.tmp`;
  const durable = options.durable !== false;
  try {
    await createExclusive(fs, tmp, text, { durable });
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.remove(tmp).catch(() => {});
    throw e;
  }
  if (durable) await syncDirectory(fs, dirname(path));
}

/** Flushes directory `dir` so a rename in it is durable; best effort. */
export async function syncDirectory(fs: FileSystem, dir: string): Promise<void> {
  try {
    const d = await fs.open(dir, { readOnly: true });
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch { /* not possible everywhere (Windows, OPFS, memory) */ }
}
