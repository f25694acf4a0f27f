/**
 * The CLI for many objects and the curl/wget habits: -r, -i (file and stdin), -j,
 * --include/--exclude, --shard, --json events per object; -o, the current directory as the
 * default destination, -H, --limit-rate, --retries; and kill -9 mid-batch, rerun, third run.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BulkCliOptions, type CliOptions, parseCliArgs, UsageError } from "../src/cli/args.ts";
import { runCli } from "../src/cli/main.ts";
import { savedBytes } from "../src/cli/saved.ts";
import { Bucket, OssObjectSource, ResumableDownloadStore } from "../mod.ts";
import { MockOss } from "./mock_oss/mod.ts";
import {
  fileBytes,
  MiB,
  randomBytes,
  runtimeCommand,
  sameBytes,
  tempDir,
  waitFor,
} from "./helpers.ts";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const B = "cli-bulk";
const CLEAN_ENV = {
  OSS_ENDPOINT: "",
  OSS_REGION: "",
  OSS_ACCESS_KEY_ID: "",
  OSS_ACCESS_KEY_SECRET: "",
  OSS_SESSION_TOKEN: "",
  OSS_SECURITY_TOKEN: "",
  OSS_SIGNATURE_VERSION: "",
};

interface Event {
  event: string;
  [field: string]: unknown;
}

function events(stdout: string): Event[] {
  const lines = stdout.split("\n");
  lines.pop();
  return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Event);
}

/** The CLI as a child process of this runtime, with a working directory and stdin text. */
function child(args: string[], options: { cwd?: string; stdin?: string } = {}) {
  const [cmd, pre] = runtimeCommand(CLI);
  const p = spawn(cmd, [...pre, ...args], {
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...CLEAN_ENV },
  });
  let stdout = "", stderr = "";
  p.stdout.on("data", (d) => (stdout += d));
  p.stderr.on("data", (d) => (stderr += d));
  p.stdin.end(options.stdin ?? "");
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    p.on("close", (code, signal) => resolve({ code, signal }))
  );
  return {
    p,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await filesUnder(path, base));
    else out.push(path.slice(base.length + 1));
  }
  return out.sort();
}

describe("CLI arguments for many objects and the curl habits", () => {
  const bulk = (argv: string[], env = {}) => {
    const parsed = parseCliArgs(argv, env);
    assert.equal(parsed.command, "bulk");
    return (parsed as { options: BulkCliOptions }).options;
  };
  const single = (argv: string[]) => {
    const parsed = parseCliArgs(argv, {});
    assert.equal(parsed.command, "download");
    return (parsed as { options: CliOptions }).options;
  };
  it("parses -r, -j, --include/--exclude, --shard and the directory", () => {
    const o = bulk(
      [
        "-r",
        "-j",
        "16",
        "--include",
        "*.bin",
        "--include",
        "a/**",
        "--exclude",
        "tmp/**",
        "--shard",
        "1/3",
        "oss://b/p/",
        "out/",
      ],
      { OSS_ENDPOINT: "http://127.0.0.1:1" },
    );
    assert.deepEqual(o.prefix, { text: "oss://b/p/", bucket: "b", prefix: "p/" });
    assert.equal(o.jobs, 16);
    assert.equal(o.threads, 1);
    assert.deepEqual(o.include, ["*.bin", "a/**"]);
    assert.deepEqual(o.exclude, ["tmp/**"]);
    assert.deepEqual(o.shard, { index: 1, count: 3 });
    assert.equal(o.directory, "out/");
    assert.equal(o.oss?.endpoint, "http://127.0.0.1:1");
    const whole = bulk(["-r", "oss://b"], { OSS_ENDPOINT: "h" });
    assert.equal(whole.prefix?.prefix, "");
    assert.equal(whole.directory, ".");
    const list = bulk(["-i", "-", "--threads", "3", "dir"]);
    assert.equal(list.inputFile, "-");
    assert.equal(list.threads, 3);
  });

  it("parses -o, -H, --limit-rate, --retries; the destination defaults to the current directory", () => {
    const o = single([
      "-o",
      "x.bin",
      "-H",
      "X-Test: a: b",
      "--limit-rate",
      "1M",
      "--retries",
      "0",
      "https://h/a.bin",
    ]);
    assert.equal(o.destination, "x.bin");
    assert.deepEqual(o.headers, [["X-Test", "a: b"]]);
    assert.equal(o.limitRate, MiB);
    assert.equal(o.retries, 0);
    assert.equal(single(["https://h/a.bin"]).destination, ".");
  });

  it("refuses what does not fit, naming it", () => {
    const usage = (argv: string[], re: RegExp, env = {}) =>
      assert.throws(
        () => parseCliArgs(argv, env),
        (e) => e instanceof UsageError && re.test(e.message),
      );
    usage(["-j", "4", "https://h/a"], /--jobs applies to many objects/);
    usage(["--shard", "0/2", "https://h/a"], /--shard applies/);
    usage(["-r", "-j", "0", "oss://b/p"], /-j\/--jobs must be/, { OSS_ENDPOINT: "h" });
    usage(["-r", "--shard", "3/3", "oss://b/p"], /--shard must be I\/N/, { OSS_ENDPOINT: "h" });
    usage(["-r", "oss://b/p"], /needs an endpoint/);
    usage(["-r", "https://h/p"], /-r needs oss:\/\//);
    usage(["-r", "-i", "f", "oss://b/p"], /cannot be combined/, { OSS_ENDPOINT: "h" });
    usage(["-r", "-o", "f", "oss://b/p"], /-o\/--output names one file/, { OSS_ENDPOINT: "h" });
    usage(["-o", "f", "https://h/a", "extra"], /too many arguments/);
    usage(["-i", "f", "--sha256", "a".repeat(64)], /--sha256 is one file's digest/);
    usage(["-H", "no colon", "https://h/a"], /-H\/--header/);
    usage(["--retries", "-1", "https://h/a"], /--retries/);
  });
});

describe("the CLI against the mock OSS", () => {
  const mock = new MockOss({ bucket: B });
  let server: { close(): Promise<void> };
  let dir: { path: string; cleanup: () => Promise<void> } | undefined;
  const data = new Map<string, Uint8Array>();
  const BIG = "set/big/12 MiB.bin";
  before(async () => {
    server = await mock.listen();
    let seed = 7;
    for (let i = 0; i < 150; i++) {
      const key = `set/${i % 4 === 0 ? "deep/" : ""}${i % 3 ? "a b" : "c+d"} ${i}.bin`;
      const bytes = randomBytes((i * 1231) % 30_000, seed++);
      data.set(key, bytes);
      await mock.put(B, key, bytes);
    }
    const big = randomBytes(12 * MiB, 99);
    data.set(BIG, big);
    await mock.put(B, BIG, big);
    await mock.put(B, "set/deep/", new Uint8Array(0));
  });
  after(async () => {
    await server.close();
    await dir?.cleanup();
  });
  beforeEach(async () => {
    mock.clearFaults();
    mock.resetStats();
    await dir?.cleanup();
    dir = await tempDir();
  });
  const d = () => dir!.path;
  const common = () => ["--endpoint", mock.url, "--store", join(d(), "store")];
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: { write: (s: string) => void (out.stdout += s) },
        stderr: { write: (s: string) => void (out.stderr += s) },
        env: CLEAN_ENV,
        isTTY: false,
      },
    };
  };

  it("-r --json: one event per object and a summary; a failure sets the exit code", {
    timeout: 120_000,
  }, async () => {
    const failing = [...data.keys()].find((k) => k.includes("a b") && data.get(k)!.length > 0)!;
    mock.addFault({
      key: failing,
      fault: { kind: "status", status: 404, code: "NoSuchKey" },
      times: Infinity,
    });
    const { out, io: cliIo } = io();
    const code = await runCli(
      [
        "-r",
        "--json",
        "-j",
        "8",
        ...common(),
        "--exclude",
        "big/**",
        `oss://${B}/set/`,
        join(d(), "out"),
      ],
      cliIo,
    );
    assert.equal(code, 8, out.stderr);
    const evs = events(out.stdout);
    const objects = evs.filter((e) => e.event === "object");
    assert.equal(objects.length, 150);
    const failed = objects.filter((e) => e.type === "failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.key, failing);
    assert.equal((failed[0]!.error as { status: number }).status, 404);
    assert.equal(objects.filter((e) => e.type === "done").length, 149);
    const summary = evs.find((e) => e.event === "summary")!;
    assert.deepEqual(
      [summary.downloaded, summary.skipped, summary.failed, summary.exitCode],
      [149, 0, 1, 8],
    );
    assert.match(out.stderr, /149 downloaded, 0 unchanged \(skipped\), 1 failed/);
    assert.match(out.stderr, /failed: set\/.*The specified key does not exist/);
    for (const [key, bytes] of data) {
      if (key === failing || key === BIG) continue;
      assert.ok(sameBytes(await fileBytes(join(d(), "out", key.slice(4))), bytes), key);
    }
  });

  it("-r interrupted (SIGINT) exits 130 and says how to finish", { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    let stdout = "", stderr = "";
    const code = await runCli(
      [
        "-r",
        "--json",
        "-j",
        "2",
        ...common(),
        "--exclude",
        "big/**",
        `oss://${B}/set/`,
        join(d(), "out"),
      ],
      {
        stdout: {
          write: (s: string) => {
            stdout += s;
            if (s.includes('"type":"done"')) controller.abort();
          },
        },
        stderr: { write: (s: string) => void (stderr += s) },
        env: CLEAN_ENV,
        isTTY: false,
        signal: controller.signal,
      },
    );
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted: .*run the same command again/);
    const last = events(stdout).at(-1)!;
    assert.equal(last.event, "error");
    assert.equal(last.exitCode, 130);
  });

  it("-i FILE and -i - (stdin): lines URL [name], names kept under the directory", {
    timeout: 60_000,
  }, async () => {
    const keys = [...data.keys()].slice(0, 5);
    const lines = [
      "# a comment",
      ...keys.map((k, i) => i % 2 ? `${mock.urlFor(B, k)}  named/${i}.bin` : mock.urlFor(B, k)),
      "",
      `oss://${B}/${encodeURI(keys[0]!)}  via-oss.bin`,
    ];
    const list = join(d(), "list.txt");
    await writeFile(list, lines.join("\n"));
    const { out, io: cliIo } = io();
    assert.equal(
      await runCli(["-i", list, "--quiet", ...common(), join(d(), "o")], cliIo),
      0,
      out.stderr,
    );
    const expected = keys.map((
      k,
      i,
    ) => (i % 2 ? `named/${i}.bin` : k.slice(k.lastIndexOf("/") + 1)))
      .concat("via-oss.bin").sort();
    assert.deepEqual(await filesUnder(join(d(), "o")), expected);
    assert.ok(sameBytes(await fileBytes(join(d(), "o", "via-oss.bin")), data.get(keys[0]!)!));
    // The same list on stdin, in a child process.
    const run = child(["-i", "-", "--quiet", ...common(), join(d(), "stdin")], {
      stdin: lines.join("\n"),
    });
    assert.equal((await run.exited).code, 0, run.stderr);
    assert.deepEqual(await filesUnder(join(d(), "stdin")), expected);
    // A name that would leave the directory is a usage error before anything is fetched.
    await writeFile(list, `${mock.urlFor(B, keys[0]!)} ../escape.bin\n`);
    mock.resetStats();
    const bad = io();
    assert.equal(await runCli(["-i", list, ...common(), join(d(), "o")], bad.io), 2);
    assert.match(bad.out.stderr, /line 1: cannot save as "\.\.\/escape\.bin"/);
    assert.equal(mock.log.length, 0);
  });

  it("single downloads: the current directory by default, -o, -H, --retries", {
    timeout: 60_000,
  }, async () => {
    const key = [...data.keys()][3]!;
    const name = key.slice(key.lastIndexOf("/") + 1);
    const run = child(["--quiet", "--store", join(d(), "store"), mock.urlFor(B, key)], {
      cwd: d(),
    });
    assert.equal((await run.exited).code, 0, run.stderr);
    assert.ok(sameBytes(await fileBytes(join(d(), name)), data.get(key)!));
    mock.resetStats();
    const { out, io: cliIo } = io();
    const target = join(d(), "sub", "o.bin");
    assert.equal(
      await runCli([
        "--quiet",
        "-o",
        target,
        "-H",
        "x-oss-traffic-limit: 819200",
        "-H",
        "X-Extra: 1",
        "--store",
        join(d(), "store"),
        mock.urlFor(B, key),
      ], cliIo),
      0,
      out.stderr,
    );
    assert.ok(sameBytes(await fileBytes(target), data.get(key)!));
    assert.ok(mock.log.length > 0);
    assert.ok(
      mock.log.every((e) =>
        e.headers["x-oss-traffic-limit"] === "819200" && e.headers["x-extra"] === "1"
      ),
    );
    // --retries 0: one attempt per request, so a 503 fails at once.
    mock.resetStats();
    mock.addFault({ key, fault: { kind: "status", status: 503 }, times: Infinity });
    const r = io();
    const code = await runCli([
      "--quiet",
      "--retries",
      "0",
      "-o",
      join(d(), "r.bin"),
      "--store",
      join(d(), "store"),
      mock.urlFor(B, key),
    ], r.io);
    assert.notEqual(code, 0);
    assert.equal(mock.log.length, 1);
  });

  it("--limit-rate holds a single download to the rate (at least the time it implies)", {
    timeout: 60_000,
  }, async () => {
    const key = [...data.keys()].find((k) => data.get(k)!.length > 20_000)!;
    const size = data.get(key)!.length;
    const rate = Math.ceil(size / 1.2);
    const started = Date.now();
    const { out, io: cliIo } = io();
    assert.equal(
      await runCli([
        "--quiet",
        "--limit-rate",
        String(rate),
        "-o",
        join(d(), "l.bin"),
        "--store",
        join(d(), "store"),
        mock.urlFor(B, key),
      ], cliIo),
      0,
      out.stderr,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 700, `${size} bytes at ${rate} B/s took ${elapsed} ms`);
    assert.ok(sameBytes(await fileBytes(join(d(), "l.bin")), data.get(key)!));
  });

  it("kill -9 mid-batch, rerun: every completed object fetched once; a third run fetches nothing", {
    timeout: 180_000,
  }, async () => {
    // The big object stalls after 4 MiB, so the batch is surely unfinished at the kill.
    mock.addFault({
      key: BIG,
      method: "GET",
      fault: { kind: "stall", afterBytes: 4 * MiB, ms: 120_000 },
    });
    const args = [
      "-r",
      "--json",
      "-j",
      "4",
      "--threads",
      "2",
      ...common(),
      `oss://${B}/set/`,
      join(d(), "out"),
    ];
    const first = child(args);
    await waitFor(
      () => events(first.stdout).filter((e) => e.type === "done").length >= 40,
      60_000,
      "40 objects",
    );
    // What the checkpoint holds, not what the server sent: on a busy machine the client can
    // trail the server by megabytes, and its record trails the bytes on disk.
    const bigSaved = () =>
      savedBytes(
        new ResumableDownloadStore({ root: join(d(), "store"), dir: "." }),
        new OssObjectSource(new Bucket({ endpoint: mock.url, bucket: B }), BIG),
        join(d(), "out", BIG.slice(4)),
      );
    const until = Date.now() + 120_000;
    let saved = 0;
    while ((saved = await bigSaved()) < 2 * MiB) {
      assert.ok(Date.now() < until, `only ${saved} bytes of the big one checkpointed`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.p.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    const doneBefore = events(first.stdout).filter((e) => e.type === "done").map((e) =>
      e.key as string
    );
    const servedBefore = new Map([...data.keys()].map((k) => [k, mock.bytesServed({ key: k })]));
    assert.ok(doneBefore.length < data.size);
    mock.clearFaults();
    mock.resetStats();

    const second = child(args);
    assert.equal((await second.exited).code, 0, second.stderr);
    for (const [key, bytes] of data) {
      assert.ok(sameBytes(await fileBytes(join(d(), "out", key.slice(4))), bytes), key);
    }
    for (const key of doneBefore) {
      assert.equal(mock.bytesServed({ key }), 0, `${key} was done before the kill`);
    }
    // The big object resumes from its checkpoint: far less than its size again.
    const bigAgain = mock.bytesServed({ key: BIG });
    assert.ok(bigAgain <= 12 * MiB - saved, `big object refetched ${bigAgain} bytes`);
    // Nothing is fetched twice beyond what was in flight at the kill.
    let refetched = 0;
    for (const [key, bytes] of data) {
      if (key === BIG) continue;
      const again = mock.bytesServed({ key });
      assert.ok(again <= bytes.length, key);
      if (servedBefore.get(key)! > 0 && again > 0) refetched++;
    }
    assert.ok(refetched <= 4, `${refetched} objects in flight at the kill were fetched again`);
    const summary = events(second.stdout).find((e) => e.event === "summary")!;
    // Done before the kill, plus objects finished whose event was not out yet (at most -j).
    assert.ok(
      (summary.skipped as number) >= doneBefore.length &&
        (summary.skipped as number) <= doneBefore.length + 4,
      `${summary.skipped} skipped, ${doneBefore.length} done before the kill`,
    );

    mock.resetStats();
    const third = child(args);
    assert.equal((await third.exited).code, 0, third.stderr);
    assert.ok(mock.log.length > 0);
    assert.ok(
      mock.log.every((e) => e.key === "" && e.path.includes("list-type=2")),
      "only list requests",
    );
    const s3 = events(third.stdout).find((e) => e.event === "summary")!;
    assert.deepEqual([s3.downloaded, s3.skipped, s3.failed], [0, data.size, 0]);
  });
});
