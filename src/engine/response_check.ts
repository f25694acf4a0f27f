/**
 * Checks one response against the request it answers, before a byte of it is written:
 * the validators (a different ETag or size means the object changed), the status and
 * `Content-Range` (the bytes asked for, no others), `Content-Encoding` (absent, `identity`,
 * or the encoding the object is stored with: never one applied to this response on the
 * fly, whose bytes are not the object's), and `Content-Length` (exactly the range).
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { parseContentRange } from "../sources/http.ts";
import type { ObjectInfo } from "../sources/source.ts";
import { ObjectChangedSignal, RangeIgnoredSignal } from "./signals.ts";

/** What a response must match. */
export interface ExpectedResponse {
  /** First byte asked for. */
  from: number;
  /** Last byte asked for (inclusive). */
  to: number;
  /** Whether the request had no Range (the whole object). */
  whole: boolean;
  /** The object as stat saw it. */
  info: ObjectInfo;
}

/** The response's `Content-Encoding`, lowercased; `undefined` when absent or `identity`. */
export function responseEncoding(response: Response): string | undefined {
  const value = response.headers.get("content-encoding")?.trim().toLowerCase();
  return value && value !== "identity" ? value : undefined;
}

/**
 * Resolves the object offset of the response's first body byte, or throws
 * `ObjectChangedSignal` (other ETag or size), `RangeIgnoredSignal` (a 200 where a range
 * was wanted) or `ProtocolError` (anything else that does not match).
 */
export function checkResponse(response: Response, e: ExpectedResponse): number {
  const { from, to, info } = e;
  const size = info.size;
  const h = response.headers;
  const etag = h.get("etag");
  if (info.etag && etag && etag !== info.etag) {
    throw new ObjectChangedSignal(`ETag is now ${etag}, was ${info.etag}`);
  }
  const encoding = responseEncoding(response);
  if (encoding !== undefined && encoding !== info.contentEncoding) {
    throw new ProtocolError(
      `the server sent bytes ${from}-${to} with Content-Encoding: ${encoding}, which the object is not stored with; encoded bytes are not the object's`,
    );
  }
  const length = h.get("content-length");
  if (response.status === 206) {
    if (e.whole) throw new ProtocolError("206 to a request without Range");
    const cr = parseContentRange(h.get("content-range"));
    if (cr && cr.size !== size) {
      throw new ObjectChangedSignal(`size is now ${cr.size}, was ${size}`);
    }
    if (!cr || cr.start !== from || cr.end !== to) {
      throw new ProtocolError(
        `asked for bytes ${from}-${to}/${size}, got Content-Range ${
          JSON.stringify(h.get("content-range"))
        }`,
      );
    }
    if (length !== null && Number(length) !== to - from + 1) {
      throw new ProtocolError(
        `asked for ${
          to - from + 1
        } bytes (${from}-${to}), the response announces Content-Length ${length}`,
      );
    }
    return from;
  }
  // 200: the whole object from byte 0.
  if (length !== null && Number(length) !== size) {
    throw new ObjectChangedSignal(`size is now ${length}, was ${size}`);
  }
  // A 200 to a range request is usable only by walking the whole object.
  if (!e.whole) throw new RangeIgnoredSignal();
  return 0;
}
