// Finds the Deno and Bun executables that `npm ci` installed, with or without install scripts.
//
// Both packages ship their binary in a per-platform optional dependency (`@deno/linux-x64-glibc`,
// `@oven/bun-linux-x64`, ...). Their postinstall scripts only move or link that binary to
// `node_modules/<name>/`; with scripts off (`npm ci --ignore-scripts`, or a policy that blocks
// them), `node_modules/.bin/bun` is a placeholder that cannot run, while the platform package's
// binary is there and works. So: the platform packages first, then `node_modules/.bin/<name>`,
// each tried with `--version`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const modules = join(root, "node_modules");
const exe = process.platform === "win32" ? ".exe" : "";

/** Binaries inside the installed platform packages of `scope` whose name starts with `prefix`. */
function platformBinaries(scope, prefix, relative) {
  const dir = join(modules, scope);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => join(dir, name, relative));
}

const candidates = {
  deno: () => [...platformBinaries("@deno", "", `deno${exe}`), join(modules, ".bin", "deno")],
  bun: () => [
    ...platformBinaries("@oven", "bun-", join("bin", `bun${exe}`)),
    join(modules, ".bin", "bun"),
  ],
};

const found = new Map();

/**
 * The path of a working `deno` or `bun` from node_modules. Throws with what was tried when
 * none runs.
 * @param {"deno" | "bun"} name
 * @returns {string}
 */
export function runtimeBin(name) {
  if (found.has(name)) return found.get(name);
  const tried = [];
  for (const path of candidates[name]()) {
    if (!existsSync(path)) continue;
    const r = spawnSync(path, ["--version"], { stdio: "ignore", timeout: 60_000 });
    if (r.status === 0) {
      found.set(name, path);
      return path;
    }
    tried.push(path);
  }
  throw new Error(
    `no working ${name} in node_modules (tried: ${tried.join(", ") || "nothing installed"}); ` +
      "run npm ci",
  );
}
