/**
 * Runtime packaging: a `bun build` bundle of a user's script downloads correctly (the file
 * worker never re-runs the application; without its module file the library writes on its
 * own thread), and Deno with the README's minimal flags downloads, while a missing flag is
 * a LocalFileError naming it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MiB, randomBytes, sameBytes, tempDir } from "./helpers.ts";
import { rangeServer } from "./range_server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bun = join(root, "node_modules", ".bin", "bun");
const deno = join(root, "node_modules", ".bin", "deno");
const app = join(root, "tests", "fixtures", "bundled_app.ts");

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 1 << 20 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out, err });
    });
  });
}

describe("a bun build bundle of a user's script", () => {
  it("downloads exactly, runs the app's top level once, leaves only the target", {
    skip: !existsSync(bun) && "bun not installed",
    timeout: 150_000,
  }, async () => {
    const dir = await tempDir();
    const data = randomBytes(9 * MiB + 5, 21);
    const origin = await rangeServer(data);
    try {
      const build = await run(bun, ["build", app, "--target=bun", `--outdir=${dir.path}/app`]);
      assert.equal(build.code, 0, build.err);
      const target = join(dir.path, "out", "o.bin");
      const r = await run(bun, [join(dir.path, "app", "bundled_app.js"), origin.url, target]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.split("app started").length - 1, 1, r.out);
      assert.equal(JSON.parse(r.out.trim().split("\n").at(-1)!).size, data.length);
      assert.ok(sameBytes(new Uint8Array(await readFile(target)), data));
      assert.ok(origin.ranges() >= 9, `${origin.ranges()} ranges`);
      assert.deepEqual(await readdir(join(dir.path, "out")), ["o.bin"]);
    } finally {
      await origin.close();
      await dir.cleanup();
    }
  });
});

describe("Deno permissions", () => {
  it("--allow-net plus read/write on the target's directory are enough (memory store)", {
    skip: !existsSync(deno) && "deno not installed",
    timeout: 150_000,
  }, async () => {
    const dir = await tempDir();
    const data = randomBytes(6 * MiB + 1, 22);
    const origin = await rangeServer(data);
    try {
      const target = join(dir.path, "o.bin");
      const net = `--allow-net=127.0.0.1:${origin.port}`;
      const read = `--allow-read=${dir.path}`;
      const write = `--allow-write=${dir.path}`;
      const ok = await run(deno, ["run", "--no-prompt", net, read, write, app, origin.url, target]);
      assert.equal(ok.code, 0, ok.err);
      assert.ok(sameBytes(new Uint8Array(await readFile(target)), data));
      assert.deepEqual(await readdir(dir.path), ["o.bin"]);

      const other = join(dir.path, "p.bin");
      for (
        const [flags, missing] of [[[net, read], "--allow-write"], [[net], "--allow-read"]] as const
      ) {
        const r = await run(deno, ["run", "--no-prompt", ...flags, app, origin.url, other]);
        assert.notEqual(r.code, 0);
        assert.match(r.err, /LocalFileError/);
        assert.ok(r.err.includes(`Deno needs ${missing}=${dir.path}`), r.err);
      }
      assert.deepEqual(await readdir(dir.path), ["o.bin"], "nothing left by the failed runs");
    } finally {
      await origin.close();
      await dir.cleanup();
    }
  });
});
