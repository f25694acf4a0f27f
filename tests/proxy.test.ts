/**
 * Proxies from the environment: a download in a child process with `HTTP_PROXY` set goes
 * through a local proxy (its log shows every request), and `NO_PROXY` sends it direct. Deno
 * and Bun do this in their own fetch (loopback addresses included: neither exempts them
 * unless NO_PROXY says so); on Node.js the library does it (scripts/node_smoke.mjs).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type * as undici from "undici";
import type { FetchInit, FetchLike } from "../mod.ts";
import { setPlatformFetch, toFetch } from "../src/sources/fetch_like.ts";
import { isNode, proxyAgentOptions } from "../src/runtime/node_fetch.ts";
import { useMockOss } from "./mock_fixture.ts";
import { fileBytes, MiB, randomBytes, runScript, sameBytes } from "./helpers.ts";
// @ts-types="./fixtures/http_proxy.d.mts"
import { startProxy } from "./fixtures/http_proxy.mjs";

// Compile-time check: undici's fetch is accepted by the `fetch` option's type.
const _undiciFetchIsAccepted: FetchLike | undefined = undefined as typeof undici.fetch | undefined;

const BUCKET = "proxied";
const LONG = { timeout: 120_000 };
const script = new URL("./fixtures/download_url.ts", import.meta.url).pathname;

/** The environment of a child process with only these proxy settings. */
function proxyEnv(values: { proxy?: string; noProxy?: string }): Record<string, string> {
  // No update check: Deno's would go through the proxy too (and off the machine).
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  for (const name of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"]) {
    env[name] = values.proxy ?? "";
  }
  for (const name of ["NO_PROXY", "no_proxy"]) env[name] = values.noProxy ?? "";
  return env;
}

describe("HTTP_PROXY and NO_PROXY", () => {
  const { mock, dir } = useMockOss(BUCKET);
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  before(async () => {
    proxy = await startProxy();
  });
  after(async () => {
    await proxy.close();
  });

  it("sends every request through the proxy in HTTP_PROXY", LONG, async () => {
    const data = randomBytes(3 * MiB + 17, 7);
    await mock.put(BUCKET, "via-proxy.bin", data);
    const url = mock.urlFor(BUCKET, "via-proxy.bin");
    const target = join(dir.path, "via-proxy.bin");
    proxy.log.length = 0;
    const child = runScript(script, [url, target, join(dir.path, "store"), "2", String(MiB)], {
      env: proxyEnv({ proxy: proxy.url }),
    });
    const exit = await child.exited;
    assert.equal(exit.code, 0, child.stderr);
    assert.ok(sameBytes(await fileBytes(target), data));
    const seen = proxy.log.filter((r) => r.target === url);
    assert.equal(seen.length, mock.log.length, "every request the server saw came via the proxy");
    assert.ok(seen.length >= 4, `${seen.length} requests through the proxy`);
  });

  it("goes direct for a host in NO_PROXY", LONG, async () => {
    const data = randomBytes(MiB + 5, 8);
    await mock.put(BUCKET, "direct.bin", data);
    const url = mock.urlFor(BUCKET, "direct.bin");
    const target = join(dir.path, "direct.bin");
    proxy.log.length = 0;
    const child = runScript(script, [url, target, join(dir.path, "store")], {
      env: proxyEnv({ proxy: proxy.url, noProxy: new URL(url).hostname }),
    });
    const exit = await child.exited;
    assert.equal(exit.code, 0, child.stderr);
    assert.ok(sameBytes(await fileBytes(target), data));
    const origin = new URL(url).host;
    assert.deepEqual(proxy.log.filter((r) => r.target.includes(origin)), []);
    assert.ok(mock.log.length >= 1);
  });
});

describe("the default fetch", () => {
  it("is the platform fetch when one is set, with headers as a plain object", async () => {
    const calls: [string, FetchInit][] = [];
    const platform: FetchLike = (input, init) => {
      calls.push([String(input), init]);
      return Promise.resolve(new Response("ok", { status: 206 }));
    };
    const f = toFetch(); // made before the platform fetch is set: chosen at each call
    setPlatformFetch(platform);
    try {
      const response = await f("http://example.test/a", {
        method: "GET",
        headers: new Headers({ Range: "bytes=0-0" }),
        redirect: "manual",
      });
      assert.equal(response.status, 206);
    } finally {
      setPlatformFetch(undefined);
    }
    assert.deepEqual(calls, [["http://example.test/a", {
      method: "GET",
      headers: { range: "bytes=0-0" },
      signal: undefined,
      redirect: "manual",
    }]]);
  });

  it("on Node.js the default fetch goes through a proxy only when a proxy variable is set", () => {
    assert.equal(isNode(), false, "Deno and Bun are not Node.js");
    assert.equal(proxyAgentOptions({}), undefined);
    assert.equal(proxyAgentOptions({ NO_PROXY: "*" }), undefined);
    for (const name of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"]) {
      assert.notEqual(proxyAgentOptions({ [name]: "http://p:3128" }), undefined);
    }
    assert.deepEqual(
      proxyAgentOptions({
        http_proxy: "http://p:3128",
        HTTPS_PROXY: "http://s:3128",
        no_proxy: "a",
      }),
      { httpProxy: "http://p:3128", httpsProxy: "http://s:3128", noProxy: "a", proxyTunnel: false },
    );
  });
});
