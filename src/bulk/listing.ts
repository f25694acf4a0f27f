/**
 * Listing a prefix for a batch: every object under it, page by page, each page retried
 * like a range (transient statuses, dropped connections) and bounded in time.
 *
 * @module
 */
import { NetworkError } from "../errors.ts";
import type { RetryOptions } from "../engine/options.ts";
import { backoffDelay, classify, sleep } from "../engine/retry.ts";
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
}

/** One page, retried; each attempt gets `retry.idleTimeout` ms for headers and body. */
async function page(
  bucket: Bucket,
  o: ListingOptions,
  token: string | undefined,
): Promise<ListObjectsPage> {
  for (let attempt = 1;; attempt++) {
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
      if (o.signal?.aborted) throw o.signal.reason;
      const error = deadline.signal.aborted ? deadline.signal.reason : e;
      if (classify(error) !== "retry" || attempt >= o.retry.limit) throw error;
      const retryAfter = (error as { retryAfterMs?: number }).retryAfterMs;
      await sleep(backoffDelay(attempt, o.retry, retryAfter), o.signal);
    } finally {
      clearTimeout(timer);
    }
  }
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
