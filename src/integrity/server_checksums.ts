/**
 * Whole-object checksums a server states in its response headers, as lowercase hex per
 * {@linkcode DigestName}:
 *
 * - GCS `x-goog-hash: crc32c=<b64>, md5=<b64>` (whole object, also on ranged answers);
 * - `Repr-Digest: sha-256=:<b64>:` (RFC 9530; of the representation, valid for ranges) and
 *   the older `Digest: SHA-256=<b64>` (RFC 3230, of the whole instance);
 * - S3 `x-amz-checksum-crc32|crc32c|sha1|sha256` (a composite multipart value, `...-N`, is
 *   not a checksum of the bytes and is skipped);
 * - `Content-MD5` (RFC 1864): of the body sent, so only when that body is the whole object
 *   (a 200, or a HEAD);
 * - the ETag of S3 and OSS when it is a plain MD5: 32 hex digits, no `-N` suffix, on a
 *   normal (not multipart or appendable) object without KMS (or, on S3, customer-key)
 *   encryption.
 *
 * OSS's `x-oss-hash-crc64ecma` is read by the sources into `ObjectInfo.crc64`.
 *
 * @module
 */
import type { DigestName } from "./hashers.ts";

/** Lowercase hex per checksum name. */
export type Checksums = Partial<Record<DigestName, string>>;

const HEX_LENGTH: Record<DigestName, number> = {
  md5: 32,
  crc32c: 8,
  crc32: 8,
  sha1: 40,
  sha256: 64,
  sha512: 128,
};

/** Names used by `Repr-Digest`, `Digest` and `x-goog-hash`, lowercased. */
const ALIASES: Record<string, DigestName> = {
  "md5": "md5",
  "crc32c": "crc32c",
  "sha": "sha1",
  "sha-1": "sha1",
  "sha-256": "sha256",
  "sha-512": "sha512",
};

function base64ToHex(value: string): string | undefined {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return undefined;
  try {
    return Array.from(atob(v), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  } catch {
    return undefined;
  }
}

function put(out: Checksums, name: DigestName | undefined, hex: string | undefined): void {
  if (!name || !hex || hex.length !== HEX_LENGTH[name] || out[name] !== undefined) return;
  out[name] = hex.toLowerCase();
}

/** `a=b, c=d` pairs, values kept raw (a base64 value may itself end in `=`). */
function pairs(value: string): [string, string][] {
  return value.split(",").flatMap((item) => {
    const i = item.indexOf("=");
    return i > 0 ? [[item.slice(0, i).trim().toLowerCase(), item.slice(i + 1).trim()]] : [];
  });
}

function etagMd5(h: Headers): string | undefined {
  const m = /^"([0-9a-fA-F]{32})"$/.exec(h.get("etag")?.trim() ?? "");
  if (!m) return undefined;
  const server = (h.get("server") ?? "").toLowerCase();
  const s3 = h.has("x-amz-request-id") || server === "amazons3";
  const oss = h.has("x-oss-request-id") || server === "aliyunoss";
  if (s3 && !oss) {
    // Neither SSE-KMS nor SSE-C objects have the MD5 of their bytes as ETag; S3-compatible
    // servers other than Amazon's (MinIO, ...) may not either once anything is encrypted.
    const sse = (h.get("x-amz-server-side-encryption") ?? "").toLowerCase();
    if (sse.startsWith("aws:kms")) return undefined;
    if (h.has("x-amz-server-side-encryption-customer-algorithm")) return undefined;
    if (sse !== "" && server !== "amazons3") return undefined;
    return m[1];
  }
  if (oss) {
    if ((h.get("x-oss-object-type") ?? "Normal") !== "Normal") return undefined;
    if ((h.get("x-oss-server-side-encryption") ?? "").toUpperCase() === "KMS") return undefined;
    return m[1];
  }
  return undefined;
}

/**
 * The whole-object checksums in `headers`. `wholeBody`: the response's body is the whole
 * object (a 200 to a GET, or a HEAD), so `Content-MD5` describes it too.
 */
export function checksumsFromHeaders(headers: Headers, wholeBody: boolean): Checksums {
  const out: Checksums = {};
  const repr = headers.get("repr-digest");
  if (repr) {
    for (const [k, v] of pairs(repr)) {
      const m = /^:([A-Za-z0-9+/=]+):$/.exec(v);
      if (m) put(out, ALIASES[k], base64ToHex(m[1]!));
    }
  }
  const digest = headers.get("digest");
  if (digest) { for (const [k, v] of pairs(digest)) put(out, ALIASES[k], base64ToHex(v)); }
  const goog = headers.get("x-goog-hash");
  if (goog) { for (const [k, v] of pairs(goog)) put(out, ALIASES[k], base64ToHex(v)); }
  for (const name of ["crc32", "crc32c", "sha1", "sha256"] as const) {
    const v = headers.get(`x-amz-checksum-${name}`);
    if (v && !v.includes("-")) put(out, name, base64ToHex(v));
  }
  const contentMd5 = headers.get("content-md5");
  if (wholeBody && contentMd5) put(out, "md5", base64ToHex(contentMd5));
  put(out, "md5", etagMd5(headers));
  return out;
}
