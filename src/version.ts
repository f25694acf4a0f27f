/**
 * The library's version, in one place (a test keeps it equal to package.json's), and the
 * `User-Agent` every request carries.
 *
 * @module
 */

/** The version of this library. */
export const VERSION = "0.1.0";

/**
 * `resumable-download/<version> (<runtime>)`, the runtime taken from `navigator.userAgent`
 * (e.g. `Deno/2.9.6`, `Bun/1.4.5`, `Node.js/20`) where there is one.
 */
export function userAgent(): string {
  const runtime = typeof navigator !== "undefined" && typeof navigator.userAgent === "string"
    ? navigator.userAgent
    : "unknown runtime";
  return `resumable-download/${VERSION} (${runtime})`;
}
