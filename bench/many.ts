/**
 * The many-objects benchmark: per-object overhead. nginx on loopback serves 2,000 objects of
 * 64 KiB (and 200 of 12 MiB), each with its own `x-oss-hash-crc64ecma` header (an nginx
 * `map`), so the library checks every file's CRC-64 as it would against OSS. Contenders, in
 * the same run, alternating (the start rotates each round):
 *
 * - `downloadMany`, concurrency 16, on Deno and Bun (`bench/many_driver.ts`): integrity on,
 *   file checkpoint store, skip-unchanged records written (fresh store and directory per run);
 * - `aria2c -i LIST -j16`, with its defaults and tuned (`--file-allocation=none
 *   --auto-save-interval=0 --disk-cache=0`: no control file, no preallocation);
 * - a bare fetch loop, 16 at a time, on Deno and Bun (`bench/many_raw.ts`): the floor.
 *
 *     deno run -A bench/many.ts [--runs N] [--sets small,big] [--only WORDS] [--out PATH]
 *
 * Every run's output is checked (count, sizes, and 16 files compared byte for byte) before
 * it counts. Data, lists, nginx files and outputs live under `bench/data/many/` (gitignored).
 * Prints a Markdown table (also written to `--out`, default `bench/data/many/results.md`).
 *
 * @module
 */
import { crc64 } from "../src/integrity/crc64.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DATA = `${ROOT}/bench/data/many`;
const BIN = `${ROOT}/node_modules/.bin`;
const DENO = `${BIN}/deno`;
const BUN = `${BIN}/bun`;

interface Set {
  name: string;
  count: number;
  size: number;
  runs: number;
}

const args = Deno.args;
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt("--runs") ?? 3);
const wanted = (opt("--sets") ?? "small,big").split(",");
const only = opt("--only")?.split(",") ?? [];
const out = opt("--out") ?? `${DATA}/results.md`;
const SETS: Set[] = [
  { name: "small", count: 2000, size: 64 * KiB, runs },
  { name: "big", count: 200, size: 12 * MiB, runs: Math.max(1, Math.min(runs, 3)) },
].filter((s) => wanted.includes(s.name));

function log(...a: unknown[]) {
  console.error(`[many ${new Date().toISOString().slice(11, 19)}]`, ...a);
}

/** Makes the files of a set (reproducible content) and their CRC-64s (cached). */
async function ensureSet(set: Set): Promise<Map<string, string>> {
  const dir = `${DATA}/www/${set.name}`;
  const cache = `${DATA}/${set.name}.crc.json`;
  try {
    const saved = JSON.parse(Deno.readTextFileSync(cache)) as Record<string, string>;
    if (Object.keys(saved).length === set.count) {
      const st = Deno.statSync(`${dir}/${set.count - 1}.bin`);
      if (st.size === set.size) return new Map(Object.entries(saved));
    }
  } catch { /* make it */ }
  log(`writing ${set.count} × ${set.size} bytes under ${dir}`);
  Deno.mkdirSync(dir, { recursive: true });
  const base = new Uint8Array(set.size);
  for (let o = 0; o < base.length; o += 65536) crypto.getRandomValues(base.subarray(o, o + 65536));
  const crcs: Record<string, string> = {};
  for (let i = 0; i < set.count; i++) {
    // Same random body, a different first 8 bytes: different files, different CRCs.
    new DataView(base.buffer).setFloat64(0, i);
    Deno.writeFileSync(`${dir}/${i}.bin`, base);
    crcs[`/${set.name}/${i}.bin`] = (await crc64(base)).toString();
  }
  Deno.writeTextFileSync(cache, JSON.stringify(crcs));
  return new Map(Object.entries(crcs));
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startNginx(crcs: Map<string, string>) {
  const prefix = `${DATA}/nginx`;
  for (const d of ["tmp", "logs"]) Deno.mkdirSync(`${prefix}/${d}`, { recursive: true });
  const port = freePort();
  const map = [...crcs].map(([uri, crc]) => `    ${uri} "${crc}";`).join("\n");
  Deno.writeTextFileSync(
    `${prefix}/nginx.conf`,
    `# written by bench/many.ts
worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 60;
  keepalive_requests 100000;
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/tmp/client_body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  map_hash_max_size 8192;
  map_hash_bucket_size 128;
  map $uri $crc64 {
    default "";
${map}
  }
  server {
    listen 127.0.0.1:${port};
    root ${DATA}/www;
    # What OSS sends: the library checks each file against it ("integrity on").
    add_header x-oss-hash-crc64ecma $crc64 always;
  }
}
`,
  );
  const child = new Deno.Command("/usr/sbin/nginx", {
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/logs/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`${url}/`, { method: "HEAD" });
      await r.body?.cancel();
      break;
    } catch { /* not yet */ }
    if (i > 100) throw new Error("nginx did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      child.kill("SIGQUIT");
      await child.status;
      await child.stderr.cancel().catch(() => {});
    },
  };
}

interface Contender {
  name: string;
  cmd: (list: string, aria: string, dir: string, store: string) => string[];
}

const ARIA2 = [
  "aria2c",
  "--allow-overwrite=true",
  "--auto-file-renaming=false",
  "--console-log-level=warn",
  "--summary-interval=0",
  "-q",
];

const ALL: Contender[] = [
  {
    name: "deno downloadMany -c16",
    cmd: (l, _a, d, s) => [DENO, "run", "-A", `${ROOT}/bench/many_driver.ts`, l, d, "16", s],
  },
  {
    name: "bun downloadMany -c16",
    cmd: (l, _a, d, s) => [BUN, `${ROOT}/bench/many_driver.ts`, l, d, "16", s],
  },
  {
    name: "aria2c -i -j16",
    cmd: (_l, a, d) => [...ARIA2, "-i", a, "-j16", "-d", d],
  },
  {
    // aria2c's defaults save a control file and preallocate per download; these turn that off.
    name: "aria2c -i -j16 tuned",
    cmd: (_l, a, d) => [
      ...ARIA2,
      "-i",
      a,
      "-j16",
      "-d",
      d,
      "--file-allocation=none",
      "--auto-save-interval=0",
      "--disk-cache=0",
    ],
  },
  {
    name: "deno fetch loop -c16 (floor)",
    cmd: (l, _a, d) => [DENO, "run", "-A", `${ROOT}/bench/many_raw.ts`, l, d, "16"],
  },
  {
    name: "bun fetch loop -c16 (floor)",
    cmd: (l, _a, d) => [BUN, `${ROOT}/bench/many_raw.ts`, l, d, "16"],
  },
];
const CONTENDERS = ALL.filter((c) => only.length === 0 || only.some((w) => c.name.includes(w)));

function rmrf(path: string) {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch { /* absent */ }
}

async function check(set: Set, dir: string) {
  const names = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
  if (names.length !== set.count) {
    throw new Error(`${dir}: ${names.length} files, not ${set.count}`);
  }
  for (const n of names) {
    if (Deno.statSync(`${dir}/${n}`).size !== set.size) throw new Error(`${dir}/${n}: wrong size`);
  }
  for (let k = 0; k < 16; k++) {
    const i = Math.floor(Math.random() * set.count);
    const [a, b] = await Promise.all([
      Deno.readFile(`${dir}/${i}.bin`),
      Deno.readFile(`${DATA}/www/${set.name}/${i}.bin`),
    ]);
    if (a.length !== b.length || a.some((x, j) => x !== b[j])) throw new Error(`${i}.bin differs`);
  }
}

async function timed(cmd: string[]): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const result = await child;
  const ms = performance.now() - t0;
  if (!result.success) {
    throw new Error(
      `${cmd.join(" ")} failed: ${new TextDecoder().decode(result.stdout)}${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const crcs = new Map<string, string>();
for (const set of SETS) for (const [k, v] of await ensureSet(set)) crcs.set(k, v);
const nginx = await startNginx(crcs);
const lines: string[] = [];
try {
  for (const set of SETS) {
    const list = `${DATA}/${set.name}.list`;
    const aria = `${DATA}/${set.name}.aria2`;
    const urls = Array.from({ length: set.count }, (_, i) => `${nginx.url}/${set.name}/${i}.bin`);
    Deno.writeTextFileSync(list, urls.map((u, i) => `${u} ${i}.bin`).join("\n") + "\n");
    Deno.writeTextFileSync(aria, urls.map((u, i) => `${u}\n  out=${i}.bin`).join("\n") + "\n");
    const samples = new Map<string, number[]>(CONTENDERS.map((c) => [c.name, []]));
    for (let round = 0; round < set.runs; round++) {
      for (let k = 0; k < CONTENDERS.length; k++) {
        const c = CONTENDERS[(k + round) % CONTENDERS.length]!;
        const dir = `${DATA}/out`;
        const store = `${DATA}/store`;
        rmrf(dir);
        rmrf(store);
        Deno.mkdirSync(dir, { recursive: true });
        const ms = await timed(c.cmd(list, aria, dir, store));
        await check(set, dir);
        samples.get(c.name)!.push(ms);
        log(`${set.name} round ${round + 1}: ${c.name} ${(ms / 1000).toFixed(2)} s`);
        rmrf(dir);
        rmrf(store);
      }
    }
    const ariaMed = median(samples.get("aria2c -i -j16") ?? [NaN]);
    lines.push(
      "",
      `### ${set.count} objects of ${
        set.size >= MiB ? `${set.size / MiB} MiB` : `${set.size / KiB} KiB`
      } (${set.runs} runs each, medians)`,
      "",
      "| contender | median wall s | min-max s | ms per object | × aria2c |",
      "| --- | ---: | ---: | ---: | ---: |",
    );
    for (const c of CONTENDERS) {
      const xs = samples.get(c.name)!;
      const m = median(xs);
      lines.push(
        `| ${c.name} | ${(m / 1000).toFixed(2)} | ${(Math.min(...xs) / 1000).toFixed(2)}-${
          (Math.max(...xs) / 1000).toFixed(2)
        } | ${(m / set.count).toFixed(2)} | ${(m / ariaMed).toFixed(2)} |`,
      );
    }
  }
} finally {
  await nginx.stop();
  rmrf(`${DATA}/out`);
  rmrf(`${DATA}/store`);
}
const text = lines.join("\n") + "\n";
Deno.writeTextFileSync(out, text);
console.log(text);
