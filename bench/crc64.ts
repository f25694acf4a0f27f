/**
 * CRC-64/XZ throughput and combine cost: `hash-wasm` (raw, and through the shared-instance
 * wrapper the library uses) against the pure-JS table code, on whatever runtime runs it.
 *
 *     deno run -A bench/crc64.ts
 *     bun bench/crc64.ts
 *
 * Hashes 256 MiB of random data (a real 256 MiB buffer, so the data comes from memory, as a
 * download's does) in 1 MiB, 64 KiB and 16 KiB chunks; prints the best and the median of
 * several runs as a markdown table, then the cost of combine and of creating a hasher.
 *
 * @module
 */

import { createCRC64 } from "hash-wasm";
import { createCrc64 } from "../src/integrity/crc64.ts";
import { createCrc64Js } from "../src/integrity/crc64_table.ts";
import { createCrc64Wasm } from "../src/integrity/crc64_wasm.ts";
import { crc64Combine, crc64CombineMatrix } from "../src/integrity/crc64_combine.ts";
import type { Crc64Hasher } from "../src/integrity/crc64.ts";

const TOTAL = 256 * 1024 * 1024;
const RUNS = 5;

const data = new Uint8Array(TOTAL);
for (let off = 0; off < TOTAL; off += 65536) {
  crypto.getRandomValues(data.subarray(off, off + 65536));
}

/** A contender: a fresh hasher per run; `feed` hashes one chunk; `end` gives the CRC. */
interface Contender {
  name: string;
  make(): Promise<{ feed(chunk: Uint8Array): void; end(): bigint }>;
}

const ours = (name: string, create: () => Promise<Crc64Hasher>): Contender => ({
  name,
  async make() {
    const h = await create();
    return { feed: (c) => h.update(c), end: () => h.digest() };
  },
});

const contenders: Contender[] = [
  {
    name: "hash-wasm createCRC64 (raw)",
    async make() {
      const h = await createCRC64();
      h.init();
      return { feed: (c) => h.update(c), end: () => BigInt(`0x${h.digest("hex")}`) };
    },
  },
  ours("wasm wrapper (createCrc64Wasm)", async () => (await createCrc64Wasm())!),
  ours("JS table (createCrc64Js)", () => Promise.resolve(createCrc64Js())),
  {
    // Each chunk fed as 1 byte + the rest: the rest starts at an odd offset.
    name: "JS table, misaligned (odd offsets)",
    make() {
      const h = createCrc64Js();
      return Promise.resolve({
        feed: (c) => void h.update(c.subarray(0, 1)).update(c.subarray(1)),
        end: () => h.digest(),
      });
    },
  },
  ours("createCrc64 (the library's pick)", () => createCrc64()),
  {
    // Four hashers taking turns chunk by chunk (parts downloaded in parallel): the wrapper
    // swaps its 8-byte state in and out of the shared wasm instance on every chunk.
    name: "wasm wrapper, 4 streams interleaved",
    async make() {
      const hs = await Promise.all([0, 1, 2, 3].map(async () => (await createCrc64Wasm())!));
      let i = 0;
      return {
        feed: (c) => void hs[i++ & 3]!.update(c),
        end: () => hs.reduce((x, h) => x ^ h.digest(), 0n),
      };
    },
  },
  {
    name: "wasm wrapper, digest() after every chunk",
    async make() {
      const h = (await createCrc64Wasm())!;
      let last = 0n;
      return {
        feed: (c) => void (last = h.update(c).digest()),
        end: () => last,
      };
    },
  },
  {
    name: "JS table, digest() after every chunk",
    make() {
      const h = createCrc64Js();
      let last = 0n;
      return Promise.resolve({
        feed: (c) => void (last = h.update(c).digest()),
        end: () => last,
      });
    },
  },
];

async function run(c: Contender, chunk: number): Promise<{ mbps: number; crc: bigint }> {
  const h = await c.make();
  const t0 = performance.now();
  for (let off = 0; off < TOTAL; off += chunk) h.feed(data.subarray(off, off + chunk));
  const ms = performance.now() - t0;
  return { mbps: TOTAL / 1e6 / (ms / 1000), crc: h.end() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const runtime = typeof navigator !== "undefined" ? navigator.userAgent : "unknown runtime";

console.log(`# CRC-64/XZ on ${runtime}\n`);
console.log(`256 MiB of random data; MB/s = 10^6 bytes/s; best and median of ${RUNS} runs.\n`);
console.log("| implementation | chunk | best MB/s | median MB/s |");
console.log("| --- | --- | ---: | ---: |");
const seen = new Map<string, bigint>();
for (const chunk of [1024 * 1024, 64 * 1024, 16 * 1024]) {
  for (const c of contenders) {
    await run(c, chunk); // warm-up
    const rates: number[] = [];
    let crc = 0n;
    for (let r = 0; r < RUNS; r++) ({ mbps: rates[r], crc } = await run(c, chunk));
    const key = c.name.includes("4 streams") ? `interleaved/${chunk}` : "one";
    const want = seen.get(key);
    if (want === undefined) seen.set(key, crc);
    else if (want !== crc) throw new Error(`${c.name} gave a different CRC: ${crc} != ${want}`);
    const label = chunk >= 1024 * 1024 ? `${chunk / 1024 / 1024} MiB` : `${chunk / 1024} KiB`;
    console.log(
      `| ${c.name} | ${label} | ${Math.max(...rates).toFixed(0)} | ${median(rates).toFixed(0)} |`,
    );
  }
}

function perCall(f: (i: number) => unknown, minMs = 300): number {
  for (let i = 0; i < 100; i++) f(i); // warm-up
  let n = 0;
  const t0 = performance.now();
  let ms = 0;
  do {
    for (let i = 0; i < 100; i++) f(n + i);
    n += 100;
    ms = performance.now() - t0;
  } while (ms < minMs);
  return (ms * 1000) / n;
}

async function perCallAsync(f: () => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < 20; i++) await f();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await f();
  return ((performance.now() - t0) * 1000) / count;
}

const crcs = Array.from(
  { length: 1024 },
  (_, i) => BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n),
);
const lengths: [string, (i: number) => number][] = [
  ["1 MiB", () => 1 << 20],
  ["64 MiB", () => 64 << 20],
  ["5 GiB", () => 5 * 2 ** 30],
  ["random < 2^40", (i) => (i * 2654435761) % 2 ** 40],
];

console.log("\n| combine | len2 | µs/call |");
console.log("| --- | --- | ---: |");
for (
  const [impl, f] of [["crc64Combine", crc64Combine], [
    "crc64CombineMatrix",
    crc64CombineMatrix,
  ]] as const
) {
  for (const [label, len] of lengths) {
    const us = perCall((i) => f(crcs[i & 1023]!, crcs[(i + 1) & 1023]!, len(i)));
    console.log(`| ${impl} | ${label} | ${us.toFixed(2)} |`);
  }
}

console.log("\n| create a hasher | µs/call |");
console.log("| --- | ---: |");
console.log(
  `| hash-wasm createCRC64() + init() | ${
    (await perCallAsync(async () => (await createCRC64()).init(), 500)).toFixed(1)
  } |`,
);
console.log(
  `| createCrc64Wasm(seed) | ${(await perCallAsync(() => createCrc64Wasm(5n), 5000)).toFixed(2)} |`,
);
console.log(
  `| createCrc64(seed) | ${(await perCallAsync(() => createCrc64(5n), 5000)).toFixed(2)} |`,
);
console.log(`| createCrc64Js(seed) | ${perCall(() => createCrc64Js(5n)).toFixed(2)} |`);
