/**
 * In headless Chromium (Debian's /usr/bin/chromium, driven by npm puppeteer-core), a
 * dedicated worker running the esbuild bundle of web.ts downloads into the Origin Private
 * File System with OpfsFileSystem, is aborted at 40 % and resumes, exact. Skips when
 * chromium, puppeteer-core or esbuild is missing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MiB, randomBytes, tempDir } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const chromium = "/usr/bin/chromium";
const esbuild = join(root, "node_modules", ".bin", "esbuild");
const havePuppeteer = existsSync(join(root, "node_modules", "puppeteer-core", "package.json"));
const skip = !existsSync(chromium)
  ? "chromium not installed (apt-get install chromium)"
  : !havePuppeteer
  ? "npm package puppeteer-core not installed"
  : !existsSync(esbuild)
  ? "npm package esbuild not installed"
  : false;

const WORKER = `
import { MemoryCheckpointStore, OpfsFileSystem, resumableDownloadUrl } from ${
  JSON.stringify(join(root, "web.ts"))
};
self.onmessage = async ({ data: { url } }) => {
  try {
    const fs = new OpfsFileSystem();
    const store = new MemoryCheckpointStore();
    const base = { fs, store, numThreads: 4, partSize: 1048576, multigetThreshold: 1 };
    const controller = new AbortController();
    let first = "finished";
    try {
      await resumableDownloadUrl(url, "/dl/big.bin", {
        ...base,
        signal: controller.signal,
        progressCallback: (done, total) => { if (done >= 0.4 * total) controller.abort(); },
      });
    } catch (e) {
      first = e.name;
    }
    const afterAbort = await Array.fromAsync((await (await navigator.storage.getDirectory())
      .getDirectoryHandle("dl")).keys());
    const second = await resumableDownloadUrl(url, "/dl/big.bin", base);
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle("dl");
    const file = await (await dir.getFileHandle("big.bin")).getFile();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    postMessage({ first, afterAbort, second, hex, size: file.size, names: await Array.fromAsync(dir.keys()) });
  } catch (e) {
    postMessage({ error: String(e && e.stack || e) });
  }
};
`;

const PAGE = `<!doctype html><script>
window.result = new Promise((resolve) => {
  const w = new Worker("/worker.js", { type: "module" });
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => resolve({ error: "worker error: " + e.message });
  w.postMessage({ url: location.origin + "/big.bin" });
});
</script>`;

describe("OpfsFileSystem in headless Chromium", () => {
  it("a worker downloads into OPFS, is aborted at 40 % and resumes, exact", {
    skip,
    timeout: 180_000,
  }, async () => {
    const dir = await tempDir();
    const data = randomBytes(12 * MiB + 321, 31);
    await writeFile(join(dir.path, "worker.src.js"), WORKER);
    const built = spawnSync(esbuild, [
      join(dir.path, "worker.src.js"),
      "--bundle",
      "--format=esm",
      "--platform=browser",
      `--outfile=${join(dir.path, "worker.js")}`,
      "--log-level=error",
    ]);
    assert.equal(built.status, 0, String(built.stderr));
    const worker = await readFile(join(dir.path, "worker.js"));
    let served = 0;
    const server = createServer((req, res) => {
      if (req.url === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      if (req.url === "/worker.js") {
        return res.writeHead(200, { "content-type": "text/javascript" }).end(worker);
      }
      if (req.url !== "/big.bin") return res.writeHead(404).end();
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      const start = m ? Number(m[1]) : 0;
      const end = m && m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
      const body = data.subarray(start, end + 1);
      res.writeHead(m ? 206 : 200, {
        "content-length": String(body.length),
        "accept-ranges": "bytes",
        etag: '"opfs-1"',
        ...(m ? { "content-range": `bytes ${start}-${end}/${data.length}` } : {}),
      });
      served += body.length;
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const puppeteer = (await import("puppeteer-core")).default;
    const browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      userDataDir: join(dir.path, "profile"),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const result = await page.evaluate(() =>
        (globalThis as unknown as { result: unknown }).result
      ) as {
        error?: string;
        first: string;
        afterAbort: string[];
        second: { size: number; resumed: boolean; bytesFetched: number };
        hex: string;
        size: number;
        names: string[];
      };
      assert.equal(result.error, undefined, result.error);
      console.log("opfs:", JSON.stringify({ ...result, hex: undefined }), "served", served);
      assert.equal(result.first, "AbortError");
      assert.equal(result.afterAbort.length, 1, `the temp file stays: ${result.afterAbort}`);
      assert.match(result.afterAbort[0]!, /^big\.bin\.tmp-/);
      assert.equal(result.size, data.length);
      assert.equal(result.hex, createHash("sha256").update(data).digest("hex"), "exact bytes");
      assert.equal(result.second.resumed, true);
      assert.ok(
        result.second.bytesFetched < 0.7 * data.length,
        `resumed with ${result.second.bytesFetched} of ${data.length} bytes`,
      );
      assert.deepEqual(result.names, ["big.bin"]);
      assert.ok(served < 1.5 * data.length, `served ${served}`);
    } finally {
      await browser.close();
      server.close();
      await dir.cleanup();
    }
  });
});
