/**
 * The floor for the library on this machine: what the runtime itself reaches with the
 * plainest method (HEAD, then `threads` ranged fetches,
 * each body coalesced into 1 MiB and written at its offset with `fs.writeSync`), without
 * anything the library adds: no CRC, no checkpoint, no If-Match or Content-Range checks, no
 * retries, no temp file and rename, no fsync. Not a downloader: a yardstick, so that the
 * report can say what integrity and resumability cost on top of the runtime.
 *
 *     deno run -A bench/raw_fetch.ts <url> <target> <threads>
 *     bun bench/raw_fetch.ts <url> <target> <threads>
 *
 * Prints `{"ms", "size"}`.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";

const MiB = 1024 * 1024;
const [url, target, threadsText] = process.argv.slice(2);
if (!url || !target || !threadsText) {
  console.error("usage: raw_fetch.ts <url> <target> <threads>");
  process.exit(2);
}
const threads = Number(threadsText);

const t0 = performance.now();
const head = await fetch(url, { method: "HEAD" });
const size = Number(head.headers.get("content-length"));
const fd = fs.openSync(target, "w+");
fs.ftruncateSync(fd, size);

/** Fetches [start, end) and writes it at `start`, 1 MiB at a time. */
async function fetchRange(start: number, end: number): Promise<void> {
  const response = await fetch(url!, { headers: { range: `bytes=${start}-${end - 1}` } });
  if (response.status !== 206 || !response.body) throw new Error(`status ${response.status}`);
  const buffer = new Uint8Array(MiB);
  let filled = 0;
  let at = start;
  const flush = () => {
    for (let done = 0; done < filled;) {
      done += fs.writeSync(fd, buffer, done, filled - done, at + done);
    }
    at += filled;
    filled = 0;
  };
  for await (const chunk of response.body) {
    for (let used = 0; used < chunk.length;) {
      const n = Math.min(chunk.length - used, MiB - filled);
      buffer.set(chunk.subarray(used, used + n), filled);
      filled += n;
      used += n;
      if (filled === MiB) flush();
    }
  }
  flush();
  if (at !== end) throw new Error(`range ${start}-${end}: got ${at - start} bytes`);
}

const step = Math.ceil(size / threads);
const jobs: Promise<void>[] = [];
for (let start = 0; start < size; start += step) {
  jobs.push(fetchRange(start, Math.min(size, start + step)));
}
await Promise.all(jobs);
fs.closeSync(fd);
console.log(JSON.stringify({ ms: Math.round(performance.now() - t0), size }));
