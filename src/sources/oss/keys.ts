/**
 * Object keys and their encodings: the rules the signers and the URL builder share.
 *
 * - **Leading slashes are stripped** (all of them, as ali-oss `_objectName` does). OSS object
 *   names cannot start with `/`, so nothing addressable is lost, and `"/dir/a.bin"` (a path
 *   pasted from a console) means `"dir/a.bin"`.
 * - **Empty keys** (also after stripping) are a `TypeError` naming `key`; keys over 1023
 *   UTF-8 bytes a `RangeError`; keys holding lone UTF-16 surrogates (not encodable as UTF-8)
 *   a `TypeError`.
 * - **Dot segments.** WHATWG `URL` (and so `fetch`) removes `.` and `..` path segments, even
 *   percent-encoded as `%2e`. A key with such a segment (`a/../b`, `./x`, `dir/.`) is sent
 *   with every `/` encoded as `%2F` (the way the Python SDK always encodes keys), so the whole
 *   key is one segment and nothing is normalised away. A key that *is* `.` or `..` cannot be
 *   expressed in a URL at all and is rejected with a `TypeError`. Signatures are computed from
 *   the key itself, never from the URL path, so both forms sign the same.
 *
 * @module
 */

/** A query as the helpers accept it: pairs, a record, or `URLSearchParams`. */
export type QueryInit = Iterable<readonly [string, string]> | Record<string, string | undefined>;

const MAX_KEY_BYTES = 1023;

/**
 * Percent-encodes `value` as OSS signature v4 does: UTF-8, uppercase hex, only
 * `A-Z a-z 0-9 - . _ ~` literal, and `/` literal unless `encodeSlash`.
 *
 * @example
 * ```ts
 * import { uriEncode } from "./keys.ts";
 * console.log(uriEncode("dir/a b+c.bin", false)); // dir/a%20b%2Bc.bin
 * console.log(uriEncode("text/plain", true)); // text%2Fplain
 * ```
 */
export function uriEncode(value: string, encodeSlash: boolean): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new TypeError(
      `cannot encode ${JSON.stringify(value)} as UTF-8: it holds a lone UTF-16 surrogate`,
    );
  }
  encoded = encoded.replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encodeSlash ? encoded : encoded.replace(/%2F/g, "/");
}

/**
 * Validates an object key and strips its leading slashes (see the module doc).
 *
 * @example
 * ```ts
 * import { normalizeKey } from "./keys.ts";
 * console.log(normalizeKey("/dir/a.bin")); // dir/a.bin
 * ```
 */
export function normalizeKey(key: unknown, name = "key"): string {
  if (typeof key !== "string") {
    throw new TypeError(`'${name}' must be a non-empty string: got ${show(key)}`);
  }
  const stripped = key.replace(/^\/+/, "");
  if (stripped === "") {
    throw new TypeError(
      `'${name}' must name an object (non-empty, not only slashes): got ${JSON.stringify(key)}`,
    );
  }
  if (stripped === "." || stripped === "..") {
    throw new TypeError(
      `'${name}' ${JSON.stringify(key)} cannot be addressed: URLs normalise "." and ".." away`,
    );
  }
  try {
    encodeURIComponent(stripped);
  } catch {
    throw new TypeError(
      `'${name}' must be valid Unicode (it holds a lone UTF-16 surrogate): got ${
        JSON.stringify(key)
      }`,
    );
  }
  const bytes = new TextEncoder().encode(stripped).length;
  if (bytes > MAX_KEY_BYTES) {
    throw new RangeError(
      `'${name}' must be at most ${MAX_KEY_BYTES} bytes in UTF-8: got ${bytes} bytes`,
    );
  }
  return stripped;
}

/** Whether a key has a `.` or `..` path segment that a WHATWG URL would remove. */
export function hasDotSegment(key: string): boolean {
  return key.split("/").some((s) => s === "." || s === "..");
}

/**
 * The key as it goes into a URL path: `/` literal, unless the key has a dot segment, then
 * `%2F` (see the module doc).
 *
 * @example
 * ```ts
 * import { encodeKeyForPath } from "./keys.ts";
 * console.log(encodeKeyForPath("a b/c")); // a%20b/c
 * console.log(encodeKeyForPath("a/../b")); // a%2F..%2Fb
 * ```
 */
export function encodeKeyForPath(key: string): string {
  return uriEncode(key, hasDotSegment(key));
}

/** Normalises any {@linkcode QueryInit} into decoded `[name, value]` pairs. */
export function queryPairs(query: QueryInit | undefined): [string, string][] {
  if (query === undefined) return [];
  if (typeof query !== "object" || query === null) {
    throw new TypeError(`'query' must be an object or iterable of pairs: got ${show(query)}`);
  }
  const pairs: [string, string][] = [];
  if (Symbol.iterator in query) {
    for (const pair of query as Iterable<readonly [string, string]>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`'query' entries must be [name, value] pairs: got ${show(pair)}`);
      }
      pairs.push([String(pair[0]), String(pair[1])]);
    }
  } else {
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) pairs.push([name, String(value)]);
    }
  }
  return pairs;
}

/**
 * A query string (without `?`) in the v4 encoding, names and values in the given order; an
 * empty value is written as the bare name (`?objectMeta`).
 */
export function formatQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) =>
    v === "" ? uriEncode(k, true) : `${uriEncode(k, true)}=${uriEncode(v, true)}`
  )
    .join("&");
}

/** A short rendering of a bad value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
