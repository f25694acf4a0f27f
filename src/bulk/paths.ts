/**
 * Where an object lands: the key (relative to the prefix) as a path under the directory,
 * never outside it. Pure POSIX string handling, no runtime APIs.
 *
 * @module
 */
import { LocalFileError } from "../errors.ts";
import { resolvePath } from "../fs/path.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The relative file path for `relativeKey` (a key with the prefix removed), or a
 * {@linkcode LocalFileError} with code `EINVAL` explaining why the key cannot be a file
 * under the directory: control characters, `.`/`..` or empty segments, or a backslash
 * (a separator on Windows). Leading slashes are dropped (`prefix "a"`, key `"a/b"` lands
 * at `b`).
 *
 * @example
 * ```ts
 * import { keyToRelativePath } from "./paths.ts";
 * console.log(keyToRelativePath("/sub/a b+c.bin")); // sub/a b+c.bin
 * console.log(keyToRelativePath("../etc/passwd") instanceof Error); // true
 * ```
 */
export function keyToRelativePath(relativeKey: string): string | LocalFileError {
  const rel = relativeKey.replace(/^\/+/, "");
  const refuse = (why: string) =>
    new LocalFileError("EINVAL", JSON.stringify(relativeKey), `the key ${why}`);
  if (rel === "") return refuse("names no file");
  if (CONTROL.test(rel)) return refuse("holds control characters, refused as a file name");
  if (rel.includes("\\")) return refuse("holds a backslash, a path separator on Windows");
  for (const segment of rel.split("/")) {
    if (segment === "") return refuse("has an empty path segment (//)");
    if (segment === "." || segment === "..") {
      return refuse(`has a "${segment}" segment that would leave the directory`);
    }
  }
  return rel;
}

/**
 * `directory` joined with a relative path made by {@linkcode keyToRelativePath}.
 *
 * @example
 * ```ts
 * import { joinUnder } from "./paths.ts";
 * console.log(joinUnder("out/", "a/b.bin")); // out/a/b.bin
 * ```
 */
export function joinUnder(directory: string, relative: string): string {
  if (directory === "") return relative;
  return `${directory.replace(/\/+$/, "") || "/"}/${relative}`.replace(/^\/\//, "/");
}

/** The working directory, from whichever runtime this is. */
function cwd(): string {
  const g = globalThis as {
    process?: { cwd?: () => string };
    Deno?: { cwd?: () => string };
  };
  const dir = g.process?.cwd?.() ?? g.Deno?.cwd?.();
  if (dir === undefined) throw new Error("cannot tell the working directory on this runtime");
  return dir;
}

/**
 * The absolute, normalised form of a POSIX `path` (relative paths against the working
 * directory): `.` and `..` segments and repeated slashes removed.
 *
 * @example
 * ```ts
 * import { absolutePath } from "./paths.ts";
 * console.log(absolutePath("/a/./b/../c//d")); // /a/c/d
 * ```
 */
export function absolutePath(path: string): string {
  return resolvePath(path, path.startsWith("/") ? "/" : cwd());
}

/**
 * The last segment of a URL path or key, decoded: the default local name of a download.
 *
 * @example
 * ```ts
 * import { lastSegment } from "./paths.ts";
 * console.log(lastSegment("dir/a%20b.bin")); // a b.bin
 * ```
 */
export function lastSegment(path: string): string {
  const last = path.replace(/\/+$/, "").split("/").pop() ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
