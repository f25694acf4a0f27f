/**
 * The demo: the main job in one command, with no credentials and no network.
 *
 * 1. Starts the mock OSS in this process, holding a random object (256 MiB by default),
 *    throttled so the progress bar is worth watching, dropping a connection now and then,
 *    and checking OSS signature v4 with made-up credentials only it and the demo know.
 * 2. Runs the `resumable-download` command (src/cli/main.ts) as a child process on this
 *    runtime, kills it with SIGKILL at about 40% (no chance to save anything on the way out),
 *    and runs it again: it resumes from its last checkpoint.
 * 3. Compares the file with the original bytes and the CRC-64 with the one the mock
 *    computed, and says how much the kill and the dropped connections cost.
 *
 * ```sh
 * deno run -A demo/demo.ts            # or: bun demo/demo.ts
 * deno run -A demo/demo.ts --size 1GiB --threads 8 --seconds 20
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatBytes, formatDuration, parseSize } from "../src/cli/size.ts";
import { MockOss } from "../tests/mock_oss/mod.ts";
import { ossAuth } from "../tests/mock_oss/auth.ts";

const USAGE = `Usage: demo.ts [--size SIZE] [--threads N] [--seconds S] [--kill-at PERCENT] [--keep]
  --size SIZE        size of the random object (default 256MiB)
  --threads N        connections the download uses (default 4)
  --seconds S        about how long the transfer should take, for the throttle (default 12)
  --kill-at PERCENT  when to SIGKILL the first run (default 40)
  --keep             keep the temp directory with the downloaded file`;

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const BUCKET = "demo-bucket";
const KEY = "datasets/demo.bin";
const REGION = "cn-hangzhou";
/** Made-up credentials: the in-process mock is the only party that knows them. */
const ACCESS_KEY_ID = "LTAI-demo-only";
const ACCESS_KEY_SECRET = "demo-secret-known-only-to-the-mock";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const say = (text: string) => process.stdout.write(`${text}\n`);
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

interface CliEvent {
  event: string;
  [field: string]: unknown;
}

/** One run of the command: its exit, and the NDJSON events it printed on stdout. */
function runCommand(
  args: string[],
  env: Record<string, string>,
  onEvent: (event: CliEvent, pid: number) => void,
): Promise<{ code: number | null; signal: string | null; events: CliEvent[] }> {
  const child = spawn(process.execPath, [...(isDeno ? ["run", "-A"] : []), CLI, ...args], {
    // stderr is this terminal: the child draws its progress bar there.
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  const events: CliEvent[] = [];
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === "") continue;
      try {
        const event = JSON.parse(line) as CliEvent;
        events.push(event);
        onEvent(event, child.pid!);
      } catch {
        // not an event
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, events }));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "256MiB" },
      threads: { type: "string", default: "4" },
      seconds: { type: "string", default: "12" },
      "kill-at": { type: "string", default: "40" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const size = parseSize(values.size);
  const threads = Number(values.threads);
  const seconds = Number(values.seconds);
  const killAt = Number(values["kill-at"]);
  if (size < 16 * 1024 * 1024) throw new RangeError("--size must be at least 16MiB");
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError("--threads must be 1 to 64");
  }
  if (!(seconds > 0)) throw new RangeError("--seconds must be positive");
  if (!(killAt > 0 && killAt < 100)) throw new RangeError("--kill-at must be between 0 and 100");

  // 1. The mock OSS, in this process.
  say(bold(`resumable-download demo: ${formatBytes(size)} from a local mock OSS`));
  say(`  generating ${formatBytes(size)} of random data...`);
  const data = new Uint8Array(size);
  for (let at = 0; at < size; at += 1 << 30) {
    randomFillSync(data, at, Math.min(1 << 30, size - at));
  }
  const bytesPerSecond = Math.ceil(size / seconds / threads);
  const mock = new MockOss({
    bucket: BUCKET,
    bytesPerSecond,
    auth: ossAuth({
      credentials: { [ACCESS_KEY_ID]: { secret: ACCESS_KEY_SECRET } },
      region: REGION,
    }),
  });
  const stored = await mock.put(BUCKET, KEY, data);
  // Every fifth ranged GET breaks off after 1.5 MiB of body, as a flaky network would.
  let ranged = 0;
  mock.addFault({
    method: "GET",
    times: Infinity,
    when: (req) => req.range !== undefined && ++ranged % 5 === 0,
    fault: { kind: "drop", afterBytes: 1.5 * 1024 * 1024 },
  });
  const server = await mock.listen();
  const dir = await mkdtemp(join(tmpdir(), "resumable-download-demo-"));
  const target = join(dir, "demo.bin");
  say(`  mock OSS at ${server.url}: bucket "${BUCKET}", object "${KEY}"`);
  say(`  CRC-64 ${stored.crc64}, ETag ${stored.etag}`);
  say(
    `  throttled to ${formatBytes(bytesPerSecond)}/s per connection; every 5th range request ` +
      `is dropped after 1.5 MiB; signature v4 checked`,
  );
  say(`  destination ${target}`);

  const args = [
    "--json",
    "--threads",
    String(threads),
    "--store",
    join(dir, "checkpoints"),
    `oss://${BUCKET}/${KEY}`,
    `${dir}/`,
  ];
  const env = {
    OSS_ENDPOINT: server.url,
    OSS_REGION: REGION,
    OSS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    OSS_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
    OSS_SESSION_TOKEN: "",
    OSS_SIGNATURE_VERSION: "",
  };
  const command = `resumable-download --threads ${threads} oss://${BUCKET}/${KEY} ${dir}/`;
  const started = Date.now();
  try {
    // 2. The first run, killed at about 40%.
    say("");
    say(bold(`run 1: ${command}`));
    let killedAt: number | undefined;
    let servedAtKill = 0;
    const first = await runCommand(args, env, (event, pid) => {
      if (killedAt !== undefined || event.event !== "progress") return;
      const percent = Number(event.percent);
      if (percent >= killAt) {
        killedAt = percent;
        servedAtKill = mock.bytesServed();
        process.kill(pid, "SIGKILL");
      }
    });
    if (killedAt === undefined) {
      say(`\nthe first run ended before ${killAt}% (exit ${first.code}): nothing to demonstrate`);
      return 1;
    }
    const left = await readdir(dir);
    say("");
    say(bold(`>>> killed the download with SIGKILL at ${killedAt.toFixed(1)}%`));
    say(`    no clean-up was possible; left in ${dir}: ${left.sort().join(", ")}`);

    // 3. The second run resumes.
    say("");
    say(bold(`run 2: the same command again`));
    const second = await runCommand(args, env, () => {});
    const done = second.events.find((e) => e.event === "done");
    if (second.code !== 0 || !done) {
      const error = second.events.find((e) => e.event === "error");
      say(`\nthe second run failed (exit ${second.code}): ${String(error?.message ?? "")}`);
      return 1;
    }
    const start = second.events.find((e) => e.event === "start");
    const resumedBytes = Number(start?.resumedBytes ?? 0);

    // 4. Check the result ourselves.
    const file = new Uint8Array(await readFile(target));
    const identical = Buffer.compare(file, data) === 0;
    const crcMatches = done.crc64 === stored.crc64;
    const served = mock.bytesServed();
    const drops = mock.log.filter((entry) => entry.fault === "drop").length;
    const lostToKill = Math.max(0, servedAtKill - resumedBytes);
    const refetched = Math.max(0, served - size);
    say("");
    if (identical && crcMatches) {
      say(bold(`VERIFIED: ${target}`));
      say(`  byte-for-byte identical to the original ${formatBytes(size)}`);
      say(`  CRC-64 ${String(done.crc64)} matches the object's (checked by the command too)`);
    } else {
      say(bold(`NOT VERIFIED: identical bytes ${identical}, CRC-64 matches ${crcMatches}`));
    }
    say(
      `  run 2 resumed from ${String(start?.resumedPercent)}% ` +
        `(${formatBytes(resumedBytes)} kept from run 1) and fetched ${
          formatBytes(Number(done.bytesFetched))
        }`,
    );
    say(
      `  refetched after the kill: ${formatBytes(lostToKill)} ` +
        `(received by run 1 but not yet checkpointed when it died)`,
    );
    say(
      `  the server sent ${formatBytes(served)} in all for a ${formatBytes(size)} object ` +
        `(${formatBytes(refetched)} extra) through ${drops} dropped connection(s) and one kill`,
    );
    say(`  total time ${formatDuration(Date.now() - started)}`);
    return identical && crcMatches ? 0 : 1;
  } finally {
    await server.close();
    if (values.keep) say(`  kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exitCode = 1;
}
