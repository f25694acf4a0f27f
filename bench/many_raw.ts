/**
 * The floor for many objects: `concurrency` loops of `fetch` + write the body to a file,
 * nothing else (no temp file, rename, checksum, record or retry).
 *
 *     deno run -A bench/many_raw.ts <list> <dir> <concurrency>
 *     bun bench/many_raw.ts <list> <dir> <concurrency>
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import process from "node:process";

const [list, dir, concurrency] = process.argv.slice(2);
if (!list || !dir || !concurrency) {
  console.error("usage: many_raw.ts <list> <dir> <concurrency>");
  process.exit(2);
}
const items = readFileSync(list, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) =>
  l.split(" ") as [string, string]
);
mkdirSync(dir, { recursive: true });
const t0 = performance.now();
let next = 0;
let bytes = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < items.length) {
      const [url, name] = items[next++]!;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      const body = new Uint8Array(await response.arrayBuffer());
      writeFileSync(`${dir}/${name}`, body);
      bytes += body.length;
    }
  }),
);
console.log(JSON.stringify({ ms: Math.round(performance.now() - t0), bytes }));
