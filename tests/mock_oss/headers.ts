/**
 * Response headers OSS sends on every answer and on object answers (docs/oss-wire.md §2).
 *
 * @module
 */

import type { StoredObject } from "./types.ts";

/** A fresh `x-oss-request-id`: 24 uppercase hex digits. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** The headers of every response: `x-oss-request-id`, `Date`, `Server: AliyunOSS`. */
export function baseHeaders(requestId: string): Headers {
  return new Headers({
    "x-oss-request-id": requestId,
    "date": new Date().toUTCString(),
    "server": "AliyunOSS",
  });
}

/** Headers describing the object (no length or range), as on a GET or HEAD. */
export function objectHeaders(requestId: string, object: StoredObject): Headers {
  const h = baseHeaders(requestId);
  h.set("content-type", object.contentType);
  h.set("etag", object.etag);
  h.set("last-modified", object.lastModified.toUTCString());
  h.set("accept-ranges", "bytes");
  h.set("x-oss-object-type", object.objectType);
  h.set("x-oss-storage-class", "Standard");
  if (object.crc64 !== null) h.set("x-oss-hash-crc64ecma", object.crc64);
  if (object.versionId !== undefined) h.set("x-oss-version-id", object.versionId);
  if (object.objectType === "Appendable") {
    h.set("x-oss-next-append-position", String(object.data.length));
  }
  for (const [name, value] of Object.entries(object.meta)) h.set(`x-oss-meta-${name}`, value);
  return h;
}

/** GetObjectMeta (`HEAD ?objectMeta`, docs/oss-wire.md §2): only length, ETag, Last-Modified, version, CRC. */
export function objectMetaHeaders(requestId: string, object: StoredObject): Headers {
  const h = baseHeaders(requestId);
  h.set("content-length", String(object.data.length));
  h.set("etag", object.etag);
  h.set("last-modified", object.lastModified.toUTCString());
  h.set("x-oss-last-access-time", object.lastModified.toUTCString());
  if (object.crc64 !== null) h.set("x-oss-hash-crc64ecma", object.crc64);
  if (object.versionId !== undefined) h.set("x-oss-version-id", object.versionId);
  return h;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

/** Applies the `response-*` query parameters of GetObject to the headers. */
export function applyResponseOverrides(headers: Headers, query: URLSearchParams): void {
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(param);
    if (value !== null) headers.set(header, value);
  }
}
