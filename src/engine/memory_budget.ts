/**
 * How much memory a download's own buffers may take, whatever the server claims: every
 * transfer holds at most `IN_FLIGHT + 1` write buffers plus one landing buffer, so the
 * buffers of a download are bounded by `numThreads × (IN_FLIGHT + 1) × writeSize`. With few
 * threads each buffer is `WRITE_SIZE` (1 MiB: large writes and CRC calls are the fast path);
 * with many, buffers shrink so that all of them together stay within `BUFFER_BUDGET`, down
 * to `MIN_WRITE_SIZE` (below it, writes are no longer handed to the file worker).
 *
 * Measured (bench/memory.ts, bench/RESULTS.md): each extra thread otherwise cost 3.4 MiB
 * (Deno) to 3.9 MiB (Bun) of peak RSS, 2.25 MiB of it these buffers.
 *
 * @module
 */
import { MiB } from "./options.ts";
import { IN_FLIGHT, WRITE_SIZE } from "./transfer.ts";

/** All write buffers of one download together, when threads are many. */
export const BUFFER_BUDGET: number = 16 * MiB;
/** Smallest write buffer. */
export const MIN_WRITE_SIZE: number = 256 * 1024;

/**
 * The write buffer size for a download with `threads` transfers: `WRITE_SIZE` halved until
 * all buffers fit `BUFFER_BUDGET`, but not below `MIN_WRITE_SIZE`.
 *
 * @example
 * ```ts
 * writeSizeFor(4); // 1048576
 * writeSizeFor(16); // 524288
 * writeSizeFor(64); // 262144
 * ```
 */
export function writeSizeFor(threads: number): number {
  let size = WRITE_SIZE;
  while (size > MIN_WRITE_SIZE && threads * (IN_FLIGHT + 1) * size > BUFFER_BUDGET) size /= 2;
  return size;
}
