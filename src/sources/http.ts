/**
 * A plain (or presigned) HTTP(S) URL as an {@linkcode ObjectSource}.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { objectInfoFromHeaders } from "./object_info.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "./source.ts";
import { type FetchLike, toFetch } from "./fetch_like.ts";
import { ossErrorFromResponse } from "./oss/errors.ts";
import { RAW_BODY, refuseDecodedBody, setStandardHeaders } from "./request_headers.ts";
import { signatureParams } from "./presigned.ts";

/** Options of {@linkcode HttpSource}. */
export interface HttpSourceOptions {
  /** Headers sent on every request. */
  headers?: HeadersInit;
  /** The fetch to use (the runtime's, undici's, or your own). */
  fetch?: FetchLike;
}

/**
 * The URL without user info, fragment, or the signature parameters of OSS, S3, GCS, Azure
 * SAS and CloudFront presigned URLs (see `presigned.ts`): a stable identity, so a renewed
 * URL for the same object finds the same checkpoint.
 */
export function stableUrlId(url: URL): string {
  const u = new URL(url.href);
  u.username = "";
  u.password = "";
  u.hash = "";
  const strip = signatureParams(u.searchParams);
  for (const name of [...u.searchParams.keys()]) {
    if (strip.has(name)) u.searchParams.delete(name);
  }
  u.searchParams.sort();
  return u.href;
}

/** The URL without its query string, for error messages (signatures stay private). */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Parses `bytes a-b/size`; `undefined` for anything else. */
export function parseContentRange(
  value: string | null,
): { start: number; end: number; size: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim()) : null;
  return m ? { start: Number(m[1]), end: Number(m[2]), size: Number(m[3]) } : undefined;
}

/**
 * The `Content-Encoding` the object is stored with, from the stat response: declared, not
 * `identity`, and (for the 1-byte range) on a body of exactly that byte, so the encoding
 * is of the stored bytes rather than applied to this response on the fly.
 */
function storedEncoding(response: Response): string | undefined {
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (!encoding || encoding === "identity") return undefined;
  if (response.status === 206 && response.headers.get("content-length")?.trim() !== "1") {
    return undefined;
  }
  return encoding;
}

/**
 * Reads an object from an HTTP server. The size and validators come from a first
 * `GET` of byte 0 (not `HEAD`), so presigned GET URLs work too.
 *
 * @example
 * ```ts
 * import { HttpSource } from "@resumable-download/resumable-download";
 * const source = new HttpSource("https://example.com/big.iso");
 * console.log(source.id); // https://example.com/big.iso
 * ```
 */
export class HttpSource implements ObjectSource {
  /** The URL requests go to. */
  readonly url: URL;
  /** `url` without credentials or signatures. */
  readonly id: string;
  readonly #headers: Headers;
  readonly #fetch: typeof fetch;

  /** Checks that `url` is an absolute http(s) URL; throws `TypeError` naming it otherwise. */
  constructor(url: string | URL, options: HttpSourceOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(
        `'url' must be an absolute http(s) URL: got ${JSON.stringify(String(url))}`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`'url' must be an http(s) URL: got ${JSON.stringify(parsed.href)}`);
    }
    this.url = parsed;
    this.id = stableUrlId(parsed);
    this.#headers = new Headers(options.headers);
    this.#fetch = toFetch(options.fetch);
  }

  #request(
    range: string | undefined,
    conditions: { ifMatch?: string | undefined; ifUnmodifiedSince?: string | undefined },
    signal?: AbortSignal,
  ) {
    const headers = new Headers(this.#headers);
    if (range) headers.set("range", range);
    else headers.delete("range");
    if (conditions.ifMatch) headers.set("if-match", conditions.ifMatch);
    else if (conditions.ifUnmodifiedSince) {
      headers.set("if-unmodified-since", conditions.ifUnmodifiedSince);
    }
    setStandardHeaders(headers);
    return this.#fetch(this.url, {
      ...RAW_BODY,
      method: "GET",
      headers,
      signal,
      redirect: "follow",
    });
  }

  async #fail(response: Response): Promise<never> {
    // Presigned OSS URLs answer with OSS error documents: those become OssError.
    throw await ossErrorFromResponse(response, { method: "GET", url: redactUrl(this.url) });
  }

  /** Size and validators from `GET` with `Range: bytes=0-0`. */
  async stat(signal?: AbortSignal): Promise<ObjectInfo> {
    let response = await this.#request("bytes=0-0", {}, signal);
    if (response.status === 416) {
      // An empty object cannot satisfy any range: ask for the whole (empty) body.
      await response.body?.cancel();
      response = await this.#request(undefined, {}, signal);
    }
    if (response.status !== 200 && response.status !== 206) await this.#fail(response);
    const h = response.headers;
    let size: number;
    if (response.status === 206) {
      const range = parseContentRange(h.get("content-range"));
      if (!range || range.start !== 0) {
        await response.body?.cancel();
        throw new ProtocolError(
          `unusable Content-Range ${JSON.stringify(h.get("content-range"))} from ${
            redactUrl(this.url)
          }`,
        );
      }
      size = range.size;
    } else {
      const length = h.get("content-length");
      if (length === null || !/^\d+$/.test(length)) {
        await response.body?.cancel();
        throw new ProtocolError(
          `${redactUrl(this.url)} sends no Content-Length; its size cannot be known in advance`,
        );
      }
      size = Number(length);
    }
    await response.body?.cancel();
    const info = objectInfoFromHeaders(
      h,
      { size, acceptRanges: response.status === 206 },
      response.status === 200,
    );
    const encoding = storedEncoding(response);
    if (encoding) info.contentEncoding = encoding;
    return info;
  }

  /** A GET for `request.range` (or the whole object), with `If-Match` when given. */
  async read(request: ReadRequest): Promise<Response> {
    const range = request.range ? `bytes=${request.range.start}-${request.range.end}` : undefined;
    // A weak ETag cannot be used with If-Match (RFC 9110 strong comparison).
    const ifMatch = request.ifMatch?.startsWith("W/") ? undefined : request.ifMatch;
    const response = await this.#request(range, {
      ifMatch,
      ifUnmodifiedSince: request.ifUnmodifiedSince,
    }, request.signal);
    if (response.status !== 200 && response.status !== 206) await this.#fail(response);
    refuseDecodedBody(response, this.#fetch);
    return response;
  }
}
