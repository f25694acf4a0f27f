/**
 * The exit codes of the command-line tool, which scripts can rely on, and how each error
 * maps to one (after wget's 0-8 and aria2's 9 and 32).
 *
 * | code | meaning |
 * | ---: | --- |
 * | 0 | the file is complete and verified |
 * | 1 | unexpected error (a bug: please report it) |
 * | 2 | usage error: bad arguments or options |
 * | 3 | local I/O error: permission, a directory in the way, a locked target |
 * | 4 | network failure after retries (also a server breaking the Range contract) |
 * | 6 | authentication or authorisation failed (HTTP 401 or 403) |
 * | 8 | other HTTP error (404 and the like, or an object that kept changing) |
 * | 9 | no space left on the device |
 * | 32 | integrity check failed: the bytes do not match the CRC-64 or the SHA-256 |
 * | 130 | interrupted by SIGINT (Ctrl-C): the checkpoint is saved, run again to resume |
 * | 143 | terminated by SIGTERM: the checkpoint is saved, run again to resume |
 *
 * @module
 */
import {
  DownloadLockedError,
  HttpError,
  IntegrityError,
  LocalFileError,
  NetworkError,
  ObjectChangedError,
  OssError,
  ProtocolError,
} from "../errors.ts";

/**
 * The exit codes by name.
 *
 * @example
 * ```ts
 * import { ExitCode } from "./exit_codes.ts";
 * console.log(ExitCode.Integrity); // 32
 * ```
 */
export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  Usage: 2,
  LocalIo: 3,
  Network: 4,
  Auth: 6,
  Http: 8,
  NoSpace: 9,
  Integrity: 32,
  Interrupted: 130,
  Terminated: 143,
} as const;

/** One of the values of {@linkcode ExitCode}. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/**
 * Bad command-line arguments; the message names the problem. Exit code 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./exit_codes.ts";
 * console.log(new UsageError("missing <destination>").name); // UsageError
 * ```
 */
export class UsageError extends Error {
  /** `"UsageError"`. */
  override name = "UsageError";
}

/**
 * The reason a download is aborted with when the process gets SIGINT or SIGTERM.
 *
 * @example
 * ```ts
 * import { InterruptedError } from "./exit_codes.ts";
 * const controller = new AbortController();
 * controller.abort(new InterruptedError("SIGINT"));
 * console.log((controller.signal.reason as InterruptedError).exitCode); // 130
 * ```
 */
export class InterruptedError extends Error {
  /** `"InterruptedError"`. */
  override name = "InterruptedError";
  /** The signal that interrupted the download. */
  readonly signal: "SIGINT" | "SIGTERM";
  /** 130 for SIGINT, 143 for SIGTERM. */
  readonly exitCode: ExitCodeValue;
  /** An interruption by `signal`. */
  constructor(signal: "SIGINT" | "SIGTERM" = "SIGINT") {
    super(`interrupted by ${signal}`);
    this.signal = signal;
    this.exitCode = signal === "SIGINT" ? ExitCode.Interrupted : ExitCode.Terminated;
  }
}

/** Local error codes that mean "the disk is full" (or the quota is). */
const NO_SPACE = new Set(["ENOSPC", "EDQUOT"]);

/**
 * The exit code for an error that ended a download.
 *
 * @example
 * ```ts
 * import { exitCodeFor } from "./exit_codes.ts";
 * import { HttpError, LocalFileError } from "../errors.ts";
 * console.log(exitCodeFor(new HttpError(403, "Forbidden"))); // 6
 * console.log(exitCodeFor(new HttpError(404, "Not Found"))); // 8
 * console.log(exitCodeFor(new LocalFileError("ENOSPC", "/tmp/a", "disk full"))); // 9
 * ```
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof InterruptedError) return error.exitCode;
  if (error instanceof UsageError) return ExitCode.Usage;
  if (error instanceof IntegrityError) return ExitCode.Integrity;
  if (error instanceof HttpError) {
    return error.status === 401 || error.status === 403 ? ExitCode.Auth : ExitCode.Http;
  }
  if (error instanceof ObjectChangedError) return ExitCode.Http;
  if (error instanceof NetworkError || error instanceof ProtocolError) return ExitCode.Network;
  if (error instanceof LocalFileError) {
    return NO_SPACE.has(error.code) ? ExitCode.NoSpace : ExitCode.LocalIo;
  }
  if (error instanceof DownloadLockedError) return ExitCode.LocalIo;
  // A raw file-system error (e.g. from the checkpoint store's directory).
  const code = (error as { code?: unknown } | null)?.code;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    if (NO_SPACE.has(code)) return ExitCode.NoSpace;
    if (
      typeof syscall === "string" ||
      /^E(ACCES|PERM|ROFS|ISDIR|NOTDIR|NOENT|EXIST|MFILE|IO)$/.test(code)
    ) {
      return ExitCode.LocalIo;
    }
  }
  return ExitCode.Unexpected;
}

/**
 * What to tell the user about an error: the message, the OSS details (code, request id,
 * EC) and a hint on what to do, as lines without a trailing newline. The hint to run the
 * command again to resume is given only when `context.saved` says a checkpoint holds
 * progress (true when not told).
 *
 * @example
 * ```ts
 * import { describeError } from "./exit_codes.ts";
 * import { OssError } from "../errors.ts";
 * const e = new OssError(404, "The specified key does not exist.", { code: "NoSuchKey", requestId: "R1" });
 * console.log(describeError(e).join("\n"));
 * ```
 */
export function describeError(error: unknown, context: { saved?: boolean } = {}): string[] {
  const saved = context.saved ?? true;
  const lines: string[] = [];
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof InterruptedError) return [message];
  lines.push(`error: ${message}`);
  if (error instanceof HttpError) {
    // What the message does not say already.
    const details: string[] = [];
    if (error instanceof OssError && !message.includes(error.code)) {
      details.push(`OSS error code ${error.code}`);
    }
    if (!message.includes(String(error.status))) details.push(`HTTP ${error.status}`);
    if (error instanceof OssError) {
      if (error.requestId && !message.includes(error.requestId)) {
        details.push(`request id ${error.requestId}`);
      }
      if (error.ec && !message.includes(error.ec)) details.push(`EC ${error.ec}`);
    }
    if (details.length) lines.push(`  ${details.join(", ")}`);
  }
  const code = exitCodeFor(error);
  switch (code) {
    case ExitCode.Auth:
      lines.push(
        "  hint: check the credentials (--access-key-id/--access-key-secret or OSS_ACCESS_KEY_ID/" +
          "OSS_ACCESS_KEY_SECRET), the region and the clock, or whether the URL has expired",
      );
      break;
    case ExitCode.Integrity:
      lines.push("  the target file was not touched; the bad download was discarded");
      break;
    case ExitCode.Network:
      if (saved) lines.push("  run the same command again to resume from the last checkpoint");
      break;
    case ExitCode.NoSpace:
      lines.push(
        saved
          ? "  free some space and run the same command again to resume"
          : "  free some space and run the same command again",
      );
      break;
    case ExitCode.Unexpected:
      if (error instanceof Error && error.stack) lines.push(...error.stack.split("\n"));
      break;
  }
  return lines;
}
