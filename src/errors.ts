/**
 * Error classes thrown by resumable-download. Every error the library raises on purpose is a
 * {@linkcode DownloadError}; bad arguments are `TypeError` / `RangeError` naming the option.
 *
 * No secret survives into an error: every constructor passes its message, its `cause`
 * chain and its text fields (`url`, `stringToSign`, `canonicalRequest`) through
 * {@linkcode redact} / {@linkcode redactCause}, so `String(err)`, `JSON.stringify(err)` and
 * `util.inspect(err, { depth: Infinity })` show `x-oss-security-token:<redacted>` where the
 * server echoed a token and `?x-oss-signature=<redacted>` where a runtime quoted a signed URL.
 *
 * @module
 */
import { redact, redactCause } from "./redact.ts";

/**
 * Base class of every download failure.
 *
 * @example Catch any download failure
 * ```ts
 * import { DownloadError, resumableDownloadUrl } from "@resumable-download/resumable-download";
 * try {
 *   await resumableDownloadUrl("http://127.0.0.1:1/missing", "/tmp/x.bin");
 * } catch (e) {
 *   if (e instanceof DownloadError) console.error("download failed:", e.message);
 * }
 * ```
 */
export class DownloadError extends Error {
  /** Always `"DownloadError"`. */
  override name = "DownloadError";
  /**
   * Builds the error with `message` and `options.cause` stripped of secrets (signatures,
   * security tokens, passwords in URLs; see `redact`).
   */
  constructor(message?: string, options?: { cause?: unknown }) {
    super(
      redact(message ?? ""),
      options !== undefined && "cause" in options
        ? { cause: redactCause(options.cause) }
        : undefined,
    );
  }
  /** Brand that survives realms (e.g. two copies of the module). */
  get isDownloadError(): true {
    return true;
  }
}

/** Options shared by the HTTP error constructors. */
export interface HttpErrorInit {
  /** HTTP method of the failing request. */
  method?: string;
  /** URL of the failing request (query strings holding signatures are removed). */
  url?: string;
  /** Underlying cause. */
  cause?: unknown;
  /** Retry-After in milliseconds, when the server sent one. */
  retryAfterMs?: number;
}

/**
 * The server answered with a status that is not a success.
 *
 * @example
 * ```ts
 * import { HttpError } from "@resumable-download/resumable-download";
 * const e = new HttpError(404, "Not Found");
 * console.log(e.status); // 404
 * ```
 */
export class HttpError extends DownloadError {
  /** Always `"HttpError"`. */
  override name = "HttpError";
  /** HTTP status code. */
  readonly status: number;
  /** HTTP method of the request, when known. */
  readonly method?: string;
  /** URL of the request without its query string, when known. */
  readonly url?: string;
  /** Delay the server asked for (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** Builds the error; see the class documentation for the fields. */
  constructor(status: number, message: string, init: HttpErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = status;
    if (init.method !== undefined) this.method = init.method;
    if (init.url !== undefined) this.url = redact(init.url);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** Fields an OSS error XML document carries. */
export interface OssErrorInit extends HttpErrorInit {
  /** OSS error code, e.g. `NoSuchKey`. */
  code: string;
  /** `x-oss-request-id` / `<RequestId>`. */
  requestId?: string;
  /** OSS `EC` error detail code, e.g. `0026-00000001`. */
  ec?: string;
  /** `<HostId>` from the error body. */
  hostId?: string;
  /** For `SignatureDoesNotMatch`: the server's string to sign. */
  stringToSign?: string;
  /** For `SignatureDoesNotMatch` (v4): the server's canonical request. */
  canonicalRequest?: string;
  /** Server time (`Date` header of the error), used to correct clock skew. */
  serverTime?: Date;
}

/**
 * Alibaba Cloud OSS answered with an error document.
 *
 * @example
 * ```ts
 * import { OssError } from "@resumable-download/resumable-download";
 * const e = new OssError(404, "The specified key does not exist.", { code: "NoSuchKey" });
 * console.log(e.code, e.status); // NoSuchKey 404
 * ```
 */
export class OssError extends HttpError {
  /** Always `"OssError"`. */
  override name = "OssError";
  /** OSS error code, e.g. `NoSuchKey`, `SignatureDoesNotMatch`. */
  readonly code: string;
  /** Request id to quote to Alibaba Cloud support. */
  readonly requestId?: string;
  /** OSS `EC` detail code. */
  readonly ec?: string;
  /** `<HostId>` of the error document. */
  readonly hostId?: string;
  /** For `SignatureDoesNotMatch`: what the server signed, security token redacted. */
  readonly stringToSign?: string;
  /** For `SignatureDoesNotMatch` (v4): the server's canonical request, secrets redacted. */
  readonly canonicalRequest?: string;
  /** Server time from the error response, when sent. */
  readonly serverTime?: Date;
  /** Builds the error; see the class documentation for the fields. */
  constructor(status: number, message: string, init: OssErrorInit) {
    super(status, `${init.code}: ${message}`, init);
    this.code = init.code;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.ec !== undefined) this.ec = init.ec;
    if (init.hostId !== undefined) this.hostId = redact(init.hostId);
    if (init.stringToSign !== undefined) this.stringToSign = redact(init.stringToSign);
    if (init.canonicalRequest !== undefined) {
      this.canonicalRequest = redact(init.canonicalRequest);
    }
    if (init.serverTime !== undefined) this.serverTime = init.serverTime;
  }
}

/**
 * The connection failed (refused, reset, stalled) and retries did not get past it.
 *
 * The message ends with what the runtime said went wrong, taken from the `cause` chain
 * when the message does not say it already: Deno's `fetch failed` becomes
 * `fetch failed: client error (Connect): tcp connect error: Connection refused (os error
 * 111)`, Node's gets `connect ECONNREFUSED 127.0.0.1:9`; TLS failures, resets and
 * oversized headers likewise.
 *
 * @example
 * ```ts
 * import { NetworkError } from "@resumable-download/resumable-download";
 * const e = new NetworkError("connection reset", { cause: new TypeError("ECONNRESET") });
 * console.log(e.name); // NetworkError
 * ```
 */
export class NetworkError extends DownloadError {
  /** Always `"NetworkError"`. */
  override name = "NetworkError";
  /** Builds the error; the cause's own words are appended (see the class documentation). */
  constructor(message?: string, options?: { cause?: unknown }) {
    super(withCauseText(message ?? "", options?.cause), options);
  }
}

/** Messages that say only that a request failed, not why. */
const VAGUE =
  /^(?:type ?error: )?(?:fetch failed|failed to fetch|network error|error sending request)\.?$/i;

/** Deno's `error sending request for url (URL): ` / `error sending request from A for URL (B): `. */
const DENO_PREAMBLE =
  /^error sending request (?:for url \((?:[^()]|\([^()]*\))*\)|from \S+ for \S+ \([^()]*\)):\s*/i;

/**
 * The deepest informative message of a cause chain (with its `code` when the message
 * lacks it), without Deno's `error sending request for url (...)` preamble.
 */
function causeText(cause: unknown): string | undefined {
  let found: string | undefined;
  let c = cause;
  for (let depth = 0; depth < 8 && c !== null && c !== undefined; depth++) {
    const o = c as { message?: unknown; code?: unknown; cause?: unknown };
    let text = typeof c === "string" ? c : typeof o.message === "string" ? o.message : "";
    text = text.replace(DENO_PREAMBLE, "")
      .replace(/\s+/g, " ").trim();
    if (typeof o.code === "string" && o.code !== "" && !text.includes(o.code)) {
      text = text ? `${text} (${o.code})` : o.code;
    }
    if (text !== "" && !VAGUE.test(text)) found = text;
    if (typeof c !== "object") break;
    c = o.cause;
  }
  return found;
}

function withCauseText(message: string, cause: unknown): string {
  const text = causeText(cause);
  if (text === undefined || message.includes(text)) return message;
  return message === "" ? text : `${message}: ${text}`;
}

/**
 * The server broke the HTTP range contract: a wrong `Content-Range`, a short body, or a
 * 200 with the whole object where a range was asked for.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@resumable-download/resumable-download";
 * console.log(new ProtocolError("bad Content-Range").name); // ProtocolError
 * ```
 */
export class ProtocolError extends DownloadError {
  /** Always `"ProtocolError"`. */
  override name = "ProtocolError";
}

/**
 * The downloaded bytes do not match the expected checksum. The target was not touched.
 *
 * @example
 * ```ts
 * import { IntegrityError } from "@resumable-download/resumable-download";
 * const e = new IntegrityError("crc64", "1", "2");
 * console.log(e.expected, e.actual); // 1 2
 * ```
 */
export class IntegrityError extends DownloadError {
  /** Always `"IntegrityError"`. */
  override name = "IntegrityError";
  /** Which checksum failed: `crc64`, `sha256`, `md5` or `size`. */
  readonly algorithm: string;
  /** The value the server (or the caller) promised. */
  readonly expected: string;
  /** The value computed from the bytes on disk. */
  readonly actual: string;
  /** Builds the error; see the class documentation for the fields. */
  constructor(algorithm: string, expected: string, actual: string, message?: string) {
    super(message ?? `${algorithm} mismatch: expected ${expected}, got ${actual}`);
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The object changed on the server while it was being downloaded, more often than the
 * download is willing to start over.
 *
 * @example
 * ```ts
 * import { ObjectChangedError } from "@resumable-download/resumable-download";
 * console.log(new ObjectChangedError("etag changed").name); // ObjectChangedError
 * ```
 */
export class ObjectChangedError extends DownloadError {
  /** Always `"ObjectChangedError"`. */
  override name = "ObjectChangedError";
}

/**
 * Another download holds the lock on the same target file: another process, or another
 * call in this one (`sameProcess`).
 *
 * @example
 * ```ts
 * import { DownloadLockedError } from "@resumable-download/resumable-download";
 * const e = new DownloadLockedError("/tmp/a.bin.lock", { pid: 42, host: "box" });
 * console.log(e.lockPath, e.owner?.pid, e.sameProcess); // /tmp/a.bin.lock 42 false
 * const here = new DownloadLockedError("/tmp/a.bin.lock", undefined, { sameProcess: true });
 * console.log(here.message); // target is being downloaded by this process (another call): ...
 * ```
 */
export class DownloadLockedError extends DownloadError {
  /** Always `"DownloadLockedError"`. */
  override name = "DownloadLockedError";
  /** Path of the lock file. */
  readonly lockPath: string;
  /** Who holds it, as written in the lock file. */
  readonly owner?: { pid: number; host: string; since?: string };
  /** Whether the holder is another call in this very process (or browser context). */
  readonly sameProcess: boolean;
  /**
   * Builds the error; see the class documentation for the fields. `sameProcess` says the
   * lock is held by another call in this process, and the message says so.
   */
  constructor(
    lockPath: string,
    owner?: { pid: number; host: string; since?: string },
    options?: { sameProcess?: boolean },
  ) {
    const sameProcess = options?.sameProcess === true;
    super(
      sameProcess
        ? `target is being downloaded by this process (another call): lock ${lockPath}`
        : `target is being downloaded by another process${
          owner ? ` (pid ${owner.pid} on ${owner.host})` : ""
        }: lock ${lockPath}`,
    );
    this.lockPath = lockPath;
    if (owner) this.owner = owner;
    this.sameProcess = sameProcess;
  }
}

/**
 * A local file operation failed: no space left, permission denied, read-only file system,
 * a target that is a directory. `code` is the POSIX-style code (`ENOSPC`, `EACCES`, ...).
 *
 * @example
 * ```ts
 * import { LocalFileError } from "@resumable-download/resumable-download";
 * const e = new LocalFileError("ENOSPC", "/tmp/x.bin", "no space left on device");
 * console.log(e.code); // ENOSPC
 * ```
 */
export class LocalFileError extends DownloadError {
  /** Always `"LocalFileError"`. */
  override name = "LocalFileError";
  /** POSIX-style error code, e.g. `ENOSPC`, `EACCES`, `EISDIR`, `EROFS`. */
  readonly code: string;
  /** The path the operation was about. */
  readonly path: string;
  /** Builds the error; see the class documentation for the fields. */
  constructor(code: string, path: string, message: string, options?: { cause?: unknown }) {
    super(`${message}: ${path} (${code})`, options);
    this.code = code;
    this.path = path;
  }
}

/** A bad option: a `TypeError` or `RangeError` whose `option` field names it. */
export type OptionError = (TypeError | RangeError) & {
  /** The option at fault, as the caller spells it (`"numThreads"`, `"retry.limit"`). */
  readonly option: string;
};

/**
 * The error for a bad option: `kind` `"type"` (a wrong type) makes a `TypeError`, `"range"`
 * (a value out of range) a `RangeError`; either carries `option`, the option's name, so that
 * callers (the CLI) can name it in their own words without parsing the message.
 *
 * @example
 * ```ts
 * import { optionError } from "./errors.ts";
 * const e = optionError("range", "numThreads", "'numThreads' must be from 1 to 64: got 0");
 * console.assert(e instanceof RangeError && e.option === "numThreads");
 * ```
 */
export function optionError(
  kind: "type" | "range",
  option: string,
  message: string,
): OptionError {
  const error = kind === "type" ? new TypeError(message) : new RangeError(message);
  Object.defineProperty(error, "option", { value: option, enumerable: true });
  return error as OptionError;
}
