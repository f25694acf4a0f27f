/**
 * Conditional headers (docs/oss-wire.md §3), evaluated in RFC 7232 §6 order: If-Match, else
 * If-Unmodified-Since (412); then If-None-Match, else If-Modified-Since (304). ETags are
 * accepted quoted or unquoted; unparsable dates are ignored.
 *
 * @module
 */

/** The outcome: serve, answer 304, or answer 412 `PreconditionFailed`. */
export type Condition = "pass" | "not-modified" | "precondition-failed";

/** Evaluates the four conditional headers against an object's ETag and Last-Modified. */
export function evaluateConditionals(
  headers: Headers,
  object: { etag: string; lastModified: Date },
): Condition {
  const modified = object.lastModified.getTime();
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    if (!etagListMatches(ifMatch, object.etag, false)) return "precondition-failed";
  } else {
    const since = parseHttpDate(headers.get("if-unmodified-since"));
    if (since !== undefined && modified > since) return "precondition-failed";
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (etagListMatches(ifNoneMatch, object.etag, true)) return "not-modified";
  } else {
    const since = parseHttpDate(headers.get("if-modified-since"));
    if (since !== undefined && modified <= since) return "not-modified";
  }
  return "pass";
}

/** `*` or a comma-separated list of ETags, each quoted or not; `weak` allows `W/` tags. */
export function etagListMatches(header: string, etag: string, weak: boolean): boolean {
  if (header.trim() === "*") return true;
  const want = unquote(etag);
  return header.split(",").some((raw) => {
    let tag = raw.trim();
    if (/^W\//.test(tag)) {
      if (!weak) return false;
      tag = tag.slice(2);
    }
    return tag !== "" && unquote(tag) === want;
  });
}

function unquote(tag: string): string {
  return tag.length >= 2 && tag.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : tag;
}

// IMF-fixdate, RFC 850 and asctime (RFC 7231 §7.1.1.1); anything else is not a date.
const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/** Milliseconds of an HTTP date, or undefined when absent or not an HTTP date. */
export function parseHttpDate(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (!HTTP_DATE.some((re) => re.test(text))) return undefined;
  const ms = Date.parse(/\d{4}$/.test(text) ? `${text} GMT` : text);
  return Number.isNaN(ms) ? undefined : ms;
}
