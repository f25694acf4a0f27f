/**
 * Peak memory of one download by thread count: the library (`bench/download.ts`) on Deno and
 * Bun fetches a random object from nginx over loopback with 1, 4, 16 and 64 threads; peak
 * RSS is GNU time's `%M`. Also the runtime alone (`--idle`: loads the library, downloads
 * nothing) as the floor. Prints a Markdown table; short on purpose (one run per cell unless
 * `--runs`), the machine is shared.
 *
 *     deno run -A bench/memory.ts [--size 1GiB] [--threads 1,4,16,64] [--runs 1] [--only deno]
 *                                 [--driver raw|cli] [--base DIR]
 *
 * `--driver raw` measures `bench/raw_fetch.ts` (the runtime's fetch and 1 MiB writes alone),
 * `--driver cli` the command (`src/cli/main.ts --quiet`). `--base DIR` measures another
 * checkout's library (its `bench/download.ts`, e.g. a git worktree of an older commit) with
 * this checkout's runtimes, for a before/after.
 *
 * Needs nginx (`/usr/sbin/nginx`) and GNU time (`/usr/bin/time`). Writes under
 * `bench/data/memory/` (gitignored) and removes the downloaded files.
 *
 * @module
 */

const MiB = 1024 * 1024;
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DATA = `${ROOT}/bench/data/memory`;
const BIN = `${ROOT}/node_modules/.bin`;
const RUNTIMES: Record<string, string[]> = {
  deno: [`${BIN}/deno`, "run", "-A"],
  bun: [`${BIN}/bun`],
};

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : fallback;
}

function parseSize(text: string): number {
  const m = /^(\d+)\s*([KMG])?i?B?$/i.exec(text.trim());
  if (!m) throw new RangeError(`not a size: ${text}`);
  return Number(m[1]) * 1024 ** (m[2] ? "KMG".indexOf(m[2].toUpperCase()) + 1 : 0);
}

const size = parseSize(arg("--size", "1GiB"));
const threadCounts = arg("--threads", "1,4,16,64").split(",").map(Number);
const runs = Number(arg("--runs", "1"));
const only = arg("--only", "deno,bun").split(",");
/** `raw`: bench/raw_fetch.ts (the runtime's fetch alone); `cli`: the command. */
const driver = arg("--driver", "download");
/** The checkout whose `bench/download.ts` (or CLI) is measured; this one by default. */
const checkout = arg("--base", ROOT).replace(/\/$/, "");

async function run(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd[0]!, { args: cmd.slice(1), stdin: "null" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function ensureObject(): string {
  const path = `${DATA}/object-${size}.bin`;
  try {
    if (Deno.statSync(path).size === size) return path;
  } catch { /* make it */ }
  Deno.mkdirSync(DATA, { recursive: true });
  const f = Deno.openSync(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(MiB);
  for (let done = 0; done < size; done += chunk.length) {
    for (let i = 0; i < chunk.length; i += 65536) {
      crypto.getRandomValues(chunk.subarray(i, i + 65536));
    }
    f.writeSync(chunk.subarray(0, Math.min(chunk.length, size - done)));
  }
  f.close();
  return path;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startNginx(file: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const prefix = `${DATA}/nginx`;
  for (const d of ["tmp", "logs"]) Deno.mkdirSync(`${prefix}/${d}`, { recursive: true });
  const port = freePort();
  Deno.writeTextFileSync(
    `${prefix}/nginx.conf`,
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
  sendfile on;
  access_log off;
  client_body_temp_path ${prefix}/tmp/b; proxy_temp_path ${prefix}/tmp/p;
  fastcgi_temp_path ${prefix}/tmp/f; uwsgi_temp_path ${prefix}/tmp/u; scgi_temp_path ${prefix}/tmp/s;
  server { listen 127.0.0.1:${port}; root ${DATA}; }
}
`,
  );
  const child = new Deno.Command("/usr/sbin/nginx", {
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/logs/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/${file.slice(file.lastIndexOf("/") + 1)}`;
  for (let i = 0;; i++) {
    try {
      const r = await fetch(url, { method: "HEAD" });
      await r.body?.cancel();
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error("nginx did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Peak RSS in MiB of `cmd` (GNU time %M), and its wall seconds. */
async function peak(cmd: string[]): Promise<{ mib: number; s: number }> {
  const t0 = performance.now();
  const r = await run(["/usr/bin/time", "-f", "MAXRSS %M", ...cmd]);
  const s = (performance.now() - t0) / 1000;
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`${cmd.join(" ")} failed (${r.code}): ${r.stderr}`);
  return { mib: Number(m[1]) / 1024, s };
}

const object = ensureObject();
const nginx = await startNginx(object);
const rows: string[] = [];
try {
  const out = `${DATA}/out.bin`;
  for (const rt of only) {
    const base = RUNTIMES[rt]!;
    const idle = await peak([...base, `${ROOT}/bench/memory_idle.ts`]);
    const cells: string[] = [`${idle.mib.toFixed(0)}`];
    for (const n of threadCounts) {
      let worst = 0, wall = 0;
      for (let i = 0; i < runs; i++) {
        const store = `${DATA}/store`;
        Deno.mkdirSync(store, { recursive: true });
        const r = await peak([
          ...base,
          ...(driver === "raw"
            ? [`${ROOT}/bench/raw_fetch.ts`, nginx.url, out, String(n)]
            : driver === "cli"
            ? [
              `${checkout}/src/cli/main.ts`,
              "--quiet",
              "--threads",
              String(n),
              "--store",
              store,
              nginx.url,
              out,
            ]
            : [`${checkout}/bench/download.ts`, nginx.url, out, String(n), "--store", store]),
        ]);
        worst = Math.max(worst, r.mib);
        wall = Math.max(wall, r.s);
        Deno.removeSync(out);
      }
      cells.push(`${worst.toFixed(0)} (${wall.toFixed(1)} s)`);
    }
    rows.push(`| ${rt} | ${cells.join(" | ")} |`);
  }
} finally {
  await nginx.stop();
}
console.log(
  `| runtime | idle MiB | ${threadCounts.map((n) => `${n} thr MiB (wall)`).join(" | ")} |`,
);
console.log(`| --- | ---: | ${threadCounts.map(() => "---:").join(" | ")} |`);
for (const r of rows) console.log(r);
