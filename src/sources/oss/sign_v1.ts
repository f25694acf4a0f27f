/**
 * OSS signature version 1 (HMAC-SHA1), in the `Authorization` header and in a presigned URL.
 * Pure functions (no I/O besides `crypto.subtle`), checked against the go-sdk-v2 vectors.
 *
 * ```
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
 *                CanonicalizedOSSHeaders CanonicalizedResource
 * Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1(secret, StringToSign))>
 * ```
 *
 * The Date slot holds `x-oss-date` when the request carries it (it wins over `Date`), the
 * `Expires` seconds in a presigned URL. The canonicalized resource is `/bucket/key` with the
 * **raw** key, plus the signed sub-resources, sorted, with raw values.
 *
 * @module
 */
import { hmac, toBase64 } from "./crypto.ts";
import { type QueryInit, queryPairs } from "./keys.ts";
import type { OssCredentials, SignableRequest } from "./sign_v4.ts";

/**
 * Query parameters v1 signs as sub-resources (the union of go-sdk-v2
 * `requiredSignedParametersMap` and py `_subresource_key_set`). Any other parameter starting
 * with `x-oss-` is signed too, as go-sdk-v2 does.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  "acl",
  "append",
  "asyncFetch",
  "bucketInfo",
  "callback",
  "callback-var",
  "cloudboxes",
  "cname",
  "comp",
  "continuation-token",
  "cors",
  "delete",
  "encryption",
  "endTime",
  "group",
  "inventory",
  "inventoryId",
  "lifecycle",
  "link",
  "live",
  "location",
  "logging",
  "metaQuery",
  "objectInfo",
  "objectMeta",
  "partNumber",
  "policy",
  "position",
  "qos",
  "qosInfo",
  "referer",
  "regionList",
  "replication",
  "replicationLocation",
  "replicationProgress",
  "requestPayment",
  "resourceGroup",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "security-token",
  "sequential",
  "startTime",
  "stat",
  "status",
  "symlink",
  "tagging",
  "transferAcceleration",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "vod",
  "website",
  "worm",
  "wormExtend",
  "wormId",
]);

/**
 * Whether v1 signs query parameter `name`.
 *
 * @example
 * ```ts
 * import { v1IsSubResource } from "./sign_v1.ts";
 * console.log(v1IsSubResource("versionId"), v1IsSubResource("x-oss-process"), v1IsSubResource("foo"));
 * // true true false
 * ```
 */
export function v1IsSubResource(name: string): boolean {
  return V1_SUB_RESOURCES.has(name) || name.startsWith("x-oss-");
}

/**
 * The canonicalized OSS headers: every `x-oss-*` header, lowercased, trimmed, sorted, each
 * `name:value\n`.
 *
 * @example
 * ```ts
 * import { v1CanonicalizedOssHeaders } from "./sign_v1.ts";
 * const h = new Headers({ "X-OSS-Meta-B": " 2 ", "x-oss-meta-a": "1", Range: "bytes=0-1" });
 * console.log(JSON.stringify(v1CanonicalizedOssHeaders(h))); // "x-oss-meta-a:1\nx-oss-meta-b:2\n"
 * ```
 */
export function v1CanonicalizedOssHeaders(headers: Headers): string {
  const signed: [string, string][] = [];
  for (const [name, value] of headers) {
    if (name.startsWith("x-oss-")) signed.push([name, value.trim()]);
  }
  signed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return signed.map(([name, value]) => `${name}:${value}\n`).join("");
}

/**
 * The canonicalized resource: `/bucket/key` (raw key), then `?` and the signed
 * sub-resources sorted by name, `name=value` or a bare `name`, values raw.
 *
 * @example
 * ```ts
 * import { v1CanonicalizedResource } from "./sign_v1.ts";
 * console.log(v1CanonicalizedResource("bucket", "key+123", { versionId: "v", foo: "bar" }));
 * // /bucket/key+123?versionId=v
 * ```
 */
export function v1CanonicalizedResource(
  bucket: string | undefined,
  key: string | undefined,
  query?: QueryInit,
): string {
  let resource = "/";
  if (bucket !== undefined) resource += `${bucket}/`;
  if (key !== undefined) resource += key;
  const seen = new Map<string, string>();
  for (const [name, value] of queryPairs(query)) {
    if (v1IsSubResource(name) && !seen.has(name)) seen.set(name, value);
  }
  const names = [...seen.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length) {
    resource += "?" +
      names.map((n) => (seen.get(n) === "" ? n : `${n}=${seen.get(n)}`)).join("&");
  }
  return resource;
}

/**
 * The v1 string to sign. `date` fills the Date slot; by default the request's `x-oss-date`,
 * else its `Date` header.
 *
 * @example
 * ```ts
 * import { v1StringToSign } from "./sign_v1.ts";
 * const s = v1StringToSign({
 *   method: "GET",
 *   bucket: "examplebucket",
 *   key: "a b.bin",
 *   headers: { "x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT" },
 * });
 * console.log(JSON.stringify(s));
 * // "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/a b.bin"
 * ```
 */
export function v1StringToSign(request: SignableRequest & { date?: string }): string {
  const headers = new Headers(request.headers);
  const date = request.date ?? headers.get("x-oss-date") ?? headers.get("date") ?? "";
  return [
    request.method.toUpperCase(),
    headers.get("content-md5") ?? "",
    headers.get("content-type") ?? "",
    date,
    v1CanonicalizedOssHeaders(headers) +
    v1CanonicalizedResource(request.bucket, request.key, request.query),
  ].join("\n");
}

/**
 * `base64(HMAC-SHA1(secret, stringToSign))`.
 *
 * @example
 * ```ts
 * import { v1Signature } from "./sign_v1.ts";
 * console.log((await v1Signature("sk", "GET\n\n\n0\n/b/k")).length); // 28
 * ```
 */
export async function v1Signature(secret: string, stringToSign: string): Promise<string> {
  return toBase64(await hmac("SHA-1", secret, stringToSign));
}

/** What {@linkcode signV1Headers} produced. */
export interface V1HeaderSignature {
  /** The request headers plus `x-oss-date`, the token and `Authorization`. */
  headers: Headers;
  /** The `Authorization` value. */
  authorization: string;
  /** The string that was signed. */
  stringToSign: string;
  /** Base64 signature. */
  signature: string;
}

/** What {@linkcode presignV1} produced. */
export interface V1QuerySignature {
  /** The request's query followed by `security-token` (STS), `OSSAccessKeyId`, `Expires`, `Signature`. */
  query: [string, string][];
  /** The string that was signed. */
  stringToSign: string;
  /** Base64 signature. */
  signature: string;
}

/**
 * Signs `request` with v1 in the `Authorization` header. Sets `x-oss-date` (RFC 1123; never
 * `Date`, which browsers forbid) and, for STS, `x-oss-security-token`.
 *
 * @example
 * ```ts
 * import { signV1Headers } from "./sign_v1.ts";
 * const signed = await signV1Headers(
 *   { method: "GET", bucket: "examplebucket", key: "a.bin" },
 *   { accessKeyId: "ak", accessKeySecret: "sk" },
 *   { date: new Date(Date.UTC(2022, 11, 28, 10, 27, 41)) },
 * );
 * console.log(signed.headers.get("x-oss-date")); // Wed, 28 Dec 2022 10:27:41 GMT
 * console.log(signed.authorization.startsWith("OSS ak:")); // true
 * ```
 */
export async function signV1Headers(
  request: SignableRequest,
  credentials: OssCredentials,
  options: { date: Date },
): Promise<V1HeaderSignature> {
  if (!(options.date instanceof Date) || Number.isNaN(options.date.getTime())) {
    throw new TypeError(`'date' must be a valid Date: got ${String(options.date)}`);
  }
  const headers = new Headers(request.headers);
  headers.delete("authorization");
  headers.set("x-oss-date", options.date.toUTCString());
  if (credentials.securityToken) headers.set("x-oss-security-token", credentials.securityToken);
  else headers.delete("x-oss-security-token");
  const stringToSign = v1StringToSign({ ...request, headers });
  const signature = await v1Signature(credentials.accessKeySecret, stringToSign);
  const authorization = `OSS ${credentials.accessKeyId}:${signature}`;
  headers.set("authorization", authorization);
  return { headers, authorization, stringToSign, signature };
}

/**
 * Presigns `request` with v1: `Expires` is absolute Unix seconds; an STS token goes into
 * `security-token`, which is signed as a sub-resource.
 *
 * @example
 * ```ts
 * import { presignV1 } from "./sign_v1.ts";
 * const { query } = await presignV1(
 *   { method: "GET", bucket: "bucket", key: "key", query: { versionId: "versionId" } },
 *   { accessKeyId: "ak", accessKeySecret: "sk" },
 *   { expiresAt: 1699807420 },
 * );
 * console.log(Object.fromEntries(query).Signature); // dcLTea+Yh9ApirQ8o8dOPqtvJXQ=
 * ```
 */
export async function presignV1(
  request: SignableRequest,
  credentials: OssCredentials,
  options: { expiresAt: number },
): Promise<V1QuerySignature> {
  const { expiresAt } = options;
  if (!Number.isInteger(expiresAt) || expiresAt < 0) {
    throw new RangeError(`'expiresAt' must be Unix seconds (an integer >= 0): got ${expiresAt}`);
  }
  const query = queryPairs(request.query);
  if (credentials.securityToken) query.push(["security-token", credentials.securityToken]);
  const stringToSign = v1StringToSign({ ...request, query, date: String(expiresAt) });
  const signature = await v1Signature(credentials.accessKeySecret, stringToSign);
  query.push(
    ["OSSAccessKeyId", credentials.accessKeyId],
    ["Expires", String(expiresAt)],
    ["Signature", signature],
  );
  return { query, stringToSign, signature };
}
