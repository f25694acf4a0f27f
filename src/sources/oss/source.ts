/**
 * An object in an OSS bucket as an {@linkcode ObjectSource}: `HEAD` for size, ETag and CRC,
 * ranged `GET`s with `If-Match` and `x-oss-range-behavior: standard` for the bytes.
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../source.ts";
import type { FetchLike } from "../fetch_like.ts";
import type { Bucket, OssRequestInit } from "./bucket.ts";
import { objectInfoFromHeaders } from "../object_info.ts";
import { refuseDecodedBody, setStandardHeaders } from "../request_headers.ts";
import { ossErrorFromResponse } from "./errors.ts";
import { normalizeKey, show, uriEncode } from "./keys.ts";

/** Options of {@linkcode OssObjectSource}. */
export interface OssObjectSourceOptions {
  /** Read this version of the object (versioned buckets). */
  versionId?: string;
  /**
   * Headers sent with every request, e.g. `x-oss-traffic-limit` or
   * `x-oss-request-payer`; `x-oss-*` headers are signed.
   */
  headers?: HeadersInit;
  /** The fetch to use instead of the bucket's (e.g. `DownloadOptions.fetch`). */
  fetch?: FetchLike;
}

/**
 * Reads object `key` of `bucket`. `id` is `oss://<bucket>/<key>` (the key percent-encoded
 * as in a URL path, `?versionId=` appended for a version): no endpoint, credentials or
 * signature, so a resumed download finds its checkpoint even after the credentials rotate.
 *
 * Error statuses throw {@linkcode OssError} (or `HttpError` for non-OSS answers); `403` and
 * `404` are thrown at once, except `RequestTimeTooSkewed`, which the bucket fixes by adopting
 * the server's clock and retrying once.
 *
 * @example
 * ```ts
 * import { Bucket, OssObjectSource } from "@resumable-download/resumable-download";
 * const bucket = new Bucket({ endpoint: "oss-cn-hangzhou.aliyuncs.com", bucket: "examplebucket" });
 * const source = new OssObjectSource(bucket, "dir/big file.iso", { versionId: "CAEQ" });
 * console.log(source.id); // oss://examplebucket/dir/big%20file.iso?versionId=CAEQ
 * ```
 */
export class OssObjectSource implements ObjectSource {
  /** `oss://<bucket>/<key>[?versionId=...]`. */
  readonly id: string;
  /** The bucket the object is in. */
  readonly bucket: Bucket;
  /** The object key (leading slashes stripped). */
  readonly key: string;
  /** The version read, when one was asked for. */
  readonly versionId?: string;
  readonly #headers: Headers;
  readonly #fetch: FetchLike | undefined;

  /**
   * Validates the key (leading slashes are stripped; empty keys and the keys `.` and `..`
   * throw `TypeError`) and the options.
   *
   * @example
   * ```ts
   * import { Bucket, OssObjectSource } from "@resumable-download/resumable-download";
   * const bucket = new Bucket({ endpoint: "oss-cn-hangzhou.aliyuncs.com", bucket: "examplebucket" });
   * console.log(new OssObjectSource(bucket, "/dir/a.bin").key); // dir/a.bin
   * ```
   */
  constructor(bucket: Bucket, key: string, options: OssObjectSourceOptions = {}) {
    // Duck-typed rather than instanceof, so a Bucket from a second copy of the module works.
    const b = bucket as Partial<Bucket> | null;
    if (
      typeof b !== "object" || b === null || typeof b.request !== "function" ||
      typeof b.objectUrl !== "function" || typeof b.name !== "string"
    ) {
      throw new TypeError(`'bucket' must be a Bucket: got ${show(bucket)}`);
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`'options' must be an object: got ${show(options)}`);
    }
    this.bucket = bucket;
    this.key = normalizeKey(key);
    let id = `oss://${bucket.name}/${uriEncode(this.key, false)}`;
    if (options.versionId !== undefined) {
      if (typeof options.versionId !== "string" || options.versionId === "") {
        throw new TypeError(
          `'versionId' must be a non-empty string: got ${show(options.versionId)}`,
        );
      }
      this.versionId = options.versionId;
      id += `?versionId=${uriEncode(options.versionId, true)}`;
    }
    this.id = id;
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw new TypeError(`'fetch' must be a function: got ${show(options.fetch)}`);
    }
    this.#fetch = options.fetch;
    try {
      this.#headers = new Headers(options.headers);
    } catch (e) {
      throw new TypeError(`'headers' must be valid HTTP headers: ${(e as Error).message}`);
    }
  }

  #init(headers: Headers, signal: AbortSignal | undefined): OssRequestInit {
    const init: OssRequestInit = { headers };
    if (this.versionId !== undefined) init.query = [["versionId", this.versionId]];
    if (signal) init.signal = signal;
    if (this.#fetch) init.fetch = this.#fetch;
    return init;
  }

  /**
   * Size, ETag, Last-Modified, CRC-64 and version of the object, from `HEAD`.
   *
   * @example
   * ```ts ignore
   * import { Bucket, OssObjectSource } from "@resumable-download/resumable-download";
   * const info = await new OssObjectSource(Bucket.fromEnv(), "dir/a.bin").stat();
   * console.log(info.size, info.etag, info.crc64);
   * ```
   */
  async stat(signal?: AbortSignal): Promise<ObjectInfo> {
    const headers = new Headers(this.#headers);
    headers.delete("range");
    setStandardHeaders(headers);
    const response = await this.bucket.request("HEAD", this.key, this.#init(headers, signal));
    const url = this.bucket.objectUrl(this.key);
    if (response.status !== 200) {
      throw await ossErrorFromResponse(response, { method: "HEAD", url });
    }
    await response.body?.cancel();
    const h = response.headers;
    const length = h.get("content-length");
    if (length === null || !/^\d+$/.test(length.trim())) {
      throw new ProtocolError(
        `HEAD ${url} answered without a usable Content-Length (got ${show(length)})`,
      );
    }
    // HEAD describes the whole object, so its Content-MD5 counts too.
    const info = objectInfoFromHeaders(h, {
      size: Number(length.trim()),
      // OSS serves ranges of every object; only an explicit "none" says otherwise.
      acceptRanges: (h.get("accept-ranges") ?? "bytes").trim().toLowerCase() !== "none",
    }, true);
    const encoding = h.get("content-encoding")?.trim().toLowerCase();
    if (encoding && encoding !== "identity") info.contentEncoding = encoding;
    return info;
  }

  /**
   * A `GET` of `request.range` (or the whole object) with `If-Match` when given. Resolves
   * with the raw 200/206 `Response`; throws for any other status.
   *
   * @example
   * ```ts ignore
   * import { Bucket, OssObjectSource } from "@resumable-download/resumable-download";
   * const source = new OssObjectSource(Bucket.fromEnv(), "dir/a.bin");
   * const response = await source.read({ range: { start: 0, end: 99 } });
   * console.log(response.status); // 206
   * ```
   */
  async read(request: ReadRequest): Promise<Response> {
    const headers = new Headers(this.#headers);
    const range = request.range;
    if (range) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new RangeError(`'range' must satisfy 0 <= start <= end: got ${show(range)}`);
      }
      headers.set("range", `bytes=${start}-${end}`);
      headers.set("x-oss-range-behavior", "standard");
    } else {
      headers.delete("range");
    }
    // A weak ETag cannot be used with If-Match (RFC 9110 strong comparison).
    if (request.ifMatch && !request.ifMatch.startsWith("W/")) {
      headers.set("if-match", request.ifMatch);
    } else if (request.ifUnmodifiedSince) {
      headers.set("if-unmodified-since", request.ifUnmodifiedSince);
    }
    setStandardHeaders(headers);
    const response = await this.bucket.request(
      "GET",
      this.key,
      this.#init(headers, request.signal),
    );
    if (response.status !== 200 && response.status !== 206) {
      throw await ossErrorFromResponse(response, {
        method: "GET",
        url: this.bucket.objectUrl(this.key),
      });
    }
    refuseDecodedBody(response, this.#fetch);
    return response;
  }
}
