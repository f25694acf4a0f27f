/**
 * The contract between the engine and where the bytes come from (a plain URL, an OSS bucket).
 * Web APIs only.
 *
 * @module
 */

import type { Checksums } from "../integrity/server_checksums.ts";

/** What the engine needs to know about the object before it plans the parts. */
export interface ObjectInfo {
  /** Size in bytes. */
  size: number;
  /** ETag exactly as the server sent it (quotes included), when sent. */
  etag?: string;
  /** `Last-Modified` as sent, when sent. */
  lastModified?: string;
  /** Whole-object CRC-64/XZ as an unsigned decimal string (`x-oss-hash-crc64ecma`). */
  crc64?: string;
  /** `x-oss-version-id`, when the bucket is versioned. */
  versionId?: string;
  /** Whether the server announced `Accept-Ranges: bytes`. */
  acceptRanges?: boolean;
  /**
   * Whole-object checksums the server stated (`x-goog-hash`, `Repr-Digest`, `Digest`,
   * `x-amz-checksum-*`, a whole-body `Content-MD5`, an S3/OSS ETag that is a plain MD5), as
   * lowercase hex per algorithm. The finished file is checked against every one.
   */
  checksums?: Checksums;
  /**
   * The `Content-Encoding` the object is stored with (e.g. `gzip` for an object uploaded
   * compressed), when the server declared one for a body whose length matched. Ranges then
   * address the stored bytes, which are saved as they are, never decoded.
   */
  contentEncoding?: string;
}

/** One request for bytes of the object. */
export interface ReadRequest {
  /**
   * Inclusive byte range to ask for. Absent: the whole object with a plain GET (used for
   * small objects and for servers that do not honour Range).
   */
  range?: { start: number; end: number };
  /** ETag the object must still have (`If-Match`). */
  ifMatch?: string;
  /** `Last-Modified` the object must still have (`If-Unmodified-Since`), when no ETag. */
  ifUnmodifiedSince?: string;
  /** Aborts the request and its body. */
  signal?: AbortSignal;
}

/**
 * A place the engine can read an object from.
 *
 * Implementations throw {@linkcode HttpError} / `OssError` for error statuses (they know the
 * server's error format) and return the raw `Response` for 200 and 206; the engine checks
 * status, `Content-Range` and length itself, so a source never has to.
 */
export interface ObjectSource {
  /**
   * A stable identity of the object, without credentials or expiring signatures. The
   * checkpoint is keyed on it, so two runs of the same download find the same record.
   */
  readonly id: string;
  /** Size, ETag, Last-Modified and CRC of the object. */
  stat(signal?: AbortSignal): Promise<ObjectInfo>;
  /** Starts a GET; resolves once headers arrived. */
  read(request: ReadRequest): Promise<Response>;
}
