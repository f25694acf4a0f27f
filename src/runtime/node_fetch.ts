/**
 * Node.js only: the default fetch, one that hands over the bytes as the server sent them and
 * honours the proxy variables, as Deno's and Bun's `fetch` do.
 *
 * Node's own `fetch` always decodes a `Content-Encoding: gzip` body, whatever the request
 * asked for, so an object stored gzip-encoded could not be saved as stored. The default fetch
 * on Node.js is therefore undici's `request()` (which never decodes) wrapped into a standard
 * `Response`, following redirects as `fetch` does. It goes through an `EnvHttpProxyAgent` when
 * `HTTP_PROXY` / `HTTPS_PROXY` (either case) is set, skipping the hosts in `NO_PROXY`, else
 * through undici's global dispatcher. `undici` is imported on the first request, only on
 * Node.js. A caller's own `fetch` option is used as given.
 *
 * @module
 */
import type { FetchInit, FetchLike } from "../sources/fetch_like.ts";
import { setPlatformFetch } from "../sources/fetch_like.ts";

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"];

/** The redirects followed for one request, as `fetch` does (then it fails). */
const MAX_REDIRECTS = 20;

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

type Env = Record<string, string | undefined>;

/** Whether this is Node.js itself (Deno and Bun also define `process.versions.node`). */
export function isNode(): boolean {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: object } };
  return g.Deno === undefined && g.Bun === undefined &&
    typeof (g.process?.versions as { node?: unknown } | undefined)?.node === "string";
}

/** Options of undici's `EnvHttpProxyAgent`. */
export interface ProxyAgentOptions {
  /** Proxy for http:// URLs. */
  httpProxy: string | undefined;
  /** Proxy for https:// URLs. */
  httpsProxy: string | undefined;
  /** Hosts reached directly. */
  noProxy: string | undefined;
  /** `false`: plain http:// requests go to the proxy as absolute URIs. */
  proxyTunnel: boolean;
}

/**
 * The proxy settings of `env` for undici's `EnvHttpProxyAgent`, or `undefined` when no proxy
 * variable is set (requests then go directly).
 *
 * @example
 * ```ts ignore
 * import { proxyAgentOptions } from "./node_fetch.ts";
 * proxyAgentOptions({ HTTP_PROXY: "http://proxy.internal:3128" }); // { httpProxy: ..., ... }
 * ```
 */
export function proxyAgentOptions(env: Env): ProxyAgentOptions | undefined {
  if (!PROXY_VARIABLES.some((name) => env[name])) return undefined;
  return {
    httpProxy: env.HTTP_PROXY ?? env.http_proxy,
    httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
    noProxy: env.NO_PROXY ?? env.no_proxy,
    // Plain http:// requests go to the proxy as absolute URIs (as Deno, Bun and curl send
    // them); https:// ones are tunnelled with CONNECT.
    proxyTunnel: false,
  };
}

type Undici = typeof import("undici");
type Dispatcher = import("undici").Dispatcher;

/**
 * A fetch that never decodes the body (undici's `request()` as a standard `Response`), through
 * the proxy of `env` when one is set. Redirects are followed (at most 20, method kept, the
 * `authorization` header dropped when the origin changes) unless `redirect` is `manual`.
 * Without an `Accept-Encoding`, it asks for `identity`, as `fetch` does for a `Range`.
 *
 * @example
 * ```ts ignore
 * import { nodeFetch } from "./node_fetch.ts";
 * const response = await nodeFetch({})("http://127.0.0.1:8080/a.gz", { method: "GET", headers: {} });
 * ```
 */
export function nodeFetch(env: Env = process.env): FetchLike {
  const proxy = proxyAgentOptions(env);
  let loaded: Promise<{ undici: Undici; dispatcher: Dispatcher }> | undefined;
  return async (input, init) => {
    loaded ??= import("undici").then((undici) => ({
      undici,
      dispatcher: proxy ? new undici.EnvHttpProxyAgent(proxy) : undici.getGlobalDispatcher(),
    }));
    const { undici, dispatcher } = await loaded;
    return await requestFollowing(undici, dispatcher, new URL(input), init);
  };
}

async function requestFollowing(
  undici: Undici,
  dispatcher: Dispatcher,
  url: URL,
  init: FetchInit,
): Promise<Response> {
  const method = init.method.toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers)) headers[name.toLowerCase()] = value;
  // undici's request() adds neither header; Node's fetch sends these two (identity with Range).
  headers["accept-encoding"] ??= "identity";
  headers["accept"] ??= "*/*";
  for (let redirects = 0;; redirects++) {
    const answer = await send(undici, dispatcher, url, method, headers, init.signal);
    const location = answer.headers.location;
    if (
      init.redirect === "manual" || !REDIRECT_STATUS.has(answer.statusCode) ||
      typeof location !== "string"
    ) {
      return toResponse(answer, method, init.signal);
    }
    await answer.body.dump().catch(() => {});
    if (redirects >= MAX_REDIRECTS) {
      throw new TypeError("fetch failed", { cause: new Error("redirect count exceeded") });
    }
    const next = new URL(location, url);
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new TypeError("fetch failed", { cause: new Error(`redirect to ${next.protocol}`) });
    }
    if (next.origin !== url.origin) delete headers.authorization;
    url = next;
  }
}

/** One request; rejects as `fetch` does (the signal's reason, else a `TypeError`). */
async function send(
  undici: Undici,
  dispatcher: Dispatcher,
  url: URL,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<import("undici").Dispatcher.ResponseData> {
  signal?.throwIfAborted();
  try {
    return await undici.request(url, {
      method: method as import("undici").Dispatcher.HttpMethod,
      headers,
      signal,
      dispatcher,
    });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError("fetch failed", { cause: e });
  }
}

/** undici's answer as a `Response`, its body a byte stream read on demand (bounded memory). */
function toResponse(
  answer: import("undici").Dispatcher.ResponseData,
  method: string,
  signal: AbortSignal | undefined,
): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const init = { status: answer.statusCode, statusText: answer.statusText ?? "", headers };
  if (method === "HEAD" || NULL_BODY_STATUS.has(answer.statusCode)) {
    answer.body.dump().catch(() => {});
    return new Response(null, init);
  }
  const source = answer.body;
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (e) {
        throw signal?.aborted ? signal.reason : new TypeError("terminated", { cause: e });
      }
      if (next.done) controller.close();
      else {
        const c = next.value;
        controller.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      }
    },
    cancel() {
      source.on("error", () => {}); // destroying emits an AbortError nobody waits for
      source.destroy();
    },
  }, { highWaterMark: 0 });
  return new Response(body, init);
}

/**
 * On Node.js, makes {@linkcode nodeFetch} the default fetch (bytes as sent, proxies from the
 * environment); does nothing on Deno and Bun. Cheap; called at the start of every download.
 */
export function useNodeFetch(): void {
  if (!isNode()) return;
  // One fetch (one connection pool) per proxy setting, not one per download.
  const key = [...PROXY_VARIABLES, "NO_PROXY", "no_proxy"]
    .map((name) => process.env[name] ?? "").join("\n");
  if (current?.key !== key) current = { key, fetch: nodeFetch() };
  setPlatformFetch(current.fetch);
}

let current: { key: string; fetch: FetchLike } | undefined;
