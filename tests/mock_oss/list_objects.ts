/**
 * ListObjectsV2 (`GET /<bucket>/?list-type=2`) as OSS answers it: keys in UTF-8 byte
 * order, `prefix`, `delimiter` (CommonPrefixes), `start-after`, `max-keys` (default 100, at
 * most 1000, common prefixes count), opaque `continuation-token`s, `fetch-owner`, and
 * `encoding-type=url` (Key, Prefix, Delimiter, StartAfter and CommonPrefixes/Prefix
 * percent-encoded; tokens are not).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type ErrorContext, errorForStatus, errorResponse } from "./errors.ts";
import { baseHeaders } from "./headers.ts";
import { encodeSegment } from "./keys.ts";
import type { StoredObject } from "./types.ts";

/** Default and largest `max-keys` of OSS. */
export const DEFAULT_MAX_KEYS = 100;
export const MAX_MAX_KEYS = 1000;

/** The owner id the mock reports with `fetch-owner=true`. */
const OWNER_ID = "1686240967192623";

/** Compares strings by their UTF-8 bytes, the order OSS lists keys in. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A continuation token: opaque to clients, here base64 of the last entry returned. */
function encodeToken(last: string): string {
  return Buffer.from(`\u0001${last}`, "utf8").toString("base64").replace(/=/g, "-");
}

function decodeToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+-*$/.test(token)) return undefined;
  const text = Buffer.from(token.replace(/-/g, "="), "base64").toString("utf8");
  return text.startsWith("\u0001") ? text.slice(1) : undefined;
}

function escapeXml(text: string): string {
  const named: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
  // XML 1.0 cannot carry most control characters at all; written as references here, which
  // strict parsers reject, which is why clients ask for encoding-type=url.
  return text.replace(/[&<>]/g, (c) => named[c]!).replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
    (c) => `&#${c.charCodeAt(0)};`,
  );
}

/** The answer to a ListObjectsV2 request on `objects` (the bucket's current objects). */
export function listObjectsV2(
  url: URL,
  objects: Iterable<StoredObject>,
  bucket: string,
  ctx: ErrorContext,
): Response {
  const q = url.searchParams;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const startAfter = q.get("start-after") ?? "";
  const token = q.get("continuation-token");
  const encodingType = q.get("encoding-type");
  const fetchOwner = q.get("fetch-owner") === "true";
  const invalid = (message: string, name: string, value: string) =>
    errorResponse({ ...errorForStatus(400, "InvalidArgument"), message }, ctx, {
      extra: { ArgumentName: name, ArgumentValue: value },
    });
  const maxKeysText = q.get("max-keys");
  let maxKeys = DEFAULT_MAX_KEYS;
  if (maxKeysText !== null) {
    if (!/^\d+$/.test(maxKeysText) || Number(maxKeysText) > MAX_MAX_KEYS) {
      return invalid(
        "Argument max-keys must be an integer between 0 and 1000.",
        "max-keys",
        maxKeysText,
      );
    }
    maxKeys = Number(maxKeysText);
  }
  if (encodingType !== null && encodingType !== "url") {
    return invalid("The Encoding-Type is invalid.", "encoding-type", encodingType);
  }
  if (delimiter.length > 1) {
    return invalid("The length of delimiter must be 1.", "delimiter", delimiter);
  }
  let after = startAfter;
  if (token !== null) {
    const decoded = decodeToken(token);
    if (decoded === undefined) {
      return invalid("The continuation token provided is incorrect.", "continuation-token", token);
    }
    if (compareUtf8(decoded, after) > 0) after = decoded;
  }

  const sorted = [...objects].filter((o) => o.key.startsWith(prefix))
    .sort((a, b) => compareUtf8(a.key, b.key));
  const contents: StoredObject[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = "";
  for (const object of sorted) {
    const key = object.key;
    if (compareUtf8(key, after) <= 0) continue;
    let entry = key;
    let common = false;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + delimiter.length);
        common = true;
      }
    }
    // A common prefix already returned (on this page or, by the token, an earlier one).
    if (common && (prefixes[prefixes.length - 1] === entry || compareUtf8(entry, after) <= 0)) {
      continue;
    }
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common) prefixes.push(entry);
    else contents.push(object);
    last = entry;
  }

  const enc = (s: string) => (encodingType === "url" ? encodeSegment(s) : s);
  const el = (name: string, value: string) => `  <${name}>${escapeXml(value)}</${name}>\n`;
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>\n`;
  xml += el("Name", bucket);
  xml += el("Prefix", enc(prefix));
  if (startAfter !== "") xml += el("StartAfter", enc(startAfter));
  if (token !== null) xml += el("ContinuationToken", token);
  xml += el("MaxKeys", String(maxKeys));
  if (delimiter !== "") xml += el("Delimiter", enc(delimiter));
  if (encodingType !== null) xml += el("EncodingType", encodingType);
  xml += el("IsTruncated", String(truncated));
  if (truncated) xml += el("NextContinuationToken", encodeToken(last));
  for (const o of contents) {
    xml += "  <Contents>\n";
    xml += `  ${el("Key", enc(o.key))}`;
    xml += `  ${el("LastModified", o.lastModified.toISOString())}`;
    xml += `  ${el("ETag", o.etag)}`;
    xml += `  ${el("Type", o.objectType)}`;
    xml += `  ${el("Size", String(o.data.length))}`;
    xml += `  ${el("StorageClass", "Standard")}`;
    if (fetchOwner) {
      xml += `    <Owner>\n      <ID>${OWNER_ID}</ID>\n      <DisplayName>${OWNER_ID}` +
        `</DisplayName>\n    </Owner>\n`;
    }
    xml += "  </Contents>\n";
  }
  for (const p of prefixes) {
    xml += `  <CommonPrefixes>\n  ${el("Prefix", enc(p))}  </CommonPrefixes>\n`;
  }
  xml += el("KeyCount", String(contents.length + prefixes.length));
  xml += "</ListBucketResult>\n";
  const body = new TextEncoder().encode(xml);
  const headers = baseHeaders(ctx.requestId);
  headers.set("content-type", "application/xml");
  headers.set("content-length", String(body.length));
  return new Response(ctx.method === "HEAD" ? null : body, { status: 200, headers });
}
