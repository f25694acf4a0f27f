/**
 * File errors with a Node-style `code` and the `path` they are about, the same on every
 * adapter. Web APIs only.
 *
 * @module
 */

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

/** The `code` of an error, if it has a non-empty string one. */
export function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/** `e` as an error carrying `code` (its own, else `fallback`) and `path`. */
export function toFsError(e: unknown, path: string, fallback = "EIO"): Error {
  if (e instanceof FsError) return e;
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
