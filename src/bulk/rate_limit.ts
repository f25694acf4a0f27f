/**
 * A download speed limit across connections, without touching the engine: an
 * {@linkcode ObjectSource} wrapper whose responses have throttled bodies, all drawing on one
 * shared {@linkcode RateLimiter}.
 *
 * @module
 */
import { sleep } from "../engine/retry.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../sources/source.ts";

/** How much a limiter lets through at once after being idle, in milliseconds of rate. */
const BURST_MS = 100;

/**
 * A shared budget of bytes per second. Every `take(n)` is scheduled after the bytes taken
 * before it, so N connections together stay at the rate.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * const limiter = new RateLimiter(1024 * 1024); // 1 MiB/s for everything sharing it
 * await limiter.take(1024); // within the burst: resolves at once
 * ```
 */
export class RateLimiter {
  /** Bytes per second. */
  readonly bytesPerSecond: number;
  /** The time (ms) at which the bytes taken so far will have been "spent". */
  #until = 0;

  /** Throws `RangeError` unless `bytesPerSecond` is a positive finite number. */
  constructor(bytesPerSecond: number) {
    if (typeof bytesPerSecond !== "number" || !(bytesPerSecond > 0) || !isFinite(bytesPerSecond)) {
      throw new RangeError(
        `'rateLimit' must be a positive number of bytes per second: got ${String(bytesPerSecond)}`,
      );
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Largest slice worth waiting for at once (a tenth of a second of rate, at least 1 KiB). */
  get slice(): number {
    return Math.max(1024, Math.floor(this.bytesPerSecond / 10));
  }

  /** Resolves when `n` more bytes fit the rate; rejects with the signal's reason on abort. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    this.#until = Math.max(this.#until, now - BURST_MS) + (n * 1000) / this.bytesPerSecond;
    const wait = this.#until - now;
    if (wait <= 0) return Promise.resolve();
    return sleep(wait, signal);
  }
}

/** `body` delivered no faster than `limiter` allows, in slices small enough to stay lively. */
function throttledBody(
  body: ReadableStream<Uint8Array>,
  limiter: RateLimiter,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let pending: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pending || pending.length === 0) {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          return;
        }
        pending = next.value;
      }
      const slice = pending.subarray(0, limiter.slice);
      pending = pending.subarray(slice.length);
      await limiter.take(slice.length, signal);
      controller.enqueue(slice);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * `source` with every response body throttled by `limiter` (share one limiter between
 * sources to cap them together). `stat` and ids are passed through.
 *
 * @example Two connections sharing 2 MiB/s
 * ```ts ignore
 * import { downloadObject, HttpSource } from "@resumable-download/resumable-download";
 * import { RateLimitedSource, RateLimiter } from "./rate_limit.ts";
 * const limiter = new RateLimiter(2 * 1024 * 1024);
 * const source = new RateLimitedSource(new HttpSource("https://example.com/a.iso"), limiter);
 * await downloadObject(source, "a.iso", { numThreads: 2 });
 * ```
 */
export class RateLimitedSource implements ObjectSource {
  /** The wrapped source's id. */
  readonly id: string;
  readonly #inner: ObjectSource;
  readonly #limiter: RateLimiter;

  /** Wraps `inner`; `limiter` may be shared. */
  constructor(inner: ObjectSource, limiter: RateLimiter) {
    this.#inner = inner;
    this.id = inner.id;
    this.#limiter = limiter;
  }

  /** The wrapped source's `stat`. */
  stat(signal?: AbortSignal): Promise<ObjectInfo> {
    return this.#inner.stat(signal);
  }

  /** The wrapped source's response, its body throttled. */
  async read(request: ReadRequest): Promise<Response> {
    const response = await this.#inner.read(request);
    if (response.body === null) return response;
    return new Response(throttledBody(response.body, this.#limiter, request.signal), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}
