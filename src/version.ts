/**
 * The library's version, in one place (a test keeps it equal to package.json's), and the
 * `User-Agent` every request carries.
 *
 * @module
 */

/** The version of this library. */
export const VERSION = "0.1.0";

/**
 * The runtime as `navigator.userAgent` names it (`Deno/2.9.6`, `Bun/1.4.5`, `Node.js/22`),
 * or `Node.js/<version>` on Node 20, which has no `navigator`.
 */
export function runtimeName(): string {
  if (typeof navigator !== "undefined" && typeof navigator.userAgent === "string") {
    return navigator.userAgent;
  }
  const node = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions
    ?.node;
  return typeof node === "string" ? `Node.js/${node}` : "unknown runtime";
}

let cachedUserAgent: string | undefined;

/** `resumable-download/<version> (<runtime>)`, built once per process (every request sends it). */
export function userAgent(): string {
  cachedUserAgent ??= `resumable-download/${VERSION} (${runtimeName()})`;
  return cachedUserAgent;
}
