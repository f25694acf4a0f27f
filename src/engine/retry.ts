/**
 * Which failures are worth another attempt, and how long to wait before it.
 *
 * @module
 */
import { HttpError, NetworkError, OssError, ProtocolError } from "../errors.ts";
import type { RetryOptions } from "./options.ts";

/** Statuses that say "try again later". */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** OSS error codes that mean the object is not what the checkpoint describes any more. */
const CHANGED_CODES = new Set(["PreconditionFailed", "InvalidRange"]);

/** What to do about a failed request. */
export type Verdict =
  /** Try the same range again after a delay. */
  | "retry"
  /** The object changed: discard progress and start over on the new object. */
  | "changed"
  /** Give up and report the error. */
  | "fatal";

/** Classifies an error thrown while fetching or reading a range. */
export function classify(error: unknown): Verdict {
  if (error instanceof OssError && CHANGED_CODES.has(error.code)) return "changed";
  if (error instanceof HttpError) {
    if (error.status === 412 || error.status === 416) return "changed";
    return TRANSIENT_STATUS.has(error.status) ? "retry" : "fatal";
  }
  if (error instanceof NetworkError || error instanceof ProtocolError) return "retry";
  // fetch() itself rejects with a TypeError on refused or reset connections (the runtimes
  // word it differently); anything else is a bug or a local failure.
  if (error instanceof TypeError) return "retry";
  return "fatal";
}

/** Backoff before attempt `attempt` (1 = first retry): full jitter, capped. */
export function backoffDelay(
  attempt: number,
  retry: Pick<Required<RetryOptions>, "initialDelay" | "backoffLimit">,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(retry.backoffLimit, retry.initialDelay * 2 ** (attempt - 1));
  const jittered = Math.round(cap / 2 + random() * cap / 2);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
