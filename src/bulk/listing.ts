/**
 * Listing a prefix for a batch: every object under it, page by page, each page retried
 * like a range (transient statuses, dropped connections) and bounded in time.
 *
 * @module
 */
import { NetworkError } from "../errors.ts";
import type { RetryOptions } from "../engine/options.ts";
import { retrying } from "../engine/retry.ts";
import type { DownloadEvent } from "../engine/events.ts";
import type { FetchLike } from "../sources/fetch_like.ts";
import type { Bucket } from "../sources/oss/bucket.ts";
import type { ListedObject, ListObjectsPage } from "../sources/oss/list.ts";

/** How a batch lists. */
export interface ListingOptions {
  prefix: string;
  maxKeys: number;
  retry: Required<RetryOptions>;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Receives a `retry` event before each new attempt at a page. */
  onEvent?: (event: DownloadEvent) => void;
}

/** One page, retried; each attempt gets `retry.idleTimeout` ms for headers and body. */
function page(
  bucket: Bucket,
  o: ListingOptions,
  token: string | undefined,
): Promise<ListObjectsPage> {
  return retrying(async () => {
    o.signal?.throwIfAborted();
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new NetworkError(`no listing within ${o.retry.idleTimeout} ms`)),
      o.retry.idleTimeout,
    );
    try {
      return await bucket.listObjects({
        prefix: o.prefix,
        maxKeys: o.maxKeys,
        ...(token === undefined ? {} : { continuationToken: token }),
        signal: o.signal ? AbortSignal.any([o.signal, deadline.signal]) : deadline.signal,
        ...(o.fetch ? { fetch: o.fetch } : {}),
      });
    } catch (e) {
      throw deadline.signal.aborted && !o.signal?.aborted ? deadline.signal.reason : e;
    } finally {
      clearTimeout(timer);
    }
  }, { retry: o.retry, signal: o.signal, onEvent: o.onEvent, exhausted: (e) => e });
}

/** Every object under `o.prefix`, in key order. */
export async function* listPrefix(
  bucket: Bucket,
  o: ListingOptions,
): AsyncGenerator<ListedObject, void, undefined> {
  let token: string | undefined;
  do {
    const p = await page(bucket, o, token);
    yield* p.objects;
    token = p.isTruncated ? p.nextContinuationToken : undefined;
  } while (token !== undefined);
}
