/**
 * The target lock: the lock file (process liveness, exactly one winner of a stale lock,
 * private and never through a symbolic link), Web Locks and the per-realm lock.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { DownloadLockedError, LocalFileError } from "../src/errors.ts";
import { loadRuntimeFiles } from "../src/fs/mod.ts";
import { MemoryFileSystem } from "../src/fs/memory.ts";
import { FileLock } from "../src/lock/file_lock.ts";
import { RuntimeProcessInfo } from "../src/lock/process.ts";
import { RealmLock, WebLock } from "../src/lock/web_lock.ts";
import { MiB, randomBytes, runScript, sameBytes, tempDir, waitFor } from "./helpers.ts";

const isLinux = process.platform === "linux";

/** A process id that is surely dead: an exited (and reaped) child's. */
function deadPid(): number {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const child = spawnSync(process.execPath, isDeno ? ["eval", "0"] : ["-e", "0"]);
  return child.pid!;
}

async function fileLock() {
  const { fs } = await loadRuntimeFiles();
  const proc = new RuntimeProcessInfo();
  return { fs, proc, lock: new FileLock(fs, proc) };
}

describe("process liveness", () => {
  const proc = new RuntimeProcessInfo();

  it("this process is alive; an exited child and nonsense pids are not", () => {
    assert.equal(proc.pid, process.pid);
    assert.equal(proc.isAlive(process.pid, proc.start), true);
    assert.equal(proc.isAlive(deadPid()), false);
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(proc.isAlive(pid), false);
  });

  it("a pid whose start time differs (reused) is dead", { skip: !isLinux }, () => {
    assert.equal(typeof proc.start, "string");
    assert.equal(proc.isAlive(process.pid, `${proc.start}0`), false);
  });

  it("a zombie (exited, not reaped by its parent) is dead", { skip: !isLinux }, async () => {
    // The shell backgrounds a short sleep and becomes a long one, which never reaps it.
    const child = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await waitFor(() => out.includes("\n"), 10_000, "the zombie's pid");
      const zombie = Number(out.trim());
      await waitFor(
        () => {
          try {
            return spawnSync("cat", [`/proc/${zombie}/stat`]).stdout.toString().includes(") Z ");
          } catch {
            return false;
          }
        },
        10_000,
        "the zombie state",
      );
      assert.equal(proc.isAlive(zombie), false);
      assert.equal(proc.isAlive(child.pid!), true);
    } finally {
      child.kill();
    }
  });
});

describe("FileLock", () => {
  it("creates the lock 0600; a second call in this process is refused as 'this process'", async () => {
    const dir = await tempDir();
    try {
      const { lock } = await fileLock();
      const target = join(dir.path, "a.bin");
      const release = await lock.acquire(target);
      assert.equal((await stat(`${target}.lock`)).mode & 0o777, 0o600);
      await assert.rejects(lock.acquire(target), (e) => {
        assert.ok(e instanceof DownloadLockedError);
        assert.match(e.message, /this process/);
        assert.equal(e.owner?.pid, process.pid);
        assert.equal(e.sameProcess, true);
        return true;
      });
      await release();
      assert.deepEqual(await readdir(dir.path), []);
      await (await lock.acquire(target))();
    } finally {
      await dir.cleanup();
    }
  });

  it("a lock of another live process is kept; one of a dead process is taken over", async () => {
    const dir = await tempDir();
    try {
      const { lock, proc } = await fileLock();
      const target = join(dir.path, "a.bin");
      const host = proc.host ?? "";
      await writeFile(`${target}.lock`, JSON.stringify({ pid: 1, host, since: "x", token: "t" }));
      await assert.rejects(lock.acquire(target), (e) => {
        assert.ok(e instanceof DownloadLockedError);
        assert.equal(e.owner?.pid, 1);
        assert.doesNotMatch(e.message, /this process/);
        assert.equal(e.sameProcess, false);
        return true;
      });
      await writeFile(
        `${target}.lock`,
        JSON.stringify({ pid: deadPid(), host, since: "x", token: "t" }),
      );
      const release = await lock.acquire(target);
      assert.equal(JSON.parse(await readFile(`${target}.lock`, "utf8")).pid, process.pid);
      await release();
      assert.deepEqual(await readdir(dir.path), [], "no guard or temp file left");
    } finally {
      await dir.cleanup();
    }
  });

  it("works where hard links are not supported (link fails with EPERM)", async () => {
    const dir = await tempDir();
    try {
      const { fs, proc } = await fileLock();
      const noLinks = Object.assign(Object.create(Object.getPrototypeOf(fs)), fs, {
        link: () => Promise.reject(Object.assign(new Error("not permitted"), { code: "EPERM" })),
      });
      const lock = new FileLock(noLinks, proc);
      const target = join(dir.path, "a.bin");
      const release = await lock.acquire(target);
      assert.equal(JSON.parse(await readFile(`${target}.lock`, "utf8")).pid, process.pid);
      await assert.rejects(lock.acquire(target), DownloadLockedError);
      await release();
      assert.deepEqual(await readdir(dir.path), []);
    } finally {
      await dir.cleanup();
    }
  });

  it("a symbolic link planted at the lock path: LocalFileError (ELOOP), victim untouched", async () => {
    const dir = await tempDir();
    try {
      const { lock } = await fileLock();
      const target = join(dir.path, "a.bin");
      const victim = join(dir.path, "victim.txt");
      await writeFile(victim, "precious");
      await symlink(victim, `${target}.lock`);
      await assert.rejects(lock.acquire(target), (e) => {
        assert.ok(e instanceof LocalFileError, String(e));
        assert.equal(e.code, "ELOOP");
        assert.equal(e.path, `${target}.lock`);
        return true;
      });
      assert.equal(await readFile(victim, "utf8"), "precious");
      assert.deepEqual((await readdir(dir.path)).sort(), ["a.bin.lock", "victim.txt"]);
    } finally {
      await dir.cleanup();
    }
  });

  it(
    "8 processes released together on a dead pid's lock: exactly one wins, the object is served once",
    {
      timeout: 180_000,
    },
    async () => {
      const dir = await tempDir();
      const data = randomBytes(4 * MiB, 3);
      let served = 0;
      const server: Server = createServer((req, res) => {
        const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? "");
        const start = m ? Number(m[1]) : 0;
        const end = m && m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
        const body = data.subarray(start, end + 1);
        res.writeHead(m ? 206 : 200, {
          "content-length": body.length,
          "accept-ranges": "bytes",
          etag: '"race"',
          ...(m ? { "content-range": `bytes ${start}-${end}/${data.length}` } : {}),
        });
        served += body.length;
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/o.bin`;
      const { proc } = await fileLock();
      const script = new URL("./fixtures/lock_race.ts", import.meta.url).pathname;
      let children: ReturnType<typeof runScript>[] = [];
      try {
        // Three rounds: a race that a wrong takeover loses only sometimes shows up.
        for (let round = 0; round < 3; round++) {
          const target = join(dir.path, `o${round}.bin`);
          await writeFile(
            `${target}.lock`,
            JSON.stringify({ pid: deadPid(), host: proc.host ?? "", since: "x", token: "stale" }),
          );
          children = Array.from(
            { length: 8 },
            () => runScript(script, [url, target], { stdin: true }),
          );
          await waitFor(() => children.every((c) => c.stdout.includes("ready")), 150_000, "ready");
          served = 0;
          for (const c of children) c.child.stdin!.write("go\n");
          await Promise.all(children.map((c) => c.exited));
          const outcomes = children.map((c) => c.stdout.replace("ready", "").trim()).sort();
          assert.deepEqual(
            outcomes,
            ["won", ...Array(7).fill("DownloadLockedError")].sort(),
            children.map((c) => c.stderr).join("\n"),
          );
          assert.ok(sameBytes(new Uint8Array(await readFile(target)), data));
          assert.ok(served <= data.length * 1.5, `served ${served} bytes for ${data.length}`);
          await rm(target);
          assert.deepEqual(await readdir(dir.path), [], "no lock, guard or temp file left");
        }
      } finally {
        for (const c of children) c.child.kill();
        server.close();
        await dir.cleanup();
      }
    },
  );
});

describe("locks without files", () => {
  it("RealmLock: one holder per target and file system; released, it can be taken again", async () => {
    const fs = new MemoryFileSystem();
    const a = new RealmLock(fs);
    const release = await a.acquire("/x");
    await assert.rejects(new RealmLock(fs).acquire("/x"), DownloadLockedError);
    await (await new RealmLock(new MemoryFileSystem()).acquire("/x"))();
    await release();
    await release();
    await (await a.acquire("/x"))();
  });

  it("WebLock: ifAvailable requests; a held name is refused, released it is free", async () => {
    const held = new Set<string>();
    const locks = {
      request(name: string, _o: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<void>) {
        if (held.has(name)) return cb(null);
        held.add(name);
        return cb({ name }).finally(() => held.delete(name));
      },
    };
    const lock = new WebLock(locks);
    const release = await lock.acquire("/dl/a");
    assert.deepEqual([...held], ["resumable-download:/dl/a"]);
    await assert.rejects(lock.acquire("/dl/a"), DownloadLockedError);
    await release();
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(held.size, 0);
  });
});
