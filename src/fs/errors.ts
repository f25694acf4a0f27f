/**
 * File errors with a Node-style `code` and the `path` they are about, the same on every
 * adapter. Web APIs only.
 *
 * @module
 */
import { DownloadError, LocalFileError } from "../errors.ts";
import { dirname } from "./path.ts";

/** An error with a Node-style `code` and a `path`; the runtime's own error is `cause`. */
export class FsError extends Error {
  /** Node-style code: `ENOENT`, `EEXIST`, `EACCES`, `ELOOP`, `ENOSPC`, ... */
  readonly code: string;
  /** The path the operation was about. */
  readonly path: string;
  /** Builds the error; `cause`'s message is kept. */
  constructor(code: string, path: string, cause?: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause ?? code);
    super(message.includes(path) ? message : `${message}: '${path}'`, { cause });
    this.name = cause instanceof Error ? cause.name : "Error";
    this.code = code;
    this.path = path;
  }
}

/**
 * A failure of a file operation on `path` as the `LocalFileError` callers catch: its own code,
 * else `fallback` (without either it is returned unchanged, as is any `DownloadError`). `link`
 * replaces `what` when the code is `ELOOP`: a symbolic link where the library opens its own
 * files without following links.
 */
export function asLocalFileError(
  e: unknown,
  path: string,
  what: string,
  options: { fallback?: string; link?: string } = {},
): unknown {
  if (e instanceof DownloadError) return e;
  const code = codeOf(e) ?? options.fallback;
  if (code === undefined) return e;
  const why = code === "ELOOP" && options.link !== undefined ? options.link : what;
  return new LocalFileError(code, path, why, { cause: e });
}

/** The `code` of an error, if it has a non-empty string one. */
export function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/**
 * A Deno permission error (`NotCapable`) as a `LocalFileError` naming the missing flag, e.g.
 * `Deno needs --allow-write=/dl` (never a prompt: callers run where prompting is off or the
 * flag is granted).
 */
function permissionError(e: Error, path: string): LocalFileError {
  const flag = /--allow-[a-z]+/.exec(e.message)?.[0] ?? "--allow-read / --allow-write";
  const scope = flag === "--allow-read" || flag === "--allow-write" ? `=${dirname(path)}` : "";
  return new LocalFileError("EACCES", path, `Deno needs ${flag}${scope}`, { cause: e });
}

/** `e` as an error carrying `code` (its own, else `fallback`) and `path`. */
export function toFsError(e: unknown, path: string, fallback = "EIO"): Error {
  if (e instanceof FsError || e instanceof LocalFileError) return e;
  if (e instanceof Error && e.name === "NotCapable") return permissionError(e, path);
  const code = codeOf(e);
  if (code && e instanceof Error && typeof (e as { path?: unknown }).path === "string") return e;
  return new FsError(code ?? fallback, path, e);
}

/** A `RangeError` when `position` is not a non-negative safe integer. */
export function checkPosition(position: number): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`position must be a non-negative integer: got ${position}`);
  }
}
