/**
 * Headers every request of every source carries: our `User-Agent`, and exactly one
 * `Accept-Encoding: identity` (the bytes are saved as the server stores them, never
 * decoded), plus the fetch option that keeps Bun from decoding a body anyway.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { runtimeName, userAgent } from "../version.ts";
import { hasPlatformFetch } from "./fetch_like.ts";

/**
 * Whether this runtime's fetch appends `Accept-Encoding: identity` itself to a request that
 * carries `Range` (the Fetch standard's step, as Node's undici does): setting it too would
 * send `identity, identity`. Deno adds it only when absent; Bun never adds it.
 */
const FETCH_ADDS_IDENTITY_FOR_RANGE = runtimeName().startsWith("Node.js");

/** Whether this runtime's own fetch decodes a `Content-Encoding` whatever it is told. */
const FETCH_ALWAYS_DECODES = runtimeName().startsWith("Node.js");

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
 * when the request set its own `Accept-Encoding` or `Range`). Node's own fetch always decodes,
 * so the default fetch there is another one (src/runtime/node_fetch.ts).
 */
export const RAW_BODY: RequestInit = { decompress: false } as RequestInit;

/**
 * Throws `ProtocolError` for an encoded response when `fetcher` is the runtime's own fetch
 * and that decodes regardless (Node's, where no default fetch was set): its body would be the
 * decoded bytes, not the stored ones. Deno and Bun, Node's default fetch of
 * src/runtime/node_fetch.ts, and any fetch the caller passes are trusted to hand over the raw
 * body.
 */
export function refuseDecodedBody(response: Response, fetcher: unknown): void {
  if (!FETCH_ALWAYS_DECODES || (fetcher !== undefined && fetcher !== globalThis.fetch)) return;
  if (fetcher === undefined && hasPlatformFetch()) return;
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (!encoding || encoding === "identity") return;
  response.body?.cancel().catch(() => {});
  throw new ProtocolError(
    `the object is sent with Content-Encoding: ${encoding}, and this runtime's fetch always decodes it, so the stored bytes cannot be saved: use Deno or Bun, or pass a fetch that does not decode ('fetch' option)`,
  );
}
