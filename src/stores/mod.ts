/**
 * Checkpoint stores: the contract, the file store (the default) and the memory store.
 *
 * @example
 * ```ts ignore
 * import { MemoryCheckpointStore, ResumableDownloadStore } from "./mod.ts";
 * const durable = new ResumableDownloadStore({ root: "/tmp", dir: "checkpoints" });
 * const ephemeral = new MemoryCheckpointStore();
 * ```
 *
 * @module
 */
export type { CheckpointStore, MaybePromise } from "./store.ts";
export { MemoryCheckpointStore } from "./memory.ts";
export { ResumableDownloadStore, type ResumableDownloadStoreOptions } from "./file.ts";
