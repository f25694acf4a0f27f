/**
 * Alibaba Cloud OSS access: {@linkcode Bucket} (endpoint, URL style, credentials, signed
 * requests and presigned URLs), {@linkcode OssObjectSource} (an object as an
 * `ObjectSource`), the v4 and v1 signers, and OSS error parsing. Web APIs only.
 *
 * @example Presign a download URL
 * ```ts
 * import { Bucket } from "./mod.ts";
 * const bucket = new Bucket({
 *   endpoint: "oss-cn-hangzhou.aliyuncs.com",
 *   bucket: "examplebucket",
 *   accessKeyId: "LTAI-example",
 *   accessKeySecret: "example-secret",
 * });
 * console.log(await bucket.signUrl("dir/a.bin", { expires: 900 }));
 * ```
 *
 * @module
 */
export { Bucket, regionFromEndpoint } from "./bucket.ts";
export type {
  BucketFromEnvOptions,
  BucketOptions,
  OssRequestInit,
  SignUrlOptions,
  UrlStyle,
} from "./bucket.ts";
export { listObjectsQuery, MAX_LIST_KEYS, parseListObjectsV2 } from "./list.ts";
export type { ListedObject, ListObjectsOptions, ListObjectsPage } from "./list.ts";
export { OssObjectSource } from "./source.ts";
export type { OssObjectSourceOptions } from "./source.ts";
export {
  decodeOssErrHeader,
  errorFromOssResponse,
  ossErrorFromResponse,
  parseOssErrorXml,
  parseRetryAfterMs,
} from "./errors.ts";
export type { ErrorContext } from "./errors.ts";
export { encodeKeyForPath, normalizeKey, uriEncode } from "./keys.ts";
export type { QueryInit } from "./keys.ts";
export {
  presignV4,
  signV4Headers,
  UNSIGNED_PAYLOAD,
  V4_ALGORITHM,
  V4_MAX_EXPIRES,
  v4AdditionalHeaders,
  v4CanonicalHeaders,
  v4CanonicalQuery,
  v4CanonicalRequest,
  v4CanonicalUri,
  v4DateTime,
  v4Scope,
  v4Signature,
  v4StringToSign,
} from "./sign_v4.ts";
export type {
  OssCredentials,
  SignableRequest,
  V4HeaderSignature,
  V4QuerySignature,
  V4SignOptions,
} from "./sign_v4.ts";
export {
  presignV1,
  signV1Headers,
  V1_SUB_RESOURCES,
  v1CanonicalizedOssHeaders,
  v1CanonicalizedResource,
  v1IsSubResource,
  v1Signature,
  v1StringToSign,
} from "./sign_v1.ts";
export type { V1HeaderSignature, V1QuerySignature } from "./sign_v1.ts";
export type { ObjectInfo, ObjectSource, ReadRequest } from "../source.ts";
