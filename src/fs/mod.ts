/**
 * The one place that picks the file adapter and the target lock for the running runtime,
 * lazily (a dynamic import), so that nothing runtime-specific loads before a download needs
 * it and web.ts never reaches a runtime module: the Deno adapter when `globalThis.Deno`
 * exists, the `node:fs` adapter otherwise (Bun, Node).
 *
 * @module
 */
import type { TargetLock } from "../lock/types.ts";
import type { FileSystem } from "./types.ts";

export type { FileInfo, FileSystem, OpenOptions, RandomAccessFile } from "./types.ts";

/** The runtime's file system and the lock that goes with it. */
export interface RuntimeFiles {
  /** The runtime's file adapter (shared). */
  fs: FileSystem;
  /** The lock file on `fs` (or on another file system backed by the same disk). */
  lockFor(fs: FileSystem): TargetLock;
  /** Whether `fs` is (or derives from) a runtime adapter, i.e. files on this machine. */
  isRuntime(fs: FileSystem): boolean;
}

let loading: Promise<RuntimeFiles> | undefined;

/**
 * The file adapter and lock for the running runtime, loaded once and shared.
 *
 * @example
 * ```ts ignore
 * import { loadRuntimeFiles } from "./mod.ts";
 * const { fs } = await loadRuntimeFiles();
 * console.log(await fs.stat("/tmp"));
 * ```
 */
export function loadRuntimeFiles(): Promise<RuntimeFiles> {
  loading ??= (async () => {
    const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
    const Adapter = isDeno
      ? (await import("./deno.ts")).DenoFileSystem
      : (await import("./node.ts")).NodeFileSystem;
    const fs: FileSystem = new Adapter();
    const { FileLock } = await import("../lock/file_lock.ts");
    const { RuntimeProcessInfo } = await import("../lock/process.ts");
    const proc = new RuntimeProcessInfo();
    return {
      fs,
      lockFor: (other) => new FileLock(other, proc),
      isRuntime: (other) => other instanceof Adapter,
    };
  })();
  return loading;
}

/**
 * The file adapter for the running runtime, created once and shared.
 *
 * @example
 * ```ts ignore
 * import { loadFileSystem } from "./mod.ts";
 * const fs = await loadFileSystem();
 * const file = await fs.open("/tmp/a.bin", { create: true });
 * await file.close();
 * ```
 */
export async function loadFileSystem(): Promise<FileSystem> {
  return (await loadRuntimeFiles()).fs;
}
