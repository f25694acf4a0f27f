#!/usr/bin/env node
// The npm build on Node.js: builds dist/, serves a random object from a node:http server
// that honours Range, and through dist/mod.js: downloads it with 4 connections; downloads it
// with HTTP_PROXY set (every request must show in a local proxy's log) and with NO_PROXY
// naming the host (none may); downloads it with undici's fetch passed as the `fetch` option;
// and checks what `require()` gives. Checks the bytes each time. Prints
// "node: N passed, N failed" (exits 1 on a failure).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
const { MemoryCheckpointStore, resumableDownloadUrl } = await import(join(root, "dist", "mod.js"));
const { startProxy } = await import(join(root, "tests", "fixtures", "http_proxy.mjs"));

const data = randomBytes(5 * 1024 * 1024 + 123);
const server = createServer((req, res) => {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
  res.setHeader("etag", '"v1"');
  if (!m) return res.writeHead(200, { "content-length": data.length }).end(data);
  const [start, end] = [Number(m[1]), Math.min(Number(m[2]), data.length - 1)];
  res.writeHead(206, {
    "content-range": `bytes ${start}-${end}/${data.length}`,
    "content-length": end - start + 1,
  }).end(data.subarray(start, end + 1));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const dir = mkdtempSync(join(tmpdir(), "rd-node-"));
const proxy = await startProxy();
const url = `http://127.0.0.1:${server.address().port}/object`;
const results = [];

/** Runs one check; a thrown error or a false result counts as a failure. */
async function check(name, fn) {
  let ok = false;
  try {
    ok = (await fn()) === true;
    if (!ok) console.error(`node: ${name}: failed`);
  } catch (e) {
    console.error(`node: ${name}:`, e);
  }
  console.log(`node: ${ok ? "ok  " : "FAIL"} ${name}`);
  results.push(ok);
}

/** Downloads `url` to a new file in `dir` and compares the bytes. */
async function download(name, extra = {}) {
  const target = join(dir, `${name}.bin`);
  const result = await resumableDownloadUrl(url, target, {
    store: new MemoryCheckpointStore(),
    numThreads: 4,
    partSize: 1024 * 1024,
    multigetThreshold: 1,
    ...extra,
  });
  return result.size === data.length && readFileSync(target).equals(data);
}

/** Runs `fn` with the proxy variables set as given (empty strings for the others). */
async function withProxyEnv(values, fn) {
  const names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, values);
  try {
    return await fn();
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

try {
  await check("4 connections, exact bytes", () => download("plain"));
  await check(
    "HTTP_PROXY: every request through the proxy",
    () =>
      withProxyEnv({ HTTP_PROXY: proxy.url }, async () => {
        proxy.log.length = 0;
        const ok = await download("proxied");
        const seen = proxy.log.filter((r) => r.target === url).length;
        if (seen < 5) console.error(`node: only ${seen} requests through the proxy`);
        return ok && seen >= 5 && seen === proxy.log.length;
      }),
  );
  await check(
    "NO_PROXY: direct",
    () =>
      withProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }, async () => {
        proxy.log.length = 0;
        const ok = await download("direct");
        return ok && proxy.log.length === 0;
      }),
  );
  await check("undici's fetch as the fetch option", async () => {
    const { fetch } = await import("undici");
    return await download("undici", { fetch });
  });
  await check(
    "require() of the ESM build gives its exports (Node 20.19+) or ERR_REQUIRE_ESM",
    () => {
      const require = createRequire(import.meta.url);
      try {
        const mod = require(join(root, "dist", "mod.js"));
        return typeof mod.resumableDownloadUrl === "function";
      } catch (e) {
        return e?.code === "ERR_REQUIRE_ESM" || e?.code === "ERR_REQUIRE_ASYNC_MODULE";
      }
    },
  );
} finally {
  server.close();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log(`node: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
