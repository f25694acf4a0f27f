/**
 * A second real third-party server: lighttpd from Debian on loopback, serving static files
 * with its own ETags (built from size and mtime) and a per-connection rate limit. Skipped
 * (saying so) when lighttpd is not installed (`apt-get install lighttpd`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type DownloadEvent, MemoryCheckpointStore, resumableDownloadUrl } from "../mod.ts";
import { fileBytes, MiB, randomBytes, sameBytes, tempDir } from "./helpers.ts";

function findLighttpd(): string | undefined {
  for (const candidate of ["/usr/sbin/lighttpd", "/usr/local/sbin/lighttpd", "/usr/bin/lighttpd"]) {
    if (spawnSync(candidate, ["-v"]).status === 0) return candidate;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const lighttpd = findLighttpd();
if (!lighttpd) {
  console.warn("lighttpd is not installed: skipping the lighttpd tests (apt-get install lighttpd)");
}

describe("resumableDownloadUrl against lighttpd", { skip: !lighttpd }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let base = "";
  let stop = () => {};

  before(async () => {
    dir = await tempDir();
    const www = join(dir.path, "www");
    await mkdir(www);
    await chmod(dir.path, 0o755);
    await chmod(www, 0o755);
    const port = await freePort();
    const conf = join(dir.path, "lighttpd.conf");
    await writeFile(
      conf,
      `server.document-root = "${www}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${dir.path}/error.log"
mimetype.assign = ( "" => "application/octet-stream" )
static-file.etags = "enable"
connection.kbytes-per-second = 4096
`,
    );
    const child = spawn(lighttpd!, ["-D", "-f", conf], { stdio: "ignore" });
    stop = () => child.kill("SIGTERM");
    base = `http://127.0.0.1:${port}`;
    await writeFile(join(www, "probe"), "x");
    const until = Date.now() + 10_000;
    while (!(await fetch(`${base}/probe`).then((r) => r.ok, () => false))) {
      if (Date.now() > until) {
        throw new Error(
          `lighttpd did not start: ${await readFile(join(dir.path, "error.log"), "utf8").catch(() =>
            ""
          )}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    stop();
    await dir?.cleanup();
  });

  it("downloads exactly in ranges, with lighttpd's ETag on every range", async () => {
    const data = randomBytes(6 * MiB + 777, 201);
    await writeFile(join(dir.path, "www", "a.bin"), data);
    const target = join(dir.path, "out", "a.bin");
    const result = await resumableDownloadUrl(`${base}/a.bin`, target, {
      store: new MemoryCheckpointStore(),
      numThreads: 3,
      partSize: MiB,
      multigetThreshold: 1,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.ok(result.etag, "lighttpd sends an ETag");
    assert.deepEqual(result.verifiedBy, []);
  });

  it("same size, same mtime, new content between runs: the new file exactly, never a mix", async () => {
    const v1 = randomBytes(6 * MiB, 202);
    const v2 = randomBytes(6 * MiB, 203);
    const path = join(dir.path, "www", "same.bin");
    await writeFile(path, v1);
    // A whole-second mtime, so that putting it back restores it exactly (nanoseconds too).
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
    utimesSync(path, mtime, mtime);
    const etag = (await fetch(`${base}/same.bin`, { method: "HEAD" })).headers.get("etag");
    const target = join(dir.path, "out", "same.bin");
    const store = new MemoryCheckpointStore();
    const options = { store, numThreads: 2, partSize: MiB, multigetThreshold: 1 };
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(`${base}/same.bin`, target, {
        ...options,
        signal: controller.signal,
        progressCallback: (done) => {
          if (done >= 0.4 * v1.length) controller.abort(new Error("killed at 40%"));
        },
      }),
      /killed at 40%/,
    );
    writeFileSync(path, v2);
    utimesSync(path, mtime, mtime);
    // lighttpd caches stat results for about a second: wait until it serves the new bytes.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const r = await fetch(`${base}/same.bin`, { headers: { range: "bytes=0-15" } });
      if (sameBytes(new Uint8Array(await r.arrayBuffer()), v2.subarray(0, 16))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(
      (await fetch(`${base}/same.bin`, { method: "HEAD" })).headers.get("etag"),
      etag,
      "lighttpd's ETag cannot tell the versions apart",
    );
    const events: DownloadEvent[] = [];
    await resumableDownloadUrl(`${base}/same.bin`, target, {
      ...options,
      onEvent: (e) => events.push(e),
    });
    assert.ok(sameBytes(await fileBytes(target), v2), "exactly the new version");
    assert.ok(events.some((e) => e.type === "restart"));
  });
});
