/** Shared test helpers: temp dirs, random data, child processes on the current runtime. */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp directory and its removal. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "rd-test-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** `n` pseudo-random bytes (fast, reproducible per seed). */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  const view = new Uint32Array(out.buffer, 0, Math.floor(n / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < view.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view[i] = x >>> 0;
  }
  for (let i = view.length * 4; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Whether two byte arrays are equal, without printing megabytes on failure. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.compare(a, b) === 0;
}

/** Reads a file fully. */
export async function fileBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/** Command and leading args to run a TypeScript file on the runtime running the tests. */
export function runtimeCommand(script: string): [string, string[]] {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return isDeno ? [process.execPath, ["run", "-A", script]] : [process.execPath, [script]];
}

/** A child process running `script` with `args`, with its output collected. */
export function runScript(
  script: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: boolean } = {},
) {
  const [cmd, pre] = runtimeCommand(script);
  const child = spawn(cmd, [...pre, ...args], {
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  );
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** Polls `check` every 10 ms until it is true or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 20_000, what = "condition") {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const MiB = 1024 * 1024;
