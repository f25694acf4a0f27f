/**
 * The engine end to end over a real socket: the Hono mock OSS on port 0, real temp files,
 * real child processes killed with SIGKILL.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  DownloadLockedError,
  HttpError,
  LocalFileError,
  MemoryCheckpointStore,
  OssError,
  ResumableDownloadStore,
  resumableDownloadUrl,
} from "../mod.ts";
import type { DownloadOptions } from "../mod.ts";
import { checkpointKey } from "../src/engine/checkpoint.ts";
import { HttpSource } from "../src/sources/http.ts";
import { MockOss } from "./mock_oss/mod.ts";
import { useMockOss } from "./mock_fixture.ts";
import { fileBytes, MiB, randomBytes, runScript, sameBytes, waitFor } from "./helpers.ts";

const BUCKET = "bkt";
const fast: DownloadOptions["retry"] = { initialDelay: 5, backoffLimit: 50, idleTimeout: 2000 };

describe("resumableDownloadUrl against the mock OSS", () => {
  const { mock, dir } = useMockOss(BUCKET);

  async function object(key: string, size: number, seed = 7) {
    const data = randomBytes(size, seed);
    await mock.put(BUCKET, key, data);
    return { data, url: mock.urlFor(BUCKET, key) };
  }

  for (const numThreads of [1, 4]) {
    it(`downloads exact bytes with ${numThreads} thread(s) and leaves nothing behind`, async () => {
      const { data, url } = await object(`exact-${numThreads}.bin`, 9 * MiB + 12345);
      const store = new MemoryCheckpointStore();
      const target = join(dir.path, "out.bin");
      const progress: [number, number][] = [];
      const result = await resumableDownloadUrl(url, target, {
        store,
        numThreads,
        partSize: 2 * MiB,
        multigetThreshold: 1,
        progressCallback: (done, total) => progress.push([done, total]),
      });
      assert.ok(sameBytes(await fileBytes(target), data));
      assert.equal(result.size, data.length);
      assert.equal(result.resumed, false);
      assert.equal(result.bytesFetched, data.length);
      assert.equal(result.crc64, mock.object(BUCKET, `exact-${numThreads}.bin`)!.crc64);
      assert.deepEqual(result.verifiedBy, ["crc64"], "checked against x-oss-hash-crc64ecma");
      assert.deepEqual(await readdir(dir.path), ["out.bin"]);
      // The object once, plus the 1-byte probe (bytes=0-0) that read size and validators.
      assert.equal(mock.bytesServed(), data.length + 1);
      // Progress is monotonic and ends at (total, total).
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i]![0] > progress[i - 1]![0]);
      assert.deepEqual(progress.at(-1), [data.length, data.length]);
      // Every ranged GET carried If-Match with the object's ETag.
      const gets = mock.log.filter((r) => r.method === "GET");
      assert.ok(gets.length >= 5);
      const etag = mock.object(BUCKET, `exact-${numThreads}.bin`)!.etag;
      for (const g of gets.filter((g) => g.headers["range"] !== "bytes=0-0")) {
        assert.equal(g.headers["if-match"], etag);
      }
    });
  }

  it("uses one plain GET below multigetThreshold and keeps no checkpoint", async () => {
    const { data, url } = await object("small.bin", 300_000);
    const store = new MemoryCheckpointStore();
    const puts: string[] = [];
    const spy = {
      ...store,
      get: store.get.bind(store),
      delete: store.delete.bind(store),
      put: (k: string, v: unknown) => (puts.push(k), store.put(k, v)),
    };
    const target = join(dir.path, "small.bin");
    await resumableDownloadUrl(url, target, { store: spy });
    assert.ok(sameBytes(await fileBytes(target), data));
    const bodies = mock.log.filter((r) => r.method === "GET" && r.headers["range"] !== "bytes=0-0");
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0]!.headers["range"], undefined);
    assert.deepEqual(puts, []);
  });

  it("downloads 0-byte and 1-byte objects", async () => {
    for (const size of [0, 1]) {
      const { data, url } = await object(`tiny-${size}.bin`, size);
      const target = join(dir.path, `tiny-${size}.bin`);
      const result = await resumableDownloadUrl(url, target, {
        store: new MemoryCheckpointStore(),
        multigetThreshold: size === 1 ? 1 : undefined,
      });
      assert.equal(result.size, size);
      assert.ok(sameBytes(await fileBytes(target), data));
    }
  });

  it("survives connections dropped in the middle of parts and refetches only what was lost", async () => {
    const { data, url } = await object("drops.bin", 6 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "drop", afterBytes: 700_000 },
      times: 3,
      when: (r) => r.range?.start !== 0 || r.range?.end !== 0,
    });
    const target = join(dir.path, "drops.bin");
    const result = await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      numThreads: 2,
      partSize: 3 * MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.ok(mock.log.filter((r) => r.fault === "drop").length === 3);
    // Bytes that arrived before a drop were kept: no range was fetched twice.
    assert.ok(result.bytesFetched <= data.length + 3 * 64 * 1024, `fetched ${result.bytesFetched}`);
  });

  it("starts over when the object is replaced mid-download (412) and never mixes versions", async () => {
    const { url } = await object("replaced.bin", 4 * MiB, 1);
    const next = randomBytes(5 * MiB, 2);
    mock.addFault({ method: "GET", fault: { kind: "replace", data: next }, skip: 2 });
    const target = join(dir.path, "replaced.bin");
    const result = await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      partSize: MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), next));
    assert.equal(result.size, next.length);
    assert.ok(mock.log.some((r) => r.status === 412));
  });

  it("handles a server that ignores Range by streaming the object once", async () => {
    const { data, url } = await object("norange.bin", 12 * MiB);
    mock.addFault({ method: "GET", fault: { kind: "ignore-range" }, times: Infinity });
    const target = join(dir.path, "norange.bin");
    await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      numThreads: 3,
      partSize: MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    // The probe saw a 200 to `bytes=0-0`, so no ranged request was tried: one full stream,
    // plus what the server pushed of the probe's body before it was cancelled.
    const gets = mock.log.filter((r) => r.method === "GET");
    assert.equal(gets.length, 2);
    assert.equal(gets[1]!.headers["range"], undefined);
    assert.ok(mock.bytesServed() < 2 * data.length, `served ${mock.bytesServed()}`);
  });

  it("switches to one stream when ranged requests start getting 200 mid-download", async () => {
    const { data, url } = await object("norange-later.bin", 6 * MiB);
    // The probe and the first ranged GET are honoured; after that Range is ignored.
    mock.addFault({ method: "GET", fault: { kind: "ignore-range" }, skip: 2, times: Infinity });
    const target = join(dir.path, "norange-later.bin");
    const result = await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      numThreads: 1,
      partSize: 2 * MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    const gets = mock.log.filter((r) => r.method === "GET");
    // probe, part 1 (206), part 2 (200: abandoned), then one stream without Range.
    assert.equal(gets.length, 4);
    assert.equal(gets[3]!.headers["range"], undefined);
    assert.equal(gets[3]!.status, 200);
    // The stream skipped the first part (on disk) and wrote the rest.
    assert.ok(result.bytesFetched >= data.length);
  });

  it("never writes a wrong Content-Range at an offset: retries and gets the right bytes", async () => {
    const { data, url } = await object("wrongcr.bin", 3 * MiB);
    mock.addFault({
      method: "GET",
      fault: { kind: "wrong-content-range", shift: 1000 },
      skip: 1,
      times: 2,
    });
    mock.addFault({ method: "GET", fault: { kind: "lie-content-range", shift: -10 }, times: 1 });
    const target = join(dir.path, "wrongcr.bin");
    await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      partSize: MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
  });

  it("retries short bodies, 500 and 503 with Retry-After", async () => {
    const { data, url } = await object("flaky.bin", 3 * MiB);
    mock.addFault({ method: "GET", fault: { kind: "short-body", bytes: 1000 }, skip: 1 });
    mock.addFault({ method: "GET", fault: { kind: "status", status: 500 } });
    mock.addFault({ method: "GET", fault: { kind: "status", status: 503, retryAfter: 1 } });
    const target = join(dir.path, "flaky.bin");
    const started = Date.now();
    await resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      partSize: MiB,
      multigetThreshold: 1,
      retry: fast,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.ok(Date.now() - started >= 900, "Retry-After: 1 was honoured");
  });

  it("ignores a corrupt or foreign checkpoint and starts afresh", async () => {
    const { data, url } = await object("corrupt-cp.bin", 3 * MiB);
    const root = join(dir.path, "store");
    const store = new ResumableDownloadStore({ root, dir: "cp" });
    const target = join(dir.path, "corrupt-cp.bin");
    // Save a record through a first, aborted run, then corrupt it.
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        store,
        partSize: MiB,
        multigetThreshold: 1,
        signal: controller.signal,
        progressCallback: (done) => done > 0 && controller.abort(new Error("stop")),
      }),
      /stop/,
    );
    const files = await readdir(join(root, "cp"));
    assert.ok(files.length >= 1 && files.length <= 2, files.join()); // one or two slots
    for (const file of files) await writeFile(join(root, "cp", file), "{ not json");
    const result = await resumableDownloadUrl(url, target, {
      store,
      partSize: MiB,
      multigetThreshold: 1,
    });
    assert.equal(result.resumed, false);
    assert.ok(sameBytes(await fileBytes(target), data));
    for (
      const junk of [
        { kind: "something-else" },
        { kind: "resumable-download/checkpoint@1", parts: "x" },
        42,
        null,
      ]
    ) {
      const mem = new MemoryCheckpointStore();
      const key = await import("../src/engine/checkpoint.ts").then((m) =>
        m.checkpointKey(url, target)
      );
      await mem.put(key, junk);
      await resumableDownloadUrl(url, target, { store: mem, partSize: MiB, multigetThreshold: 1 });
      assert.ok(sameBytes(await fileBytes(target), data));
    }
  });

  it("removes the temp file when its checkpoint cannot be written", async () => {
    const { url } = await object("unsaveable.bin", 3 * MiB);
    const target = join(dir.path, "unsaveable", "unsaveable.bin");
    const inner = new MemoryCheckpointStore();
    let puts = 0;
    const failing = {
      get: (k: string) => inner.get(k),
      delete: (k: string) => inner.delete(k),
      put: (k: string, v: unknown) => {
        if (++puts > 1) throw new Error("store is full");
        inner.put(k, v);
      },
    };
    await assert.rejects(
      resumableDownloadUrl(url, target, { store: failing, partSize: MiB, multigetThreshold: 1 }),
      /store is full/,
    );
    assert.deepEqual(await readdir(join(dir.path, "unsaveable")), []);
    assert.equal(inner.size, 0, "the record that could not be kept up to date is gone too");
  });

  it("removes the temp file named by a record that does not add up", async () => {
    const { data, url } = await object("bad-record.bin", 3 * MiB);
    const target = join(dir.path, "bad-record", "bad-record.bin");
    await mkdir(join(dir.path, "bad-record"));
    const stale = `${target}.tmp-0123456789ab`;
    const outside = join(dir.path, "bad-record", "not-ours.bin");
    await writeFile(stale, "stale bytes");
    await writeFile(outside, "keep me");
    const store = new MemoryCheckpointStore();
    const key = await import("../src/engine/checkpoint.ts").then((m) =>
      m.checkpointKey(url, target)
    );
    store.put(key, { kind: "resumable-download/checkpoint@1", tempFile: stale, parts: "x" });
    await resumableDownloadUrl(url, target, { store, partSize: MiB, multigetThreshold: 1 });
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.deepEqual((await readdir(join(dir.path, "bad-record"))).sort(), [
      "bad-record.bin",
      "not-ours.bin",
    ]);
    // A record naming a file that is not one of this target's temp files never deletes it.
    store.put(key, { kind: "resumable-download/checkpoint@1", tempFile: outside, parts: "x" });
    await resumableDownloadUrl(url, target, { store, partSize: MiB, multigetThreshold: 1 });
    assert.equal(await readFile(outside, "utf8"), "keep me");
  });

  it("removes the old temp file when the object changed since the saved progress", async () => {
    const { url } = await object("changed-between.bin", 3 * MiB);
    const target = join(dir.path, "changed-between", "changed-between.bin");
    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        store,
        partSize: MiB,
        multigetThreshold: 1,
        signal: controller.signal,
        progressCallback: (done) => done > 0 && controller.abort(new Error("stop")),
      }),
      /stop/,
    );
    const oldTemp = (await readdir(join(dir.path, "changed-between"))).find((n) =>
      n.includes(".tmp-")
    );
    assert.ok(oldTemp);
    const data2 = randomBytes(3 * MiB, 99);
    await mock.put(BUCKET, "changed-between.bin", data2);
    const events: string[] = [];
    await resumableDownloadUrl(url, target, {
      store,
      partSize: MiB,
      multigetThreshold: 1,
      onEvent: (e) => events.push(e.type),
    });
    assert.ok(sameBytes(await fileBytes(target), data2));
    assert.deepEqual(await readdir(join(dir.path, "changed-between")), ["changed-between.bin"]);
    assert.equal(events[0], "restart", "the discarded progress is announced first");
  });

  it("resumes after an abort: fetches only the missing bytes, progress starts from them", async () => {
    const { data, url } = await object("resume.bin", 8 * MiB);
    const store = new MemoryCheckpointStore();
    const target = join(dir.path, "resume.bin");
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        store,
        numThreads: 2,
        partSize: 4 * MiB,
        multigetThreshold: 1,
        signal: controller.signal,
        progressCallback: (done) => done >= 3 * MiB && controller.abort(reason),
      }),
      (e) => e === reason,
    );
    const leftovers = await readdir(dir.path);
    assert.equal(leftovers.filter((f) => f.startsWith("resume.bin.tmp-")).length, 1);
    assert.ok(!leftovers.includes("resume.bin"));
    mock.resetStats();
    const progress: number[] = [];
    const result = await resumableDownloadUrl(url, target, {
      store,
      numThreads: 2,
      partSize: 4 * MiB,
      multigetThreshold: 1,
      progressCallback: (done) => progress.push(done),
    });
    assert.equal(result.resumed, true);
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.ok(progress[0]! >= 3 * MiB, `progress starts at ${progress[0]}`);
    assert.equal(progress.at(-1), data.length);
    // Exactly the bytes the first run had not saved were fetched (plus the 1-byte probe).
    assert.equal(result.bytesFetched, data.length - progress[0]!);
    assert.equal(mock.bytesServed(), result.bytesFetched + 1);
  });

  it("leaves an existing target untouched when the download fails", async () => {
    const { url } = await object("fails.bin", 2 * MiB);
    const target = join(dir.path, "fails.bin");
    const old = new TextEncoder().encode("precious old content");
    await writeFile(target, old);
    mock.addFault({
      method: "GET",
      fault: { kind: "status", status: 403, code: "AccessDenied" },
      skip: 1,
      times: Infinity,
    });
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        store: new MemoryCheckpointStore(),
        multigetThreshold: 1,
        partSize: MiB,
        retry: fast,
      }),
      (e) => e instanceof HttpError && e.status === 403,
    );
    assert.ok(sameBytes(await fileBytes(target), old));
  });

  it("reports a missing object as OssError NoSuchKey 404 and creates no file", async () => {
    const target = join(dir.path, "missing.bin");
    await assert.rejects(
      resumableDownloadUrl(mock.urlFor(BUCKET, "no/such/key"), target, {
        store: new MemoryCheckpointStore(),
      }),
      (e) => e instanceof OssError && e.status === 404 && e.code === "NoSuchKey",
    );
    assert.deepEqual(await readdir(dir.path), []);
  });

  it("refuses a target that is a directory, naming it", async () => {
    const { url } = await object("dir.bin", 10);
    await assert.rejects(
      resumableDownloadUrl(url, dir.path, { store: new MemoryCheckpointStore() }),
      (e) => e instanceof LocalFileError && e.code === "EISDIR" && e.message.includes(dir.path),
    );
  });

  it("creates a missing parent directory", async () => {
    const { data, url } = await object("nested.bin", 1000);
    const target = join(dir.path, "a", "b", "nested.bin");
    await resumableDownloadUrl(url, target, { store: new MemoryCheckpointStore() });
    assert.ok(sameBytes(await fileBytes(target), data));
  });

  it("locks the target: a second download at the same time gets DownloadLockedError", async () => {
    const { data, url } = await object("locked.bin", 4 * MiB);
    const target = join(dir.path, "locked.bin");
    mock.addFault({ method: "GET", fault: { kind: "stall", afterBytes: 1000, ms: 300 }, skip: 1 });
    const first = resumableDownloadUrl(url, target, {
      store: new MemoryCheckpointStore(),
      multigetThreshold: 1,
      partSize: MiB,
    });
    await waitFor(() => mock.log.some((r) => r.fault === "stall"), 5000, "first download to start");
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        store: new MemoryCheckpointStore(),
        multigetThreshold: 1,
      }),
      (e) => e instanceof DownloadLockedError && e.lockPath === `${target}.lock`,
    );
    await first;
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.deepEqual((await readdir(dir.path)).sort(), ["locked.bin"]);
  });

  it("rejects bad options with errors naming the option and value", async () => {
    const target = join(dir.path, "x.bin");
    const url = mock.urlFor(BUCKET, "x");
    await assert.rejects(
      resumableDownloadUrl(url, target, { numThreads: 0 }),
      (e) => e instanceof RangeError && /numThreads/.test(e.message) && / 0$/.test(e.message),
    );
    await assert.rejects(
      resumableDownloadUrl(url, target, { partSize: 1.5 }),
      (e) => e instanceof RangeError && /partSize/.test(e.message) && /1\.5/.test(e.message),
    );
    await assert.rejects(
      resumableDownloadUrl(url, target, { multigetThreshold: "10" as unknown as number }),
      (e) =>
        e instanceof TypeError && /multigetThreshold/.test(e.message) && /"10"/.test(e.message),
    );
    await assert.rejects(
      resumableDownloadUrl(url, target, { partSize: 6 * 1024 * MiB }),
      (e) => e instanceof RangeError && /partSize/.test(e.message),
    );
    await assert.rejects(
      resumableDownloadUrl("not a url", target),
      (e) => e instanceof TypeError && /url/.test(e.message) && /not a url/.test(e.message),
    );
    await assert.rejects(
      resumableDownloadUrl(url, ""),
      (e) => e instanceof TypeError && /filename/.test(e.message),
    );
    assert.deepEqual(await readdir(dir.path), []);
  });

  it("resumes after the process is killed with SIGKILL, refetching at most 1 MiB per thread", {
    timeout: 180_000,
  }, async () => {
    const size = 24 * MiB;
    const threads = 3;
    const { data } = await object("killed.bin", size, 11);
    // Every ranged response stalls after 2.5 MiB, so what can be in flight when the process
    // dies is capped by the server, not by how fast a busy machine drains its sockets: the
    // engine has written and checkpointed 2 MiB per part (whole 1 MiB buffers) and holds the
    // last 0.5 MiB in memory, which is all that a resume may fetch again.
    const stalling = new MockOss({ bucket: BUCKET });
    await stalling.put(BUCKET, "killed.bin", data);
    stalling.addFault({
      method: "GET",
      times: Infinity,
      skip: 1, // the 1-byte probe
      fault: { kind: "stall", afterBytes: 2.5 * MiB, ms: 600_000 },
    });
    const server = await stalling.listen();
    let first: ReturnType<typeof runScript> | undefined;
    try {
      const url = stalling.urlFor(BUCKET, "killed.bin");
      const target = join(dir.path, "killed.bin");
      const storeDir = join(dir.path, "store");
      const args = [url, target, storeDir, String(threads), String(4 * MiB)];
      const script = new URL("./fixtures/download_url.ts", import.meta.url).pathname;
      first = runScript(script, args, {
        env: { RD_OPTIONS: JSON.stringify({ retry: { idleTimeout: 600_000 } }) },
      });
      const key = await checkpointKey(new HttpSource(url).id, resolve(target));
      const saved = async () => {
        const store = new ResumableDownloadStore({ root: storeDir, dir: "checkpoints" });
        const record = (await store.get(key)) as { parts: { done: number }[] } | undefined;
        return record?.parts.reduce((sum, p) => sum + p.done, 0) ?? 0;
      };
      let checkpointed = 0;
      const deadline = Date.now() + 120_000;
      while ((checkpointed = await saved()) < threads * 2 * MiB) {
        assert.ok(Date.now() < deadline, `only ${checkpointed} bytes checkpointed`);
        assert.equal(first.child.exitCode, null, first.stderr);
        await new Promise((r) => setTimeout(r, 20));
      }
      first.child.kill("SIGKILL");
      const exit = await first.exited;
      assert.equal(exit.signal, "SIGKILL");
      const servedBefore = stalling.bytesServed();
      assert.ok(servedBefore <= 1 + threads * 2.5 * MiB, `served ${servedBefore} before the kill`);
      stalling.clearFaults();
      const second = runScript(script, args);
      const done = await second.exited;
      assert.equal(done.code, 0, second.stderr);
      const result = JSON.parse(second.stdout);
      assert.equal(result.resumed, true, second.stderr);
      assert.ok(sameBytes(await fileBytes(target), data));
      const refetched = stalling.bytesServed() - size;
      console.log(
        `SIGKILL at ${servedBefore} bytes served, ${checkpointed} checkpointed; refetched ${refetched} bytes with ${threads} threads`,
      );
      assert.ok(refetched <= threads * MiB, `refetched ${refetched} bytes`);
      assert.deepEqual(await readdir(dir.path).then((f) => f.sort()), ["killed.bin", "store"]);
    } finally {
      first?.child.kill("SIGKILL"); // when an assertion failed before the kill
      await server.close();
    }
  });
});
