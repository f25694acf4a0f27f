#!/usr/bin/env node
// The npm build on Node.js: builds dist/, serves a random object from a node:http server
// that honours Range, and through dist/mod.js: downloads it with 4 connections; downloads it
// with HTTP_PROXY set (every request must show in a local proxy's log) and with NO_PROXY
// naming the host (none may); downloads it with undici's fetch passed as the `fetch` option;
// saves an object stored gzip-encoded as the stored bytes (a URL, an OSS bucket, through the
// proxy), and fails it with Node's own fetch as the option;
// never writes a range a server gzipped on the fly (the plain fallback, or ProtocolError);
// follows redirects; and checks what `require()` gives. Checks the bytes each time. Prints
// "node: N passed, N failed" (exits 1 on a failure).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const root = resolve(import.meta.dirname, "..");
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
const { Bucket, MemoryCheckpointStore, ProtocolError, resumableDownload, resumableDownloadUrl } =
  await import(
    join(root, "dist", "mod.js")
  );
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

// Encodings and redirects, by path: /stored.gz is an object stored gzip-encoded (every answer
// says Content-Encoding: gzip, Content-Range counts the stored bytes); /gzip206 gzips each 206
// on the fly (Content-Range of the plain bytes), its 200 is plain; /gzipall gzips every answer;
// /hop/N redirects N times (301, 302, 307, 308 in turn) to the plain data at /plain.
const plain = randomBytes(300 * 1024 + 7);
const stored = gzipSync(randomBytes(200 * 1024 + 3));
/** Answers to /stall whose connection is still open. */
const stalled = { open: 0 };
/** Each request's path and its Accept-Encoding header lines, as received. */
const wire = [];
const encoded = createServer((req, res) => {
  // An OSS bucket (path style on loopback) serves its /bkt/stored.gz as /stored.gz.
  const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/bkt\//, "/");
  const acceptEncoding = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === "accept-encoding") {
      acceptEncoding.push(req.rawHeaders[i + 1]);
    }
  }
  wire.push({ path, range: req.headers.range, acceptEncoding });
  const hop = /^\/hop\/(\d+)$/.exec(path);
  if (hop) {
    const n = Number(hop[1]);
    const status = [301, 302, 307, 308][n % 4];
    const location = n > 1 ? `/hop/${n - 1}` : `http://127.0.0.1:${encoded.address().port}/plain`;
    return res.writeHead(status, { location, "content-length": 0 }).end();
  }
  if (path === "/stall") {
    // The size as asked (bytes=0-0), then every body stops after a few bytes, the socket open.
    const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "") ?? [];
    const [start, end] = a === undefined ? [0, plain.length - 1] : [Number(a), Number(b)];
    const headers = { etag: '"stall"', "content-length": end - start + 1 };
    if (a !== undefined) headers["content-range"] = `bytes ${start}-${end}/${plain.length}`;
    stalled.open++;
    res.on("close", () => stalled.open--);
    res.writeHead(a === undefined ? 200 : 206, headers);
    if (end === start) return res.end(plain.subarray(start, end + 1));
    return res.write(plain.subarray(start, start + 1000));
  }
  const body = path === "/stored.gz" ? stored : plain;
  const headers = { etag: `"${path}"`, "accept-ranges": "bytes" };
  if (path === "/stored.gz") headers["content-encoding"] = "gzip";
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
  if (!m) {
    const whole = path === "/gzipall" ? gzipSync(body) : body;
    if (path === "/gzipall") headers["content-encoding"] = "gzip";
    return res.writeHead(200, { ...headers, "content-length": whole.length }).end(whole);
  }
  const [start, end] = [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
  let part = body.subarray(start, end + 1);
  if (path === "/gzip206" || path === "/gzipall") {
    part = gzipSync(part);
    headers["content-encoding"] = "gzip";
  }
  res.writeHead(206, {
    ...headers,
    "content-range": `bytes ${start}-${end}/${body.length}`,
    "content-length": part.length,
  }).end(part);
});
await new Promise((r) => encoded.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${encoded.address().port}`;
const fast = { initialDelay: 2, backoffLimit: 20, limit: 3 };

/** Downloads `path` of the encodings server in parts of 32 KiB; the result and the file. */
async function fetchEncoded(path, name, extra = {}) {
  const target = join(dir, name);
  const result = await resumableDownloadUrl(`${base}${path}`, target, {
    store: new MemoryCheckpointStore(),
    numThreads: 3,
    partSize: 32 * 1024,
    multigetThreshold: 1,
    retry: fast,
    ...extra,
  });
  return { result, bytes: readFileSync(target) };
}

/** Whether every request for `path` carried exactly one Accept-Encoding: identity. */
function identityOnce(path) {
  const seen = wire.filter((r) => r.path === path);
  const bad = seen.filter((r) => r.acceptEncoding.join("|") !== "identity");
  if (bad.length) console.error(`node: Accept-Encoding sent as`, bad[0].acceptEncoding);
  return seen.length > 0 && bad.length === 0;
}

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
  await check("a gzip-stored object is saved as stored, byte for byte, in ranges", async () => {
    const { result, bytes } = await fetchEncoded("/stored.gz", "stored.gz");
    const ranges = wire.filter((r) => r.path === "/stored.gz" && r.range !== "bytes=0-0");
    return bytes.equals(stored) && result.size === stored.length && ranges.length > 3 &&
      identityOnce("/stored.gz");
  });
  await check("a gzip-stored OSS object is saved as stored, byte for byte", async () => {
    const bucket = new Bucket({ endpoint: base, region: "cn-hangzhou", bucket: "bkt" });
    const target = join(dir, "oss-stored.gz");
    await resumableDownload(bucket, "stored.gz", target, {
      store: new MemoryCheckpointStore(),
      numThreads: 3,
      partSize: 32 * 1024,
      multigetThreshold: 1,
      retry: fast,
    });
    return readFileSync(target).equals(stored);
  });
  await check(
    "a gzip-stored object through HTTP_PROXY is saved as stored",
    () =>
      withProxyEnv({ HTTP_PROXY: proxy.url }, async () => {
        proxy.log.length = 0;
        const { bytes } = await fetchEncoded("/stored.gz", "stored-proxied.gz");
        return bytes.equals(stored) && proxy.log.length > 3;
      }),
  );
  await check("Node's own fetch as the fetch option: a gzip-stored object fails", async () => {
    try {
      await fetchEncoded("/stored.gz", "stored-decoded.gz", { fetch: globalThis.fetch });
      return false;
    } catch (e) {
      let saved = true;
      try {
        readFileSync(join(dir, "stored-decoded.gz"));
      } catch {
        saved = false;
      }
      return e instanceof Error && !saved;
    }
  });
  await check("gzip on 206: never written; the plain fallback gives the exact file", async () => {
    const events = [];
    const { bytes } = await fetchEncoded("/gzip206", "gzip206.bin", {
      onEvent: (e) => events.push(e),
    });
    const retried = events.some((e) => e.type === "retry" && e.error instanceof ProtocolError);
    return bytes.equals(plain) && retried && identityOnce("/gzip206");
  });
  await check("gzip on every answer: ProtocolError, the old target untouched", async () => {
    const target = join(dir, "gzipall.bin");
    writeFileSync(target, "old content");
    try {
      await fetchEncoded("/gzipall", "gzipall.bin");
      return false;
    } catch (e) {
      return e instanceof ProtocolError && /Content-Encoding: gzip/.test(e.message) &&
        readFileSync(target, "utf8") === "old content";
    }
  });
  await check("redirects are followed (4 hops), the exact file", async () => {
    wire.length = 0;
    const { bytes } = await fetchEncoded("/hop/4", "hops.bin");
    return bytes.equals(plain) && wire.some((r) => r.path === "/hop/1") &&
      identityOnce("/plain");
  });
  await check("more than 20 redirects fail, as fetch's do", async () => {
    try {
      await fetchEncoded("/hop/21", "hops21.bin", { retry: { ...fast, limit: 1 } });
      return false;
    } catch (e) {
      return /redirect count exceeded/.test(e?.message);
    }
  });
  await check("the caller's signal stops a stalled body, and its connection", async () => {
    const controller = new AbortController();
    const reason = new Error("stop here");
    setTimeout(() => controller.abort(reason), 300);
    try {
      await fetchEncoded("/stall", "stall.bin", { signal: controller.signal, numThreads: 1 });
      return false;
    } catch (e) {
      if (e !== reason) console.error("node: rejected with", e);
      // The stalled connections are closed (generous bound: a busy machine), not left open.
      for (let i = 0; i < 100 && stalled.open > 0; i++) await new Promise((r) => setTimeout(r, 50));
      if (stalled.open > 0) console.error(`node: ${stalled.open} stalled connections left open`);
      return e === reason && stalled.open === 0;
    }
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
  encoded.closeAllConnections();
  encoded.close();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log(`node: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
