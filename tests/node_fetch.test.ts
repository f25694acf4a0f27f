/**
 * The default fetch on Node.js (src/runtime/node_fetch.ts), run here on Deno and Bun through
 * the same undici package: the body is the bytes as sent (a gzip body stays gzip), one
 * `Accept-Encoding: identity` is asked for, redirects are followed as `fetch` follows them,
 * and the signal stops a body. The npm build on Node.js is checked by scripts/node_smoke.mjs.
 * Skipped on Bun, where `undici` is Bun's own built-in stand-in (its `request` is Bun's fetch).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { nodeFetch } from "../src/runtime/node_fetch.ts";
import { randomBytes, sameBytes } from "./helpers.ts";

const stored = gzipSync(randomBytes(64 * 1024, 31));

/** A loopback server: /gz (gzip-encoded), /hop/N (N redirects to /gz), /other (to `other`). */
async function listen(handler: (req: IncomingMessage) => void, other?: () => string) {
  const server: Server = createServer((req, res) => {
    handler(req);
    const path = req.url ?? "/";
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (hop) {
      const n = Number(hop[1]);
      const location = n > 1 ? `/hop/${n - 1}` : "/gz";
      return res.writeHead([301, 302, 303, 307, 308][n % 5]!, { location }).end();
    }
    if (path === "/other") return res.writeHead(302, { location: `${other!()}/gz` }).end();
    if (path === "/stall") return res.writeHead(200, { "content-length": "1000" }).write("x");
    res.writeHead(200, { "content-encoding": "gzip", "content-length": String(stored.length) });
    res.end(req.method === "HEAD" ? undefined : stored);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())), server };
}

async function bodyBytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

const onBun = "Bun" in globalThis
  ? "on Bun, undici is Bun's built-in stand-in (scripts/node_smoke.mjs checks Node.js)"
  : false;

describe("the default fetch on Node.js (undici request)", { skip: onBun }, () => {
  const seen: IncomingMessage[] = [];
  const fetcher = nodeFetch({});
  let a: Awaited<ReturnType<typeof listen>>;
  let b: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    a = await listen((req) => seen.push(req), () => b.url);
    b = await listen((req) => seen.push(req));
  });
  after(async () => {
    a.server.closeAllConnections();
    await a.close();
    await b.close();
  });

  it("hands over a gzip body as sent, having asked for identity once", async () => {
    seen.length = 0;
    const response = await fetcher(`${a.url}/gz`, {
      method: "GET",
      headers: { "user-agent": "t", range: "bytes=0-" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), "gzip");
    assert.ok(sameBytes(await bodyBytes(response as Response), stored));
    const raw = seen[0]!.rawHeaders;
    const encodings = raw.filter((_, i) =>
      i % 2 === 0 && raw[i]!.toLowerCase() === "accept-encoding"
    );
    assert.equal(encodings.length, 1);
    assert.equal(seen[0]!.headers["accept-encoding"], "identity");
    assert.equal(seen[0]!.headers["user-agent"], "t");
  });

  it("keeps an Accept-Encoding the caller set", async () => {
    seen.length = 0;
    const response = await fetcher(`${a.url}/gz`, {
      method: "GET",
      headers: { "Accept-Encoding": "identity" },
    });
    await response.body?.cancel();
    assert.equal(seen[0]!.rawHeaders.filter((h) => /^accept-encoding$/i.test(h)).length, 1);
  });

  it("follows 20 redirects (method kept), fails at 21, and returns them with manual", async () => {
    seen.length = 0;
    const response = await fetcher(`${a.url}/hop/20`, { method: "GET", headers: {} });
    assert.equal(response.status, 200);
    assert.ok(sameBytes(await bodyBytes(response as Response), stored));
    assert.equal(seen.length, 21);
    assert.ok(seen.every((r) => r.method === "GET"));
    await assert.rejects(
      fetcher(`${a.url}/hop/21`, { method: "GET", headers: {} }),
      (e) => e instanceof TypeError && /redirect count/.test(String((e.cause as Error)?.message)),
    );
    const manual = await fetcher(`${a.url}/hop/1`, {
      method: "HEAD",
      headers: {},
      redirect: "manual",
    });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get("location"), "/gz");
  });

  it("HEAD has no body; a redirect keeps HEAD", async () => {
    seen.length = 0;
    const response = await fetcher(`${a.url}/hop/3`, { method: "HEAD", headers: {} });
    assert.equal(response.status, 200);
    assert.equal(response.body, null);
    assert.ok(seen.every((r) => r.method === "HEAD"));
  });

  it("drops authorization on a redirect to another origin only", async () => {
    seen.length = 0;
    const response = await fetcher(`${a.url}/other`, {
      method: "GET",
      headers: { authorization: "secret" },
    });
    await response.body?.cancel();
    assert.equal(seen[0]!.headers.authorization, "secret");
    assert.equal(seen[1]!.headers.authorization, undefined);
  });

  it("rejects as fetch does: a refused connection is a TypeError, an abort its reason", async () => {
    const closed = await listen(() => {});
    await closed.close();
    await assert.rejects(
      fetcher(`${closed.url}/gz`, { method: "GET", headers: {} }),
      (e) => e instanceof TypeError,
    );
    const controller = new AbortController();
    const response = await fetcher(`${a.url}/stall`, {
      method: "GET",
      headers: {},
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    assert.equal((await reader.read()).done, false);
    const reason = new Error("stop");
    const pending = reader.read();
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
  });
});
