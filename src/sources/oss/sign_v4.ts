/**
 * OSS signature version 4 (`OSS4-HMAC-SHA256`), in the `Authorization` header and in a
 * presigned URL. Pure functions (no I/O besides `crypto.subtle`), checked against the
 * go-sdk-v2 test vectors.
 *
 * ```
 * CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *                    AdditionalHeaders \n x-oss-content-sha256
 * StringToSign     = "OSS4-HMAC-SHA256" \n x-oss-date \n Scope \n hex(SHA256(CanonicalRequest))
 * Scope            = yyyymmdd/region/oss/aliyun_v4_request
 * SigningKey       = HMAC(HMAC(HMAC(HMAC("aliyun_v4" + secret, yyyymmdd), region), "oss"),
 *                         "aliyun_v4_request")
 * ```
 *
 * @module
 */
import { hmac, sha256Hex, toHex } from "./crypto.ts";
import { type QueryInit, queryPairs, uriEncode } from "./keys.ts";

/** The algorithm name of signature v4. */
export const V4_ALGORITHM = "OSS4-HMAC-SHA256";
/** The only payload hash OSS accepts from this client. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** Longest validity of a v4 presigned URL, in seconds (7 days). */
export const V4_MAX_EXPIRES = 604800;

/** An AccessKey pair, optionally with an STS security token. */
export interface OssCredentials {
  /** AccessKey ID. */
  accessKeyId: string;
  /** AccessKey secret. */
  accessKeySecret: string;
  /** STS security token, for temporary credentials. */
  securityToken?: string;
}

/** The parts of a request a signature covers. */
export interface SignableRequest {
  /** HTTP method, e.g. `GET`. */
  method: string;
  /** Bucket name; absent for service-level requests. */
  bucket?: string;
  /** Object key, raw (not URL-encoded); absent for bucket-level requests. */
  key?: string;
  /** Query parameters, decoded. */
  query?: QueryInit;
  /** Request headers. */
  headers?: HeadersInit;
}

/** Options of the v4 signers. */
export interface V4SignOptions {
  /** Region, e.g. `cn-hangzhou` (no `oss-` prefix). */
  region: string;
  /** Product in the scope: `oss` (default) or `oss-cloudbox`. */
  product?: string;
  /** The signing time. */
  date: Date;
  /** Extra headers to sign (e.g. `host`, `range`); default-signed and absent ones are dropped. */
  additionalHeaders?: readonly string[];
}

/** What {@linkcode signV4Headers} produced. */
export interface V4HeaderSignature {
  /** The request headers plus `x-oss-date`, `x-oss-content-sha256`, the token and `Authorization`. */
  headers: Headers;
  /** The `Authorization` value. */
  authorization: string;
  /** The canonical request that was hashed. */
  canonicalRequest: string;
  /** The string that was signed. */
  stringToSign: string;
  /** Hex signature. */
  signature: string;
}

/** What {@linkcode presignV4} produced. */
export interface V4QuerySignature {
  /** The request's query followed by the `x-oss-*` signature parameters, decoded. */
  query: [string, string][];
  /** The canonical request that was hashed. */
  canonicalRequest: string;
  /** The string that was signed. */
  stringToSign: string;
  /** Hex signature (also the value of `x-oss-signature` in `query`). */
  signature: string;
}

/**
 * `YYYYMMDDTHHMMSSZ` of `date` (UTC), the format of `x-oss-date` in v4.
 *
 * @example
 * ```ts
 * import { v4DateTime } from "./sign_v4.ts";
 * console.log(v4DateTime(new Date(1702743657_000))); // 20231216T162057Z
 * ```
 */
export function v4DateTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError(`'date' must be a valid Date: got ${String(date)}`);
  }
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * The canonical URI: `/bucket/key` percent-encoded with `/` literal.
 *
 * @example
 * ```ts
 * import { v4CanonicalUri } from "./sign_v4.ts";
 * console.log(v4CanonicalUri("bucket", "1234+-/123/1.txt")); // /bucket/1234%2B-/123/1.txt
 * ```
 */
export function v4CanonicalUri(bucket?: string, key?: string): string {
  let uri = "/";
  if (bucket !== undefined) uri += `${bucket}/`;
  if (key !== undefined) uri += key;
  return uriEncode(uri, false);
}

/**
 * The canonical query: every parameter, names and values encoded (`/` as `%2F`), sorted by
 * encoded name (then value), a bare name for an empty value.
 *
 * @example
 * ```ts
 * import { v4CanonicalQuery } from "./sign_v4.ts";
 * console.log(v4CanonicalQuery([["versionId", "v1"], ["response-content-type", "text/plain"]]));
 * // response-content-type=text%2Fplain&versionId=v1
 * ```
 */
export function v4CanonicalQuery(query: QueryInit | undefined): string {
  const encoded = queryPairs(query).map(([k, v]) => [uriEncode(k, true), uriEncode(v, true)]);
  encoded.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return encoded.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join("&");
}

/** Whether v4 signs header `name` (lowercase) without it being listed as additional. */
function isDefaultSigned(name: string): boolean {
  return name.startsWith("x-oss-") || name === "content-type" || name === "content-md5";
}

/**
 * The AdditionalHeaders list that applies to `headers`: lowercased, without default-signed
 * headers and without headers the request does not carry, deduplicated, sorted.
 *
 * @example
 * ```ts
 * import { v4AdditionalHeaders } from "./sign_v4.ts";
 * const headers = new Headers({ abc: "value", ZAbc: "value", "x-oss-head1": "value" });
 * console.log(v4AdditionalHeaders(headers, ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]));
 * // [ "abc", "zabc" ]
 * ```
 */
export function v4AdditionalHeaders(
  headers: Headers,
  names: readonly string[] | undefined,
): string[] {
  const out = new Set<string>();
  for (const name of names ?? []) {
    const low = name.trim().toLowerCase();
    if (low && !isDefaultSigned(low) && headers.has(low)) out.add(low);
  }
  return [...out].sort(compare);
}

/**
 * The canonical headers block: `name:value\n` for each default-signed or additional header,
 * sorted by name.
 *
 * @example
 * ```ts
 * import { v4CanonicalHeaders } from "./sign_v4.ts";
 * const headers = new Headers({ "X-OSS-Date": "20231216T162057Z", Range: "bytes=0-9" });
 * console.log(v4CanonicalHeaders(headers, [])); // "x-oss-date:20231216T162057Z\n"
 * ```
 */
export function v4CanonicalHeaders(headers: Headers, additional: readonly string[]): string {
  const extra = new Set(additional);
  const signed: [string, string][] = [];
  for (const [name, value] of headers) {
    if (isDefaultSigned(name) || extra.has(name)) signed.push([name, value.trim()]);
  }
  signed.sort((a, b) => compare(a[0], b[0]));
  return signed.map(([name, value]) => `${name}:${value}\n`).join("");
}

/**
 * The canonical request of `request` (its headers must already hold `x-oss-date` etc.).
 *
 * @example
 * ```ts
 * import { v4CanonicalRequest } from "./sign_v4.ts";
 * const canonical = v4CanonicalRequest({
 *   method: "GET",
 *   bucket: "examplebucket",
 *   key: "a b.bin",
 *   headers: { "x-oss-date": "20231216T162057Z", "x-oss-content-sha256": "UNSIGNED-PAYLOAD" },
 * });
 * console.log(canonical.split("\n")[1]); // /examplebucket/a%20b.bin
 * ```
 */
export function v4CanonicalRequest(
  request: SignableRequest & { additionalHeaders?: readonly string[] },
): string {
  const headers = new Headers(request.headers);
  const additional = v4AdditionalHeaders(headers, request.additionalHeaders);
  return [
    request.method.toUpperCase(),
    v4CanonicalUri(request.bucket, request.key),
    v4CanonicalQuery(request.query),
    v4CanonicalHeaders(headers, additional),
    additional.join(";"),
    headers.get("x-oss-content-sha256") ?? UNSIGNED_PAYLOAD,
  ].join("\n");
}

/**
 * The credential scope `yyyymmdd/region/product/aliyun_v4_request`.
 *
 * @example
 * ```ts
 * import { v4Scope } from "./sign_v4.ts";
 * console.log(v4Scope("20231216", "cn-hangzhou")); // 20231216/cn-hangzhou/oss/aliyun_v4_request
 * ```
 */
export function v4Scope(day: string, region: string, product = "oss"): string {
  return `${day}/${region}/${product}/aliyun_v4_request`;
}

/**
 * The string to sign for a canonical request.
 *
 * @example
 * ```ts
 * import { v4StringToSign } from "./sign_v4.ts";
 * const s = await v4StringToSign("20231216T162057Z", "20231216/cn-hangzhou/oss/aliyun_v4_request", "");
 * console.log(s.split("\n")[0]); // OSS4-HMAC-SHA256
 * ```
 */
export async function v4StringToSign(
  dateTime: string,
  scope: string,
  canonicalRequest: string,
): Promise<string> {
  return `${V4_ALGORITHM}\n${dateTime}\n${scope}\n${await sha256Hex(canonicalRequest)}`;
}

/**
 * Hex signature of `stringToSign` with the key derived from `secret`, day, region, product.
 *
 * @example
 * ```ts
 * import { v4Signature } from "./sign_v4.ts";
 * const sig = await v4Signature("sk", "20231216", "cn-hangzhou", "oss", "string to sign");
 * console.log(sig.length); // 64
 * ```
 */
export async function v4Signature(
  secret: string,
  day: string,
  region: string,
  product: string,
  stringToSign: string,
): Promise<string> {
  let key = await hmac("SHA-256", `aliyun_v4${secret}`, day);
  key = await hmac("SHA-256", key, region);
  key = await hmac("SHA-256", key, product);
  key = await hmac("SHA-256", key, "aliyun_v4_request");
  return toHex(await hmac("SHA-256", key, stringToSign));
}

/** Canonical request, string to sign and signature of a request whose fields are final. */
async function signCanonical(
  request: Parameters<typeof v4CanonicalRequest>[0],
  secret: string,
  at: { dateTime: string; scope: string; region: string; product: string },
): Promise<{ canonicalRequest: string; stringToSign: string; signature: string }> {
  const canonicalRequest = v4CanonicalRequest(request);
  const stringToSign = await v4StringToSign(at.dateTime, at.scope, canonicalRequest);
  const day = at.dateTime.slice(0, 8);
  const signature = await v4Signature(secret, day, at.region, at.product, stringToSign);
  return { canonicalRequest, stringToSign, signature };
}

/**
 * Signs `request` with v4 in the `Authorization` header. Sets `x-oss-date`,
 * `x-oss-content-sha256: UNSIGNED-PAYLOAD` and, for STS, `x-oss-security-token`.
 *
 * @example
 * ```ts
 * import { signV4Headers } from "./sign_v4.ts";
 * const signed = await signV4Headers(
 *   { method: "GET", bucket: "examplebucket", key: "a.bin" },
 *   { accessKeyId: "ak", accessKeySecret: "sk" },
 *   { region: "cn-hangzhou", date: new Date(1702743657_000) },
 * );
 * console.log(signed.headers.get("x-oss-date")); // 20231216T162057Z
 * console.log(signed.authorization.startsWith("OSS4-HMAC-SHA256 Credential=ak/20231216/")); // true
 * ```
 */
export async function signV4Headers(
  request: SignableRequest,
  credentials: OssCredentials,
  options: V4SignOptions,
): Promise<V4HeaderSignature> {
  const product = options.product ?? "oss";
  const dateTime = v4DateTime(options.date);
  const day = dateTime.slice(0, 8);
  const headers = new Headers(request.headers);
  headers.delete("authorization");
  headers.set("x-oss-date", dateTime);
  headers.set("x-oss-content-sha256", UNSIGNED_PAYLOAD);
  if (credentials.securityToken) headers.set("x-oss-security-token", credentials.securityToken);
  else headers.delete("x-oss-security-token");
  const additional = v4AdditionalHeaders(headers, options.additionalHeaders);
  const scope = v4Scope(day, options.region, product);
  const { canonicalRequest, stringToSign, signature } = await signCanonical(
    { ...request, headers, additionalHeaders: additional },
    credentials.accessKeySecret,
    { dateTime, scope, region: options.region, product },
  );
  const authorization = `${V4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}` +
    (additional.length ? `,AdditionalHeaders=${additional.join(";")}` : "") +
    `,Signature=${signature}`;
  headers.set("authorization", authorization);
  return { headers, authorization, canonicalRequest, stringToSign, signature };
}

/**
 * Presigns `request` with v4: returns its query plus `x-oss-signature-version`, `x-oss-date`,
 * `x-oss-expires` (relative seconds, 1..604800), `x-oss-credential`, optional
 * `x-oss-additional-headers` and `x-oss-security-token`, and `x-oss-signature`.
 *
 * @example
 * ```ts
 * import { presignV4 } from "./sign_v4.ts";
 * const { query } = await presignV4(
 *   { method: "GET", bucket: "examplebucket", key: "a.bin" },
 *   { accessKeyId: "ak", accessKeySecret: "sk" },
 *   { region: "cn-hangzhou", date: new Date(1702743657_000), expires: 600 },
 * );
 * console.log(Object.fromEntries(query)["x-oss-expires"]); // 600
 * ```
 */
export async function presignV4(
  request: SignableRequest,
  credentials: OssCredentials,
  options: V4SignOptions & { expires: number },
): Promise<V4QuerySignature> {
  const { expires } = options;
  if (!Number.isInteger(expires) || expires < 1 || expires > V4_MAX_EXPIRES) {
    throw new RangeError(
      `'expires' must be an integer from 1 to ${V4_MAX_EXPIRES} seconds for signature v4: got ${expires}`,
    );
  }
  const product = options.product ?? "oss";
  const dateTime = v4DateTime(options.date);
  const day = dateTime.slice(0, 8);
  const headers = new Headers(request.headers);
  const additional = v4AdditionalHeaders(headers, options.additionalHeaders);
  const scope = v4Scope(day, options.region, product);
  const query = queryPairs(request.query);
  if (credentials.securityToken) query.push(["x-oss-security-token", credentials.securityToken]);
  query.push(
    ["x-oss-signature-version", V4_ALGORITHM],
    ["x-oss-date", dateTime],
    ["x-oss-expires", String(expires)],
    ["x-oss-credential", `${credentials.accessKeyId}/${scope}`],
  );
  if (additional.length) query.push(["x-oss-additional-headers", additional.join(";")]);
  const { canonicalRequest, stringToSign, signature } = await signCanonical(
    { ...request, query, headers, additionalHeaders: additional },
    credentials.accessKeySecret,
    { dateTime, scope, region: options.region, product },
  );
  query.push(["x-oss-signature", signature]);
  return { query, canonicalRequest, stringToSign, signature };
}

/** Plain code-unit order (what Go's `sort.Strings` does on these ASCII strings). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
