/**
 * The public types of the mock OSS server: stored objects, faults, the request log and
 * the constructor options.
 *
 * @module
 */

/** How `MockOss.put` stores an object. Unset fields get OSS-like defaults. */
export interface PutOptions {
  /** `x-oss-object-type`. @default {"Normal"} */
  objectType?: "Normal" | "Multipart" | "Appendable";
  /**
   * The ETag, sent as given (quote it yourself). @default the quoted uppercase MD5 hex for
   * Normal and Appendable, `"<md5 of part md5s>-N"` (8 MiB parts) for Multipart
   */
  etag?: string;
  /** Truncated to whole seconds, like RFC 1123 dates. @default now */
  lastModified?: Date;
  /** `x-oss-hash-crc64ecma`; `null` omits the header. @default the CRC-64/XZ of the data */
  crc64?: string | null;
  /** @default {"application/octet-stream"} */
  contentType?: string;
  /** Makes the object a version: served with `x-oss-version-id` and by `?versionId=`. */
  versionId?: string;
  /** User metadata, sent as `x-oss-meta-<name>`. */
  meta?: Record<string, string>;
}

/**
 * An object as the mock holds it. `data` is kept by reference (do not mutate it after a put)
 * and served by views (subarray), never copied.
 */
export interface StoredObject {
  bucket: string;
  key: string;
  data: Uint8Array;
  /** Quoted, e.g. `"E2FC714C4727EE9395F324CD2E7F331F"`. */
  etag: string;
  lastModified: Date;
  /** Unsigned decimal CRC-64/XZ, or `null` when the header is omitted. */
  crc64: string | null;
  objectType: string;
  contentType: string;
  versionId?: string;
  meta: Record<string, string>;
  /** Base64 MD5 of the data when the ETag is that MD5 (sent as `Content-MD5` on full bodies). */
  contentMd5?: string;
}

/** What goes wrong with one matching request. */
export type Fault =
  /** Send the headers and `afterBytes` of body, then break the connection. */
  | { kind: "drop"; afterBytes: number }
  /** Pause the body for `ms` after `afterBytes`. */
  | { kind: "stall"; afterBytes: number; ms: number }
  /** Answer with this status and an OSS error (code defaults per status). */
  | { kind: "status"; status: number; code?: string; retryAfter?: number }
  /** Answer 200 with the whole object and no `Content-Range`, whatever the `Range`. */
  | { kind: "ignore-range" }
  /** 206 whose body and `Content-Range` both start at `start + shift` (clamped to the object). */
  | { kind: "wrong-content-range"; shift: number }
  /** 206 with the right body but a `Content-Range` shifted by `shift`. */
  | { kind: "lie-content-range"; shift: number }
  /** Right headers, but only `bytes` of body, then a clean end of the stream. */
  | { kind: "short-body"; bytes: number }
  /** Flip all bits of the byte at this absolute object offset, if this response carries it. */
  | { kind: "corrupt"; atOffset: number }
  /**
   * Replace the object (new ETag, Last-Modified, CRC) before this request is evaluated, or
   * after `afterBytes` of its body; a response already streaming keeps serving the old bytes.
   */
  | { kind: "replace"; data: Uint8Array; afterBytes?: number };

/** The first `Range` of a request as written; `start` of a suffix range is resolved on the current size. */
export interface RequestRange {
  start: number;
  end?: number;
  suffix?: number;
}

/** A fault and which requests it hits. Rules are tried in the order they were added. */
export interface FaultRule {
  fault: Fault;
  method?: "GET" | "HEAD";
  key?: string;
  bucket?: string;
  /** How many requests get the fault. @default {1} (`Infinity` for all) */
  times?: number;
  /** Matching requests to let through untouched before the fault starts. @default {0} */
  skip?: number;
  /** Extra filter on the request. */
  when?: (req: { method: string; key: string; bucket: string; range?: RequestRange }) => boolean;
}

/** One answered request. `bytesSent` grows while the body streams. */
export interface RequestLog {
  method: string;
  /** The raw (still encoded) path and query. */
  path: string;
  bucket: string;
  key: string;
  /** Request headers, lowercase names. */
  headers: Record<string, string>;
  status: number;
  /** Object body bytes pulled by the connection so far (error bodies are not counted). */
  bytesSent: number;
  /** The kind of the fault applied, if any. */
  fault?: string;
  requestId: string;
}

/** Options of `new MockOss()`. */
export interface MockOssOptions {
  /** A bucket that exists from the start (others appear on first put). */
  bucket?: string;
  /** Throttle each response body to this rate. @default unthrottled */
  bytesPerSecond?: number;
  /** Body chunk size. @default {65536} */
  chunkSize?: number;
  /** Multi-range requests: 416 `InvalidRange`, or serve the first range. @default {"416"} */
  multiRange?: "416" | "first";
  /** Return an error Response to reject the request, undefined to allow it. */
  auth?: (
    req: Request,
    target: { bucket: string; key: string },
  ) => Promise<Response | undefined> | Response | undefined;
}
