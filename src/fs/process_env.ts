/**
 * The home and working directories of the running process, without importing a runtime
 * module (read from `globalThis.Deno` or `globalThis.process`). On Deno, a missing
 * permission is a `LocalFileError` naming the flag, and nothing prompts.
 *
 * @module
 */
import { LocalFileError } from "../errors.ts";

interface DenoLike {
  build: { os: string };
  env: { get(name: string): string | undefined };
  cwd(): string;
  permissions: { querySync(d: { name: string; variable?: string }): { state: string } };
}
interface ProcessLike {
  env: Record<string, string | undefined>;
  platform: string;
  cwd(): string;
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
const proc = (globalThis as { process?: ProcessLike }).process;

/** The user's home directory (`HOME`, `USERPROFILE` on Windows). */
export function homeDirectory(): string {
  const windows = (deno?.build.os ?? proc?.platform) === "windows" || proc?.platform === "win32";
  const name = windows ? "USERPROFILE" : "HOME";
  let home: string | undefined;
  if (deno) {
    if (deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      throw new LocalFileError(
        "EACCES",
        "~",
        `Deno needs --allow-env=${name} to find the store's directory (or pass 'root')`,
      );
    }
    home = deno.env.get(name);
  } else home = proc?.env[name];
  if (!home) {
    throw new LocalFileError("ENOENT", "~", `cannot find the home directory: ${name} is not set`);
  }
  return home;
}

/** The working directory relative paths resolve against (`/` where there is none). */
export function workingDirectory(): string {
  try {
    return deno ? deno.cwd() : proc?.cwd() ?? "/";
  } catch (e) {
    throw new LocalFileError("EACCES", ".", "Deno needs --allow-read to resolve a relative path", {
      cause: e,
    });
  }
}
