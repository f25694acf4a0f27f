#!/usr/bin/env node
/**
 * The `resumable-download` command: downloads an `oss://bucket/key` object or an
 * `http(s)://` URL to a file, resumably, with a progress bar, and exits with a code that
 * scripts can rely on (see {@linkcode ExitCode}).
 *
 * ```sh
 * deno run -A jsr:@resumable-download/resumable-download/cli https://example.com/big.iso .
 * bun src/cli/main.ts --threads 8 oss://bucket/dir/big.bin ~/Downloads/
 * ```
 *
 * The core is {@linkcode runCli}, which takes the arguments and the process's streams and
 * environment and resolves with the exit code, so it can run in-process too.
 *
 * @example Run the command in-process
 * ```ts ignore
 * import { runCli } from "@resumable-download/resumable-download/cli";
 * const code = await runCli(["--quiet", "https://example.com/big.iso", "/tmp/"], {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 *   isTTY: false,
 * });
 * console.log("exit code", code);
 * ```
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { downloadObject } from "../download.ts";
import type { DownloadResult } from "../engine/engine.ts";
import type { DownloadEvent } from "../engine/events.ts";
import { type DownloadOptions, resolveOptions } from "../engine/options.ts";
import { toFetch } from "../sources/fetch_like.ts";
import { HttpSource } from "../sources/http.ts";
import { Bucket, OssObjectSource } from "../sources/oss/mod.ts";
import type { ObjectSource } from "../sources/source.ts";
import { ResumableDownloadStore } from "../stores/file.ts";
import { RateLimitedSource, RateLimiter } from "../bulk/rate_limit.ts";
import { type CliOptions, parseCliArgs, sourceBasename, USAGE } from "./args.ts";
import { writeLines } from "./escape.ts";
import { runBulkCli } from "./bulk.ts";
import {
  describeError,
  ExitCode,
  exitCodeFor,
  type ExitCodeValue,
  InterruptedError,
  UsageError,
} from "./exit_codes.ts";
import {
  JsonEvents,
  ProgressDisplay,
  summaryLine,
  type TextSink,
  TransferTracker,
} from "./progress.ts";
import { savedBytes } from "./saved.ts";
import { runPrune } from "./prune.ts";
import { formatBytes } from "./size.ts";
import { VERSION } from "../version.ts";

export { DEFAULT_THREADS, parseCliArgs, USAGE } from "./args.ts";
export { parseAge, PRUNE_USAGE, runPrune } from "./prune.ts";
export type {
  BulkCliOptions,
  CliOptions,
  HttpSourceSpec,
  OssConnection,
  OssSourceSpec,
  ParsedArgs,
} from "./args.ts";
export { ExitCode, exitCodeFor, InterruptedError, UsageError } from "./exit_codes.ts";
export type { ExitCodeValue } from "./exit_codes.ts";
export { formatBytes, formatDuration, formatRate, parseSize } from "./size.ts";
export type { TextSink } from "./progress.ts";

/** The version `--version` prints: the library's, from its one place (`src/version.ts`). */
export { VERSION } from "../version.ts";

/** What {@linkcode runCli} needs from the process. */
export interface CliIo {
  /** Where `--json` events, `--help` and `--version` go. */
  stdout: TextSink;
  /** Where the progress, the summary and errors go. */
  stderr: TextSink;
  /** Environment variables (`OSS_*`). */
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal: a redrawn bar instead of periodic lines. */
  isTTY: boolean;
  /** Terminal width. @default {80} */
  columns?: number;
  /**
   * Aborting it interrupts the download: the checkpoint is saved and `runCli` resolves with
   * 130 (or 143 when the reason is an {@linkcode InterruptedError} for SIGTERM).
   */
  signal?: AbortSignal;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The first sentence of an error message (runtimes append advice to network errors). */
function briefly(e: unknown): string {
  return messageOf(e).split(/\.\s/)[0]!.replace(/\.$/, "");
}

/** The destination file: a directory (existing, or written with a trailing slash) gets the source's basename. */
async function destinationPath(options: CliOptions): Promise<string> {
  const dest = options.destination;
  const info = await stat(dest).catch(() => undefined);
  if (info?.isDirectory() || /[/\\]$/.test(dest)) {
    return resolve(join(dest, sourceBasename(options.source.text)));
  }
  return resolve(dest);
}

function buildSource(options: CliOptions, fetchImpl: typeof fetch): ObjectSource {
  const s = options.source;
  const headers = options.headers ?? [];
  if (s.kind === "http") return new HttpSource(s.url, { fetch: fetchImpl, headers });
  const bucket = new Bucket({
    endpoint: s.endpoint,
    bucket: s.bucket,
    ...(s.accessKeyId === undefined ? {} : { accessKeyId: s.accessKeyId }),
    ...(s.accessKeySecret === undefined ? {} : { accessKeySecret: s.accessKeySecret }),
    ...(s.securityToken === undefined ? {} : { securityToken: s.securityToken }),
    ...(s.region === undefined ? {} : { region: s.region }),
    ...(s.signatureVersion === undefined ? {} : { signatureVersion: s.signatureVersion }),
    fetch: fetchImpl,
  });
  return new OssObjectSource(bucket, s.key, { headers });
}

const FLAG_NAMES: Record<string, string> = {
  endpoint: "--endpoint",
  bucket: "the bucket of oss://BUCKET/KEY",
  key: "the key of oss://BUCKET/KEY",
  accessKeyId: "--access-key-id",
  accessKeySecret: "--access-key-secret",
  securityToken: "--security-token",
  region: "--region",
  signatureVersion: "--signature-version",
};

/**
 * A library error about an option (`'region' is required ...`) in the words of the CLI: the
 * error's `option` field says which option, and its quoted name becomes the flag's.
 */
function inFlagTerms(e: TypeError | RangeError): string {
  const option = (e as { option?: unknown }).option;
  const flag = typeof option === "string" ? FLAG_NAMES[option] : undefined;
  if (flag === undefined) return e.message;
  const message = e.message.replaceAll(`'${option}'`, flag);
  return option === "region"
    ? message.replaceAll('signatureVersion: "v1"', "--signature-version v1")
    : message;
}

/** The source as shown to people: URLs without their query (signatures stay private). */
function showSource(options: CliOptions): string {
  const s = options.source;
  if (s.kind === "oss") return s.text;
  const url = new URL(s.url);
  const signed = url.search !== "";
  url.search = "";
  url.username = "";
  url.password = "";
  return signed ? `${url.href}?…` : url.href;
}

/**
 * Runs the command with `argv` (the arguments after the script name) and resolves with the
 * exit code; never throws, never exits. Progress and errors go to `io.stderr`, `--json`
 * events, `--help` and `--version` to `io.stdout`.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "@resumable-download/resumable-download/cli";
 * let out = "";
 * const code = await runCli(["--json", "https://example.com/a.bin", "/tmp/a.bin"], {
 *   stdout: { write: (s: string) => (out += s) },
 *   stderr: { write: () => {} },
 *   env: {},
 *   isTTY: false,
 * });
 * console.log(code, out.trim().split("\n").map((l) => JSON.parse(l).event));
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  if (argv[0] === "prune") return await runPrune(argv.slice(1), io);
  const jsonWanted = argv.includes("--json");
  const usageError = (e: unknown): ExitCodeValue => {
    writeLines(io.stderr, [`error: ${messageOf(e)}`, "Run with --help for usage."]);
    if (jsonWanted) {
      new JsonEvents(io.stdout).emit("error", {
        exitCode: ExitCode.Usage,
        name: "UsageError",
        message: messageOf(e),
      });
    }
    return ExitCode.Usage;
  };

  // 1. Arguments, source and options: any problem here is a usage error.
  let options: CliOptions;
  let source: ObjectSource;
  let target: string;
  const fetchImpl = io.fetch ?? toFetch();
  try {
    const parsed = parseCliArgs(argv, io.env);
    if (parsed.command === "help") {
      io.stdout.write(USAGE);
      return ExitCode.Ok;
    }
    if (parsed.command === "version") {
      const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
        ? `deno ${
          (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
        }`
        : typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
        ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
        : `node ${process.versions.node}`;
      io.stdout.write(`resumable-download ${VERSION} (${runtime})\n`);
      return ExitCode.Ok;
    }
    if (parsed.command === "bulk") return await runBulkCli(parsed.options, io);
    options = parsed.options;
    target = await destinationPath(options);
    source = buildSource(options, fetchImpl);
    if (options.limitRate !== undefined) {
      source = new RateLimitedSource(source, new RateLimiter(options.limitRate));
    }
  } catch (e) {
    if (e instanceof UsageError) return usageError(e);
    if (e instanceof TypeError || e instanceof RangeError) {
      return usageError(new UsageError(inFlagTerms(e)));
    }
    writeLines(io.stderr, describeError(e, { saved: false }));
    return exitCodeFor(e);
  }

  // 2. Progress output.
  const started = Date.now();
  const tracker = new TransferTracker(started);
  const display = options.quiet ? undefined : new ProgressDisplay(io.stderr, {
    tty: io.isTTY,
    ...(io.columns === undefined ? {} : { columns: io.columns }),
  });
  const events = options.json ? new JsonEvents(io.stdout) : undefined;
  const shown = showSource(options);
  let retries = 0;
  // What the engine reports as it goes: retries, and restarts when the object changed.
  const onEvent = (e: DownloadEvent) => {
    if (io.signal?.aborted || e.type === "progress") return;
    if (e.type === "retry") {
      retries++;
      const reason = briefly(e.error);
      display?.note(`retry: ${reason}`);
      events?.emit("retry", { reason, retries, attempt: e.attempt, delayMs: e.delayMs });
    } else {
      display?.note(`starting over: ${e.reason} (${formatBytes(e.discardedBytes)} discarded)`);
      events?.emit("restart", { reason: e.reason, discardedBytes: e.discardedBytes });
    }
  };
  const progressCallback = (done: number, total: number) => {
    const first = tracker.update(done, total);
    if (first) {
      const resumedBytes = tracker.initial ?? 0;
      display?.note(
        `${shown} -> ${target}: ${formatBytes(total)}${
          resumedBytes > 0
            ? `, resuming: ${
              formatBytes(resumedBytes)
            } (${tracker.resumedPercent}%) saved by a previous run`
            : ""
        }`,
      );
      events?.emit("start", {
        source: shown,
        destination: target,
        size: total,
        resumed: resumedBytes > 0,
        resumedBytes,
        resumedPercent: tracker.resumedPercent,
      });
    }
    display?.update(tracker, io.isTTY && (first || done === total));
    events?.progress(tracker, first || done === total);
  };

  // 3. The download.
  const controller = new AbortController();
  const onAbort = () => controller.abort(io.signal?.reason ?? new InterruptedError("SIGINT"));
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener("abort", onAbort, { once: true });
  const downloadOptions: DownloadOptions = {
    numThreads: options.threads,
    progressCallback,
    onEvent,
    signal: controller.signal,
    verify: options.sha256 ? { sha256: options.sha256 } : options.verify,
  };
  if (options.partSize !== undefined) downloadOptions.partSize = options.partSize;
  if (options.threshold !== undefined) downloadOptions.multigetThreshold = options.threshold;
  if (options.retries !== undefined) downloadOptions.retry = { limit: options.retries + 1 };
  let result: DownloadResult;
  let store: ResumableDownloadStore;
  try {
    // The CLI holds the store to tell afterwards whether anything was saved to resume from.
    store = options.store !== undefined
      ? new ResumableDownloadStore({ root: options.store, dir: "." })
      : new ResumableDownloadStore();
    downloadOptions.store = store;
    resolveOptions(downloadOptions); // bad values are usage errors, reported before any I/O
  } catch (e) {
    return usageError(e);
  }
  try {
    result = await downloadObject(source, target, downloadOptions);
  } catch (e) {
    io.signal?.removeEventListener("abort", onAbort);
    const interrupted = controller.signal.aborted;
    const reason = interrupted ? controller.signal.reason : e;
    const code = interrupted
      ? (reason instanceof InterruptedError ? reason.exitCode : ExitCode.Interrupted)
      : exitCodeFor(e);
    const saved = await savedBytes(store, source, target);
    const lines = interrupted
      ? [
        `interrupted${reason instanceof InterruptedError ? ` by ${reason.signal}` : ""}: ${
          saved > 0
            ? `progress saved (${formatBytes(saved)} of ${formatBytes(tracker.total)}, ${
              Math.floor((saved / Math.max(tracker.total, 1)) * 100)
            }%); run the same command again to resume`
            : "nothing saved to resume from"
        }`,
      ]
      : describeError(e, { saved: saved > 0 });
    display?.finish();
    writeLines(io.stderr, lines);
    const fields: Record<string, unknown> = {
      exitCode: code,
      name: interrupted ? "InterruptedError" : (e as Error)?.name ?? "Error",
      message: interrupted ? messageOf(reason) : messageOf(e),
      interrupted,
      bytes: tracker.done,
      total: tracker.total,
      savedBytes: saved,
    };
    for (const key of ["status", "code", "requestId", "ec", "algorithm", "expected", "actual"]) {
      const v = (e as Record<string, unknown> | null)?.[key];
      if (!interrupted && (typeof v === "string" || typeof v === "number")) fields[key] = v;
    }
    events?.emit("error", fields);
    return code;
  }
  io.signal?.removeEventListener("abort", onAbort);

  // 4. The summary.
  const elapsedMs = Date.now() - started;
  const crc64 = !options.verify
    ? "skipped" as const
    : result.verifiedBy.includes("crc64")
    ? "verified" as const
    : "absent" as const;
  const resumedPercent = result.resumed ? tracker.resumedPercent : 0;
  display?.finish(summaryLine({
    destination: target,
    size: result.size,
    elapsedMs,
    bytesFetched: result.bytesFetched,
    crc64,
    sha256Verified: options.sha256 !== undefined,
    verifiedBy: result.verifiedBy,
    resumedPercent,
  }));
  events?.emit("done", {
    destination: target,
    size: result.size,
    elapsedMs,
    bytesFetched: result.bytesFetched,
    resumed: result.resumed,
    resumedBytes: result.resumed ? tracker.initial ?? 0 : 0,
    resumedPercent,
    crc64: result.crc64 ?? null,
    crc64Verified: crc64 === "verified",
    sha256Verified: options.sha256 !== undefined,
    verifiedBy: result.verifiedBy,
    verified: result.verifiedBy.length > 0,
    etag: result.etag ?? null,
    retries,
  });
  return ExitCode.Ok;
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: { write(chunk: string, callback: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write("", () => resolve());
    } catch {
      resolve();
    }
    setTimeout(resolve, 1000);
  });
}

/**
 * Runs the command for this process: `process.argv`, its streams and environment; the
 * first SIGINT (Ctrl-C) or SIGTERM interrupts the download, which saves its checkpoint and
 * exits 130 (143); a second one exits at once. Exits the process with the code.
 *
 * @example
 * ```ts ignore
 * import { main } from "@resumable-download/resumable-download/cli";
 * await main(["https://example.com/big.iso", "."]);
 * ```
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const controller = new AbortController();
  const handlers: ["SIGINT" | "SIGTERM", () => void][] = [];
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      if (controller.signal.aborted) {
        process.stderr.write(`\n${name} again: exiting without waiting for the checkpoint\n`);
        process.exit(name === "SIGINT" ? ExitCode.Interrupted : ExitCode.Terminated);
      }
      process.stderr.write(
        `\n${name}: stopping, saving the checkpoint (${name} again to quit at once)\n`,
      );
      controller.abort(new InterruptedError(name));
    };
    try {
      process.on(name, handler);
      handlers.push([name, handler]);
    } catch {
      // The signal cannot be listened for here (SIGTERM on Windows).
    }
  }
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    signal: controller.signal,
  };
  const columns = process.stderr.columns;
  if (typeof columns === "number" && columns > 0) io.columns = columns;
  const code = await runCli(argv, io);
  for (const [name, handler] of handlers) process.off(name, handler);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Whether this module is the program being run (not imported). */
function isMainModule(): boolean {
  const meta = import.meta as { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return basename(script) === basename(fileURLToPath(import.meta.url));
  }
}

if (isMainModule()) await main();
