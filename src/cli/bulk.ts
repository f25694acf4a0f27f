/**
 * The CLI for many objects: `-r oss://bucket/prefix/ dir/` and `-i FILE [dir/]` (lines
 * `URL [name]`, `-` for stdin), through {@linkcode downloadPrefix} / {@linkcode downloadMany}:
 * one overall line (objects and bytes), a summary, and with `--json` one event per object.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { downloadMany } from "../bulk/many.ts";
import type { BulkEvent, BulkOptions, BulkResult } from "../bulk/options.ts";
import { joinUnder, keyToRelativePath, lastSegment } from "../bulk/paths.ts";
import { downloadPrefix } from "../bulk/prefix.ts";
import { HttpSource } from "../sources/http.ts";
import { Bucket, OssObjectSource } from "../sources/oss/mod.ts";
import type { ObjectSource } from "../sources/source.ts";
import { ResumableDownloadStore } from "../stores/file.ts";
import type { BulkCliOptions, OssConnection } from "./args.ts";
import {
  describeError,
  ExitCode,
  exitCodeFor,
  type ExitCodeValue,
  InterruptedError,
  UsageError,
} from "./exit_codes.ts";
import type { CliIo } from "./main.ts";
import { formatBytes, formatDuration, formatRate } from "./size.ts";

/** Control characters (keys may hold them) shown as `\u` escapes, never sent raw to a terminal. */
function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function bucketFor(connection: OssConnection, name: string, fetchImpl: typeof fetch): Bucket {
  return new Bucket({ ...connection, bucket: name, fetch: fetchImpl });
}

/**
 * Parses an input file: `URL [name]` per line (whitespace-separated, so a space in a URL or
 * an `oss://` key is written `%20`; `oss://` keys are percent-decoded); blank lines and `#`
 * comments are skipped. `name` (default: the last path segment, decoded) must stay under
 * `directory`, else a {@linkcode UsageError} names the line.
 */
export function parseInputList(
  text: string,
  directory: string,
  build: (url: string) => ObjectSource,
): { source: ObjectSource; filename: string }[] {
  const items: { source: ObjectSource; filename: string }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)(?:\s+(.+))?$/.exec(line)!;
    const url = m[1]!;
    let name = m[2]?.trim();
    if (name === undefined) {
      const path = /^oss:\/\//i.test(url) ? url.replace(/^oss:\/\/[^/]*\/?/i, "") : (() => {
        try {
          return new URL(url).pathname;
        } catch {
          return "";
        }
      })();
      name = lastSegment(path);
    }
    const relative = keyToRelativePath(name);
    if (typeof relative !== "string") {
      throw new UsageError(
        `line ${i + 1}: cannot save as ${JSON.stringify(name)}: ${relative.message}`,
      );
    }
    let source: ObjectSource;
    try {
      source = build(url);
    } catch (e) {
      throw new UsageError(`line ${i + 1}: ${(e as Error).message}`);
    }
    items.push({ source, filename: joinUnder(directory, relative) });
  }
  return items;
}

async function readAll(file: string): Promise<string> {
  if (file !== "-") return await readFile(file, "utf8");
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** The overall line: objects finished (and how), bytes, rate. */
class BulkStatus {
  done = 0;
  skipped = 0;
  failed = 0;
  inFlight = 0;
  bytes = 0;
  total = 0;
  readonly #started = Date.now();

  line(): string {
    const seconds = (Date.now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.bytes / seconds : 0;
    return `objects: ${this.done} done, ${this.skipped} unchanged, ${this.failed} failed, ${this.inFlight} in flight | ${
      formatBytes(this.bytes)
    } of ${formatBytes(this.total)} | ${formatRate(rate)}`;
  }
}

/** Runs a batch from parsed options; resolves with the exit code (never throws). */
export async function runBulkCli(o: BulkCliOptions, io: CliIo): Promise<ExitCodeValue> {
  const fetchImpl = io.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const started = Date.now();
  const write = (text: string) => io.stderr.write(text);
  const json = (event: Record<string, unknown>) => {
    if (o.json) io.stdout.write(`${JSON.stringify(event)}\n`);
  };
  const fail = (e: unknown, code = exitCodeFor(e)): ExitCodeValue => {
    write(`${describeError(e).map(printable).join("\n")}\n`);
    json({
      event: "error",
      exitCode: code,
      name: (e as Error)?.name,
      message: String((e as Error)?.message ?? e),
    });
    return code;
  };

  const status = new BulkStatus();
  const controller = new AbortController();
  const onAbort = () => controller.abort(io.signal?.reason ?? new InterruptedError("SIGINT"));
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener("abort", onAbort, { once: true });
  let ticker: ReturnType<typeof setInterval> | undefined;
  const redraw = () => {
    if (o.quiet) return;
    write(io.isTTY ? `\r\x1b[K${status.line()}` : `${status.line()}\n`);
  };

  const options: BulkOptions = {
    concurrency: o.jobs,
    numThreads: o.threads,
    include: o.include,
    exclude: o.exclude,
    verify: o.sha256 ? { sha256: o.sha256 } : o.verify,
    signal: controller.signal,
    fetch: fetchImpl,
    progressCallback: (done, total) => {
      status.bytes = done;
      status.total = total;
    },
    onObject: (e: BulkEvent) => {
      if (e.type === "start") {
        status.inFlight++;
        return;
      }
      if (e.type !== "skipped") status.inFlight--;
      if (e.type === "done") status.done++;
      if (e.type === "skipped") status.skipped++;
      const event: Record<string, unknown> = {
        event: "object",
        type: e.type,
        key: e.key,
        filename: e.filename,
      };
      if (e.size !== undefined) event.size = e.size;
      if (e.result) {
        event.bytesFetched = e.result.bytesFetched;
        event.resumed = e.result.resumed;
        if (e.result.crc64 !== undefined) event.crc64 = e.result.crc64;
      }
      if (e.type === "failed") {
        status.failed++;
        const error = e.error as (Error & Record<string, unknown>) | undefined;
        event.error = { name: error?.name, message: error?.message };
        for (const k of ["status", "code", "requestId"]) {
          const v = error?.[k];
          if (typeof v === "string" || typeof v === "number") {
            (event.error as Record<string, unknown>)[k] = v;
          }
        }
        event.exitCode = exitCodeFor(e.error);
        if (!o.quiet) {
          write(
            `${io.isTTY ? "\r\x1b[K" : ""}failed: ${printable(e.key)}: ${
              printable(e.error?.message ?? "")
            }\n`,
          );
        }
      }
      json(event);
    },
  };
  if (o.shard) options.shard = o.shard;
  if (o.partSize !== undefined) options.partSize = o.partSize;
  if (o.threshold !== undefined) options.multigetThreshold = o.threshold;
  if (o.headers) options.headers = o.headers;
  if (o.limitRate !== undefined) options.rateLimit = o.limitRate;
  if (o.retries !== undefined) options.retry = { limit: o.retries + 1 };

  let result: BulkResult;
  try {
    if (o.store !== undefined) {
      options.store = new ResumableDownloadStore({ root: o.store, dir: "." });
    }
    if (!o.quiet) ticker = setInterval(redraw, io.isTTY ? 250 : 5000);
    if (o.prefix) {
      const bucket = bucketFor(o.oss!, o.prefix.bucket, fetchImpl);
      result = await downloadPrefix(bucket, o.prefix.prefix, o.directory, options);
    } else {
      const buckets = new Map<string, Bucket>();
      const build = (url: string): ObjectSource => {
        const m = /^oss:\/\/([^/?#]+)\/(.+)$/i.exec(url);
        if (m) {
          if (!o.oss) {
            throw new UsageError(`${url} needs an endpoint: pass --endpoint or set OSS_ENDPOINT`);
          }
          let bucket = buckets.get(m[1]!);
          if (!bucket) buckets.set(m[1]!, bucket = bucketFor(o.oss, m[1]!, fetchImpl));
          let key: string;
          try {
            key = decodeURIComponent(m[2]!);
          } catch {
            throw new UsageError(`${JSON.stringify(url)}: bad %-escape in the key`);
          }
          return new OssObjectSource(bucket, key, { headers: o.headers ?? [] });
        }
        if (!/^https?:\/\//i.test(url)) {
          throw new UsageError(
            `unsupported source ${JSON.stringify(url)}: use http(s):// or oss://`,
          );
        }
        return new HttpSource(url, { fetch: fetchImpl, headers: o.headers ?? [] });
      };
      const items = parseInputList(await readAll(o.inputFile!), o.directory, build);
      result = await downloadMany(items, options);
    }
  } catch (e) {
    clearInterval(ticker);
    io.signal?.removeEventListener("abort", onAbort);
    if (!o.quiet && io.isTTY) write("\r\x1b[K");
    if (controller.signal.aborted) {
      const reason = controller.signal.reason;
      const code = reason instanceof InterruptedError ? reason.exitCode : ExitCode.Interrupted;
      write(
        `interrupted: ${status.done} objects done; run the same command again to finish (done and unchanged files are not fetched again)\n`,
      );
      json({ event: "error", exitCode: code, name: "InterruptedError", interrupted: true });
      return code;
    }
    if (e instanceof UsageError || e instanceof TypeError || e instanceof RangeError) {
      write(`error: ${printable((e as Error).message)}\nRun with --help for usage.\n`);
      json({
        event: "error",
        exitCode: ExitCode.Usage,
        name: "UsageError",
        message: (e as Error).message,
      });
      return ExitCode.Usage;
    }
    return fail(e);
  }
  clearInterval(ticker);
  io.signal?.removeEventListener("abort", onAbort);
  const elapsedMs = Date.now() - started;
  const code = result.failed.length ? exitCodeFor(result.failed[0]!.error) : ExitCode.Ok;
  if (!o.quiet) {
    if (io.isTTY) write("\r\x1b[K");
    write(
      `${result.downloaded} downloaded, ${result.skipped} unchanged (skipped), ${result.failed.length} failed; ${
        formatBytes(result.bytesFetched)
      } fetched in ${formatDuration(elapsedMs)}${
        elapsedMs > 0 ? ` (${formatRate(result.bytesFetched / (elapsedMs / 1000))})` : ""
      }\n`,
    );
  }
  json({
    event: "summary",
    downloaded: result.downloaded,
    skipped: result.skipped,
    failed: result.failed.length,
    bytesFetched: result.bytesFetched,
    elapsedMs,
    exitCode: code,
  });
  return code;
}
