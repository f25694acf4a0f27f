/**
 * Path-style addressing (docs/oss-wire.md §6): `/<bucket>/<key>`, the whole path percent-decoded,
 * so `%2F` and `/` are the same and `+` is a plus.
 *
 * @module
 */

/** Splits a raw (encoded) URL path into bucket and key. Throws URIError on bad escapes. */
export function parseObjectPath(pathname: string): { bucket: string; key: string } {
  const decoded = decodeURIComponent(pathname).replace(/^\//, "");
  const slash = decoded.indexOf("/");
  if (slash < 0) return { bucket: decoded, key: "" };
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** Percent-encodes all but `A-Z a-z 0-9 - . _ ~` (UTF-8, uppercase hex). */
export function encodeSegment(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The path for a key, encoded per segment. A key with `.` or `..` segments would be
 * normalised away by URL parsing, so then the slashes are encoded too (`%2F`).
 */
export function objectPath(bucket: string, key: string): string {
  const segments = key.split("/");
  if (segments.some((s) => s === "." || s === "..")) {
    return `/${encodeSegment(`${bucket}/${key}`)}`;
  }
  return `/${encodeSegment(bucket)}/${segments.map(encodeSegment).join("/")}`;
}
