/**
 * Part planning: how an object of a given size is cut into ranges.
 *
 * @module
 */
import { MAX_PART_SIZE, MAX_PARTS, MiB, optionError } from "./options.ts";

/** Default part size for objects up to 80 GB (10,000 parts of 8 MiB). */
export const DEFAULT_PART_SIZE = 8 * MiB;

/** One range of the object and how much of it is safely in the temp file. */
export interface Part {
  /** First byte of the part. */
  start: number;
  /** One past the last byte of the part. */
  end: number;
  /** Bytes from `start` that are written to the temp file. */
  done: number;
  /** CRC-64/XZ of those `done` bytes. */
  crc: bigint;
}

/**
 * The part size to use for `size` bytes: the caller's when given (it must not make more
 * than 10,000 parts), otherwise 8 MiB, grown in whole MiB so there are at most 10,000.
 */
export function choosePartSize(size: number, requested: number | undefined): number {
  if (requested !== undefined) {
    const count = Math.ceil(size / requested);
    if (count > MAX_PARTS) {
      const least = Math.ceil(size / MAX_PARTS);
      throw optionError(
        "range",
        "partSize",
        `'partSize' ${requested} makes ${count} parts of a ${size}-byte object; at most ${MAX_PARTS} are allowed, so use at least ${least}`,
      );
    }
    return requested;
  }
  const least = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  return Math.min(Math.max(DEFAULT_PART_SIZE, least), MAX_PART_SIZE);
}

/** Cuts `[0, size)` into parts of `partSize` bytes (the last may be shorter). */
export function planParts(size: number, partSize: number): Part[] {
  const parts: Part[] = [];
  for (let start = 0; start < size; start += partSize) {
    parts.push({ start, end: Math.min(start + partSize, size), done: 0, crc: 0n });
  }
  return parts;
}
