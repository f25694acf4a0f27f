/**
 * The headers deadline: every request the engine makes (the first one, `stat`, included)
 * must deliver its response headers within `retry.idleTimeout` ms, or it is aborted and
 * fails with a retryable {@linkcode NetworkError}.
 *
 * @module
 */
import { NetworkError } from "../errors.ts";

/**
 * Runs `start` with a signal that aborts after `ms` milliseconds (or when `outer` aborts),
 * and rejects with `NetworkError` as soon as the deadline passes, even if `start` ignores
 * its signal (a custom `fetch` that does not honour it must not hang the download).
 *
 * @example
 * ```ts
 * const response = await withDeadline(30_000, signal, "GET", (s) => fetch(url, { signal: s }));
 * ```
 */
export function withDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  what: string,
  start: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const own = new AbortController();
  const signal = outer ? AbortSignal.any([outer, own.signal]) : own.signal;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new NetworkError(`no response to ${what} within ${ms} ms (headers deadline)`);
      own.abort(error);
      reject(error);
    }, ms);
    let result: Promise<T>;
    try {
      result = start(signal);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      (value) => {
        clearTimeout(timer);
        if (own.signal.aborted) {
          // Too late: whatever arrived is dropped, its body included.
          (value as { body?: ReadableStream | null })?.body?.cancel().catch(() => {});
        }
        resolve(value);
      },
      (e) => {
        clearTimeout(timer);
        // The deadline's own abort surfaces as the runtime's AbortError: report the deadline.
        reject(own.signal.aborted && !outer?.aborted ? own.signal.reason : e);
      },
    );
  });
}
