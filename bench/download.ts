/**
 * The library as a command, for the benchmark: one download, then one JSON line on stdout.
 *
 *     deno run -A bench/download.ts <url> <target> <threads> [--no-verify] [options]
 *     bun bench/download.ts <url> <target> <threads> [--no-verify] [options]
 *
 * Options:
 *   --no-verify        `verify: false` (no CRC check, no re-check of saved parts on resume)
 *   --part-size N      bytes per part (default 8 MiB)
 *   --store DIR        checkpoint directory root (default bench/data/store)
 *   --progress         print `progress <consumed> <total>` on stderr after every write
 *
 * Prints `{"ms", "finishMs", "size", "resumed", "bytesFetched", "crc64"}` on success; `ms` is
 * the call's duration, `finishMs` the part of it after the last byte was written.
 *
 * @module
 */
import process from "node:process";
import { ResumableDownloadStore, resumableDownloadUrl } from "../mod.ts";

const MiB = 1024 * 1024;

function usage(): never {
  console.error(
    "usage: download.ts <url> <target> <threads> [--no-verify] [--part-size N] [--store DIR] [--progress]",
  );
  process.exit(2);
}

const positional: string[] = [];
let verify = true;
let partSize = 8 * MiB;
let storeRoot = new URL("./data/store", import.meta.url).pathname;
let progress = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--no-verify") verify = false;
  else if (a === "--progress") progress = true;
  else if (a === "--part-size") partSize = Number(args[++i]);
  else if (a === "--store") storeRoot = args[++i] ?? usage();
  else if (a.startsWith("--")) usage();
  else positional.push(a);
}
const [url, target, threads] = positional;
if (!url || !target || !threads) usage();

const t0 = performance.now();
let allWritten = 0;
const result = await resumableDownloadUrl(url, target, {
  numThreads: Number(threads),
  partSize,
  multigetThreshold: 1,
  store: new ResumableDownloadStore({ root: storeRoot, dir: "checkpoints" }),
  verify,
  progressCallback: (done, total) => {
    if (done === total && allWritten === 0) allWritten = performance.now();
    if (progress) process.stderr.write(`progress ${done} ${total}\n`);
  },
});
const end = performance.now();
console.log(JSON.stringify({
  ms: Math.round(end - t0),
  // From the last byte written to the end: final checks, fsync, rename, checkpoint removal.
  finishMs: Math.round(end - (allWritten || end)),
  size: result.size,
  resumed: result.resumed,
  bytesFetched: result.bytesFetched,
  crc64: result.crc64 ?? null,
}));
