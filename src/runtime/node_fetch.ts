/**
 * Node.js only: proxies from the environment, as Deno's and Bun's own `fetch` honour them.
 *
 * Deno and Bun send `fetch` through `HTTP_PROXY` / `HTTPS_PROXY` (either case) and skip the
 * hosts in `NO_PROXY`. Node's `fetch` ignores them, unless the process opted in with
 * `NODE_USE_ENV_PROXY=1` or `--use-env-proxy` on a Node.js that has it (24 and later). In every
 * other case, when a proxy variable is set, the default fetch becomes undici's `fetch` with an
 * `EnvHttpProxyAgent`, which reads the same variables. `undici` is imported on the first
 * request, only on Node.js, and only when a proxy is configured.
 *
 * @module
 */
import type { FetchLike } from "../sources/fetch_like.ts";
import { setPlatformFetch } from "../sources/fetch_like.ts";

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"];

type Env = Record<string, string | undefined>;

/** Whether this is Node.js itself (Deno and Bun also define `process.versions.node`). */
export function isNode(): boolean {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: object } };
  return g.Deno === undefined && g.Bun === undefined &&
    typeof (g.process?.versions as { node?: unknown } | undefined)?.node === "string";
}

/** Whether Node's own fetch already honours the proxy variables (opted in, and new enough). */
export function nodeProxiesItself(env: Env, execArgv: string[], version: string): boolean {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
  const optedIn = env.NODE_USE_ENV_PROXY === "1" || execArgv.includes("--use-env-proxy");
  return optedIn && major >= 24;
}

/**
 * A fetch that honours the proxy variables of `env` through undici, or `undefined` when no
 * proxy is set or Node's own fetch already honours them.
 *
 * @example
 * ```ts ignore
 * import { envProxyFetch } from "./node_fetch.ts";
 * const f = envProxyFetch({ HTTP_PROXY: "http://proxy.internal:3128" });
 * ```
 */
export function envProxyFetch(
  env: Env = process.env,
  execArgv: string[] = process.execArgv,
  version: string = process.version,
): FetchLike | undefined {
  if (!PROXY_VARIABLES.some((name) => env[name])) return undefined;
  if (nodeProxiesItself(env, execArgv, version)) return undefined;
  let loaded: Promise<FetchLike> | undefined;
  return async (input, init) => {
    loaded ??= import("undici").then(({ EnvHttpProxyAgent, fetch }) => {
      const dispatcher = new EnvHttpProxyAgent({
        httpProxy: env.HTTP_PROXY ?? env.http_proxy,
        httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
        noProxy: env.NO_PROXY ?? env.no_proxy,
        // Plain http:// requests go to the proxy as absolute URIs (as Deno, Bun and curl send
        // them); https:// ones are tunnelled with CONNECT.
        proxyTunnel: false,
      });
      return (i, o) => fetch(i, { ...o, dispatcher });
    });
    return (await loaded)(input, init);
  };
}

/**
 * On Node.js, makes {@linkcode envProxyFetch} the default fetch (where a proxy is set); does
 * nothing on Deno and Bun. Cheap; called at the start of every download.
 */
export function useNodeEnvProxy(): void {
  if (!isNode()) return;
  // One fetch (one connection pool) per proxy setting, not one per download.
  const key = [...PROXY_VARIABLES, "NO_PROXY", "no_proxy", "NODE_USE_ENV_PROXY"]
    .map((name) => process.env[name] ?? "").join("\n");
  if (current?.key !== key) current = { key, fetch: envProxyFetch() };
  setPlatformFetch(current.fetch);
}

let current: { key: string; fetch: FetchLike | undefined } | undefined;
