/**
 * Headers every request of every source carries: our `User-Agent`, and exactly one
 * `Accept-Encoding: identity` (the bytes are saved as the server stores them, never
 * decoded), plus the fetch option that keeps Bun from decoding a body anyway.
 *
 * @module
 */
import { userAgent } from "../version.ts";

/**
 * Whether this runtime's fetch appends `Accept-Encoding: identity` itself to a request that
 * carries `Range` (the Fetch standard's step, as Node's undici does): setting it too would
 * send `identity, identity`. Deno adds it only when absent; Bun never adds it.
 */
const FETCH_ADDS_IDENTITY_FOR_RANGE = typeof navigator !== "undefined" &&
  typeof navigator.userAgent === "string" && navigator.userAgent.startsWith("Node.js");

/**
 * Sets `User-Agent` (unless the caller gave one) and `Accept-Encoding: identity` on
 * `headers`, leaving `Accept-Encoding` to the runtime where it adds exactly that itself.
 * Call after `Range` is set or removed.
 */
export function setStandardHeaders(headers: Headers): Headers {
  if (!headers.has("user-agent")) headers.set("user-agent", userAgent());
  if (FETCH_ADDS_IDENTITY_FOR_RANGE && headers.has("range")) headers.delete("accept-encoding");
  else headers.set("accept-encoding", "identity");
  return headers;
}

/**
 * Fetch options that stop the runtime from decoding a `Content-Encoding` (Bun decodes gzip
 * even when `identity` was asked for, unless `decompress` is false; Deno does not decode
 * when the request set its own `Accept-Encoding` or `Range`). Node's fetch always decodes:
 * the engine then sees a body whose length does not match and refuses it.
 */
export const RAW_BODY: RequestInit = { decompress: false } as RequestInit;
