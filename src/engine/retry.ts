/**
 * Which failures are worth another attempt, how long to wait before it, and the one loop
 * that retries (ranges, the first request, samples and listing pages alike).
 *
 * @module
 */
import { DownloadError, HttpError, NetworkError, OssError, ProtocolError } from "../errors.ts";
import { type DownloadEvent, emit, type RetryEvent } from "./events.ts";
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

/**
 * What a failed attempt is reported as: a runtime's rejection (`TypeError: fetch failed`)
 * becomes the `NetworkError` that carries its cause's own words.
 */
export function asDownloadError(e: unknown): unknown {
  return e instanceof DownloadError || !(e instanceof Error)
    ? e
    : new NetworkError("request failed", { cause: e });
}

/** The error for retries that ran out: a `DownloadError` as it is, else a `NetworkError`. */
export function givingUp(e: unknown, attempts: number): unknown {
  return e instanceof DownloadError ? e : new NetworkError(
    `giving up after ${attempts} attempts: ${(e as Error)?.message ?? e}`,
    { cause: e },
  );
}

/** How {@linkcode retrying} retries one request (or one run of ranges). */
export interface RetryPolicy {
  retry: Required<RetryOptions>;
  /** Ends the waits between attempts; once aborted, a failure ends with its reason. */
  signal?: AbortSignal;
  /** Receives a `retry` event before each wait. */
  onEvent?: (event: DownloadEvent) => void;
  /**
   * Bytes done so far: an attempt that added more than `lowSpeedLimit × lowSpeedTime`
   * (any bytes when that floor is 0) resets the attempt count and the `maxElapsed` clock.
   */
  progress?: () => number;
  /** Attempts allowed, read at each failure (default `retry.limit`). */
  limit?: () => number;
  /** The range a `retry` event names. */
  range?: () => { start: number; end: number };
  /** Called first with each failure; throws to end the loop at once (default: `signal`). */
  stopped?: (error: unknown) => void;
  /** Called with each failure that will be retried (or has run out of attempts). */
  retryable?: (error: unknown) => void;
  /** What to throw when attempts or time ran out (default {@linkcode givingUp}). */
  exhausted?: (error: unknown, attempts: number) => unknown;
}

/**
 * Runs `attempt` until it resolves. A failure that {@linkcode classify} does not call
 * "retry" is thrown as it is; a retryable one is tried again after a backoff (at least the
 * server's Retry-After) until `retry.limit` attempts in a row, or `retry.maxElapsed` ms,
 * passed without progress.
 */
export async function retrying<T>(attempt: () => Promise<T>, p: RetryPolicy): Promise<T> {
  const r = p.retry;
  const floor = r.lowSpeedLimit * r.lowSpeedTime;
  let attempts = 0;
  let failingSince = Date.now();
  for (;;) {
    const before = p.progress?.() ?? 0;
    try {
      return await attempt();
    } catch (e) {
      if (p.stopped) p.stopped(e);
      else if (p.signal?.aborted) throw p.signal.reason;
      if (classify(e) !== "retry") throw e;
      p.retryable?.(e);
      if (p.progress && p.progress() > before + floor) {
        attempts = 0;
        failingSince = Date.now();
      }
      attempts++;
      if (attempts >= (p.limit?.() ?? r.limit) || Date.now() - failingSince > r.maxElapsed) {
        throw (p.exhausted ?? givingUp)(e, attempts);
      }
      const retryAfter = (e as { retryAfterMs?: number }).retryAfterMs;
      const delayMs = backoffDelay(attempts, r, retryAfter);
      const event: RetryEvent = {
        type: "retry",
        attempt: attempts,
        delayMs,
        error: asDownloadError(e),
      };
      const range = p.range?.();
      if (range) event.range = range;
      emit(p.onEvent, event);
      await sleep(delayMs, p.signal);
    }
  }
}
