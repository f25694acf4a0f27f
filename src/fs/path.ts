/**
 * Pure path helpers for the `/`-separated absolute paths every adapter takes (POSIX, OPFS,
 * memory). No `node:path`, so the web entry can use them.
 *
 * @module
 */

/** `path` made absolute against `cwd` (default `/`), with `.`, `..` and `//` resolved. */
export function resolvePath(path: string, cwd = "/"): string {
  const full = path.startsWith("/") ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** The parent directory of an absolute, resolved `path` (`/` for `/` itself). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** The last segment of `path`. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `dir` and `name` joined with one `/`. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

/** `path` made absolute on `fs`: against `fs.cwd()` only when it is relative. */
export function absolutePath(fs: { cwd?(): string }, path: string): string {
  return resolvePath(path, path.startsWith("/") ? "/" : fs.cwd?.() ?? "/");
}
