/**
 * The `fetch` the library accepts, and the one place that picks the default one.
 *
 * {@linkcode FetchLike} describes what the library calls, not `typeof fetch`, so that fetch
 * functions whose TypeScript types differ from the runtime's (undici's `fetch` on Node.js,
 * Deno's `Response` with extra members) are accepted as they are.
 *
 * @module
 */

/** The request options the library passes to a {@linkcode FetchLike}. */
export interface FetchInit {
  /** `GET` or `HEAD`. */
  method: string;
  /** Request headers, lower-case names (a plain object, which every fetch accepts). */
  headers: Record<string, string>;
  /** Cancels the request. */
  signal?: AbortSignal | undefined;
  /** `follow` for plain URLs; `manual` for signed OSS requests. */
  redirect?: "follow" | "manual";
}

/** The members of a response the library reads. */
export interface FetchResponse {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP status text. */
  readonly statusText: string;
  /** Response headers. */
  readonly headers: {
    get(name: string): string | null;
    has(name: string): boolean;
    forEach(callback: (value: string, name: string) => void): void;
  };
  /** The body as a byte stream (read with a reader, or cancelled). */
  readonly body: {
    getReader(): {
      read(): Promise<{ done: false; value: Uint8Array } | { done: true; value?: unknown }>;
      cancel(reason?: unknown): Promise<void>;
      releaseLock(): void;
    };
    cancel(reason?: unknown): Promise<void>;
  } | null;
  /** The whole body as text. */
  text(): Promise<string>;
}

/**
 * A `fetch` function: the runtime's `fetch`, undici's `fetch`, or your own wrapper.
 *
 * @example A fetch that adds a header
 * ```ts ignore
 * import { resumableDownloadUrl } from "@resumable-download/resumable-download";
 * await resumableDownloadUrl("https://example.com/a.iso", "a.iso", {
 *   fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, "x-trace": "1" } }),
 * });
 * ```
 */
export type FetchLike = (input: string | URL, init: FetchInit) => Promise<FetchResponse>;

let platformFetch: FetchLike | undefined;

/**
 * Sets the fetch used when none is given: the runtime adapters call it (on Node.js, a fetch
 * that never decodes and honours `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`); `undefined` goes back
 * to `globalThis.fetch`.
 */
export function setPlatformFetch(f: FetchLike | undefined): void {
  platformFetch = f;
}

/** Whether a runtime adapter set the default fetch ({@linkcode setPlatformFetch}). */
export function hasPlatformFetch(): boolean {
  return platformFetch !== undefined;
}

/**
 * `f`, or when it is `undefined` the default (the platform fetch, else `globalThis.fetch`,
 * chosen at each call), as the standard fetch signature the sources call. Headers go to `f` as
 * a plain object, as {@linkcode FetchInit} says.
 */
export function toFetch(f?: FetchLike): typeof fetch {
  return (input, init) => {
    const use = f ?? platformFetch;
    if (!use) return globalThis.fetch(input, init);
    const options: FetchInit = {
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers)),
      signal: init?.signal ?? undefined,
    };
    if (init?.redirect === "follow" || init?.redirect === "manual") {
      options.redirect = init.redirect;
    }
    // A FetchLike's response has every member the library reads (FetchResponse); the cast
    // keeps the sources on the standard Response type.
    return use(input instanceof Request ? input.url : input, options) as Promise<
      unknown
    > as Promise<
      Response
    >;
  };
}
