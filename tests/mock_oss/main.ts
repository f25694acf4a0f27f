/**
 * Runs the mock OSS as its own process. Prints one JSON line when listening:
 * `{"url", "port", "bucket", "objects": [{"key", "size", "etag", "crc64", "url"}]}`.
 * Exits on SIGTERM or SIGINT, and when stdin is a pipe, when it closes.
 *
 * ```sh
 * deno run -A tests/mock_oss/main.ts --port 0 --object a.bin=/path/file --random big.bin=64MiB
 * bun tests/mock_oss/main.ts --random x=1000 --fault '{"fault":{"kind":"drop","afterBytes":100}}'
 * ```
 *
 * @module
 */

import { fstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { parseArgs } from "node:util";
import type { Backend } from "./listen.ts";
import { type FaultRule, MockOss } from "./server.ts";

const USAGE = `Usage: main.ts [options]
  --port N                 port to listen on (default 0: any free port)
  --hostname H             address to listen on (default 127.0.0.1)
  --bucket B               bucket of the objects (default "bucket")
  --object KEY=PATH        serve a file's content as KEY (repeatable)
  --random KEY=SIZE        serve SIZE pseudo-random bytes as KEY, e.g. 1000, 64KiB, 1.5GiB (repeatable)
  --seed N                 seed of --random data (default 1)
  --bytes-per-second SIZE  throttle each response body
  --chunk-size SIZE        body chunk size (default 64KiB)
  --multi-range 416|first  answer to multi-range requests (default 416)
  --fault JSON             a FaultRule as JSON; "times": "Infinity" allowed (repeatable)
  --backend deno|bun|node  server implementation (default: deno on Deno, node elsewhere)`;

/** Parses `1000`, `64K`, `64KiB`, `1.5MiB`, `2G` (binary multiples). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(text.trim());
  if (!m) throw new RangeError(`not a size: ${JSON.stringify(text)}`);
  const power = m[2] ? "KMGT".indexOf(m[2].toUpperCase()) + 1 : 0;
  const value = Math.round(Number(m[1]) * 1024 ** power);
  if (!Number.isSafeInteger(value)) throw new RangeError(`size too large: ${text}`);
  return value;
}

/** `n` reproducible pseudo-random bytes (xorshift32). */
export function pseudoRandomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, Math.floor(n / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function splitPair(flag: string, text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new TypeError(`--${flag} wants KEY=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function parseFault(text: string): FaultRule {
  const rule = JSON.parse(text, (name, value) => {
    if ((name === "times" || name === "skip") && value === "Infinity") return Infinity;
    return value;
  });
  if (rule?.fault?.kind === "replace" && Array.isArray(rule.fault.data)) {
    rule.fault.data = Uint8Array.from(rule.fault.data);
  }
  return rule as FaultRule;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "port": { type: "string", default: "0" },
      "hostname": { type: "string", default: "127.0.0.1" },
      "bucket": { type: "string", default: "bucket" },
      "object": { type: "string", multiple: true, default: [] },
      "random": { type: "string", multiple: true, default: [] },
      "seed": { type: "string", default: "1" },
      "bytes-per-second": { type: "string" },
      "chunk-size": { type: "string" },
      "multi-range": { type: "string", default: "416" },
      "fault": { type: "string", multiple: true, default: [] },
      "backend": { type: "string" },
      "help": { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const bucket = values.bucket;
  const mock = new MockOss({
    bucket,
    bytesPerSecond: values["bytes-per-second"] ? parseSize(values["bytes-per-second"]) : undefined,
    chunkSize: values["chunk-size"] ? parseSize(values["chunk-size"]) : undefined,
    multiRange: values["multi-range"] as "416" | "first",
  });
  const keys: string[] = [];
  for (const spec of values.object) {
    const [key, path] = splitPair("object", spec);
    await mock.put(bucket, key, new Uint8Array(await readFile(path)));
    keys.push(key);
  }
  let seed = Number(values.seed);
  for (const spec of values.random) {
    const [key, size] = splitPair("random", spec);
    await mock.put(bucket, key, pseudoRandomBytes(parseSize(size), seed++));
    keys.push(key);
  }
  for (const text of values.fault) mock.addFault(parseFault(text));

  const server = await mock.listen({
    hostname: values.hostname,
    port: Number(values.port),
    backend: values.backend as Backend | undefined,
  });
  const objects = keys.map((key) => {
    const o = mock.object(bucket, key)!;
    return {
      key,
      size: o.data.length,
      etag: o.etag,
      crc64: o.crc64,
      url: mock.urlFor(bucket, key),
    };
  });
  process.stdout.write(
    `${JSON.stringify({ url: server.url, port: server.port, bucket, objects })}\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (stdinIsPipe()) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }
}

/** Whether stdin is a pipe or socket (not a terminal or /dev/null), so its end means "stop". */
function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exit(2);
  });
}
