/**
 * Sizes a download can have. The size comes from the server (`Content-Range`,
 * `Content-Length`, OSS `HEAD`) and is checked before anything is planned or allocated: a
 * server claiming 10^23 bytes must not make the engine plan billions of parts (memory
 * without bound) or pass a non-integer to the file system.
 *
 * @module
 */
import { LocalFileError, ProtocolError } from "../errors.ts";
import { MAX_PART_SIZE, MAX_PARTS } from "./options.ts";

/**
 * Largest object that can be downloaded: 10,000 parts of 5 GiB (53,687,091,200,000 bytes,
 * 48.8 TiB, also OSS's own object size limit).
 */
export const MAX_OBJECT_SIZE: number = MAX_PARTS * MAX_PART_SIZE;

/**
 * Throws `ProtocolError` unless `size` (as reported by `where`) is a whole number of bytes
 * from 0 to {@linkcode MAX_OBJECT_SIZE}; in particular anything at or above 2^53.
 *
 * @example
 * ```ts
 * checkObjectSize(1e23, "https://example.com/x"); // throws ProtocolError
 * ```
 */
export function checkObjectSize(size: number, where: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ProtocolError(
      `${where} reports a size of ${size} bytes, which is not a whole number from 0 to 2^53 - 1`,
    );
  }
  if (size > MAX_OBJECT_SIZE) {
    throw new ProtocolError(
      `${where} reports a size of ${size} bytes; at most ${MAX_OBJECT_SIZE} bytes (10,000 parts of 5 GiB) can be downloaded`,
    );
  }
}

/**
 * The error for a temp file that could not be made `size` bytes long: for `EFBIG` (the
 * file system's file size limit, e.g. 16 TiB on ext4 with 4 KiB blocks, 4 GiB on FAT32) a
 * message that says so; otherwise `fallback`.
 */
export function allocationError(
  e: unknown,
  path: string,
  size: number,
  fallback: unknown,
): unknown {
  const code = (e as { code?: unknown })?.code;
  if (code !== "EFBIG") return fallback;
  return new LocalFileError(
    "EFBIG",
    path,
    `the file system cannot hold a file of ${size} bytes (file size limit)`,
    { cause: e },
  );
}
