/**
 * The command-line tool: sizes, arguments and exit codes in-process, then the real command
 * as a child process on the current runtime against the mock OSS on a real socket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  DownloadLockedError,
  HttpError,
  IntegrityError,
  LocalFileError,
  NetworkError,
  ObjectChangedError,
  OssError,
  ProtocolError,
} from "../mod.ts";
import { parseCliArgs, sourceBasename, UsageError } from "../src/cli/args.ts";
import { ExitCode, exitCodeFor, InterruptedError } from "../src/cli/exit_codes.ts";
import { runCli, VERSION } from "../src/cli/main.ts";
import { renderProgressLine, summaryLine, TransferTracker } from "../src/cli/progress.ts";
import { formatBytes, formatDuration, parseSize } from "../src/cli/size.ts";
import { MockOss } from "./mock_oss/mod.ts";
import { ossAuth } from "./mock_oss/auth.ts";
import { fileBytes, MiB, randomBytes, runScript, sameBytes, tempDir, waitFor } from "./helpers.ts";

/** Bun stops a test after 5 s unless told otherwise; this one runs child processes. */
const LONG = { timeout: 180_000 };

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const BUCKET = "bkt";
/** Keeps the developer's OSS_* variables out of the child processes. */
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

/** The complete NDJSON lines of `stdout` (a line still being written is left out). */
function events(stdout: string): Event[] {
  const lines = stdout.split("\n");
  lines.pop();
  return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Event);
}

/** Runs the CLI to the end; resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const run = runScript(CLI, args, { env: { ...CLEAN_ENV, ...env } });
  const { code, signal } = await run.exited;
  return { code, signal, stdout: run.stdout, stderr: run.stderr };
}

describe("parseSize and formatBytes", () => {
  it("parses plain bytes and binary units in any case", () => {
    assert.equal(parseSize("4096"), 4096);
    assert.equal(parseSize("8MiB"), 8 * MiB);
    assert.equal(parseSize("64M"), 64 * MiB);
    assert.equal(parseSize("64mb"), 64 * MiB);
    assert.equal(parseSize("1G"), 1024 * MiB);
    assert.equal(parseSize(" 2 GiB "), 2048 * MiB);
    assert.equal(parseSize("1.5K"), 1536);
    assert.equal(parseSize("512B"), 512);
    assert.equal(parseSize("1T"), 1024 * 1024 * MiB);
  });

  it("rejects what is not a size, naming the text", () => {
    for (const bad of ["", "abc", "-1", "8Q", "1e3", "8 iB", "1.5", "MiB"]) {
      assert.throws(() => parseSize(bad), (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match(
          e.message,
          new RegExp(JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
        );
        return true;
      }, bad);
    }
    assert.throws(() => parseSize("99999999P"), /too large/);
  });

  it("formats with binary units and three significant digits", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1024), "1.00 KiB");
    assert.equal(formatBytes(1536), "1.50 KiB");
    assert.equal(formatBytes(95.4 * MiB), "95.4 MiB");
    assert.equal(formatBytes(256 * MiB), "256 MiB");
    assert.equal(formatBytes(1024 * MiB - 1), "1.00 GiB");
    assert.equal(formatBytes(3 * 1024 * 1024 * MiB), "3.00 TiB");
  });

  it("round-trips: what formatBytes prints, parseSize reads back", () => {
    for (const n of [1024, 1536, 8 * MiB, 256 * MiB, 1024 * MiB]) {
      const text = formatBytes(n).replace(" ", "");
      assert.ok(Math.abs(parseSize(text) - n) / n < 0.01, text);
    }
  });

  it("formats durations", () => {
    assert.equal(formatDuration(850), "850ms");
    assert.equal(formatDuration(4200), "4.2s");
    assert.equal(formatDuration(42_000), "42s");
    assert.equal(formatDuration(245_000), "4m05s");
    assert.equal(formatDuration(7_380_000), "2h03m");
  });
});

describe("parseCliArgs", () => {
  const usage = (argv: string[], pattern: RegExp, env: Record<string, string> = {}) =>
    assert.throws(() => parseCliArgs(argv, env), (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, pattern);
      return true;
    });

  it("parses an http source with defaults", () => {
    const parsed = parseCliArgs(["https://example.com/a/big.iso?sig=1", "out/"]);
    assert.equal(parsed.command, "download");
    if (parsed.command !== "download") return;
    const o = parsed.options;
    assert.equal(o.source.kind, "http");
    assert.equal(o.destination, "out/");
    assert.equal(o.threads, 4);
    assert.equal(o.verify, true);
    assert.equal(o.partSize, undefined);
    assert.equal(o.quiet, false);
    assert.equal(o.json, false);
  });

  it("parses every flag", () => {
    const parsed = parseCliArgs([
      "--threads=8",
      "--part-size",
      "16MiB",
      "--threshold",
      "1M",
      "--store",
      "/tmp/s",
      "--sha256",
      "AB".repeat(32),
      "-q",
      "--json",
      "http://h/x",
      "y",
    ]);
    assert.equal(parsed.command, "download");
    if (parsed.command !== "download") return;
    const o = parsed.options;
    assert.equal(o.threads, 8);
    assert.equal(o.partSize, 16 * MiB);
    assert.equal(o.threshold, MiB);
    assert.equal(o.store, "/tmp/s");
    assert.equal(o.sha256, "ab".repeat(32));
    assert.equal(o.quiet, true);
    assert.equal(o.json, true);
    const nv = parseCliArgs(["--no-verify", "http://h/x", "y"]);
    assert.ok(nv.command === "download" && nv.options.verify === false);
  });

  it("takes OSS settings from flags first, then OSS_* variables", () => {
    const env = {
      OSS_ENDPOINT: "oss-cn-hangzhou.aliyuncs.com",
      OSS_ACCESS_KEY_ID: "env-id",
      OSS_ACCESS_KEY_SECRET: "env-secret",
      OSS_SESSION_TOKEN: "token",
      OSS_REGION: "cn-hangzhou",
    };
    const parsed = parseCliArgs(["--access-key-id", "flag-id", "oss://bkt/dir/a b.bin", "."], env);
    assert.ok(parsed.command === "download" && parsed.options.source.kind === "oss");
    const s = parsed.options.source;
    assert.equal(s.bucket, "bkt");
    assert.equal(s.key, "dir/a b.bin");
    assert.equal(s.endpoint, "oss-cn-hangzhou.aliyuncs.com");
    assert.equal(s.accessKeyId, "flag-id");
    assert.equal(s.accessKeySecret, "env-secret");
    assert.equal(s.securityToken, "token");
    assert.equal(s.region, "cn-hangzhou");
    const v1 = parseCliArgs(["--endpoint", "e", "--signature-version", "V1", "oss://b/k", "."]);
    assert.ok(v1.command === "download" && v1.options.source.kind === "oss");
    assert.equal(v1.options.source.signatureVersion, "v1");
  });

  it("answers --help and --version before checking anything else", () => {
    assert.deepEqual(parseCliArgs(["--help", "--threads", "0"]), { command: "help" });
    assert.deepEqual(parseCliArgs(["-V"]), { command: "version" });
  });

  it("names the problem in every usage error", () => {
    usage([], /missing <source>/);
    usage(["http://h/x", "a", "b"], /too many arguments: "b"/);
    usage(["--bogus", "http://h/x", "a"], /unknown option --bogus/);
    usage(["http://h/x", "a", "--threads"], /--threads needs a value/);
    usage(
      ["--threads", "0", "http://h/x", "a"],
      /--threads must be a whole number from 1 to 64: got "0"/,
    );
    usage(["--threads", "2.5", "http://h/x", "a"], /--threads/);
    usage(["--threads", "65", "http://h/x", "a"], /--threads/);
    usage(["--part-size", "8Q", "http://h/x", "a"], /--part-size: not a size: "8Q"/);
    usage(["--part-size", "6G", "http://h/x", "a"], /--part-size must be from 1 bytes/);
    usage(["--threshold", "lots", "http://h/x", "a"], /--threshold/);
    usage(["--sha256", "abc", "http://h/x", "a"], /--sha256 must be 64 hex digits/);
    usage(["--sha256", "a".repeat(64), "--no-verify", "http://h/x", "a"], /contradict/);
    usage(["--store", "", "http://h/x", "a"], /--store must not be empty/);
    usage(["ftp://h/x", "a"], /unsupported source "ftp:\/\/h\/x"/);
    usage(["./local.bin", "a"], /unsupported source/);
    usage(["--endpoint", "e", "http://h/x", "a"], /--endpoint applies to oss:\/\/ sources only/);
    usage(["oss://bkt/k", "a"], /needs an endpoint: pass --endpoint .* or set OSS_ENDPOINT/);
    usage(["--endpoint", "e", "oss://bkt", "a"], /names no object/);
    usage(["--endpoint", "e", "oss:///k", "a"], /names no bucket/);
    usage(["--endpoint", "e", "--access-key-id", "x", "oss://b/k", "a"], /needs its secret/);
    usage(
      ["--endpoint", "e", "--access-key-secret", "x", "oss://b/k", "a"],
      /needs an access key id/,
    );
    usage(["--endpoint", "e", "--signature-version", "v3", "oss://b/k", "a"], /v4 or v1/);
  });

  it("names a file after the key or the URL's last segment", () => {
    assert.equal(sourceBasename("oss://b/dir/a.bin"), "a.bin");
    assert.equal(sourceBasename("https://h/x/big%20file.iso?x-oss-signature=1"), "big file.iso");
    assert.throws(() => sourceBasename("https://h/"), /cannot name the file/);
    assert.throws(() => sourceBasename("oss://b/dir/"), /cannot name the file/);
    assert.throws(() => sourceBasename("https://h/a%2Fb"), /cannot name the file/);
  });
});

describe("exit codes", () => {
  it("maps every error class to its documented code", () => {
    assert.equal(exitCodeFor(new UsageError("x")), 2);
    assert.equal(exitCodeFor(new HttpError(401, "x")), 6);
    assert.equal(exitCodeFor(new OssError(403, "x", { code: "AccessDenied" })), 6);
    assert.equal(exitCodeFor(new OssError(404, "x", { code: "NoSuchKey" })), 8);
    assert.equal(exitCodeFor(new HttpError(503, "x")), 8);
    assert.equal(exitCodeFor(new NetworkError("x")), 4);
    assert.equal(exitCodeFor(new ProtocolError("x")), 4);
    assert.equal(exitCodeFor(new ObjectChangedError("x")), 8);
    assert.equal(exitCodeFor(new LocalFileError("ENOSPC", "/x", "full")), 9);
    assert.equal(exitCodeFor(new LocalFileError("EACCES", "/x", "denied")), 3);
    assert.equal(exitCodeFor(new DownloadLockedError("/x.lock")), 3);
    assert.equal(
      exitCodeFor(Object.assign(new Error("raw"), { code: "EACCES", syscall: "open" })),
      3,
    );
    assert.equal(exitCodeFor(new IntegrityError("crc64", "1", "2")), 32);
    assert.equal(exitCodeFor(new InterruptedError("SIGINT")), 130);
    assert.equal(exitCodeFor(new InterruptedError("SIGTERM")), 143);
    assert.equal(exitCodeFor(new Error("bug")), 1);
    assert.deepEqual(
      Object.values(ExitCode).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 6, 8, 9, 32, 130, 143],
    );
  });

  it("keeps --version equal to deno.json and package.json", async () => {
    const root = new URL("../", import.meta.url);
    const deno = JSON.parse(await readFile(new URL("deno.json", root), "utf8"));
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
    assert.equal(VERSION, deno.version);
    assert.equal(VERSION, pkg.version);
  });
});

describe("progress output", () => {
  it("shows bytes, rate, ETA and what a previous run saved", () => {
    const t = new TransferTracker(0);
    assert.equal(t.update(40 * MiB, 100 * MiB, 0), true);
    assert.equal(t.update(50 * MiB, 100 * MiB, 1000), false);
    assert.equal(t.rate(1000), 10 * MiB);
    assert.equal(t.etaMs(1000), 5000);
    assert.equal(t.resumedPercent, 40);
    const line = renderProgressLine(t, 1000, 120);
    assert.match(line, /^\[\+{16}={4}>\s+\]/);
    assert.ok(
      line.endsWith("50.0%  50.0 MiB / 100 MiB   10.0 MiB/s  ETA 5.0s  resumed from 40%"),
      line,
    );
    assert.ok(renderProgressLine(t, 1000, 40).length < 40);
  });

  it("summarises size, time, speed, checksum and resume", () => {
    assert.equal(
      summaryLine({
        destination: "a.bin",
        size: 256 * MiB,
        elapsedMs: 8000,
        bytesFetched: 150 * MiB,
        crc64: "verified",
        sha256Verified: true,
        resumedPercent: 41,
      }),
      "done: a.bin, 256 MiB in 8.0s (18.8 MiB/s), CRC-64 verified, SHA-256 verified, resumed from 41% (fetched 150 MiB)",
    );
  });

  it("runCli works in-process: --help, --version and usage errors", async () => {
    let out = "", err = "";
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      isTTY: false,
    };
    assert.equal(await runCli(["--help"], io), 0);
    assert.match(out, /^Usage: resumable-download \[options\] <source> \[<destination>\]/);
    assert.match(out, /130 interrupted by Ctrl-C/);
    out = "";
    assert.equal(await runCli(["--version"], io), 0);
    assert.match(out, new RegExp(`^resumable-download ${VERSION.replace(/\./g, "\\.")} \\(`));
    out = "";
    assert.equal(await runCli(["--json", "--threads", "x", "http://h/a", "b"], io), 2);
    assert.match(err, /error: --threads must be a whole number/);
    assert.deepEqual(events(out).map((e) => [e.event, e.exitCode]), [["error", 2]]);
    // The library's option errors name the option (`option`): said as the CLI's flags.
    err = "";
    const oss = ["--endpoint", "example.com", "--access-key-id", "a", "--access-key-secret", "b"];
    assert.equal(await runCli([...oss, "oss://bkt/k", "/nonexistent-dir/x"], io), 2);
    assert.match(err, /error: --region is required .* or --signature-version v1\n/);
    err = "";
    assert.equal(await runCli(["--endpoint", "ftp://x", "oss://bkt/k", "/nonexistent/x"], io), 2);
    assert.match(err, /error: --endpoint must use http or https/);
  });
});

describe("the command against the mock OSS", () => {
  const mock = new MockOss({ bucket: BUCKET });
  const slow = new MockOss({ bucket: BUCKET, bytesPerSecond: 4 * MiB });
  const signed = new MockOss({
    bucket: BUCKET,
    auth: ossAuth({ credentials: { AKIDTEST: { secret: "right-secret" } }, region: "cn-hangzhou" }),
  });
  const servers: { close(): Promise<void> }[] = [];
  let dir: { path: string; cleanup: () => Promise<void> };
  const data = randomBytes(3 * MiB + 4321, 11);

  before(async () => {
    for (const m of [mock, slow, signed]) servers.push(await m.listen());
    dir = await tempDir();
    await mock.put(BUCKET, "dir/data.bin", data);
    await signed.put(BUCKET, "secret.bin", data);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dir.cleanup();
  });
  const store = () => join(dir.path, "store");

  it("downloads the exact bytes into a directory under the key's name: exit 0", async () => {
    const out = join(dir.path, "ok");
    const r = await cli([
      "--json",
      "--threshold",
      "1MiB",
      "--part-size",
      "1MiB",
      "--store",
      store(),
      mock.urlFor(BUCKET, "dir/data.bin"),
      `${out}/`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sameBytes(await fileBytes(join(out, "data.bin")), data));
    const done = events(r.stdout).find((e) => e.event === "done");
    assert.ok(done, r.stdout);
    assert.equal(done.size, data.length);
    assert.equal(done.crc64Verified, true);
    assert.equal(done.resumed, false);
    assert.deepEqual(events(r.stdout).map((e) => e.event).filter((e) => e !== "progress"), [
      "start",
      "done",
    ]);
    assert.match(r.stderr, /done: .*data\.bin, 3\.00 MiB in .*, CRC-64 verified, not resumed/);
    assert.deepEqual(await readdir(out), ["data.bin"]);
  });

  it("runs in-process too: a bar on a TTY, an empty object, a small object", async () => {
    await mock.put(BUCKET, "empty.bin", new Uint8Array(0));
    await mock.put(BUCKET, "small.bin", data.subarray(0, 1000));
    let out = "", err = "";
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      isTTY: true,
      columns: 100,
    };
    const target = join(dir.path, "inproc", "data.bin");
    const url = mock.urlFor(BUCKET, "dir/data.bin");
    assert.equal(await runCli(["--threshold", "1M", "--store", store(), url, target], io), 0, err);
    assert.ok(sameBytes(await fileBytes(target), data));
    const ESC = String.fromCharCode(27);
    const bar = err.split("\r").find((l) => l.startsWith("[") && l.includes("/ 3.00 MiB"));
    assert.ok(bar?.endsWith(`${ESC}[K`), JSON.stringify(err));
    assert.match(bar!, /^\[[+=> ]+\] +\d+\.\d% {2}.* \/ 3\.00 MiB /);
    assert.match(
      err.split(`\r${ESC}[K`).at(-1)!,
      /^done: .*data\.bin, 3\.00 MiB in .*CRC-64 verified, not resumed\n$/,
    );
    for (const [key, size] of [["empty.bin", 0], ["small.bin", 1000]] as const) {
      out = "";
      const file = join(dir.path, "inproc", key);
      const code = await runCli(
        ["--json", "--quiet", "--store", store(), mock.urlFor(BUCKET, key), file],
        io,
      );
      assert.equal(code, 0, err);
      assert.equal((await fileBytes(file)).length, size);
      const done = events(out).find((e) => e.event === "done");
      assert.equal(done?.size, size);
      assert.equal(done?.crc64Verified, true);
    }
  });

  it("downloads over oss:// with a v4 signature, and checks --sha256", async () => {
    const target = join(dir.path, "signed.bin");
    const sha256 = createHash("sha256").update(data).digest("hex");
    const r = await cli(
      ["--quiet", "--sha256", sha256, "--store", store(), `oss://${BUCKET}/secret.bin`, target],
      {
        OSS_ENDPOINT: signed.url,
        OSS_REGION: "cn-hangzhou",
        OSS_ACCESS_KEY_ID: "AKIDTEST",
        OSS_ACCESS_KEY_SECRET: "right-secret",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.ok(sameBytes(await fileBytes(target), data));
  });

  it("exits 6 for a wrong signature and prints the OSS code", async () => {
    const target = join(dir.path, "denied.bin");
    const r = await cli([
      "--endpoint",
      signed.url,
      "--region",
      "cn-hangzhou",
      "--access-key-id",
      "AKIDTEST",
      "--access-key-secret",
      "wrong-secret",
      "--store",
      store(),
      `oss://${BUCKET}/secret.bin`,
      target,
    ]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /SignatureDoesNotMatch/);
    assert.match(r.stderr, /hint: check the credentials/);
    await assert.rejects(readFile(target));
  });

  it("exits 2 on a usage error and names the problem", async () => {
    const r = await cli(["--threads", "zero", mock.urlFor(BUCKET, "dir/data.bin"), dir.path]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threads must be a whole number from 1 to 64: got "zero"/);
    assert.match(r.stderr, /--help/);
  });

  it("exits 8 for a missing object, with the OSS code, over http and oss://", async () => {
    const r = await cli(["--store", store(), mock.urlFor(BUCKET, "nope.bin"), dir.path]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /NoSuchKey/);
    const o = await cli(
      ["--json", "--store", store(), `oss://${BUCKET}/nope.bin`, join(dir.path, "nope.bin")],
      { OSS_ENDPOINT: mock.url },
    );
    assert.equal(o.code, 8, o.stderr);
    assert.match(o.stderr, /NoSuchKey/);
    const error = events(o.stdout).find((e) => e.event === "error");
    assert.equal(error?.exitCode, 8);
    assert.equal(error?.status, 404);
    assert.equal(error?.code, "NoSuchKey");
    await assert.rejects(readFile(join(dir.path, "nope.bin")));
  });

  it("exits 32 when the CRC-64 does not match, leaving no file behind", async () => {
    await mock.put(BUCKET, "bad-crc.bin", data, { crc64: "123" });
    const out = join(dir.path, "bad");
    for (const threshold of ["1MiB", "64MiB"]) {
      const r = await cli([
        "--threshold",
        threshold,
        "--store",
        store(),
        mock.urlFor(BUCKET, "bad-crc.bin"),
        `${out}/`,
      ]);
      assert.equal(r.code, 32, r.stderr);
      assert.match(r.stderr, /crc64 mismatch: expected 123/);
      assert.deepEqual(await readdir(out).catch(() => []), []);
    }
    const sha = await cli([
      "--sha256",
      "0".repeat(64),
      "--store",
      store(),
      mock.urlFor(BUCKET, "dir/data.bin"),
      join(dir.path, "sha.bin"),
    ]);
    assert.equal(sha.code, 32, sha.stderr);
    assert.match(sha.stderr, /sha256/i);
  });

  it("exits 130 on SIGINT keeping the temp file, and the next run resumes", LONG, async () => {
    const big = randomBytes(24 * MiB, 5);
    await slow.put(BUCKET, "big.bin", big);
    const out = join(dir.path, "resume");
    const args = [
      "--json",
      "--threads",
      "2",
      "--part-size",
      "2MiB",
      "--store",
      store(),
      slow.urlFor(BUCKET, "big.bin"),
      `${out}/`,
    ];
    const first = runScript(CLI, args, { env: CLEAN_ENV });
    await waitFor(
      () => events(first.stdout).some((e) => e.event === "progress" && Number(e.bytes) >= 4 * MiB),
      30_000,
      "4 MiB on disk",
    );
    // process.kill, not child.kill: Deno 2.9's child_process reports any child it has sent a
    // signal to as killed by that signal (code null), even when the child handled it and
    // exited with a code of its own.
    process.kill(first.child.pid!, "SIGINT");
    const { code } = await first.exited;
    assert.equal(code, 130, first.stderr);
    assert.match(
      first.stderr,
      /interrupted by SIGINT: progress saved .*run the same command again/,
    );
    const error = events(first.stdout).find((e) => e.event === "error");
    assert.equal(error?.interrupted, true);
    assert.equal(error?.exitCode, 130);
    const left = await readdir(out);
    assert.equal(left.length, 1);
    assert.match(left[0]!, /^big\.bin\.tmp-/);

    const second = await cli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(sameBytes(await fileBytes(join(out, "big.bin")), big));
    const start = events(second.stdout).find((e) => e.event === "start");
    const done = events(second.stdout).find((e) => e.event === "done");
    assert.equal(start?.resumed, true);
    assert.ok(Number(start?.resumedBytes) >= 4 * MiB, String(start?.resumedBytes));
    assert.equal(done?.resumed, true);
    assert.ok(Number(done?.bytesFetched) < big.length);
    assert.match(second.stderr, /resumed from \d+%/);
    assert.deepEqual(await readdir(out), ["big.bin"]);
  });
});
