/**
 * What a response's headers say about the whole object: its validators (ETag,
 * Last-Modified, version), the OSS CRC-64 and any other checksum a server states. One
 * reading for every source, so a source that learns the size another way (HEAD, a 1-byte
 * range, a prefetch) never drops a validator or checksum the others keep. Web APIs only.
 *
 * @module
 */
import { checksumsFromHeaders } from "../integrity/server_checksums.ts";
import type { ObjectInfo } from "./source.ts";

/**
 * `size` and `acceptRanges` with the validators and checksums of `headers` added.
 * `whole`: the response carries the whole object (a 200 or a HEAD), so a `Content-MD5`
 * describes the object rather than the range.
 *
 * @example
 * ```ts
 * import { objectInfoFromHeaders } from "./object_info.ts";
 * const h = new Headers({ etag: '"abc"', "x-oss-hash-crc64ecma": "123" });
 * console.log(objectInfoFromHeaders(h, { size: 5, acceptRanges: true }, true).crc64); // 123
 * ```
 */
export function objectInfoFromHeaders(
  headers: Headers,
  base: { size: number; acceptRanges: boolean },
  whole: boolean,
): ObjectInfo {
  const info: ObjectInfo = { size: base.size, acceptRanges: base.acceptRanges };
  const etag = headers.get("etag");
  if (etag) info.etag = etag;
  const lastModified = headers.get("last-modified");
  if (lastModified) info.lastModified = lastModified;
  const crc = headers.get("x-oss-hash-crc64ecma")?.trim();
  if (crc) info.crc64 = crc;
  const version = headers.get("x-oss-version-id");
  if (version) info.versionId = version;
  const checksums = checksumsFromHeaders(headers, whole);
  if (Object.keys(checksums).length) info.checksums = checksums;
  return info;
}
