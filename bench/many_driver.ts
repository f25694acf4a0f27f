/**
 * `downloadMany` as a command, for the many-objects benchmark: reads a list of
 * `URL name` lines, downloads them into a directory, prints one JSON line.
 *
 *     deno run -A bench/many_driver.ts <list> <dir> <concurrency> <store> [--no-skip]
 *     bun bench/many_driver.ts <list> <dir> <concurrency> <store> [--no-skip]
 *
 * Integrity is on (the CRC-64 nginx sends per file is checked), the file checkpoint store
 * is used, and skip-unchanged keeps its records (a fresh store per timed run, so nothing
 * is skipped; `--no-skip` turns the records off).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { downloadMany, ResumableDownloadStore } from "../mod.ts";

const [list, dir, concurrency, store, flag] = process.argv.slice(2);
if (!list || !dir || !concurrency || !store) {
  console.error("usage: many_driver.ts <list> <dir> <concurrency> <store> [--no-skip]");
  process.exit(2);
}
const items = readFileSync(list, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => {
  const [url, name] = l.split(" ");
  return { source: url!, filename: `${dir}/${name}` };
});
const t0 = performance.now();
const result = await downloadMany(items, {
  concurrency: Number(concurrency),
  store: new ResumableDownloadStore({ root: store, dir: "." }),
  skipUnchanged: flag !== "--no-skip",
});
console.log(JSON.stringify({
  ms: Math.round(performance.now() - t0),
  downloaded: result.downloaded,
  skipped: result.skipped,
  failed: result.failed.length,
  firstFailure: result.failed[0]?.error.message,
  bytesFetched: result.bytesFetched,
}));
process.exit(result.failed.length ? 1 : 0);
