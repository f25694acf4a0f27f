/**
 * What networks and machines do to a download: failing fetches, stalls, a slow tail,
 * cancellation, a lock on the target, full disks, and a soak of random faults and kills.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DownloadLockedError,
  HttpError,
  LocalFileError,
  MemoryCheckpointStore,
  NetworkError,
  resumableDownloadUrl,
} from "../mod.ts";
import type { DownloadOptions, FetchLike, FileSystem } from "../mod.ts";
import { runDownload } from "../src/engine/engine.ts";
import { resolveOptions } from "../src/engine/options.ts";
import { loadRuntimeFiles } from "../src/fs/mod.ts";

const runtime = await loadRuntimeFiles();
const defaultFileSystem = () => runtime.fs;
import { HttpSource } from "../src/sources/http.ts";
import { MockOss } from "./mock_oss/mod.ts";
import { useMockOss } from "./mock_fixture.ts";
import { fileBytes, MiB, randomBytes, runScript, sameBytes } from "./helpers.ts";

const BUCKET = "rob";
const fast = { initialDelay: 5, backoffLimit: 50 };

describe("robustness", () => {
  const { mock, dir } = useMockOss(BUCKET);

  async function object(key: string, size: number, seed = 1) {
    const data = randomBytes(size, seed);
    await mock.put(BUCKET, key, data);
    return { data, url: mock.urlFor(BUCKET, key), target: join(dir.path, key) };
  }
  const options = (extra: DownloadOptions = {}): DownloadOptions => ({
    store: new MemoryCheckpointStore(),
    partSize: MiB,
    multigetThreshold: 1,
    retry: fast,
    ...extra,
  });

  it("retries when fetch() itself rejects (refused or reset before headers)", async () => {
    const { data, url, target } = await object("fetchfail.bin", 3 * MiB);
    let failures = 0;
    const flaky: typeof fetch = (input, init) => {
      const range = new Headers(init?.headers).get("range");
      if (range && range !== "bytes=0-0" && failures < 3) {
        failures++;
        return Promise.reject(new TypeError("fetch failed: connection reset"));
      }
      return fetch(input, init);
    };
    await resumableDownloadUrl(url, target, options({ fetch: flaky }));
    assert.equal(failures, 3);
    assert.ok(sameBytes(await fileBytes(target), data));
  });

  it("reports a server that refuses connections as NetworkError after the retries", async () => {
    const closed = new MockOss({ bucket: BUCKET });
    const srv = await closed.listen();
    const url = closed.urlFor(BUCKET, "gone.bin");
    await srv.close();
    await assert.rejects(
      resumableDownloadUrl(
        url,
        join(dir.path, "gone.bin"),
        options({ retry: { ...fast, limit: 2 } }),
      ),
      (e) =>
        e instanceof NetworkError && /2 attempts/.test(e.message) && e.cause instanceof TypeError,
    );
    assert.deepEqual(await readdir(dir.path), []);
  });

  it("gives up after retry.limit attempts without progress, with the last error", async () => {
    const { url, target } = await object("always500.bin", 2 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "status", status: 500 },
      skip: 1,
      times: Infinity,
    });
    await assert.rejects(
      resumableDownloadUrl(url, target, options({ retry: { ...fast, limit: 4 } })),
      (e) => e instanceof HttpError && e.status === 500,
    );
    // 4 attempts at the first part; the queued second part still gets its one try before
    // the call rejects (a failing range costs only itself).
    assert.equal(mock.log.filter((r) => r.status === 500).length, 5);
  });

  it("does not retry 403 or 404", async () => {
    const { url, target } = await object("forbidden.bin", 2 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "status", status: 403, code: "AccessDenied" },
      skip: 1,
      times: Infinity,
    });
    await assert.rejects(
      resumableDownloadUrl(url, target, options()),
      (e) => e instanceof HttpError && e.status === 403,
    );
    assert.equal(mock.log.filter((r) => r.status === 403).length, 1);
  });

  it("abandons a stalled response after retry.idleTimeout and continues from the last byte", {
    timeout: 180_000,
  }, async () => {
    const { data, url, target } = await object("stall.bin", 3 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "stall", afterBytes: 300_000, ms: 60_000 },
      skip: 1,
    });
    const started = Date.now();
    const result = await resumableDownloadUrl(
      url,
      target,
      options({ partSize: 3 * MiB, retry: { ...fast, idleTimeout: 300 } }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    // The stall lasts 60 s: finishing in half of that means it was abandoned, on any machine.
    assert.ok(Date.now() - started < 30_000, "did not wait for the stall to end");
    assert.equal(result.bytesFetched, data.length, "the retry continued where the stall began");
    const gets = mock.log.filter((r) => r.method === "GET");
    assert.equal(gets[2]!.headers["range"], `bytes=${300_000}-${3 * MiB - 1}`);
  });

  it("splits the biggest remaining part for idle workers (no slow tail on one connection)", async () => {
    const { data, url, target } = await object("tail.bin", 32 * MiB);
    const result = await resumableDownloadUrl(
      url,
      target,
      options({ partSize: 32 * MiB, numThreads: 4 }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    const ranges = mock.log.filter((r) => r.method === "GET" && r.headers["range"] !== "bytes=0-0");
    assert.ok(ranges.length >= 4, `${ranges.length} ranged requests for one part`);
    assert.ok(
      result.bytesFetched <= data.length + 4 * 256 * 1024,
      `fetched ${result.bytesFetched}`,
    );
  });

  it("cancels promptly on abort, keeps the temp file, and the next call resumes", {
    timeout: 180_000,
  }, async () => {
    const { data, url, target } = await object("abort.bin", 4 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "stall", afterBytes: MiB + 5000, ms: 30_000 },
      skip: 1,
    });
    const controller = new AbortController();
    const store = new MemoryCheckpointStore();
    const reason = new DOMException("stopped by test", "AbortError");
    // Counts the body bytes the engine has read, so the abort comes after it has them all (on
    // a busy machine they can still sit in socket buffers when the server has sent them).
    let received = 0;
    const counting: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.body || init.headers["range"] === "bytes=0-0") return response;
      const reader = response.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          received += value.length;
          controller.enqueue(value);
        },
        cancel: (why) => reader.cancel(why),
      }, { highWaterMark: 0 });
      const { status, statusText, headers } = response;
      return new Response(body, { status, statusText, headers });
    };
    const pending = resumableDownloadUrl(
      url,
      target,
      options({ store, partSize: 4 * MiB, signal: controller.signal, fetch: counting }),
    );
    while (received < MiB + 5000) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    // Without prompt cancellation it would wait out the 30 s idle timeout or the 30 s stall.
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms to stop`);
    assert.equal(store.size, 1, "checkpoint saved");
    const progress: number[] = [];
    const result = await resumableDownloadUrl(
      url,
      target,
      options({ store, partSize: 4 * MiB, progressCallback: (d) => progress.push(d) }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.resumed, true);
    // The 1 MiB written before the stall and the 5000 bytes buffered when it was aborted.
    assert.equal(progress[0], MiB + 5000, "bytes received before the abort were kept");
  });

  it("takes over a lock left by a dead process; refuses one held on another host", async () => {
    const { data, url, target } = await object("lock.bin", 2 * MiB);
    const dead = runScript(new URL("./fixtures/download_url.ts", import.meta.url).pathname, []);
    await dead.exited;
    const deadPid = dead.child.pid!;
    await writeFile(
      `${target}.lock`,
      JSON.stringify({ pid: deadPid, host: hostname(), since: "x", token: "t" }),
    );
    await resumableDownloadUrl(url, target, options());
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.deepEqual((await readdir(dir.path)).sort(), ["lock.bin"]);

    await writeFile(
      `${target}.lock`,
      JSON.stringify({ pid: 1, host: "elsewhere", since: "x", token: "t" }),
    );
    await assert.rejects(
      resumableDownloadUrl(url, target, options()),
      (e) => e instanceof DownloadLockedError && e.owner?.host === "elsewhere" && e.owner.pid === 1,
    );
  });

  describe("local file failures", () => {
    const withFs = (patch: (fs: FileSystem) => Partial<FileSystem>): FileSystem => {
      const base = defaultFileSystem();
      return Object.assign(Object.create(Object.getPrototypeOf(base)), base, patch(base));
    };
    const run = (
      url: string,
      target: string,
      fs: FileSystem,
      store = new MemoryCheckpointStore(),
    ) =>
      runDownload(new HttpSource(url), target, {
        fs,
        store,
        lock: runtime.lockFor(runtime.fs),
        options: resolveOptions(options({ store })),
      });

    it("fails at the start when the disk has less free space than the object", async () => {
      const { url, target } = await object("nospace.bin", 3 * MiB);
      const fs = withFs(() => ({ freeSpace: () => Promise.resolve(MiB) }));
      await assert.rejects(
        run(url, target, fs),
        (e) => e instanceof LocalFileError && e.code === "ENOSPC" && e.path === target,
      );
      assert.deepEqual(await readdir(dir.path), []);
      assert.equal(mock.log.filter((r) => r.method === "GET").length, 1, "only the probe");
    });

    it("ENOSPC mid-download: clear error, target untouched, checkpoint consistent, resume works", async () => {
      const { data, url, target } = await object("full.bin", 4 * MiB);
      await writeFile(target, "old");
      let written = 0;
      const fs = withFs((base) => ({
        open: async (path, o) => {
          const file = await base.open(path, o);
          return {
            ...file,
            read: file.read.bind(file),
            truncate: file.truncate.bind(file),
            sync: file.sync.bind(file),
            close: file.close.bind(file),
            write: async (chunks, position) => {
              const n = chunks.reduce((a, c) => a + c.length, 0);
              if (written + n > 2 * MiB) {
                throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
              }
              written += n;
              await file.write(chunks, position);
            },
          };
        },
      }));
      const store = new MemoryCheckpointStore();
      await assert.rejects(
        run(url, target, fs, store),
        (e) => e instanceof LocalFileError && e.code === "ENOSPC",
      );
      assert.equal(new TextDecoder().decode(await fileBytes(target)), "old");
      mock.resetStats();
      const result = await run(url, target, defaultFileSystem(), store);
      assert.ok(sameBytes(await fileBytes(target), data));
      assert.equal(result.resumed, true);
      assert.equal(
        result.bytesFetched,
        data.length - 2 * MiB,
        "only the unwritten half was fetched",
      );
    });

    it("EACCES / EROFS on the temp file: a clear error naming the path", async () => {
      const { url, target } = await object("ro.bin", 2 * MiB);
      for (const code of ["EACCES", "EROFS"]) {
        const fs = withFs(() => ({
          open: (path) => Promise.reject(Object.assign(new Error(`denied: ${path}`), { code })),
        }));
        await assert.rejects(
          run(url, target, fs),
          (e) => e instanceof LocalFileError && e.code === code && e.path.startsWith(target),
        );
      }
    });
  });

  it("soak: random faults on most requests and random SIGKILLs, then an exact file", {
    timeout: 180_000,
  }, async () => {
    const size = 24 * MiB;
    const data = randomBytes(size, 99);
    const soak = new MockOss({ bucket: BUCKET, bytesPerSecond: 6 * MiB });
    await soak.put(BUCKET, "soak.bin", data);
    const chance = (p: number) => () => Math.random() < p;
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.15),
      fault: { kind: "drop", afterBytes: 100_000 },
    });
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.15),
      fault: { kind: "drop", afterBytes: 700_000 },
    });
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.1),
      fault: { kind: "stall", afterBytes: 50_000, ms: 5000 },
    });
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.1),
      fault: { kind: "status", status: 503, retryAfter: 0 },
    });
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.1),
      fault: { kind: "wrong-content-range", shift: 4096 },
    });
    soak.addFault({
      method: "GET",
      times: Infinity,
      when: chance(0.1),
      fault: { kind: "short-body", bytes: 200_000 },
    });
    const srv = await soak.listen();
    try {
      const target = join(dir.path, "soak.bin");
      const threads = 3;
      const script = new URL("./fixtures/download_url.ts", import.meta.url).pathname;
      const args = [
        soak.urlFor(BUCKET, "soak.bin"),
        target,
        join(dir.path, "store"),
        String(threads),
        String(2 * MiB),
      ];
      const env = {
        RD_OPTIONS: JSON.stringify({
          retry: { initialDelay: 10, backoffLimit: 100, idleTimeout: 400, limit: 50 },
        }),
      };
      let kills = 0;
      let finished = false;
      for (let round = 0; round < 6 && !finished; round++) {
        const child = runScript(script, args, { env });
        const wait = 300 + Math.random() * 400;
        const timer = setTimeout(() => child.child.kill("SIGKILL"), wait);
        const exit = await child.exited;
        clearTimeout(timer);
        if (exit.signal === "SIGKILL") kills++;
        else {
          assert.equal(exit.code, 0, child.stderr);
          finished = true;
        }
      }
      if (!finished) {
        const last = runScript(script, args, { env });
        const exit = await last.exited;
        assert.equal(exit.code, 0, last.stderr);
      }
      assert.ok(kills >= 2, `only ${kills} kills landed`);
      assert.ok(sameBytes(await fileBytes(target), data), "exact after faults and kills");
      const served = soak.bytesServed();
      console.log(
        `soak: ${kills} kills, ${soak.log.length} requests, ${
          soak.log.filter((r) => r.fault).length
        } faulted, served ${served} for ${size}`,
      );
      // Each kill may cost what was buffered or in flight per thread (about 1 MiB plus the
      // socket's share); faults cost nothing once retried from the last written byte.
      assert.ok(served <= size + (kills + 1) * threads * 2 * MiB, `served ${served}`);
      assert.deepEqual((await readdir(dir.path)).sort(), ["soak.bin", "store"]);
    } finally {
      await srv.close();
    }
  });
});
