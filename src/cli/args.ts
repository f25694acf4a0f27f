/**
 * The command line: `resumable-download [options] <source> <destination>`, parsed with
 * `node:util` `parseArgs` into a checked {@linkcode CliOptions}. Every problem is a
 * {@linkcode UsageError} whose message names it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  DEFAULT_MULTIGET_THRESHOLD,
  DEFAULT_RETRY,
  MAX_PART_SIZE,
  MAX_THREADS,
  MiB,
} from "../engine/options.ts";
import { DEFAULT_PART_SIZE } from "../engine/plan.ts";
import { safeFileName } from "./escape.ts";
import { UsageError } from "./exit_codes.ts";
import { parseSize } from "./size.ts";

export { UsageError } from "./exit_codes.ts";

/** Threads the CLI uses unless told otherwise (the library's default is 1). */
export const DEFAULT_THREADS = 4;

/** Objects a batch downloads at once unless `-j` says otherwise. */
export const DEFAULT_JOBS = 8;

/** The text `--help` prints. */
export const USAGE: string = `Usage: resumable-download [options] <source> [<destination>]
       resumable-download [options] -o FILE <source>
       resumable-download [options] -r oss://BUCKET/PREFIX [<directory>]
       resumable-download [options] -i FILE|- [<directory>]

Downloads a large object resumably: parallel Range requests into a temp file next to the
destination, progress checkpointed so that an interrupted run (Ctrl-C, a dropped network,
a reboot) continues where it stopped when run again, the CRC-64 verified, then the temp
file renamed onto the destination.

  <source>       oss://BUCKET/KEY           an Alibaba Cloud OSS object
                 http(s)://HOST/PATH?QUERY  any URL whose server honours Range
                                            (presigned OSS URLs included)
  <destination>  a file path, or an existing directory (or a path ending in /) to
                 save under the key's or the URL's last path segment; default: the
                 current directory

Options:
  --threads N           ranges downloaded at once, 1-${MAX_THREADS} (default ${DEFAULT_THREADS})
  --part-size SIZE      bytes per range request (default: ${
  DEFAULT_PART_SIZE / MiB
}MiB, more for huge objects)
  --threshold SIZE      objects smaller than this are fetched with one plain GET
                        and no checkpoint (default ${DEFAULT_MULTIGET_THRESHOLD / MiB}MiB)
  --store DIR           where checkpoints are kept (default ~/.resumable-download)
  --no-verify           do not check the CRC-64 (sizes are still checked)
  --sha256 HEX          also check the file's SHA-256
  -q, --quiet           no progress and no summary on stderr (errors still are)
  --json                NDJSON events on stdout: start, progress, retry, done, error
  -o, --output FILE     save to FILE (instead of <destination>)
  -H, --header "N: V"   send this header with every request (repeatable)
  --limit-rate SIZE     at most SIZE bytes per second, all connections together
  --retries N           retries per request without progress (default ${DEFAULT_RETRY.limit - 1})
  -h, --help            print this help and exit
  -V, --version         print the version and exit

Many objects (each object resumable and verified; a file downloaded before whose object
is unchanged is not fetched again, so rerunning a killed batch finishes it):
  -r, --recursive       everything under oss://BUCKET/PREFIX, into <directory> (keys
                        minus the prefix; folder markers skipped)
  -i, --input-file FILE lines "URL [name]" (http(s):// or oss://; - reads stdin);
                        name defaults to the URL's last path segment
  -j, --jobs N          objects at once, 1-256 (default ${DEFAULT_JOBS}); --threads is per
                        object (default 1 here)
  --include GLOB        only keys (relative to the prefix) matching GLOB; repeatable;
                        * within a path segment, ** across; no / = file name
  --exclude GLOB        skip keys matching GLOB; repeatable; wins over --include
  --shard I/N           only this machine's share (0 <= I < N) by a hash of the key
  Progress is one line (objects and bytes), then a summary; --json prints one event per
  object ("type": done, skipped, failed) and a summary. Exit status: that of the first
  failed object (0 when none failed).

OSS options (each falls back to the environment variable in brackets):
  --endpoint HOST       e.g. oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000
                        [OSS_ENDPOINT]
  --region REGION       e.g. cn-hangzhou; derived from standard endpoints [OSS_REGION]
  --access-key-id ID    [OSS_ACCESS_KEY_ID]; without credentials requests are anonymous
  --access-key-secret S [OSS_ACCESS_KEY_SECRET]
  --security-token T    STS token [OSS_SESSION_TOKEN or OSS_SECURITY_TOKEN]
  --signature-version v4|v1  (default v4) [OSS_SIGNATURE_VERSION]

SIZE is a number of bytes or a number with a binary unit: 8MiB, 64M, 1.5G, 512K
(K, M, G and T are 1024-based, with or without "iB").

Exit status:
  0 done and verified        1 unexpected error         2 usage error
  3 local I/O error          4 network failure after retries
  6 authentication (HTTP 401/403)                       8 other HTTP error (e.g. 404)
  9 no space left            32 integrity check failed
  130 interrupted by Ctrl-C (SIGINT): progress saved, run the same command to resume
  143 terminated (SIGTERM): progress saved, run the same command to resume

Examples:
  resumable-download https://example.com/big.iso ~/Downloads/
  resumable-download -r -j 16 --include '*.parquet' oss://bucket/datasets/2024/ data/
  OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... \\
    resumable-download --endpoint oss-cn-hangzhou.aliyuncs.com oss://bucket/dir/big.bin .
`;

/** An OSS object and how to reach it. */
export interface OssSourceSpec {
  /** Discriminant. */
  kind: "oss";
  /** The text as given, e.g. `oss://bucket/dir/a.bin`. */
  text: string;
  /** The bucket name. */
  bucket: string;
  /** The key exactly as written after the bucket (not percent-decoded). */
  key: string;
  /** `--endpoint` or `OSS_ENDPOINT`. */
  endpoint: string;
  /** `--region` or `OSS_REGION`. */
  region?: string;
  /** `--access-key-id` or `OSS_ACCESS_KEY_ID`. */
  accessKeyId?: string;
  /** `--access-key-secret` or `OSS_ACCESS_KEY_SECRET`. */
  accessKeySecret?: string;
  /** `--security-token`, `OSS_SESSION_TOKEN` or `OSS_SECURITY_TOKEN`. */
  securityToken?: string;
  /** `--signature-version` or `OSS_SIGNATURE_VERSION`. */
  signatureVersion?: "v4" | "v1";
}

/** A URL to download. */
export interface HttpSourceSpec {
  /** Discriminant. */
  kind: "http";
  /** The URL as given. */
  text: string;
  /** The URL parsed. */
  url: URL;
}

/** Everything a download run needs from the command line, checked. */
export interface CliOptions {
  /** What to download. */
  source: OssSourceSpec | HttpSourceSpec;
  /** The destination as given: a file, or a directory to put the source's basename in. */
  destination: string;
  /** `--threads`: ranges downloaded at once. */
  threads: number;
  /** `--part-size` in bytes. */
  partSize?: number;
  /** `--threshold` in bytes (at least 1). */
  threshold?: number;
  /** `--store`: the checkpoint directory. */
  store?: string;
  /** `false` with `--no-verify`. */
  verify: boolean;
  /** `--sha256`, lowercase hex. */
  sha256?: string;
  /** `--quiet`. */
  quiet: boolean;
  /** `--json`. */
  json: boolean;
  /** `-H/--header "Name: value"`, in order. */
  headers?: [string, string][];
  /** `--limit-rate`, bytes per second for all connections together. */
  limitRate?: number;
  /** `--retries N`: attempts per request without progress are N + 1. */
  retries?: number;
}

/** How to reach OSS: `--endpoint` and the other OSS flags (or their variables). */
export type OssConnection = Omit<OssSourceSpec, "kind" | "text" | "bucket" | "key">;

/** Many objects: `-r oss://bucket/prefix/ dir/` or `-i FILE [dir/]`. */
export interface BulkCliOptions extends Omit<CliOptions, "source" | "destination"> {
  /** `-r oss://BUCKET/PREFIX`: everything under the prefix. */
  prefix?: { text: string; bucket: string; prefix: string };
  /** `-i FILE`: lines `URL [name]`; `-` is stdin. */
  inputFile?: string;
  /** The OSS connection, when the flags or the environment name an endpoint. */
  oss?: OssConnection;
  /** Where the files go (default: the current directory). */
  directory: string;
  /** `-j/--jobs`: objects at once. */
  jobs: number;
  /** `--include` globs. */
  include: string[];
  /** `--exclude` globs. */
  exclude: string[];
  /** `--shard I/N`, 0-based index. */
  shard?: { index: number; count: number };
}

/** What the command line asks for. */
export type ParsedArgs =
  | { command: "help" }
  | { command: "version" }
  | { command: "download"; options: CliOptions }
  | { command: "bulk"; options: BulkCliOptions };

const OSS_FLAGS = {
  endpoint: "OSS_ENDPOINT",
  region: "OSS_REGION",
  "access-key-id": "OSS_ACCESS_KEY_ID",
  "access-key-secret": "OSS_ACCESS_KEY_SECRET",
  "security-token": "OSS_SESSION_TOKEN",
  "signature-version": "OSS_SIGNATURE_VERSION",
} as const;

const PARSE_OPTIONS = {
  threads: { type: "string" },
  retries: { type: "string" },
  "part-size": { type: "string" },
  threshold: { type: "string" },
  store: { type: "string" },
  "no-verify": { type: "boolean" },
  sha256: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  endpoint: { type: "string" },
  region: { type: "string" },
  "access-key-id": { type: "string" },
  "access-key-secret": { type: "string" },
  "security-token": { type: "string" },
  "signature-version": { type: "string" },
  output: { type: "string", short: "o" },
  header: { type: "string", short: "H", multiple: true },
  "limit-rate": { type: "string" },
  recursive: { type: "boolean", short: "r" },
  "input-file": { type: "string", short: "i" },
  jobs: { type: "string", short: "j" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  shard: { type: "string" },
} as const;

/** Flags that only make sense for many objects (`-r` or `-i`). */
const BULK_ONLY = ["jobs", "include", "exclude", "shard"] as const;

type ParsedValues = ReturnType<typeof parseArgs<{ options: typeof PARSE_OPTIONS }>>["values"];

/** Turns parseArgs' own errors (worded a little differently per runtime) into ours. */
function parseError(e: unknown): UsageError {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const option = /'(-[^']*)'/.exec(message)?.[1] ?? /(--?[\w-]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option ?? message}`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(
        /argument missing|requires|needs/i.test(message) && option
          ? `option ${option.split(" ")[0]} needs a value`
          : message.split(/\.\s/)[0]!,
      );
    default:
      return new UsageError(message.split(/\.\s/)[0]!);
  }
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") throw new UsageError(`--${flag} must not be empty`);
  return value.trim();
}

function sizeFlag(flag: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  let n: number;
  try {
    n = parseSize(value);
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
  if (n < min || n > max) {
    throw new UsageError(
      `--${flag} must be from ${min} bytes to ${max} bytes: got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * Parses an `oss://bucket/key` source. The key is taken as written (not percent-decoded),
 * like ossutil does.
 *
 * @example
 * ```ts
 * import { parseOssUrl } from "./args.ts";
 * console.log(parseOssUrl("oss://bucket/dir/a b.bin")); // { bucket: "bucket", key: "dir/a b.bin" }
 * ```
 */
export function parseOssUrl(text: string): { bucket: string; key: string } {
  const m = /^oss:\/\/([^/?#]*)\/?([\s\S]*)$/i.exec(text);
  if (!m) throw new UsageError(`not an oss:// URL: ${JSON.stringify(text)}`);
  const [, bucket, key] = m as unknown as [string, string, string];
  if (!bucket) {
    throw new UsageError(`${JSON.stringify(text)} names no bucket: use oss://BUCKET/KEY`);
  }
  if (!key) {
    throw new UsageError(
      `${
        JSON.stringify(text)
      } names no object: use oss://BUCKET/KEY, or -r for everything under a prefix`,
    );
  }
  return { bucket, key };
}

/**
 * The file name a source is saved under when the destination is a directory: the last
 * segment of the key or of the URL's path (percent-decoded), each control character in it
 * (ESC, BEL, a newline...) replaced by `_`. Throws {@linkcode UsageError} when there is
 * none (`http://host/`, a key ending in `/`).
 *
 * @example
 * ```ts
 * import { sourceBasename } from "./args.ts";
 * console.log(sourceBasename("oss://b/dir/a.bin"), sourceBasename("https://h/x/big%20file.iso?sig=1"));
 * // a.bin big file.iso
 * ```
 */
export function sourceBasename(source: string): string {
  let name: string;
  if (/^oss:\/\//i.test(source)) {
    const { key } = parseOssUrl(source);
    name = key.slice(key.lastIndexOf("/") + 1);
  } else {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new UsageError(`not a URL: ${JSON.stringify(source)}`);
    }
    const segment = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
    try {
      name = decodeURIComponent(segment);
    } catch {
      name = segment;
    }
  }
  // A key or URL may hold ESC, BEL or newlines: never in a file name the command makes.
  name = safeFileName(name);
  if (name === "" || name === "." || name === ".." || /[/\\]/.test(name)) {
    throw new UsageError(
      `cannot name the file after ${JSON.stringify(source)}: give a file path as <destination>`,
    );
  }
  return name;
}

/**
 * The OSS connection from the OSS flags, falling back to their environment variables;
 * `undefined` when no endpoint is given. Throws {@linkcode UsageError} for contradictions.
 */
function ossConnection(
  values: ParsedValues,
  env: Record<string, string | undefined>,
): OssConnection | undefined {
  const flag = (name: keyof typeof OSS_FLAGS): string | undefined =>
    nonEmpty(name, values[name]) ?? envValue(env, OSS_FLAGS[name]) ??
      (name === "security-token" ? envValue(env, "OSS_SECURITY_TOKEN") : undefined);
  const endpoint = flag("endpoint");
  if (endpoint === undefined) return undefined;
  const spec: OssConnection = { endpoint };
  const region = flag("region");
  if (region !== undefined) spec.region = region;
  const accessKeyId = flag("access-key-id");
  if (accessKeyId !== undefined) spec.accessKeyId = accessKeyId;
  const accessKeySecret = flag("access-key-secret");
  if (accessKeySecret !== undefined) spec.accessKeySecret = accessKeySecret;
  if ((accessKeyId === undefined) !== (accessKeySecret === undefined)) {
    throw new UsageError(
      accessKeyId === undefined
        ? "an access key secret needs an access key id (--access-key-id or OSS_ACCESS_KEY_ID)"
        : "an access key id needs its secret (--access-key-secret or OSS_ACCESS_KEY_SECRET)",
    );
  }
  const securityToken = flag("security-token");
  if (securityToken !== undefined) {
    if (accessKeyId === undefined) {
      throw new UsageError("a security token needs an access key id and secret");
    }
    spec.securityToken = securityToken;
  }
  const version = flag("signature-version");
  if (version !== undefined) {
    const v = version.toLowerCase();
    if (v !== "v4" && v !== "v1") {
      throw new UsageError(
        `--signature-version must be v4 or v1: got ${JSON.stringify(version)}`,
      );
    }
    spec.signatureVersion = v;
  }
  return spec;
}

/** The flags a single download and a batch share, checked. */
function commonOptions(values: ParsedValues): Omit<CliOptions, "source" | "destination"> {
  let threads = DEFAULT_THREADS;
  if (values.threads !== undefined) {
    const t = values.threads.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_THREADS) {
      throw new UsageError(
        `--threads must be a whole number from 1 to ${MAX_THREADS}: got ${
          JSON.stringify(values.threads)
        }`,
      );
    }
    threads = Number(t);
  }
  const options: Omit<CliOptions, "source" | "destination"> = {
    threads,
    verify: !values["no-verify"],
    quiet: values.quiet === true,
    json: values.json === true,
  };
  const partSize = sizeFlag("part-size", values["part-size"], 1, MAX_PART_SIZE);
  if (partSize !== undefined) options.partSize = partSize;
  const threshold = sizeFlag("threshold", values.threshold, 0, Number.MAX_SAFE_INTEGER);
  if (threshold !== undefined) options.threshold = Math.max(1, threshold);
  const store = nonEmpty("store", values.store);
  if (store !== undefined) options.store = store;
  if (values.sha256 !== undefined) {
    const hex = values.sha256.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new UsageError(`--sha256 must be 64 hex digits: got ${JSON.stringify(values.sha256)}`);
    }
    if (!options.verify) throw new UsageError("--sha256 and --no-verify contradict each other");
    options.sha256 = hex.toLowerCase();
  }
  if (values.header !== undefined) {
    options.headers = values.header.map((h) => {
      const colon = h.indexOf(":");
      const name = colon > 0 ? h.slice(0, colon).trim() : "";
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        throw new UsageError(`-H/--header must be "Name: value": got ${JSON.stringify(h)}`);
      }
      return [name, h.slice(colon + 1).trim()];
    });
  }
  const limitRate = sizeFlag("limit-rate", values["limit-rate"], 1, Number.MAX_SAFE_INTEGER);
  if (limitRate !== undefined) options.limitRate = limitRate;
  if (values.retries !== undefined) {
    const r = values.retries.trim();
    if (!/^\d+$/.test(r) || Number(r) > 999) {
      throw new UsageError(
        `--retries must be a whole number from 0 to 999: got ${JSON.stringify(values.retries)}`,
      );
    }
    options.retries = Number(r);
  }
  return options;
}

/**
 * Parses `--shard I/N` (0-based I).
 *
 * @example
 * ```ts
 * import { parseShard } from "./args.ts";
 * console.log(parseShard("2/3")); // { index: 2, count: 3 }
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UsageError(
      `--shard must be I/N with 0 <= I < N (e.g. 0/3, 1/3, 2/3): got ${JSON.stringify(text)}`,
    );
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

function parseBulkArgs(
  values: ParsedValues,
  positionals: string[],
  env: Record<string, string | undefined>,
): BulkCliOptions {
  if (values.output !== undefined) {
    throw new UsageError("-o/--output names one file: with -r or -i give a directory instead");
  }
  if (values.sha256 !== undefined) {
    throw new UsageError("--sha256 is one file's digest: it does not apply to -r or -i");
  }
  let prefix: BulkCliOptions["prefix"];
  let rest = positionals;
  if (values.recursive) {
    if (values["input-file"] !== undefined) {
      throw new UsageError("-r and -i cannot be combined: run them as two commands");
    }
    const text = positionals[0];
    if (text === undefined) throw new UsageError("-r needs oss://BUCKET/PREFIX");
    const m = /^oss:\/\/([^/?#]+)\/?(.*)$/i.exec(text);
    if (!m) throw new UsageError(`-r needs oss://BUCKET/PREFIX: got ${JSON.stringify(text)}`);
    prefix = { text, bucket: m[1]!, prefix: m[2]! };
    rest = positionals.slice(1);
  }
  if (rest.length > 1) {
    throw new UsageError(
      `too many arguments: ${rest.slice(1).map((p) => JSON.stringify(p)).join(" ")}`,
    );
  }
  const directory = rest[0] ?? ".";
  if (directory === "") throw new UsageError("<directory> must not be empty");
  const oss = ossConnection(values, env);
  if (prefix && oss === undefined) {
    throw new UsageError(
      `${prefix.text} needs an endpoint: pass --endpoint (e.g. oss-cn-hangzhou.aliyuncs.com) or set OSS_ENDPOINT`,
    );
  }
  let jobs = DEFAULT_JOBS;
  if (values.jobs !== undefined) {
    const j = values.jobs.trim();
    if (!/^\d+$/.test(j) || Number(j) < 1 || Number(j) > 256) {
      throw new UsageError(
        `-j/--jobs must be a whole number from 1 to 256: got ${JSON.stringify(values.jobs)}`,
      );
    }
    jobs = Number(j);
  }
  const globs = (name: "include" | "exclude") => {
    const list = values[name] ?? [];
    if (list.some((g) => g.trim() === "")) throw new UsageError(`--${name} must not be empty`);
    return list;
  };
  const options: BulkCliOptions = {
    ...commonOptions(values),
    directory,
    jobs,
    include: globs("include"),
    exclude: globs("exclude"),
  };
  if (values.threads === undefined) options.threads = 1;
  if (prefix) options.prefix = prefix;
  if (values["input-file"] !== undefined) {
    if (values["input-file"] === "") throw new UsageError("-i/--input-file must not be empty");
    options.inputFile = values["input-file"];
  }
  if (oss) options.oss = oss;
  if (values.shard !== undefined) options.shard = parseShard(values.shard);
  return options;
}

/**
 * Parses the arguments (without the runtime and script names). OSS settings not given as
 * flags are read from `env` (`OSS_ENDPOINT`, `OSS_REGION`, `OSS_ACCESS_KEY_ID`,
 * `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN` or `OSS_SECURITY_TOKEN`,
 * `OSS_SIGNATURE_VERSION`). Throws {@linkcode UsageError} naming the problem.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "./args.ts";
 * const parsed = parseCliArgs(["--threads", "8", "--part-size", "16MiB", "https://h/a.iso", "."]);
 * if (parsed.command === "download") console.log(parsed.options.threads, parsed.options.partSize);
 * // 8 16777216
 * ```
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: PARSE_OPTIONS,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw parseError(e);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  if (values.recursive || values["input-file"] !== undefined) {
    return { command: "bulk", options: parseBulkArgs(values, positionals, env) };
  }
  for (const name of BULK_ONLY) {
    if (values[name] !== undefined) {
      throw new UsageError(`--${name} applies to many objects (-r/--recursive or -i/--input-file)`);
    }
  }

  if (positionals.length === 0) throw new UsageError("missing <source>");
  const most = values.output === undefined ? 2 : 1;
  if (positionals.length > most) {
    throw new UsageError(
      `too many arguments: ${
        positionals.slice(most).map((p) => JSON.stringify(p)).join(" ")
      } (expected <source> ${most === 2 ? "[<destination>]" : "with -o"})`,
    );
  }
  const sourceText = positionals[0]!;
  // -o FILE, else the destination argument, else the current directory (the remote name).
  const destination = values.output ?? positionals[1] ?? ".";
  if (destination === "") throw new UsageError("<destination> must not be empty");

  let source: OssSourceSpec | HttpSourceSpec;
  if (/^oss:\/\//i.test(sourceText)) {
    const { bucket, key } = parseOssUrl(sourceText);
    const connection = ossConnection(values, env);
    if (connection === undefined) {
      throw new UsageError(
        `${sourceText} needs an endpoint: pass --endpoint (e.g. oss-cn-hangzhou.aliyuncs.com) or set OSS_ENDPOINT`,
      );
    }
    const spec: OssSourceSpec = { kind: "oss", text: sourceText, bucket, key, ...connection };
    source = spec;
  } else if (/^https?:\/\//i.test(sourceText)) {
    let url: URL;
    try {
      url = new URL(sourceText);
    } catch {
      throw new UsageError(`not a valid URL: ${JSON.stringify(sourceText)}`);
    }
    for (const name of Object.keys(OSS_FLAGS) as (keyof typeof OSS_FLAGS)[]) {
      if (values[name] !== undefined) {
        throw new UsageError(
          `--${name} applies to oss:// sources only (an http(s) URL carries its own signature)`,
        );
      }
    }
    source = { kind: "http", text: sourceText, url };
  } else {
    throw new UsageError(
      `unsupported source ${JSON.stringify(sourceText)}: use oss://BUCKET/KEY or an http(s):// URL`,
    );
  }

  const options: CliOptions = { source, destination, ...commonOptions(values) };
  return { command: "download", options };
}
