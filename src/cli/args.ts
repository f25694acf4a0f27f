/**
 * The command line: `resumable-download [options] <source> <destination>`, parsed with
 * `node:util` `parseArgs` into a checked {@linkcode CliOptions}. Every problem is a
 * {@linkcode UsageError} whose message names it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { MAX_PART_SIZE, MAX_THREADS } from "../engine/options.ts";
import { safeFileName } from "./escape.ts";
import { UsageError } from "./exit_codes.ts";
import { parseSize } from "./size.ts";

export { UsageError } from "./exit_codes.ts";

/** Threads the CLI uses unless told otherwise (the library's default is 1). */
export const DEFAULT_THREADS = 4;

/** The text `--help` prints. */
export const USAGE: string = `Usage: resumable-download [options] <source> <destination>

Downloads a large object resumably: parallel Range requests into a temp file next to the
destination, progress checkpointed so that an interrupted run (Ctrl-C, a dropped network,
a reboot) continues where it stopped when run again, the CRC-64 verified, then the temp
file renamed onto the destination.

  <source>       oss://BUCKET/KEY           an Alibaba Cloud OSS object
                 http(s)://HOST/PATH?QUERY  any URL whose server honours Range
                                            (presigned OSS URLs included)
  <destination>  a file path, or an existing directory (or a path ending in /) to
                 save under the key's or the URL's last path segment

Options:
  --threads N           ranges downloaded at once, 1-${MAX_THREADS} (default ${DEFAULT_THREADS})
  --part-size SIZE      bytes per range request (default: 8MiB, more for huge objects)
  --threshold SIZE      objects smaller than this are fetched with one plain GET
                        and no checkpoint (default 10MiB)
  --store DIR           where checkpoints are kept (default ~/.resumable-download)
  --retries N           attempts per request before giving up, 1-1000 (default 8)
  --no-verify           do not check the CRC-64 (sizes are still checked)
  --sha256 HEX          also check the file's SHA-256
  -q, --quiet           no progress and no summary on stderr (errors still are)
  --json                NDJSON events on stdout: start, progress, retry, done, error
  -h, --help            print this help and exit
  -V, --version         print the version and exit

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
  /** `--retries`: attempts per request (`retry.limit`). */
  retries?: number;
  /** `false` with `--no-verify`. */
  verify: boolean;
  /** `--sha256`, lowercase hex. */
  sha256?: string;
  /** `--quiet`. */
  quiet: boolean;
  /** `--json`. */
  json: boolean;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { command: "help" }
  | { command: "version" }
  | { command: "download"; options: CliOptions };

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
} as const;

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
      } names no object: use oss://BUCKET/KEY (whole buckets are not downloaded)`,
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

  if (positionals.length === 0) throw new UsageError("missing <source> and <destination>");
  if (positionals.length === 1) {
    throw new UsageError("missing <destination> (a file path or a directory)");
  }
  if (positionals.length > 2) {
    throw new UsageError(
      `too many arguments: ${
        positionals.slice(2).map((p) => JSON.stringify(p)).join(" ")
      } (expected <source> <destination>)`,
    );
  }
  const [sourceText, destination] = positionals as [string, string];
  if (destination === "") throw new UsageError("<destination> must not be empty");

  let source: OssSourceSpec | HttpSourceSpec;
  if (/^oss:\/\//i.test(sourceText)) {
    const { bucket, key } = parseOssUrl(sourceText);
    const flag = (name: keyof typeof OSS_FLAGS): string | undefined =>
      nonEmpty(name, values[name]) ?? envValue(env, OSS_FLAGS[name]) ??
        (name === "security-token" ? envValue(env, "OSS_SECURITY_TOKEN") : undefined);
    const endpoint = flag("endpoint");
    if (endpoint === undefined) {
      throw new UsageError(
        `${sourceText} needs an endpoint: pass --endpoint (e.g. oss-cn-hangzhou.aliyuncs.com) or set OSS_ENDPOINT`,
      );
    }
    const spec: OssSourceSpec = { kind: "oss", text: sourceText, bucket, key, endpoint };
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
  const options: CliOptions = {
    source,
    destination,
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
  if (values.retries !== undefined) {
    const r = values.retries.trim();
    if (!/^\d+$/.test(r) || Number(r) < 1 || Number(r) > 1000) {
      throw new UsageError(
        `--retries must be a whole number from 1 to 1000: got ${JSON.stringify(values.retries)}`,
      );
    }
    options.retries = Number(r);
  }
  if (values.sha256 !== undefined) {
    const hex = values.sha256.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new UsageError(`--sha256 must be 64 hex digits: got ${JSON.stringify(values.sha256)}`);
    }
    if (!options.verify) throw new UsageError("--sha256 and --no-verify contradict each other");
    options.sha256 = hex.toLowerCase();
  }
  return { command: "download", options };
}
