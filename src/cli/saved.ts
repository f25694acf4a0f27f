/**
 * What a failed or interrupted run left to resume from, read back from the checkpoint
 * store, so that the command offers "run the same command again to resume" only when a
 * run again would in fact resume.
 *
 * @module
 */
import { checkpointKey, parseRecord } from "../engine/checkpoint.ts";
import type { ObjectSource } from "../sources/source.ts";
import type { CheckpointStore } from "../stores/store.ts";

/**
 * Bytes of `source` saved for `target` in `store`: 0 when there is no usable checkpoint
 * (none was written, it was discarded, or it cannot be read).
 *
 * @example
 * ```ts
 * import { savedBytes } from "./saved.ts";
 * import { MemoryCheckpointStore } from "../stores/memory.ts";
 * import { HttpSource } from "../sources/http.ts";
 * const source = new HttpSource("https://example.com/a.bin");
 * console.log(await savedBytes(new MemoryCheckpointStore(), source, "/tmp/a.bin")); // 0
 * ```
 */
export async function savedBytes(
  store: CheckpointStore,
  source: ObjectSource,
  target: string,
): Promise<number> {
  try {
    const record = await store.get(await checkpointKey(source.id, target));
    const parsed = parseRecord(record, source.id, target);
    return parsed ? parsed.parts.reduce((n, p) => n + p.done, 0) : 0;
  } catch {
    return 0;
  }
}
