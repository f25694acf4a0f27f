/**
 * The temp file next to the target: its name, which files the engine may delete, and how
 * file-system failures are reported.
 *
 * @module
 */
import { asLocalFileError } from "../fs/errors.ts";
import type { FileSystem } from "../fs/types.ts";

/** Wraps a file-system failure with a code into `LocalFileError`; anything else unchanged. */
export function fileError(e: unknown, path: string, what: string): unknown {
  return asLocalFileError(e, path, what);
}

/** A fresh temp file name for `target`: `<target>.tmp-<12 hex digits>`. */
export function newTempName(target: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${target}.tmp-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Only files named like our temp files next to this target are ever deleted. */
export function ownsTemp(target: string, path: unknown): path is string {
  return typeof path === "string" && path.startsWith(`${target}.tmp-`) &&
    !path.slice(target.length).includes("/");
}

/** Removes `path` if it is one of `target`'s temp files; never throws. */
export async function removeTemp(fs: FileSystem, target: string, path: unknown): Promise<void> {
  if (ownsTemp(target, path)) await fs.remove(path).catch(() => {});
}
