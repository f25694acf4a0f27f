/**
 * {@linkcode Bucket}: where an OSS bucket lives (endpoint, URL style, region), how to sign
 * for it (v4 or v1, AccessKey or STS, or anonymous), and a low-level signed `request`.
 *
 * @module
 */
import { setStandardHeaders } from "../request_headers.ts";
import { errorFromOssResponse, ossErrorFromResponse, readBodyText } from "./errors.ts";
import { type FetchLike, toFetch } from "../fetch_like.ts";
import {
  encodeKeyForPath,
  formatQuery,
  normalizeKey,
  type QueryInit,
  queryPairs,
  show,
} from "./keys.ts";
import { registerSecret } from "../../redact.ts";
import { optionError } from "../../errors.ts";
import {
  type ListedObject,
  type ListObjectsOptions,
  type ListObjectsPage,
  listObjectsQuery,
  parseListObjectsV2,
} from "./list.ts";
import { presignV1, signV1Headers } from "./sign_v1.ts";
import { type OssCredentials, presignV4, signV4Headers, V4_MAX_EXPIRES } from "./sign_v4.ts";

/** Options of {@linkcode Bucket}. */
export interface BucketOptions {
  /**
   * Host name (`oss-cn-hangzhou.aliyuncs.com`), `host:port`, or an `http(s)://` URL without a
   * path. The scheme defaults to https.
   */
  endpoint: string;
  /** Bucket name: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with `-`. */
  bucket: string;
  /** AccessKey ID. Without it (and the secret) requests are anonymous (unsigned). */
  accessKeyId?: string;
  /** AccessKey secret; required with `accessKeyId`. */
  accessKeySecret?: string;
  /** STS security token, for temporary credentials. */
  securityToken?: string;
  /**
   * Region for signature v4, e.g. `cn-hangzhou` (an `oss-` prefix is dropped). Derived from
   * `oss-<region>.aliyuncs.com`, `oss-<region>-internal.aliyuncs.com` and
   * `<region>.oss.aliyuncs.com`; required otherwise when signing with v4.
   */
  region?: string;
  /** Signature version; default `"v4"`. */
  signatureVersion?: "v4" | "v1";
  /**
   * Path-style URLs (`https://<endpoint>/<bucket>/<key>`). Default: on for IP addresses and
   * `localhost`, off otherwise (OSS's own domains accept only virtual-hosted style).
   */
  pathStyle?: boolean;
  /** The endpoint is a custom domain bound to the bucket: `https://<endpoint>/<key>`. */
  cname?: boolean;
  /** The fetch to use (tests, proxies). Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /**
   * Milliseconds to add to the local clock when signing. Adjusted automatically when OSS
   * answers `RequestTimeTooSkewed`.
   */
  clockOffsetMs?: number;
}

/** How URLs of a {@linkcode Bucket} address the bucket. */
export type UrlStyle = "virtual-hosted" | "path" | "cname";

/** Options of {@linkcode Bucket.signUrl}. */
export interface SignUrlOptions {
  /** Validity in seconds; default 3600. Signature v4 allows at most 604800 (7 days). */
  expires?: number;
  /** Version of the object. */
  versionId?: string;
  /** Method the URL is for; default `GET`. */
  method?: "GET" | "HEAD";
  /** Extra query parameters (e.g. `response-content-disposition`), signed. */
  query?: QueryInit;
  /** Signing time; default now (plus the clock offset). */
  now?: Date;
}

/** Options of {@linkcode Bucket.request}. */
export interface OssRequestInit {
  /** Query parameters (sub-resources such as `versionId`), decoded. */
  query?: QueryInit;
  /** Request headers; `x-oss-*` headers are signed. */
  headers?: HeadersInit;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The fetch to use for this request instead of the bucket's. */
  fetch?: FetchLike;
}

/** Options of {@linkcode Bucket.fromEnv}: any {@linkcode BucketOptions} override the environment. */
export interface BucketFromEnvOptions extends Partial<BucketOptions> {
  /**
   * Where to read the variables. Default: `process.env` (Bun, Node, Deno 2) or
   * `Deno.env`, whichever exists.
   */
  env?: Record<string, string | undefined>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

interface Endpoint {
  protocol: "http:" | "https:";
  /** `host[:port]` as it goes into URLs. */
  host: string;
  /** Host name without port or brackets, lowercase. */
  hostname: string;
}

function parseEndpoint(endpoint: unknown): Endpoint {
  if (typeof endpoint !== "string" || endpoint.trim() === "") {
    throw optionError(
      "type",
      "endpoint",
      `'endpoint' must be a host name or an http(s) URL: got ${show(endpoint)}`,
    );
  }
  const text = endpoint.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `https://${text}`);
  } catch {
    throw optionError(
      "type",
      "endpoint",
      `'endpoint' must be a host name or an http(s) URL: got ${show(endpoint)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw optionError(
      "type",
      "endpoint",
      `'endpoint' must use http or https: got ${show(endpoint)}`,
    );
  }
  if (
    url.username || url.password || (url.pathname !== "/" && url.pathname !== "") || url.search ||
    url.hash || text.includes("?") || text.includes("#") || !url.hostname
  ) {
    throw optionError(
      "type",
      "endpoint",
      `'endpoint' must be a host (optionally with scheme and port), without path, query or credentials: got ${
        show(endpoint)
      }`,
    );
  }
  return {
    protocol: url.protocol,
    host: url.host,
    hostname: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
  };
}

function isIpOrLocal(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":") ||
    hostname === "localhost" || hostname.endsWith(".localhost");
}

/**
 * The region an OSS endpoint names, if any: `oss-<region>.aliyuncs.com`,
 * `oss-<region>-internal.aliyuncs.com`, `<region>.oss.aliyuncs.com`.
 *
 * @example
 * ```ts
 * import { regionFromEndpoint } from "./bucket.ts";
 * console.log(regionFromEndpoint("oss-cn-hangzhou-internal.aliyuncs.com")); // cn-hangzhou
 * console.log(regionFromEndpoint("oss-accelerate.aliyuncs.com")); // undefined
 * ```
 */
export function regionFromEndpoint(hostname: string): string | undefined {
  const host = hostname.toLowerCase();
  let m = /^oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(host);
  if (m && !/^accelerate(-overseas)?$/.test(m[1]!)) return m[1];
  m = /^([a-z0-9-]+?)(?:-internal)?\.oss\.aliyuncs\.com$/.exec(host);
  if (m) return m[1];
  return undefined;
}

/** Reads one variable from the environment of whichever runtime this is, guarded. */
function defaultEnv(): (name: string) => string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  if (g.process?.env) {
    const env = g.process.env;
    return (name) => env[name];
  }
  if (g.Deno?.env) {
    const env = g.Deno.env;
    return (name) => env.get(name);
  }
  return () => undefined;
}

/**
 * An Alibaba Cloud OSS bucket: endpoint, URL style, credentials and signature version. It
 * builds object URLs, presigns them, and sends signed requests; {@linkcode OssObjectSource}
 * reads objects through it.
 *
 * - URL style: virtual-hosted `https://<bucket>.<endpoint>/<key>` by default; path style
 *   `https://<endpoint>/<bucket>/<key>` for IP addresses and `localhost` or with
 *   `pathStyle: true`; `https://<endpoint>/<key>` with `cname: true`.
 * - Without credentials requests are sent unsigned (public-read buckets).
 * - Every request carries `Accept-Encoding: identity` (OSS drops ETag and Content-Length
 *   from gzipped answers) and, when it has a `Range`, `x-oss-range-behavior: standard`.
 * - Signed requests carry `x-oss-date`, never `Date`; on `RequestTimeTooSkewed` the bucket
 *   adopts the server's clock and retries the request once.
 *
 * @example A bucket with AccessKey credentials (signature v4, region from the endpoint)
 * ```ts
 * import { Bucket } from "@resumable-download/resumable-download";
 * const bucket = new Bucket({
 *   endpoint: "oss-cn-hangzhou.aliyuncs.com",
 *   bucket: "examplebucket",
 *   accessKeyId: "LTAI-example",
 *   accessKeySecret: "example-secret",
 * });
 * console.log(bucket.region, bucket.objectUrl("dir/a b.bin"));
 * // cn-hangzhou https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.bin
 * ```
 *
 * @example A local mock (path style, explicit region)
 * ```ts
 * import { Bucket } from "@resumable-download/resumable-download";
 * const bucket = new Bucket({
 *   endpoint: "http://127.0.0.1:9000",
 *   bucket: "test",
 *   accessKeyId: "ak",
 *   accessKeySecret: "sk",
 *   region: "cn-hangzhou",
 * });
 * console.log(bucket.urlStyle); // path
 * ```
 */
export class Bucket {
  /** The bucket name. */
  readonly name: string;
  /** The endpoint as an origin, e.g. `https://oss-cn-hangzhou.aliyuncs.com`. */
  readonly endpoint: string;
  /** The region v4 signs for (derived or given); `undefined` when unknown. */
  readonly region?: string;
  /** The signature version used for signed requests and URLs. */
  readonly signatureVersion: "v4" | "v1";
  /** How URLs address the bucket. */
  readonly urlStyle: UrlStyle;
  /** Whether requests go unsigned (no credentials). */
  readonly anonymous: boolean;
  readonly #endpoint: Endpoint;
  readonly #credentials?: OssCredentials;
  readonly #fetch: typeof fetch;
  #clockOffsetMs: number;

  /**
   * Validates `options` (bad values throw `TypeError` naming the option and the value).
   *
   * @example
   * ```ts
   * import { Bucket } from "@resumable-download/resumable-download";
   * const bucket = new Bucket({ endpoint: "cn-hangzhou.oss.aliyuncs.com", bucket: "examplebucket" });
   * console.log(bucket.anonymous, bucket.urlStyle); // true virtual-hosted
   * ```
   */
  constructor(options: BucketOptions) {
    if (typeof options !== "object" || options === null) {
      throw optionError("type", "options", `'options' must be an object: got ${show(options)}`);
    }
    const o = options;
    this.#endpoint = parseEndpoint(o.endpoint);
    if (typeof o.bucket !== "string" || !BUCKET_NAME.test(o.bucket)) {
      throw optionError(
        "type",
        "bucket",
        `'bucket' must be an OSS bucket name (3-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen): got ${
          show(o.bucket)
        }`,
      );
    }
    this.name = o.bucket;
    this.endpoint = `${this.#endpoint.protocol}//${this.#endpoint.host}`;
    const host = this.#endpoint.hostname;
    if (host.startsWith(`${o.bucket}.`) && host.endsWith(".aliyuncs.com") && !o.cname) {
      throw optionError(
        "type",
        "endpoint",
        `'endpoint' must not include the bucket name: got ${show(o.endpoint)}; use ${
          show(host.slice(o.bucket.length + 1))
        } (or cname: true for a custom domain)`,
      );
    }

    for (const name of ["accessKeyId", "accessKeySecret", "securityToken"] as const) {
      const v = o[name];
      if (v !== undefined && (typeof v !== "string" || v === "")) {
        throw optionError("type", name, `'${name}' must be a non-empty string: got ${show(v)}`);
      }
    }
    if (o.accessKeyId !== undefined && o.accessKeySecret === undefined) {
      throw optionError(
        "type",
        "accessKeySecret",
        `'accessKeySecret' is required with 'accessKeyId'`,
      );
    }
    if (o.accessKeySecret !== undefined && o.accessKeyId === undefined) {
      throw optionError("type", "accessKeyId", `'accessKeyId' is required with 'accessKeySecret'`);
    }
    if (o.securityToken !== undefined && o.accessKeyId === undefined) {
      throw optionError(
        "type",
        "securityToken",
        `'securityToken' needs 'accessKeyId' and 'accessKeySecret'`,
      );
    }
    if (o.accessKeyId !== undefined) {
      // Whatever prints an error or a log line removes these (src/redact.ts).
      registerSecret(o.accessKeySecret);
      registerSecret(o.securityToken);
      this.#credentials = { accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret! };
      if (o.securityToken !== undefined) this.#credentials.securityToken = o.securityToken;
    }
    this.anonymous = this.#credentials === undefined;

    const version = o.signatureVersion ?? "v4";
    if (version !== "v4" && version !== "v1") {
      throw optionError(
        "type",
        "signatureVersion",
        `'signatureVersion' must be "v4" or "v1": got ${show(o.signatureVersion)}`,
      );
    }
    this.signatureVersion = version;

    let region: string | undefined;
    if (o.region !== undefined) {
      if (typeof o.region !== "string") {
        throw optionError(
          "type",
          "region",
          `'region' must be a string such as "cn-hangzhou": got ${show(o.region)}`,
        );
      }
      region = o.region.trim().toLowerCase().replace(/^oss-/, "");
      if (!REGION.test(region)) {
        throw optionError(
          "type",
          "region",
          `'region' must look like "cn-hangzhou": got ${show(o.region)}`,
        );
      }
    } else {
      region = regionFromEndpoint(host);
    }
    if (region !== undefined) this.region = region;
    if (version === "v4" && !this.anonymous && region === undefined) {
      throw optionError(
        "type",
        "region",
        `'region' is required for signature v4: it cannot be derived from endpoint ${
          show(o.endpoint)
        }; pass region (e.g. "cn-hangzhou") or signatureVersion: "v1"`,
      );
    }

    for (const name of ["pathStyle", "cname"] as const) {
      if (o[name] !== undefined && typeof o[name] !== "boolean") {
        throw optionError("type", name, `'${name}' must be a boolean: got ${show(o[name])}`);
      }
    }
    if (o.pathStyle && o.cname) {
      throw optionError("type", "pathStyle", `'pathStyle' and 'cname' cannot both be true`);
    }
    this.urlStyle = o.cname
      ? "cname"
      : (o.pathStyle ?? isIpOrLocal(host))
      ? "path"
      : "virtual-hosted";

    if (o.fetch !== undefined && typeof o.fetch !== "function") {
      throw optionError("type", "fetch", `'fetch' must be a function: got ${show(o.fetch)}`);
    }
    this.#fetch = toFetch(o.fetch);
    const offset = o.clockOffsetMs ?? 0;
    if (typeof offset !== "number" || !Number.isFinite(offset)) {
      throw optionError(
        "type",
        "clockOffsetMs",
        `'clockOffsetMs' must be a finite number: got ${show(o.clockOffsetMs)}`,
      );
    }
    this.#clockOffsetMs = offset;
  }

  /**
   * A bucket configured from environment variables: `OSS_ENDPOINT`, `OSS_BUCKET`,
   * `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, optional `OSS_SESSION_TOKEN` and
   * `OSS_REGION`. Options given explicitly win over the environment (so
   * `Bucket.fromEnv({ bucket: "logs" })` takes everything but the bucket from it). A missing
   * required variable is a `TypeError` naming it.
   *
   * @example
   * ```ts
   * import { Bucket } from "@resumable-download/resumable-download";
   * const bucket = Bucket.fromEnv({
   *   bucket: "examplebucket",
   *   env: {
   *     OSS_ENDPOINT: "oss-cn-hangzhou.aliyuncs.com",
   *     OSS_ACCESS_KEY_ID: "LTAI-example",
   *     OSS_ACCESS_KEY_SECRET: "example-secret",
   *   },
   * });
   * console.log(bucket.name, bucket.region); // examplebucket cn-hangzhou
   * ```
   */
  static fromEnv(options: BucketFromEnvOptions = {}): Bucket {
    if (typeof options !== "object" || options === null) {
      throw optionError("type", "options", `'options' must be an object: got ${show(options)}`);
    }
    const { env, ...explicit } = options;
    if (env !== undefined && (typeof env !== "object" || env === null)) {
      throw optionError("type", "env", `'env' must be a record of variables: got ${show(env)}`);
    }
    const lookup = env ? (name: string) => env[name] : defaultEnv();
    const read = (name: string): string | undefined => {
      const v = lookup(name);
      return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
    };
    const need = (option: keyof BucketOptions, variable: string): string => {
      const given = explicit[option];
      if (given !== undefined) return given as string;
      const v = read(variable);
      if (v === undefined) {
        throw optionError(
          "type",
          option,
          `environment variable ${variable} is not set (or pass '${option}' to Bucket.fromEnv)`,
        );
      }
      return v;
    };
    const merged: BucketOptions = {
      ...explicit,
      endpoint: need("endpoint", "OSS_ENDPOINT"),
      bucket: need("bucket", "OSS_BUCKET"),
      accessKeyId: need("accessKeyId", "OSS_ACCESS_KEY_ID"),
      accessKeySecret: need("accessKeySecret", "OSS_ACCESS_KEY_SECRET"),
    };
    const token = explicit.securityToken ?? read("OSS_SESSION_TOKEN");
    if (token !== undefined) merged.securityToken = token;
    const region = explicit.region ?? read("OSS_REGION");
    if (region !== undefined) merged.region = region;
    return new Bucket(merged);
  }

  /** Milliseconds added to the local clock when signing (learnt from the server). */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  set clockOffsetMs(value: number) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw optionError(
        "type",
        "clockOffsetMs",
        `'clockOffsetMs' must be a finite number: got ${show(value)}`,
      );
    }
    this.#clockOffsetMs = value;
  }

  /** The signing clock: now plus {@linkcode Bucket.clockOffsetMs}. */
  #now(): Date {
    return new Date(Date.now() + this.#clockOffsetMs);
  }

  /** Origin plus path of `key` (already normalised), by URL style. */
  #base(key: string): string {
    const { protocol, host } = this.#endpoint;
    const path = encodeKeyForPath(key);
    switch (this.urlStyle) {
      case "virtual-hosted":
        return `${protocol}//${this.name}.${host}/${path}`;
      case "path":
        return `${protocol}//${host}/${this.name}/${path}`;
      case "cname":
        return `${protocol}//${host}/${path}`;
    }
  }

  /**
   * The URL of object `key` (unsigned), with `query` appended.
   *
   * @example
   * ```ts
   * import { Bucket } from "@resumable-download/resumable-download";
   * const bucket = new Bucket({ endpoint: "oss-cn-hangzhou.aliyuncs.com", bucket: "examplebucket" });
   * console.log(bucket.objectUrl("a+b.bin", { versionId: "v1" }));
   * // https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a%2Bb.bin?versionId=v1
   * ```
   */
  objectUrl(key: string, query?: QueryInit): string {
    const k = normalizeKey(key);
    const q = formatQuery(queryPairs(query));
    return q ? `${this.#base(k)}?${q}` : this.#base(k);
  }

  /**
   * A presigned URL for `key` (GET by default), valid for `expires` seconds, signed with the
   * bucket's signature version; it carries the STS token when there is one. An anonymous
   * bucket returns the plain URL.
   *
   * @example
   * ```ts
   * import { Bucket } from "@resumable-download/resumable-download";
   * const bucket = new Bucket({
   *   endpoint: "oss-cn-hangzhou.aliyuncs.com",
   *   bucket: "examplebucket",
   *   accessKeyId: "LTAI-example",
   *   accessKeySecret: "example-secret",
   * });
   * const url = new URL(await bucket.signUrl("dir/a.bin", { expires: 600 }));
   * console.log(url.searchParams.get("x-oss-expires")); // 600
   * ```
   */
  async signUrl(key: string, options: SignUrlOptions = {}): Promise<string> {
    if (typeof options !== "object" || options === null) {
      throw optionError("type", "options", `'options' must be an object: got ${show(options)}`);
    }
    const k = normalizeKey(key);
    const expires = options.expires ?? 3600;
    const max = this.signatureVersion === "v4" ? V4_MAX_EXPIRES : Number.MAX_SAFE_INTEGER;
    if (typeof expires !== "number" || !Number.isInteger(expires) || expires < 1 || expires > max) {
      throw optionError(
        "range",
        "expires",
        `'expires' must be an integer number of seconds from 1 to ${max}${
          this.signatureVersion === "v4" ? " (signature v4 allows 7 days)" : ""
        }: got ${show(options.expires)}`,
      );
    }
    const method = options.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      throw optionError(
        "type",
        "method",
        `'method' must be "GET" or "HEAD": got ${show(options.method)}`,
      );
    }
    const now = options.now ?? this.#now();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
      throw optionError("type", "now", `'now' must be a valid Date: got ${show(options.now)}`);
    }
    const query = queryPairs(options.query);
    if (options.versionId !== undefined) {
      if (typeof options.versionId !== "string" || options.versionId === "") {
        throw optionError(
          "type",
          "versionId",
          `'versionId' must be a non-empty string: got ${show(options.versionId)}`,
        );
      }
      query.push(["versionId", options.versionId]);
    }
    const credentials = this.#credentials;
    if (!credentials) return this.objectUrl(k, query);
    const request = { method, bucket: this.name, key: k, query };
    const signed = this.signatureVersion === "v4"
      ? await presignV4(request, credentials, { region: this.region!, date: now, expires })
      : await presignV1(request, credentials, {
        expiresAt: Math.floor(now.getTime() / 1000) + expires,
      });
    return `${this.#base(k)}?${formatQuery(signed.query)}`;
  }

  /**
   * Sends a signed request for object `key` and resolves with the raw `Response`, whatever
   * its status. Adds `Accept-Encoding: identity`, and `x-oss-range-behavior: standard` when
   * there is a `Range`; signs `x-oss-*` headers; follows no redirects when signed (the
   * credentials must not travel to another host). A `403 RequestTimeTooSkewed` makes the
   * bucket adopt the server's clock and send the request once more.
   *
   * @example
   * ```ts ignore
   * import { Bucket } from "@resumable-download/resumable-download";
   * const bucket = Bucket.fromEnv();
   * const response = await bucket.request("HEAD", "dir/a.bin");
   * console.log(response.status, response.headers.get("content-length"));
   * ```
   */
  async request(method: string, key: string, init: OssRequestInit = {}): Promise<Response> {
    if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) {
      throw optionError("type", "method", `'method' must be an HTTP method: got ${show(method)}`);
    }
    if (typeof init !== "object" || init === null) {
      throw optionError("type", "init", `'init' must be an object: got ${show(init)}`);
    }
    if (init.fetch !== undefined && typeof init.fetch !== "function") {
      throw optionError("type", "fetch", `'fetch' must be a function: got ${show(init.fetch)}`);
    }
    return await this.#send(method.toUpperCase(), normalizeKey(key), init);
  }

  /**
   * One page of ListObjectsV2: up to `maxKeys` objects (and common prefixes) whose keys
   * start with `prefix`, in UTF-8 byte order, after `startAfter` / `continuationToken`.
   * Keys are requested URL-encoded (`encoding-type=url`) and come back decoded. Error
   * statuses throw `OssError` (`NoSuchBucket`, `AccessDenied`, ...).
   *
   * @example
   * ```ts ignore
   * import { Bucket } from "@resumable-download/resumable-download";
   * const page = await Bucket.fromEnv().listObjects({ prefix: "logs/", maxKeys: 1000 });
   * for (const o of page.objects) console.log(o.key, o.size);
   * if (page.isTruncated) console.log("next:", page.nextContinuationToken);
   * ```
   */
  async listObjects(options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
    const query = listObjectsQuery(options);
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw optionError("type", "fetch", `'fetch' must be a function: got ${show(options.fetch)}`);
    }
    const init: OssRequestInit = { query };
    if (options.signal) init.signal = options.signal;
    if (options.fetch) init.fetch = options.fetch;
    const response = await this.#send("GET", "", init);
    if (response.status !== 200) {
      throw await ossErrorFromResponse(response, { method: "GET", url: this.#base("") });
    }
    return parseListObjectsV2(await response.text());
  }

  /**
   * Every object under `prefix`, page after page (continuation tokens followed for you).
   *
   * @example
   * ```ts ignore
   * import { Bucket } from "@resumable-download/resumable-download";
   * for await (const o of Bucket.fromEnv().listAllObjects({ prefix: "data/" })) {
   *   console.log(o.key, o.size, o.etag);
   * }
   * ```
   */
  async *listAllObjects(
    options: Omit<ListObjectsOptions, "continuationToken"> = {},
  ): AsyncGenerator<ListedObject, void, undefined> {
    let token: string | undefined;
    do {
      const page: ListObjectsPage = await this.listObjects(
        token === undefined ? options : { ...options, continuationToken: token },
      );
      yield* page.objects;
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Sends a signed request for `k` (a normalised key, or `""` for the bucket itself). */
  async #send(verb: string, k: string, init: OssRequestInit): Promise<Response> {
    const fetcher = init.fetch ? toFetch(init.fetch) : this.#fetch;
    const query = queryPairs(init.query);
    const q = formatQuery(query);
    const url = q ? `${this.#base(k)}?${q}` : this.#base(k);
    for (let attempt = 0;; attempt++) {
      const headers = new Headers(init.headers);
      if (headers.has("range") && !headers.has("x-oss-range-behavior")) {
        headers.set("x-oss-range-behavior", "standard");
      }
      // User-Agent, and Accept-Encoding: identity exactly once whatever the runtime.
      setStandardHeaders(headers);
      const signed = await this.#sign(verb, k, query, headers);
      const response = await fetcher(url, {
        // Bun decodes Content-Encoding unless told not to; the stored bytes are wanted.
        ...({ decompress: false } as RequestInit),
        method: verb,
        headers: signed,
        signal: init.signal,
        redirect: this.anonymous ? "follow" : "manual",
      });
      if (response.status !== 403 || this.anonymous || attempt > 0) return response;
      // Look at the 403: a skewed clock is fixed here; anything else goes back untouched.
      const body = verb === "HEAD" ? "" : await readBodyText(response);
      const error = errorFromOssResponse(response, body, { method: verb, url: this.#base(k) });
      const serverTime = (error as { serverTime?: Date }).serverTime;
      if ((error as { code?: string }).code === "RequestTimeTooSkewed" && serverTime) {
        this.#clockOffsetMs = serverTime.getTime() - Date.now();
        continue;
      }
      const replayed = new Headers(response.headers);
      replayed.delete("content-length");
      replayed.delete("content-encoding");
      return new Response(verb === "HEAD" ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: replayed,
      });
    }
  }

  async #sign(method: string, key: string, query: [string, string][], headers: Headers) {
    const credentials = this.#credentials;
    if (!credentials) return headers;
    const request = { method, bucket: this.name, key, query, headers };
    const signed = this.signatureVersion === "v4"
      ? await signV4Headers(request, credentials, { region: this.region!, date: this.#now() })
      : await signV1Headers(request, credentials, { date: this.#now() });
    return signed.headers;
  }
}
