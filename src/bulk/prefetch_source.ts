/**
 * One request per small object instead of two. The engine first asks `stat()` (for a URL:
 * a `GET` of byte 0) and then reads the object; this wrapper answers `stat()` with a `GET`
 * of the first {@linkcode PREFETCH_BYTES} instead, takes size, ETag and CRC-64 from its
 * headers, and for an object below the engine's `multigetThreshold` (which the engine asks
 * for in one piece) keeps the body and hands it to the engine's `read()`: the whole object
 * when it fitted, else those bytes followed by a ranged `GET` of the rest (with `If-Match`).
 * Larger objects: the body is cancelled at once and the engine reads as usual; once most
 * objects of a batch were that large, the batch goes back to the plain `stat()`. Checks
 * (ETag, length, CRC-64) stay the engine's.
 *
 * @module
 */
import { HttpError } from "../errors.ts";
import { parseContentRange } from "../sources/http.ts";
import { objectInfoFromHeaders } from "../sources/object_info.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../sources/source.ts";

/** How much the `stat()` request asks for. */
export const PREFETCH_BYTES = 256 * 1024;

/**
 * What a batch has seen so far: when most objects turned out too large to prefetch, the
 * 256 KiB a prefetch asks for would mostly be dropped, so the plain `stat()` is used.
 */
export class PrefetchPolicy {
  #small = 0;
  #large = 0;

  /** Whether the next object should be prefetched. */
  get worthIt(): boolean {
    return this.#large <= this.#small;
  }

  /** Counts an object that was (`true`) or was not small enough. */
  saw(small: boolean): void {
    if (small) this.#small++;
    else this.#large++;
  }
}

/** An {@linkcode ObjectSource} whose `stat()` prefetches small objects whole. */
export class PrefetchingSource implements ObjectSource {
  /** The wrapped source's id. */
  readonly id: string;
  readonly #inner: ObjectSource;
  readonly #threshold: number;
  #statted = false;
  /** The prefetched answer: bytes `[0, length)` of an object of `size` bytes. */
  #held: { response: Response; size: number; length: number } | undefined;

  readonly #policy: PrefetchPolicy;

  /**
   * `threshold`: the engine's `multigetThreshold` (objects it fetches in one GET);
   * `policy`: shared by the sources of one batch.
   */
  constructor(inner: ObjectSource, threshold: number, policy = new PrefetchPolicy()) {
    this.#inner = inner;
    this.id = inner.id;
    this.#threshold = threshold;
    this.#policy = policy;
  }

  /** Size and validators from a `GET` of the first bytes (the real `stat()` after a restart). */
  async stat(signal?: AbortSignal): Promise<ObjectInfo> {
    await this.release();
    if (this.#statted || !this.#policy.worthIt) {
      this.#statted = true;
      return this.#inner.stat(signal);
    }
    this.#statted = true;
    let response: Response;
    try {
      const end = Math.min(PREFETCH_BYTES, this.#threshold) - 1;
      response = await this.#inner.read(
        signal ? { range: { start: 0, end }, signal } : {
          range: { start: 0, end },
        },
      );
    } catch (e) {
      // 416: an empty object (no byte 0); the source's own stat knows how to ask.
      if (e instanceof HttpError && e.status === 416) return this.#inner.stat(signal);
      throw e;
    }
    const h = response.headers;
    let size: number | undefined;
    let length = 0;
    if (response.status === 206) {
      const range = parseContentRange(h.get("content-range"));
      if (range && range.start === 0) {
        size = range.size;
        length = range.end + 1;
      }
    } else {
      const text = h.get("content-length");
      if (text !== null && /^\d+$/.test(text)) size = length = Number(text);
    }
    if (size === undefined) {
      await response.body?.cancel().catch(() => {});
      return this.#inner.stat(signal);
    }
    const info = objectInfoFromHeaders(
      h,
      { size, acceptRanges: response.status === 206 },
      response.status === 200,
    );
    this.#policy.saw(size < this.#threshold);
    if (size < this.#threshold && response.body) this.#held = { response, size, length };
    else await response.body?.cancel().catch(() => {});
    return info;
  }

  /** The held body for the engine's whole-object read; otherwise the wrapped source's. */
  async read(request: ReadRequest): Promise<Response> {
    const held = this.#held;
    this.#held = undefined;
    if (held && !request.range && !request.signal?.aborted) {
      if (held.length === held.size) return whole(held.response, held.response.body, held.size);
      // The rest of the object after the prefetched bytes, glued behind them.
      let rest: Response | undefined;
      try {
        const req: ReadRequest = { range: { start: held.length, end: held.size - 1 } };
        if (request.ifMatch) req.ifMatch = request.ifMatch;
        if (request.signal) req.signal = request.signal;
        rest = await this.#inner.read(req);
      } catch (e) {
        await held.response.body?.cancel().catch(() => {});
        throw e;
      }
      const range = parseContentRange(rest.headers.get("content-range"));
      if (
        rest.status === 206 && range?.start === held.length && range.end === held.size - 1 &&
        range.size === held.size && rest.body && held.response.body
      ) {
        return whole(rest, concat(held.response.body, rest.body), held.size);
      }
      await rest.body?.cancel().catch(() => {});
    }
    await held?.response.body?.cancel().catch(() => {});
    return this.#inner.read(request);
  }

  /** Lets go of a body that was never asked for. */
  async release(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    await held?.response.body?.cancel().catch(() => {});
  }
}

/** A 200 answer of `size` bytes with `headers` of `from` (no Content-Range). */
function whole(from: Response, body: ReadableStream<Uint8Array> | null, size: number): Response {
  const headers = new Headers(from.headers);
  headers.delete("content-range");
  headers.set("content-length", String(size));
  return new Response(body, { status: 200, headers });
}

/** `a` then `b`; cancelling cancels both. */
function concat(a: ReadableStream<Uint8Array>, b: ReadableStream<Uint8Array>) {
  const first = a.getReader();
  const second = b.getReader();
  let firstDone = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!firstDone) {
        const next = await first.read();
        if (!next.done) return controller.enqueue(next.value);
        firstDone = true;
      }
      const next = await second.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await Promise.all([first.cancel(reason), second.cancel(reason)]);
    },
  }, { highWaterMark: 0 });
}
