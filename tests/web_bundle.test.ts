/**
 * The web entry: web.ts bundled for the browser with esbuild reaches no `node:` module, and
 * the bundle downloads from a local server inside Cloudflare's workerd (no compatibility
 * flags, an old compatibility date: no Node APIs, no WeakRef) into a MemoryFileSystem,
 * exact. Skips when the npm packages `esbuild` or `workerd` are not installed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MiB, randomBytes, sameBytes, tempDir, waitFor } from "./helpers.ts";
import { rangeServer } from "./range_server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const esbuild = join(root, "node_modules", ".bin", "esbuild");
const workerd = join(root, "node_modules", ".bin", "workerd");
const haveEsbuild = existsSync(esbuild) && spawnSync(esbuild, ["--version"]).status === 0;
const haveWorkerd = haveEsbuild && existsSync(workerd) &&
  spawnSync(workerd, ["--version"]).status === 0;

/** Bundles `entry` for the browser; resolves the bundle's text. */
function bundle(entry: string, outfile: string): string {
  const r = spawnSync(esbuild, [
    entry,
    "--bundle",
    "--format=esm",
    "--platform=browser",
    `--outfile=${outfile}`,
    "--log-level=error",
  ]);
  assert.equal(r.status, 0, String(r.stderr));
  return spawnSync("cat", [outfile]).stdout.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on("error", reject);
  });
}

describe("web.ts", () => {
  it("bundled for the browser, contains no node: import, Deno or Bun API", {
    skip: !haveEsbuild && "npm package esbuild not installed",
  }, async () => {
    const dir = await tempDir();
    try {
      const text = bundle(join(root, "web.ts"), join(dir.path, "web.js"));
      assert.ok(text.length > 10_000, "a real bundle");
      assert.deepEqual(text.match(/["'`]node:[a-z_/]+["'`]/g) ?? [], []);
      assert.deepEqual(text.match(/\bDeno\.(?!env)\w+|\bBun\.\w+/g) ?? [], []);
      assert.ok(!/require\(/.test(text), "no require()");
    } finally {
      await dir.cleanup();
    }
  });

  it("the bundle downloads in workerd into a MemoryFileSystem, exact", {
    skip: !haveWorkerd && "npm packages esbuild and workerd not installed",
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const data = randomBytes(5 * MiB + 123, 9);
    const origin = await rangeServer(data);
    const port = await freePort();
    const entry = join(dir.path, "entry.js");
    await writeFile(
      entry,
      `import { MemoryCheckpointStore, MemoryFileSystem, resumableDownloadUrl } from ${
        JSON.stringify(join(root, "web.ts"))
      };
export default {
  async fetch(request) {
    const src = new URL(request.url).searchParams.get("src");
    const fs = new MemoryFileSystem();
    try {
      const result = await resumableDownloadUrl(src, "/dl/o.bin", {
        fs, store: new MemoryCheckpointStore(), numThreads: 4, partSize: 1048576,
        multigetThreshold: 1,
      });
      return new Response(fs.readFile("/dl/o.bin"), { headers: { "x-result": JSON.stringify(result) } });
    } catch (e) {
      return new Response(String(e && e.stack || e), { status: 500 });
    }
  },
};
`,
    );
    bundle(entry, join(dir.path, "worker.js"));
    await writeFile(
      join(dir.path, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2024-09-23",
);
`,
    );
    const child = spawn(workerd, ["serve", join(dir.path, "config.capnp")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    try {
      let up = false;
      const probe = () => fetch(`http://127.0.0.1:${port}/`).then(() => up = true, () => {});
      await waitFor(() => (void probe(), up), 60_000, `workerd to listen: ${log}`);
      const response = await fetch(`http://127.0.0.1:${port}/?src=${origin.url}`);
      const body = new Uint8Array(await response.arrayBuffer());
      assert.equal(response.status, 200, new TextDecoder().decode(body.subarray(0, 2000)));
      assert.ok(sameBytes(body, data), "exact bytes");
      const result = JSON.parse(response.headers.get("x-result")!);
      assert.equal(result.size, data.length);
      assert.equal(result.bytesFetched, data.length);
      assert.ok(origin.ranges() >= 5, `${origin.ranges()} ranged requests`);
    } finally {
      child.kill();
      await origin.close();
      await dir.cleanup();
    }
  });
});
