/**
 * Removes secrets from text meant for people and logs: error messages, their `cause`
 * chains, the server's string to sign and canonical request, and everything the command
 * line prints. What is removed:
 *
 * - values of query parameters and headers that carry credentials or signatures:
 *   `security-token`, `x-oss-security-token`, `Signature`, `x-oss-signature`,
 *   `X-Amz-Signature`, `X-Amz-Security-Token`, `X-Goog-Signature`, `sig`, `access_token`,
 *   and settings named like an access key secret or a session token, in any case, after
 *   `=` or `:` (URL queries, header lines, JSON and `util.inspect` output);
 * - the value of an `Authorization` header, and of the XML elements of an OSS error
 *   document that hold a signature or a byte dump of the string to sign;
 * - the password (or the token used as user name) of a URL's user info;
 * - every literal value handed to {@linkcode registerSecret} (the OSS client registers
 *   its AccessKey secret and STS token), also in URL-encoded form.
 *
 * The rest stays, for debugging: `x-oss-security-token:<redacted>`.
 *
 * Web APIs only.
 *
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = "<redacted>";

/** Names whose value is a secret, as a regular-expression alternation (longest first). */
const SECRET_NAMES = [
  "x-oss-security-token",
  "x-amz-security-token",
  "oss_security_token",
  "oss_session_token",
  "oss_access_key_secret",
  "access-key-secret",
  "access_key_secret",
  "accesskeysecret",
  "x-oss-signature",
  "x-amz-signature",
  "x-goog-signature",
  "security-token",
  "security_token",
  "securitytoken",
  "session_token",
  "sessiontoken",
  "access_token",
  "signature",
  "sig",
].join("|");

/**
 * `name=value`, `name: value`, `"name": "value"` and `name%3Dvalue` (a URL inside a URL),
 * also right after an escaped `\n` (a string to sign quoted as JSON).
 * The name must not continue a longer name (`x-oss-signature-version` is not a secret).
 */
const NAMED_VALUE = new RegExp(
  `(?:(?<=%26|%3F|\\\\[nrt])|(?<![\\w-]))(${SECRET_NAMES})((?:["']?[ \\t]*[:=][ \\t]*["']?)|%3D)` +
    `((?:(?!%26)[^\\s&"'<>,;#\\\\)\\u0000-\\u001f\\u007f])+)`,
  "gi",
);

/** The value of an Authorization header, to the end of the line or the quote. */
const AUTHORIZATION = /(?<![\w-])(authorization["']?[ \t]*[:=][ \t]*["']?)([^\r\n"'\\]+)/gi;

/** XML elements holding a secret or a hex/base64 copy of one (OSS error documents). */
const XML_ELEMENT = new RegExp(
  `<(${SECRET_NAMES}|SignatureProvided|StringToSignBytes|CanonicalRequestBytes)>([^<]*)</\\1>`,
  "gi",
);

/** User info in a URL: `scheme://user:password@` or `scheme://token@`. */
const USER_INFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/gi;

/** Literal secrets (and their URL-encoded forms), most recent last. */
const literals: string[] = [];
/** How many literal secrets are remembered at most. */
const MAX_LITERALS = 64;
/** Shorter values are not registered: replacing them would mangle ordinary text. */
const MIN_LITERAL = 6;

/**
 * Remembers `value` (an AccessKey secret, an STS token) so that {@linkcode redact} removes
 * it wherever it appears. Values shorter than 6 characters are ignored. The OSS `Bucket`
 * registers its credentials; call this for secrets of your own that could end up in error
 * messages (a token in a custom header, for example).
 *
 * @example
 * ```ts
 * import { redact, registerSecret } from "./redact.ts";
 * registerSecret("s3cr3t-value");
 * console.log(redact("key is s3cr3t-value")); // key is <redacted>
 * ```
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.length < MIN_LITERAL) return;
  for (const form of new Set([value, encodeURIComponent(value)])) {
    const at = literals.indexOf(form);
    if (at >= 0) literals.splice(at, 1);
    literals.push(form);
  }
  while (literals.length > MAX_LITERALS) literals.shift();
}

/**
 * `text` with every secret replaced by `<redacted>` (see the module documentation for
 * what counts as a secret); everything else unchanged.
 *
 * @example
 * ```ts
 * import { redact } from "./redact.ts";
 * console.log(redact("GET https://b.example/k?x-oss-signature=abc&x-oss-date=20260101T000000Z"));
 * // GET https://b.example/k?x-oss-signature=<redacted>&x-oss-date=20260101T000000Z
 * console.log(redact("x-oss-security-token:CAIS123\n/bkt/key"));
 * // x-oss-security-token:<redacted>
 * // /bkt/key
 * ```
 */
export function redact(text: string): string {
  if (typeof text !== "string" || text === "") return text;
  let out = text;
  for (const secret of literals) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(XML_ELEMENT, (_, name: string) => `<${name}>${REDACTED}</${name}>`);
  out = out.replace(AUTHORIZATION, (_, head: string) => `${head}${REDACTED}`);
  out = out.replace(
    NAMED_VALUE,
    (m, name: string, sep: string, value: string) =>
      value === REDACTED ? m : `${name}${sep}${REDACTED}`,
  );
  out = out.replace(USER_INFO, (_, scheme: string, info: string) => {
    const colon = info.indexOf(":");
    return colon >= 0 ? `${scheme}${info.slice(0, colon)}:${REDACTED}@` : `${scheme}${REDACTED}@`;
  });
  return out;
}

/** How deep a cause chain is followed. */
const MAX_DEPTH = 8;

/**
 * `value` without secrets, for use as an error's `cause`: a string is redacted; an error
 * whose message, stack, own properties (Bun's `path`, for example) or causes hold a secret
 * is replaced by a copy with the same prototype, name and fields, redacted (the runtimes
 * put the whole signed URL of a failed request there); anything else is returned as is.
 * Errors of this library are clean from their construction and returned as they are.
 *
 * @example
 * ```ts
 * import { redactCause } from "./redact.ts";
 * const cause = new TypeError("connect failed: https://b.example/k?Signature=abc");
 * const clean = redactCause(cause) as TypeError;
 * console.log(clean instanceof TypeError, clean.message);
 * // true connect failed: https://b.example/k?Signature=<redacted>
 * ```
 */
export function redactCause(value: unknown): unknown {
  return clean(value, 0);
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => clean(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if ((value as { isDownloadError?: unknown }).isDownloadError === true) return value;
  const isError = value instanceof Error || typeof (value as Error).stack === "string";
  const proto = Object.getPrototypeOf(value);
  if (!isError && proto !== Object.prototype && proto !== null) return value;

  const keys = new Set<string | symbol>(Reflect.ownKeys(value));
  if (isError) { for (const k of ["name", "message", "stack", "cause"]) keys.add(k); }
  const changed = new Map<string | symbol, unknown>();
  for (const key of keys) {
    let v: unknown;
    try {
      v = (value as Record<string | symbol, unknown>)[key];
    } catch {
      continue;
    }
    const c = typeof v === "string" || typeof v === "object" ? clean(v, depth + 1) : v;
    if (c !== v) changed.set(key, c);
  }
  if (changed.size === 0) return value;
  return isError ? copyError(value as Error, changed) : copyObject(value, changed);
}

function ownValue(value: object, key: string | symbol, changed: Map<string | symbol, unknown>) {
  if (changed.has(key)) return changed.get(key);
  try {
    return (value as Record<string | symbol, unknown>)[key];
  } catch {
    return undefined;
  }
}

function copyObject(value: object, changed: Map<string | symbol, unknown>): object {
  const copy: Record<string | symbol, unknown> = Object.create(Object.getPrototypeOf(value));
  for (const key of Reflect.ownKeys(value)) copy[key] = ownValue(value, key, changed);
  return copy;
}

function copyError(error: Error, changed: Map<string | symbol, unknown>): Error {
  const read = (key: string) => ownValue(error, key, changed);
  const copy = new Error(String(read("message") ?? ""));
  try {
    Object.setPrototypeOf(copy, Object.getPrototypeOf(error));
    void String(copy.name); // a host prototype (DOMException) refuses plain objects
  } catch {
    Object.setPrototypeOf(copy, Error.prototype);
    Object.defineProperty(copy, "name", { value: String(read("name")), configurable: true });
  }
  const define = (key: string | symbol, v: unknown, enumerable: boolean) =>
    Object.defineProperty(copy, key, { value: v, writable: true, configurable: true, enumerable });
  for (const key of Reflect.ownKeys(error)) {
    if (key === "message" || key === "stack") continue;
    const enumerable = Object.getOwnPropertyDescriptor(error, key)?.enumerable ?? false;
    define(key, read(key as string), enumerable);
  }
  if (changed.has("name") && !Object.hasOwn(error, "name")) {
    define("name", changed.get("name"), false);
  }
  if (changed.has("cause") && !Object.hasOwn(error, "cause")) {
    define("cause", changed.get("cause"), false);
  }
  const stack = read("stack");
  if (typeof stack === "string") define("stack", stack, false);
  return copy;
}

/**
 * Runs `fn` and rejects with whatever it throws through {@linkcode redactCause}: the one
 * place errors leave the library (the entry points), so that not even a runtime's own error
 * (a `TypeError` quoting a bad signed URL, a raw local failure) carries a secret. An error
 * without secrets is rethrown as it is (an abort's reason stays the very same object).
 *
 * @example
 * ```ts
 * import { redacting } from "./redact.ts";
 * await redacting(() => {
 *   throw new TypeError("bad URL https://b.example/k?x-oss-signature=abc");
 * }).catch((e) => console.log(e.message)); // bad URL https://b.example/k?x-oss-signature=<redacted>
 * ```
 */
export async function redacting<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw redactCause(e);
  }
}
