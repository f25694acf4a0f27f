/**
 * A plain (or presigned) HTTP(S) URL as an {@linkcode ObjectSource}.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "./source.ts";
import { ossErrorFromResponse } from "./oss/errors.ts";

/** Query parameters that carry credentials or expiring signatures, not identity. */
const SIGNATURE_PARAMS = /^(ossaccesskeyid|expires|signature|security-token|x-oss-.*|x-amz-.*)$/i;

/** Options of {@linkcode HttpSource}. */
export interface HttpSourceOptions {
  /** Headers sent on every request. */
  headers?: HeadersInit;
  /** The fetch to use. */
  fetch?: typeof fetch;
}

/** The URL without user info, fragment, or signature parameters: a stable identity. */
export function stableUrlId(url: URL): string {
  const u = new URL(url.href);
  u.username = "";
  u.password = "";
  u.hash = "";
  for (const name of [...u.searchParams.keys()]) {
    if (SIGNATURE_PARAMS.test(name)) u.searchParams.delete(name);
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
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  #request(range: string | undefined, ifMatch: string | undefined, signal?: AbortSignal) {
    const headers = new Headers(this.#headers);
    headers.set("accept-encoding", "identity");
    if (range) headers.set("range", range);
    if (ifMatch) headers.set("if-match", ifMatch);
    return this.#fetch(this.url, { method: "GET", headers, signal, redirect: "follow" });
  }

  async #fail(response: Response): Promise<never> {
    // Presigned OSS URLs answer with OSS error documents: those become OssError.
    throw await ossErrorFromResponse(response, { method: "GET", url: redactUrl(this.url) });
  }

  /** Size and validators from `GET` with `Range: bytes=0-0`. */
  async stat(signal?: AbortSignal): Promise<ObjectInfo> {
    let response = await this.#request("bytes=0-0", undefined, signal);
    if (response.status === 416) {
      // An empty object cannot satisfy any range: ask for the whole (empty) body.
      await response.body?.cancel();
      response = await this.#request(undefined, undefined, signal);
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
    const info: ObjectInfo = { size, acceptRanges: response.status === 206 };
    const etag = h.get("etag");
    if (etag) info.etag = etag;
    const lastModified = h.get("last-modified");
    if (lastModified) info.lastModified = lastModified;
    const crc = h.get("x-oss-hash-crc64ecma");
    if (crc) info.crc64 = crc;
    const version = h.get("x-oss-version-id");
    if (version) info.versionId = version;
    return info;
  }

  /** A GET for `request.range` (or the whole object), with `If-Match` when given. */
  async read(request: ReadRequest): Promise<Response> {
    const range = request.range ? `bytes=${request.range.start}-${request.range.end}` : undefined;
    // A weak ETag cannot be used with If-Match (RFC 9110 strong comparison).
    const ifMatch = request.ifMatch?.startsWith("W/") ? undefined : request.ifMatch;
    const response = await this.#request(range, ifMatch, request.signal);
    if (response.status !== 200 && response.status !== 206) await this.#fail(response);
    return response;
  }
}
