#!/usr/bin/env node
// The npm build on Node.js: builds dist/, serves a random object from a node:http server
// that honours Range, downloads it with 4 connections through dist/mod.js, and checks the
// bytes. Prints "node: 1 passed, 0 failed" (or exits 1).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
const { MemoryCheckpointStore, resumableDownloadUrl } = await import(join(root, "dist", "mod.js"));

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
let ok = false;
try {
  const target = join(dir, "out.bin");
  const url = `http://127.0.0.1:${server.address().port}/object`;
  const result = await resumableDownloadUrl(url, target, {
    store: new MemoryCheckpointStore(),
    numThreads: 4,
    partSize: 1024 * 1024,
    multigetThreshold: 1,
  });
  ok = result.size === data.length && readFileSync(target).equals(data);
  if (!ok) console.error("node: the downloaded bytes differ");
} catch (e) {
  console.error("node:", e);
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`node: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
