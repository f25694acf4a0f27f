/**
 * More real third-party servers: lighttpd and Apache httpd from Debian on loopback, serving
 * static files with their own ETags (built from size and mtime; Apache's from microseconds).
 * Each is skipped (saying so) when not installed (`apt-get install lighttpd apache2`).
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

function find(name: string): string | undefined {
  for (const candidate of [`/usr/sbin/${name}`, `/usr/local/sbin/${name}`, `/usr/bin/${name}`]) {
    if (spawnSync(candidate, ["-v"]).status === 0) return candidate;
  }
  return undefined;
}

/** A server's config file text and command line, for `www` on `port` under `dir`. */
interface ServerKind {
  name: string;
  binary: string | undefined;
  config(dir: string, www: string, port: number): string;
  args(conf: string): string[];
}

const KINDS: ServerKind[] = [
  {
    name: "lighttpd",
    binary: find("lighttpd"),
    config: (dir, www, port) =>
      `server.document-root = "${www}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${dir}/error.log"
mimetype.assign = ( "" => "application/octet-stream" )
static-file.etags = "enable"
connection.kbytes-per-second = 4096
`,
    args: (conf) => ["-D", "-f", conf],
  },
  {
    name: "Apache httpd",
    binary: find("apache2"),
    config: (dir, www, port) =>
      `ServerName localhost
ServerRoot ${dir}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
DocumentRoot ${www}
User nobody
Group nogroup
<Directory ${www}>
  Require all granted
</Directory>
`,
    args: (conf) => ["-X", "-f", conf],
  },
];

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

for (const kind of KINDS) {
  if (!kind.binary) {
    console.warn(
      `${kind.name} is not installed: skipping its tests (apt-get install lighttpd apache2)`,
    );
  }

  describe(`resumableDownloadUrl against ${kind.name}`, { skip: !kind.binary }, () => {
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
      const conf = join(dir.path, "server.conf");
      await writeFile(conf, kind.config(dir.path, www, port));
      const child = spawn(kind.binary!, kind.args(conf), { stdio: "ignore" });
      stop = () => child.kill("SIGTERM");
      base = `http://127.0.0.1:${port}`;
      await writeFile(join(www, "probe"), "x");
      const until = Date.now() + 10_000;
      while (!(await fetch(`${base}/probe`).then((r) => r.ok, () => false))) {
        if (Date.now() > until) {
          throw new Error(
            `${kind.name} did not start: ${await readFile(join(dir.path, "error.log"), "utf8")
              .catch(() => "")}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    after(async () => {
      stop();
      await dir?.cleanup();
    });

    it("downloads exactly in ranges, with the server's ETag on every range", async () => {
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
      assert.ok(result.etag, `${kind.name} sends an ETag`);
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
      // lighttpd caches stat results for about a second: wait until the new bytes are served.
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const r = await fetch(`${base}/same.bin`, { headers: { range: "bytes=0-15" } });
        if (sameBytes(new Uint8Array(await r.arrayBuffer()), v2.subarray(0, 16))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(
        (await fetch(`${base}/same.bin`, { method: "HEAD" })).headers.get("etag"),
        etag,
        "the server's ETag cannot tell the versions apart",
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
}
