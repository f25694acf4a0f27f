/**
 * The one place that picks the file adapter for the running runtime: the Deno adapter when
 * `globalThis.Deno` exists, the `node:fs` adapter otherwise (Bun, Node).
 *
 * Both adapters are imported statically. That is safe on every runtime: `deno.ts` touches
 * `Deno` only inside functions, and both load only `node:` built-ins that Deno, Bun and Node
 * all provide. Static loading lets {@linkcode defaultFileSystem} be synchronous, which
 * `new ResumableDownloadStore()` needs to resolve its directory in the constructor.
 * {@linkcode loadFileSystem} is the same choice behind a promise, for callers that are
 * async anyway.
 *
 * @module
 */
import { DenoFileSystem } from "./deno.ts";
import { NodeFileSystem } from "./node.ts";
import type { FileSystem } from "./types.ts";

export type { FileInfo, FileSystem, RandomAccessFile } from "./types.ts";
export { DenoFileSystem } from "./deno.ts";
export { NodeFileSystem } from "./node.ts";

let cached: FileSystem | undefined;

/**
 * The file adapter for the running runtime, created once and shared.
 *
 * @example
 * ```ts ignore
 * import { defaultFileSystem } from "./mod.ts";
 * const fs = defaultFileSystem();
 * console.log(fs.runtime, await fs.stat(fs.homedir()));
 * ```
 */
export function defaultFileSystem(): FileSystem {
  cached ??= typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
    ? new DenoFileSystem()
    : new NodeFileSystem();
  return cached;
}

/**
 * {@linkcode defaultFileSystem} behind a promise.
 *
 * @example
 * ```ts ignore
 * import { loadFileSystem } from "./mod.ts";
 * const fs = await loadFileSystem();
 * const file = await fs.open("/tmp/a.bin", { create: true });
 * await file.close();
 * ```
 */
export function loadFileSystem(): Promise<FileSystem> {
  return Promise.resolve(defaultFileSystem());
}
