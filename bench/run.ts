/**
 * The benchmark: this library on Deno and Bun against `curl -o` and `aria2c`, on a 1 GiB
 * random object served over loopback by nginx (and by the Hono mock OSS), next to the
 * runtimes alone (`bench/raw_fetch.ts`), plus the bytes refetched after a `kill -9` at 50 %
 * and CRC-64 throughput. Writes `bench/RESULTS.md` (hand-written notes below its marker
 * line are kept).
 *
 *     deno run -A bench/run.ts [options]
 *
 * Options:
 *   --runs N         timed runs per contender on nginx (default 7)
 *   --mock-runs N    timed runs per contender on the mock OSS (default 3; 0 skips it)
 *   --kill-runs N    kill -9 experiments per runtime (default 3; 0 skips them)
 *   --size SIZE      object size, e.g. 1GiB (default), 256MiB
 *   --only A,B       only contenders whose name contains one of these words
 *   --no-crc         skip the CRC-64 throughput runs
 *   --out PATH       where to write the report (default bench/RESULTS.md; "-" for stdout)
 *   --base DIR       also time another checkout's library (its `bench/download.ts`, run by
 *                    this checkout's deno and bun), named `base deno 4 threads` etc., in the
 *                    same alternating rounds: a before/after in one run
 *
 * Needs nginx, aria2c, curl, cmp and GNU time (`/usr/bin/time`); when one is missing and
 * the bench runs as root with apt-get, it installs them, otherwise it says what to install:
 * `sudo apt-get install -y nginx aria2 curl time diffutils`.
 *
 * Everything it writes lives under `bench/data/` (gitignored): the object, nginx's config,
 * temp, pid and log files, the downloaded files (deleted after every run) and raw results
 * (`bench/data/results.json`). Runs alternate between contenders (the start rotates each
 * round) so that noise on a shared machine spreads evenly; caches are not dropped. Every
 * downloaded file is checked (size, then `cmp` against the source) before it counts.
 *
 * @module
 */

import { decodeSlot } from "../src/stores/record_slot.ts";

const MiB = 1024 * 1024;
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DATA = `${ROOT}/bench/data`;
const OUT_DIR = `${DATA}/out`;
const STORE = `${DATA}/store`;
const DRIVER = `${ROOT}/bench/download.ts`;
const RAW = `${ROOT}/bench/raw_fetch.ts`;
const BIN = `${ROOT}/node_modules/.bin`;
const DENO = exists(`${BIN}/deno`) ? `${BIN}/deno` : "deno";
const BUN = exists(`${BIN}/bun`) ? `${BIN}/bun` : "bun";

// ---------------------------------------------------------------------------------------
// options

interface Options {
  runs: number;
  mockRuns: number;
  killRuns: number;
  size: number;
  only: string[];
  crc: boolean;
  out: string;
  /** Another checkout (a git worktree) whose library is timed too, for a before/after. */
  base?: string;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(text.trim());
  if (!m) throw new RangeError(`not a size: ${JSON.stringify(text)}`);
  const power = m[2] ? "KMGT".indexOf(m[2].toUpperCase()) + 1 : 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}

function parseOptions(args: string[]): Options {
  const o: Options = {
    runs: 7,
    mockRuns: 3,
    killRuns: 3,
    size: 1024 * MiB,
    only: [],
    crc: true,
    out: `${ROOT}/bench/RESULTS.md`,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new TypeError(`${a} needs a value`);
      return v;
    };
    if (a === "--runs") o.runs = Number(next());
    else if (a === "--mock-runs") o.mockRuns = Number(next());
    else if (a === "--kill-runs") o.killRuns = Number(next());
    else if (a === "--size") o.size = parseSize(next());
    else if (a === "--only") o.only = next().split(",").filter(Boolean);
    else if (a === "--no-crc") o.crc = false;
    else if (a === "--out") o.out = next();
    else if (a === "--base") o.base = next().replace(/\/$/, "");
    else if (a === "--help" || a === "-h") {
      console.log(Deno.readTextFileSync(new URL(import.meta.url)).split("*/")[0]);
      Deno.exit(0);
    } else throw new TypeError(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// small helpers

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function log(...args: unknown[]): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

async function sh(cmd: string[], opts: { allowFail?: boolean } = {}): Promise<string> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success && !opts.allowFail) {
    throw new Error(`${cmd.join(" ")} failed (${out.code}):\n${text}`);
  }
  return text;
}

function which(name: string): string | undefined {
  if (name.startsWith("/")) return exists(name) ? name : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  for (const dir of ["/usr/sbin", "/sbin", "/usr/local/sbin"]) {
    if (exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function sizeLabel(n: number): string {
  if (n % (1024 * MiB) === 0) return `${n / 1024 / MiB} GiB`;
  if (n % MiB === 0) return `${n / MiB} MiB`;
  return `${n} B`;
}

function rmrf(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

// ---------------------------------------------------------------------------------------
// tools and data

const TOOLS: [string, string][] = [
  ["nginx", "nginx"],
  ["aria2c", "aria2"],
  ["curl", "curl"],
  ["/usr/bin/time", "time"],
  ["cmp", "diffutils"],
  ["ss", "iproute2"],
];

async function ensureTools(): Promise<Record<string, string>> {
  const missing = () => TOOLS.filter(([bin]) => !which(bin));
  let lack = missing();
  if (lack.length > 0) {
    const pkgs = lack.map(([, pkg]) => pkg);
    const canApt = Deno.uid() === 0 && which("apt-get");
    if (!canApt) {
      console.error(
        `missing: ${lack.map(([b]) => b).join(", ")}. Install them, e.g.\n` +
          `  sudo apt-get install -y ${pkgs.join(" ")}`,
      );
      Deno.exit(1);
    }
    log(`installing ${pkgs.join(" ")} with apt-get`);
    const install = ["apt-get", "install", "-y", "--no-install-recommends", ...pkgs];
    const first = await new Deno.Command(install[0]!, { args: install.slice(1) }).output();
    if (!first.success) {
      await sh(["apt-get", "update"]);
      await sh(install);
    }
    lack = missing();
    if (lack.length > 0) throw new Error(`still missing: ${lack.map(([b]) => b).join(", ")}`);
  }
  return Object.fromEntries(TOOLS.map(([bin]) => [bin, which(bin)!]));
}

async function ensureData(size: number): Promise<string> {
  Deno.mkdirSync(DATA, { recursive: true });
  const path = size === 1024 * MiB ? `${DATA}/object.bin` : `${DATA}/object-${size}.bin`;
  try {
    if (Deno.statSync(path).size === size) return path;
  } catch { /* make it */ }
  log(`writing ${sizeLabel(size)} of random bytes to ${path}`);
  const file = await Deno.open(`${path}.part`, { write: true, create: true, truncate: true });
  const buf = new Uint8Array(MiB);
  for (let done = 0; done < size;) {
    const n = Math.min(buf.length, size - done);
    for (let off = 0; off < n; off += 65536) {
      crypto.getRandomValues(buf.subarray(off, Math.min(off + 65536, n)));
    }
    let w = 0;
    while (w < n) w += await file.write(buf.subarray(w, n));
    done += n;
  }
  file.close();
  Deno.renameSync(`${path}.part`, path);
  return path;
}

/** The object's CRC-64/XZ as OSS sends it (cached beside the file, keyed by size and mtime). */
async function objectCrc(path: string): Promise<string> {
  const st = Deno.statSync(path);
  const stamp = `${st.size} ${st.mtime?.getTime()}`;
  try {
    const [s, crc] = Deno.readTextFileSync(`${path}.crc64`).trim().split("\n");
    if (s === stamp && crc) return crc;
  } catch { /* compute it */ }
  const { createCrc64 } = await import("../src/integrity/crc64.ts");
  const h = await createCrc64();
  const file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(4 * MiB);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    h.update(buf.subarray(0, n));
  }
  file.close();
  const crc = h.digest().toString();
  Deno.writeTextFileSync(`${path}.crc64`, `${stamp}\n${crc}\n`);
  return crc;
}

// ---------------------------------------------------------------------------------------
// servers

interface Server {
  name: string;
  url: string;
  port?: number;
  stop(): Promise<void>;
  /** Bytes of response bodies sent since `mark()` (nginx only). */
  mark?(): number;
  servedSince?(mark: number): Promise<{ bytes: number; requests: number }>;
}

async function startNginx(nginx: string, dataFile: string, crc64: string): Promise<Server> {
  const prefix = `${DATA}/nginx`;
  for (const d of ["tmp", "logs"]) Deno.mkdirSync(`${prefix}/${d}`, { recursive: true });
  const port = freePort();
  const accessLog = `${prefix}/logs/access.log`;
  Deno.writeTextFileSync(accessLog, "");
  const root = dataFile.slice(0, dataFile.lastIndexOf("/"));
  const name = dataFile.slice(dataFile.lastIndexOf("/") + 1);
  const conf = `# written by bench/run.ts
worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  types { application/octet-stream bin; }
  default_type application/octet-stream;
  log_format bench '$msec $status $body_bytes_sent "$http_range" "$http_user_agent"';
  access_log ${accessLog} bench;
  client_body_temp_path ${prefix}/tmp/client_body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    # What OSS sends: the library checks the whole file against it ("integrity on").
    add_header x-oss-hash-crc64ecma "${crc64}" always;
  }
}
`;
  Deno.writeTextFileSync(`${prefix}/nginx.conf`, conf);
  const child = new Deno.Command(nginx, {
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/logs/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const url = `http://127.0.0.1:${port}/${name}`;
  for (let i = 0;; i++) {
    try {
      const r = await fetch(url, { method: "HEAD" });
      await r.body?.cancel();
      if (r.ok) break;
    } catch { /* not yet */ }
    if (i > 100) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      throw new Error(`nginx did not start: ${await stderr}`);
    }
    await sleep(100);
  }
  const logSize = () => Deno.statSync(accessLog).size;
  return {
    name: "nginx",
    url,
    port,
    mark: logSize,
    async servedSince(mark) {
      // nginx writes a line when a request ends; a killed client's request ends when nginx
      // notices the closed socket: wait until the log stops growing.
      let last = -1;
      for (let i = 0; i < 50 && logSize() !== last; i++) {
        last = logSize();
        await sleep(200);
      }
      const bytes = Deno.readFileSync(accessLog).subarray(mark);
      let total = 0, requests = 0;
      for (const line of new TextDecoder().decode(bytes).split("\n")) {
        const f = line.split(" ");
        if (f.length < 3) continue;
        total += Number(f[2]);
        requests++;
      }
      return { bytes: total, requests };
    },
    async stop() {
      try {
        child.kill("SIGQUIT");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await stderr;
    },
  };
}

async function startMock(dataFile: string): Promise<Server> {
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", `${ROOT}/tests/mock_oss/main.ts`, "--object", `object.bin=${dataFile}`],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the mock OSS exited before listening: ${text}`);
    text += value;
  }
  const info = JSON.parse(text.slice(0, text.indexOf("\n")));
  reader.cancel().catch(() => {});
  return {
    name: "mock OSS",
    url: info.objects[0].url,
    async stop() {
      await child.stdin.close().catch(() => {});
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

// ---------------------------------------------------------------------------------------
// contenders and timed runs

interface Contender {
  name: string;
  /** `floor`: bench/raw_fetch.ts, the runtime without the library. */
  kind: "tool" | "deno" | "bun" | "floor";
  threads?: number;
  verify?: boolean;
  /** The command; `out` is the file to write. */
  cmd(url: string, out: string): string[];
  /** Writes nothing: no output check. */
  devNull?: boolean;
}

function contenders(base?: string): Contender[] {
  const aria = (n: number): Contender => ({
    name: `aria2c -x${n} -s${n} -k8M`,
    kind: "tool",
    cmd: (url, out) => [
      "aria2c",
      "-q",
      `-x${n}`,
      `-s${n}`,
      "-k8M",
      "--allow-overwrite=true",
      "--auto-file-renaming=false",
      "-d",
      out.slice(0, out.lastIndexOf("/")),
      "-o",
      out.slice(out.lastIndexOf("/") + 1),
      url,
    ],
  });
  const lib = (
    kind: "deno" | "bun",
    threads: number,
    verify = true,
    root?: string,
  ): Contender => ({
    name: `${root ? "base " : ""}${kind} ${threads} thread${threads > 1 ? "s" : ""}${
      verify ? "" : " --no-verify"
    }`,
    kind,
    threads,
    verify,
    cmd: (url, out) => [
      ...(kind === "deno" ? [DENO, "run", "-A"] : [BUN]),
      root ? `${root}/bench/download.ts` : DRIVER,
      url,
      out,
      String(threads),
      "--store",
      STORE,
      ...(verify ? [] : ["--no-verify"]),
    ],
  });
  const floor = (runtime: "deno" | "bun", threads: number): Contender => ({
    name: `${runtime} raw fetch ${threads} (floor)`,
    kind: "floor",
    threads,
    cmd: (url, out) => [
      ...(runtime === "deno" ? [DENO, "run", "-A"] : [BUN]),
      RAW,
      url,
      out,
      String(threads),
    ],
  });
  return [
    {
      name: "curl -o /dev/null",
      kind: "tool",
      devNull: true,
      cmd: (url) => ["curl", "-s", "-o", "/dev/null", url],
    },
    { name: "curl -o", kind: "tool", cmd: (url, out) => ["curl", "-s", "-o", out, url] },
    {
      // The library fsyncs before its rename; `sync FILE` is coreutils' fsync of that file.
      name: "curl -o + sync",
      kind: "tool",
      cmd: (url, out) => ["sh", "-c", 'curl -s -o "$1" "$2" && sync "$1"', "sh", out, url],
    },
    aria(4),
    aria(8),
    lib("deno", 1),
    lib("deno", 4),
    lib("deno", 8),
    lib("deno", 4, false),
    lib("bun", 1),
    lib("bun", 4),
    lib("bun", 8),
    lib("bun", 4, false),
    floor("deno", 4),
    floor("bun", 4),
    ...(base ? ([["deno", 1], ["deno", 4], ["bun", 1], ["bun", 4]] as const) : []).map((
      [kind, threads],
    ) => lib(kind, threads, true, base)),
  ];
}

interface Sample {
  wall: number;
  user: number;
  sys: number;
  rssKiB: number;
  /** The library only: ms from the last byte written to the end of the call. */
  finishMs?: number;
}

interface Row {
  contender: Contender;
  samples: Sample[];
  failures: string[];
}

function cleanOutputs(): void {
  rmrf(OUT_DIR);
  rmrf(STORE);
  Deno.mkdirSync(OUT_DIR, { recursive: true });
}

/** Runs `cmd` under GNU time; resolves the sample or throws with its output. */
async function timed(cmd: string[]): Promise<Sample> {
  const tfile = `${DATA}/time.txt`;
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%e %U %S %M", "-o", tfile, ...cmd],
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`exit ${out.code}: ${text.slice(-2000)}`);
  const lines = Deno.readTextFileSync(tfile).trim().split("\n");
  const [wall, user, sys, rss] = lines[lines.length - 1]!.split(" ").map(Number);
  const sample: Sample = { wall: wall!, user: user!, sys: sys!, rssKiB: rss! };
  const json = /^\{.*"finishMs":(\d+).*\}$/m.exec(new TextDecoder().decode(out.stdout));
  if (json) sample.finishMs = Number(json[1]);
  return sample;
}

async function checkOutput(out: string, source: string, size: number): Promise<void> {
  const st = Deno.statSync(out);
  if (st.size !== size) throw new Error(`${out} has ${st.size} bytes, want ${size}`);
  const r = await new Deno.Command("cmp", { args: ["-s", out, source] }).output();
  if (!r.success) throw new Error(`${out} differs from the source (cmp exit ${r.code})`);
}

async function timeAll(
  server: Server,
  list: Contender[],
  runs: number,
  source: string,
  size: number,
): Promise<Row[]> {
  const rows: Row[] = list.map((contender) => ({ contender, samples: [], failures: [] }));
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + round) % rows.length]!;
      cleanOutputs();
      const out = `${OUT_DIR}/object.bin`;
      try {
        const sample = await timed(row.contender.cmd(server.url, out));
        if (!row.contender.devNull) await checkOutput(out, source, size);
        row.samples.push(sample);
        log(
          `${server.name} round ${round + 1}/${runs} ${row.contender.name}: ${
            sample.wall.toFixed(2)
          } s, ${(sample.rssKiB / 1024).toFixed(0)} MiB`,
        );
      } catch (e) {
        row.failures.push(String((e as Error).message ?? e));
        log(`${server.name} ${row.contender.name} FAILED: ${(e as Error).message}`);
      }
    }
  }
  cleanOutputs();
  return rows;
}

// ---------------------------------------------------------------------------------------
// kill -9 at 50 %

interface KillResult {
  runtime: "deno" | "bun";
  threads: number;
  /** Bytes nginx sent to the killed run and to the resumed run (bodies). */
  served1: number;
  served2: number;
  /** Bytes in the kernel's socket buffers (sent by nginx, not yet read) at the kill. */
  inKernel: number;
  /** Bytes written at the last progress report before the kill. */
  written: number;
  /** Bytes the checkpoint on disk held when the process was dead. */
  saved: number;
  /** Bytes the resumed run fetched. */
  fetched2: number;
  /** served1 + served2 - size: everything sent twice. */
  refetched: number;
  /** served1 - inKernel - saved: bytes the killed process had read but not checkpointed. */
  lostInProcess: number;
}

function savedBytes(): number {
  const dir = `${STORE}/checkpoints`;
  // The newest whole slot of each record (two slot files per record: src/stores/file.ts).
  const newest = new Map<string, { seq: number; value: unknown }>();
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".json")) continue;
    const text = Deno.readTextFileSync(`${dir}/${e.name}`);
    const key = (() => {
      try {
        return JSON.parse(text.slice(0, text.indexOf("\n"))).key as string;
      } catch {
        return undefined;
      }
    })();
    const slot = key === undefined ? undefined : decodeSlot(text, key);
    const id = e.name.slice(0, 64);
    if (slot && slot.seq >= (newest.get(id)?.seq ?? -1)) newest.set(id, slot);
  }
  let total = 0;
  for (const { value } of newest.values()) {
    for (const p of (value as { parts: { done: number }[] }).parts) total += p.done;
  }
  return total;
}

/** Bytes queued in the sockets of connections to `port`: receive queues of the clients,
 * send queues of the server. */
async function socketQueues(port: number): Promise<number> {
  const out = await sh(["ss", "-tnH", "state", "established"], { allowFail: true });
  let total = 0;
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [recvQ, sendQ, local, peer] = f;
    if (peer!.endsWith(`:${port}`)) total += Number(recvQ); // a client socket
    if (local!.endsWith(`:${port}`)) total += Number(sendQ); // an nginx socket
  }
  return total;
}

async function killOnce(
  server: Server,
  runtime: "deno" | "bun",
  threads: number,
  source: string,
  size: number,
): Promise<KillResult> {
  cleanOutputs();
  const out = `${OUT_DIR}/object.bin`;
  const args = [
    ...(runtime === "deno" ? ["run", "-A"] : []),
    DRIVER,
    server.url,
    out,
    String(threads),
    "--store",
    STORE,
    "--progress",
  ];
  const bin = runtime === "deno" ? DENO : BUN;
  const m1 = server.mark!();
  const child = new Deno.Command(bin, { args, stdout: "null", stderr: "piped", cwd: ROOT })
    .spawn();
  // Read progress lines in the background; stop the process at the first one >= 50 %.
  let written = 0, rest = "";
  let half!: () => void;
  const reachedHalf = new Promise<void>((r) => (half = r));
  const pump = (async () => {
    let buf = "";
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += text;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^progress (\d+) (\d+)$/.exec(line);
        if (!m) {
          rest += line + "\n";
          continue;
        }
        written = Math.max(written, Number(m[1]));
        if (written >= size / 2) half();
      }
    }
    half();
  })();
  await reachedHalf;
  // Freeze it, let the pipe drain, measure what sits in the socket buffers, then kill.
  try {
    child.kill("SIGSTOP");
  } catch { /* it ended */ }
  await sleep(200);
  const inKernel = await socketQueues(server.port!);
  try {
    child.kill("SIGKILL");
  } catch { /* it ended */ }
  const status = await child.status;
  await pump.catch(() => {});
  if (status.success) throw new Error(`the download ended before the kill: ${rest}`);
  const saved = savedBytes();
  const served1 = await server.servedSince!(m1);
  const m2 = server.mark!();
  const second = await new Deno.Command(bin, {
    args: args.filter((a) => a !== "--progress"),
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).output();
  if (!second.success) {
    throw new Error(`the resumed run failed: ${new TextDecoder().decode(second.stderr)}`);
  }
  const result = JSON.parse(new TextDecoder().decode(second.stdout).trim().split("\n").pop()!);
  if (!result.resumed) throw new Error("the second run did not resume");
  await checkOutput(out, source, size);
  const served2 = await server.servedSince!(m2);
  cleanOutputs();
  return {
    runtime,
    threads,
    served1: served1.bytes,
    served2: served2.bytes,
    inKernel,
    written,
    saved,
    fetched2: result.bytesFetched,
    refetched: served1.bytes + served2.bytes - size,
    lostInProcess: served1.bytes - inKernel - saved,
  };
}

// ---------------------------------------------------------------------------------------
// CRC-64 throughput (bench/crc64.ts)

interface CrcResult {
  runtime: string;
  /** "implementation | chunk" -> median MB/s. */
  rows: { impl: string; chunk: string; best: number; median: number }[];
  raw: string;
}

async function crcBench(runtime: "deno" | "bun"): Promise<CrcResult> {
  const cmd = runtime === "deno"
    ? [DENO, "run", "-A", `${ROOT}/bench/crc64.ts`]
    : [BUN, `${ROOT}/bench/crc64.ts`];
  const raw = await sh(cmd);
  const rows = [];
  for (const line of raw.split("\n")) {
    const m = /^\| (.+?) \| (\d+ (?:MiB|KiB)) \| (\d+) \| (\d+) \|$/.exec(line);
    if (m) rows.push({ impl: m[1]!, chunk: m[2]!, best: Number(m[3]), median: Number(m[4]) });
  }
  return { runtime, rows, raw };
}

// ---------------------------------------------------------------------------------------
// report

async function machine(tools: Record<string, string>): Promise<string[]> {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const cores = navigator.hardwareConcurrency;
  const mem = /MemTotal:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1];
  const first = (s: string) => s.trim().split("\n")[0]!.trim();
  const fsType = first(await sh(["findmnt", "-no", "FSTYPE", "-T", DATA], { allowFail: true }));
  return [
    `- machine: ${model}, ${cores} cores, ${Math.round(Number(mem) / 1024 / 1024)} GiB RAM, ` +
    `Linux ${Deno.osRelease()}, ${fsType} under bench/data`,
    `- deno ${Deno.version.deno} (V8 ${Deno.version.v8}); bun ${
      first(await sh([BUN, "--version"]))
    }`,
    `- ${first(await sh([tools.nginx!, "-v"]))}; ${
      first(await sh([tools.aria2c!, "--version"]))
    }; ${first(await sh([tools.curl!, "--version"])).split(" ").slice(0, 2).join(" ")}`,
  ];
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

function table(rows: Row[], size: number): { lines: string[]; med: Map<string, number> } {
  const med = new Map<string, number>();
  for (const r of rows) med.set(r.contender.name, median(r.samples.map((s) => s.wall)));
  const aria4 = med.get("aria2c -x4 -s4 -k8M") ?? NaN;
  const curl = med.get("curl -o") ?? NaN;
  const lines = [
    "| contender | median wall s | min-max s | MB/s (median) | × aria2c -x4 | × curl -o | CPU s (user+sys) | finish ms | peak RSS MiB (median) | peak RSS MiB (max) | runs |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const w = med.get(r.contender.name)!;
    const walls = r.samples.map((s) => s.wall);
    const cpu = median(r.samples.map((s) => s.user + s.sys));
    const rss = Math.max(...r.samples.map((s) => s.rssKiB)) / 1024;
    const rssMedian = median(r.samples.map((s) => s.rssKiB)) / 1024;
    const finishes = r.samples.flatMap((s) => (s.finishMs === undefined ? [] : [s.finishMs]));
    const finish = finishes.length ? fmt(median(finishes), 0) : "";
    const fails = r.failures.length ? ` (${r.failures.length} failed)` : "";
    lines.push(
      `| ${r.contender.name} | ${fmt(w)} | ${fmt(Math.min(...walls))}-${
        fmt(Math.max(...walls))
      } | ${fmt(size / 1e6 / w, 0)} | ${fmt(w / aria4)} | ${fmt(w / curl)} | ${
        fmt(cpu)
      } | ${finish} | ${fmt(rssMedian, 0)} | ${fmt(rss, 0)} | ${r.samples.length}${fails} |`,
    );
  }
  return { lines, med };
}

function maxRss(rows: Row[], pred: (c: Contender) => boolean): number {
  let m = 0;
  for (const r of rows) {
    if (!pred(r.contender)) continue;
    for (const s of r.samples) m = Math.max(m, s.rssKiB / 1024);
  }
  return m;
}

// ---------------------------------------------------------------------------------------
// main

async function main(): Promise<void> {
  const o = parseOptions(Deno.args);
  const tools = await ensureTools();
  const source = await ensureData(o.size);
  const started = new Date();
  let list = contenders(o.base);
  if (o.only.length) list = list.filter((c) => o.only.some((w) => c.name.includes(w)));

  // Load both runtimes' module graphs once (the driver exits with a usage message).
  const drivers = [DRIVER, ...(o.base ? [`${o.base}/bench/download.ts`] : [])];
  for (
    const cmd of [
      ...drivers.flatMap((d) => [[DENO, "run", "-A", d], [BUN, d]]),
      [DENO, "run", "-A", RAW],
    ]
  ) {
    await sh(cmd, { allowFail: true });
  }

  const crc = await objectCrc(source);
  const nginx = await startNginx(tools.nginx!, source, crc);
  let nginxRows: Row[] = [];
  const kills: KillResult[] = [];
  try {
    log(`nginx serving ${nginx.url}`);
    nginxRows = await timeAll(nginx, list, o.runs, source, o.size);
    for (let i = 0; i < o.killRuns; i++) {
      for (const rt of ["deno", "bun"] as const) {
        try {
          const k = await killOnce(nginx, rt, 4, source, o.size);
          kills.push(k);
          log(
            `kill -9 ${rt}: sent twice ${(k.refetched / MiB).toFixed(2)} MiB, in sockets ${
              (k.inKernel / MiB).toFixed(2)
            }, lost in the process ${(k.lostInProcess / MiB).toFixed(2)}`,
          );
        } catch (e) {
          log(`kill -9 ${rt} FAILED: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await nginx.stop();
  }

  let mockRows: Row[] = [];
  if (o.mockRuns > 0) {
    const mock = await startMock(source);
    try {
      log(`mock OSS serving ${mock.url}`);
      const mockList = list.filter((c) =>
        [
          "curl -o",
          "aria2c -x4 -s4 -k8M",
          "deno 1 thread",
          "deno 4 threads",
          "bun 1 thread",
          "bun 4 threads",
        ]
          .includes(c.name)
      );
      mockRows = await timeAll(mock, mockList, o.mockRuns, source, o.size);
    } finally {
      await mock.stop();
    }
  }

  const crcs: CrcResult[] = [];
  if (o.crc) {
    for (const rt of ["deno", "bun"] as const) {
      log(`CRC-64 throughput on ${rt}`);
      crcs.push(await crcBench(rt));
    }
  }

  // ---- the report
  const L: string[] = [];
  const { lines, med } = table(nginxRows, o.size);
  const aria4 = med.get("aria2c -x4 -s4 -k8M") ?? NaN;
  const curlMed = med.get("curl -o") ?? NaN;
  L.push("# Benchmark results", "");
  L.push(
    `Written by \`deno run -A bench/run.ts\` on ${
      started.toISOString().slice(0, 16).replace("T", " ")
    } UTC ` +
      `(${Math.round((Date.now() - started.getTime()) / 1000)} s).`,
    "",
  );
  L.push(...await machine(tools));
  L.push(
    `- object: ${
      sizeLabel(o.size)
    } of random bytes, served over loopback; ${o.runs} runs per contender ` +
      `on nginx, alternating (the start rotates each round), caches not dropped; every output ` +
      `checked with \`cmp\` against the source. MB/s = 10^6 bytes/s. Peak RSS is the largest ` +
      `of the runs (\`/usr/bin/time\` %M). The library: \`bench/download.ts\` (8 MiB parts, ` +
      `\`multigetThreshold: 1\`, file checkpoint store), integrity on unless \`--no-verify\`. ` +
      `*raw fetch (floor)*: \`bench/raw_fetch.ts\`, the runtime alone (4 ranged fetches, 1 MiB ` +
      `coalesced writeSync at offsets; no CRC, checkpoint, checks, temp file or fsync).`,
    "",
  );
  L.push("## nginx (sendfile on), medians", "", ...lines, "");

  // targets
  const t = (ok: boolean) => (ok ? "**met**" : "**missed**");
  const target: string[] = ["## Targets (issue 6, issue 7)", ""];
  target.push("| target | measured | |", "| --- | --- | --- |");
  for (const rt of ["deno", "bun"]) {
    const w4 = med.get(`${rt} 4 threads`) ?? NaN;
    target.push(
      `| ${rt}, 4 threads ≤ 0.6 × aria2c -x4 | ${fmt(w4)} s = ${fmt(w4 / aria4)} × ${
        fmt(aria4)
      } s | ${t(w4 <= 0.6 * aria4)} |`,
    );
  }
  for (const rt of ["deno", "bun"]) {
    const w1 = med.get(`${rt} 1 thread`) ?? NaN;
    target.push(
      `| ${rt}, 1 thread ≤ curl -o | ${fmt(w1)} s = ${fmt(w1 / curlMed)} × ${fmt(curlMed)} s | ${
        t(w1 <= curlMed)
      } |`,
    );
  }
  for (const rt of ["deno", "bun"]) {
    const rss = maxRss(nginxRows, (c) => c.kind === rt);
    target.push(
      `| ${rt}, peak RSS < 128 MiB (all thread counts) | ${fmt(rss, 0)} MiB | ${t(rss < 128)} |`,
    );
  }
  for (const rt of ["deno", "bun"]) {
    const mine = kills.filter((k) => k.runtime === rt);
    const worst = mine.length ? Math.max(...mine.map((k) => k.lostInProcess)) : NaN;
    const raw = mine.length ? Math.max(...mine.map((k) => k.refetched)) : NaN;
    target.push(
      `| ${rt}, refetch after kill -9 at 50 % < 1 MiB per thread (4 threads: < 4 MiB) | worst of ${mine.length}: ${
        fmt(worst / MiB)
      } MiB read by the process and lost (${
        fmt(raw / MiB)
      } MiB sent twice, socket buffers included) | ${t(worst < 4 * MiB)} |`,
    );
  }
  for (const rt of ["deno", "bun"]) {
    const lib = med.get(`${rt} 4 threads`) ?? NaN;
    const raw = med.get(`${rt} raw fetch 4 (floor)`) ?? NaN;
    target.push(
      `| ${rt}, integrity + checkpoints cost ≤ 20 % over the runtime's floor (4 threads) | ${
        fmt(lib)
      } s vs ${fmt(raw)} s raw fetch: ${fmt((lib / raw - 1) * 100, 0)} % | ${
        t(lib <= raw * 1.2)
      } |`,
    );
  }
  for (const rt of ["deno", "bun"]) {
    const on = med.get(`${rt} 4 threads`) ?? NaN;
    const off = med.get(`${rt} 4 threads --no-verify`) ?? NaN;
    target.push(
      `| ${rt}, integrity costs < 10 % wall (4 threads, on vs off) | ${fmt(on)} s vs ${
        fmt(off)
      } s: ${fmt((on / off - 1) * 100, 0)} % | ${t(on <= off * 1.1)} |`,
    );
  }
  L.push(...target, "");

  if (kills.length) {
    L.push(
      "## Bytes refetched after kill -9 at 50 % (4 threads, nginx)",
      "",
      "The driver reports progress on stderr after every write; at the first report ≥ 50 % it " +
        "gets SIGSTOP, the socket queues of its connections are read with `ss` (client " +
        "Recv-Q + nginx Send-Q), then SIGKILL, and it is run again to completion. " +
        "*sent twice* = bytes nginx sent to both runs (`$body_bytes_sent`, killed " +
        "connections included) − object size. Of that, *in sockets* sat in kernel buffers " +
        "(sent, never read by the process: no client can keep those); *in the process* = " +
        "sent − in sockets − saved in the checkpoint: bytes the process had read but not " +
        "recorded, split into *read, not written* (being gathered or written) and " +
        "*written, not saved* (checkpoint lag). The target is about *in the process*.",
      "",
      "| runtime | sent twice MiB | in sockets MiB | in the process MiB | read, not written | written, not saved | resumed run fetched MiB |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const k of kills) {
      L.push(
        `| ${k.runtime} | ${fmt(k.refetched / MiB)} | ${fmt(k.inKernel / MiB)} | ${
          fmt(k.lostInProcess / MiB)
        } | ${fmt((k.served1 - k.inKernel - k.written) / MiB)} | ${
          fmt((k.written - k.saved) / MiB)
        } | ${fmt(k.fetched2 / MiB)} |`,
      );
    }
    L.push("");
  }

  if (mockRows.length) {
    const m = table(mockRows, o.size);
    L.push(
      "## Hono mock OSS (tests/mock_oss/main.ts on Deno, 64 KiB body chunks), medians",
      "",
      "The mock is a JS server on the same 2 cores, so it, not the client, sets the pace here; " +
        "it shows that the OSS code path (x-oss-hash-crc64ecma checked) works at speed.",
      "",
      ...m.lines,
      "",
    );
  }

  if (crcs.length) {
    L.push("## CRC-64/XZ throughput (bench/crc64.ts, 256 MiB, median MB/s)", "");
    const impls = [...new Set(crcs.flatMap((c) => c.rows.map((r) => `${r.impl}|${r.chunk}`)))];
    L.push(`| implementation | chunk | ${crcs.map((c) => c.runtime).join(" | ")} |`);
    L.push(`| --- | --- | ${crcs.map(() => "---:").join(" | ")} |`);
    for (const key of impls) {
      const [impl, chunk] = key.split("|");
      const cells = crcs.map((c) =>
        String(c.rows.find((r) => r.impl === impl && r.chunk === chunk)?.median ?? "-")
      );
      L.push(`| ${impl} | ${chunk} | ${cells.join(" | ")} |`);
    }
    L.push("");
  }

  for (const rows of [nginxRows, mockRows]) {
    for (const r of rows) {
      for (const f of r.failures) L.push(`- FAILED ${r.contender.name}: ${f.split("\n")[0]}`);
    }
  }

  // Hand-written notes below the marker survive a new run.
  const MARK = "<!-- notes below are kept when bench/run.ts rewrites this file -->";
  let notes = "";
  if (o.out !== "-") {
    try {
      const old = Deno.readTextFileSync(o.out);
      if (old.includes(MARK)) notes = old.slice(old.indexOf(MARK) + MARK.length);
    } catch { /* first run */ }
  }
  L.push(MARK);
  const report = L.join("\n") + (notes || "\n");
  Deno.writeTextFileSync(
    `${DATA}/results.json`,
    JSON.stringify({ started, options: o, nginxRows, mockRows, kills, crcs }, null, 1),
  );
  if (o.out === "-") console.log(report);
  else {
    Deno.writeTextFileSync(o.out, report);
    log(`wrote ${o.out}`);
  }
}

await main();
