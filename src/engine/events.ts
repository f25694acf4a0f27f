/**
 * What a download tells its caller while it runs (`DownloadOptions.onEvent`), so that a
 * progress display never has to guess: retries are announced, and when the object changed
 * and the download starts over, a `restart` event comes before progress goes back.
 *
 * @module
 */

/** Bytes reached the temp file (as `progressCallback` reports them). */
export interface ProgressEvent {
  /** Always `"progress"`. */
  type: "progress";
  /** Bytes of the object safely in the temp file. */
  consumedBytes: number;
  /** Size of the object. */
  totalBytes: number;
}

/** A request failed and will be tried again after `delayMs`. */
export interface RetryEvent {
  /** Always `"retry"`. */
  type: "retry";
  /** How many attempts failed in a row (1 for the first retry). */
  attempt: number;
  /** Milliseconds until the next attempt. */
  delayMs: number;
  /** What failed: a `DownloadError` (a runtime's fetch rejection as a `NetworkError`). */
  error: unknown;
  /** The byte range that is retried (inclusive), absent for the first request. */
  range?: { start: number; end: number };
}

/**
 * The download starts over: the object changed (or the saved bytes proved not to be the
 * server's), so `discardedBytes` of progress are thrown away and progress restarts at 0.
 */
export interface RestartEvent {
  /** Always `"restart"`. */
  type: "restart";
  /** Why, in words. */
  reason: string;
  /** Progress that was discarded. */
  discardedBytes: number;
}

/** An event of {@linkcode DownloadOptions.onEvent}. */
export type DownloadEvent = ProgressEvent | RetryEvent | RestartEvent;

/** Calls the caller's handler; an exception in it never disturbs the download. */
export function emit(
  handler: ((event: DownloadEvent) => void) | undefined,
  event: DownloadEvent,
): void {
  if (!handler) return;
  try {
    handler(event);
  } catch {
    // The handler's problem, not the download's.
  }
}
