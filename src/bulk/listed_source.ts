/**
 * An OSS object whose size and ETag are already known from the listing: the first `stat()`
 * answers from the listing instead of a `HEAD` (one request less per object), for objects
 * the engine fetches with one plain GET (below `multigetThreshold`). The CRC-64 that a
 * `HEAD` would have given is taken from the GET's own `x-oss-hash-crc64ecma` header and
 * checked as the body streams; the last chunk is only passed on once the CRC matched, so
 * the engine never completes (nor renames) a body whose CRC does not match: it sees a
 * broken body, retries the GET and finally reports the failure.
 *
 * Any later `stat()` (the engine restarts when the object changed under it) and every
 * object at or above the threshold (ranged, checkpointed) go to the real `HEAD`.
 *
 * @module
 */
import { IntegrityError } from "../errors.ts";
import { createCrc64 } from "../integrity/crc64.ts";
import type { OssObjectSource } from "../sources/oss/source.ts";
import type { ListedObject } from "../sources/oss/list.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../sources/source.ts";

/** An {@linkcode OssObjectSource} that knows its listing entry. */
export class ListedObjectSource implements ObjectSource {
  /** Same id as the wrapped source (checkpoints and records are keyed on it). */
  readonly id: string;
  readonly #inner: OssObjectSource;
  readonly #listed: ListedObject;
  readonly #threshold: number;
  readonly #verify: boolean;
  #fromListing = false;
  #statted = false;

  /**
   * `threshold`: objects smaller than this answer `stat()` from the listing (pass the
   * engine's `multigetThreshold`). `verify`: check the CRC-64 of whole-object GETs.
   */
  constructor(inner: OssObjectSource, listed: ListedObject, threshold: number, verify: boolean) {
    this.#inner = inner;
    this.id = inner.id;
    this.#listed = listed;
    this.#threshold = threshold;
    this.#verify = verify;
  }

  /** The listing's size and ETag the first time (small objects), a `HEAD` otherwise. */
  stat(signal?: AbortSignal): Promise<ObjectInfo> {
    const first = !this.#statted;
    this.#statted = true;
    const l = this.#listed;
    this.#fromListing = first && l.size < this.#threshold && l.etag !== undefined;
    if (!this.#fromListing) return this.#inner.stat(signal);
    return Promise.resolve({ size: l.size, etag: l.etag!, acceptRanges: true });
  }

  /** The GET; a whole-object answer to a listing-based stat gets its CRC-64 checked. */
  async read(request: ReadRequest): Promise<Response> {
    const response = await this.#inner.read(request);
    const crc = response.headers.get("x-oss-hash-crc64ecma")?.trim();
    if (
      !this.#fromListing || !this.#verify || request.range || response.status !== 200 ||
      !crc || !/^\d{1,20}$/.test(crc) || response.body === null
    ) {
      return response;
    }
    return new Response(checkedBody(response.body, crc), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}

/**
 * `body`, its last chunk held back until the CRC-64 of the whole body is known: when it
 * differs the stream errors with an {@linkcode IntegrityError} instead of ending, so the
 * object is never complete on disk (the engine retries the GET, then gives up).
 */
function checkedBody(body: ReadableStream<Uint8Array>, expected: string) {
  const hasher = createCrc64();
  let held: Uint8Array | undefined;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        (await hasher).update(chunk);
        if (held) controller.enqueue(held);
        held = chunk;
      },
      async flush(controller) {
        const actual = (await hasher).digest();
        if (actual !== BigInt(expected)) {
          throw new IntegrityError(
            "crc64",
            expected,
            actual.toString(),
            `the body's CRC-64 is ${actual}, its x-oss-hash-crc64ecma says ${expected}`,
          );
        }
        if (held) controller.enqueue(held);
      },
    }),
  );
}
