/**
 * downloadPrefix / downloadMany against the mock OSS over a real socket: a prefix of 300
 * objects (0 B to 12 MiB, awkward keys, nested folders, a folder marker) lands exact; a
 * second run makes only list requests; a changed object is fetched again; include/exclude;
 * three shards cover every key once; failures are collected, not fatal; a corrupt body never
 * becomes a file; keys never escape the directory; the rate limit holds.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Bucket,
  type BulkEvent,
  type CheckpointStore,
  downloadMany,
  downloadPrefix,
  HttpSource,
  IntegrityError,
  LocalFileError,
  MemoryCheckpointStore,
  OssError,
  RateLimitedSource,
  RateLimiter,
  ResumableDownloadStore,
} from "../mod.ts";
import { useMockOss } from "./mock_fixture.ts";
import { fileBytes, MiB, randomBytes, sameBytes } from "./helpers.ts";
import { inShard } from "../src/bulk/shard.ts";
import { recordStores } from "../src/bulk/record.ts";
import { keyFilter } from "../src/bulk/filters.ts";
import { absolutePath, keyToRelativePath } from "../src/bulk/paths.ts";

const B = "bulk-bucket";
const PREFIX = "data/";

/** The 300 keys of the prefix and their sizes (most small, three large). */
function dataset(): Map<string, number> {
  const keys = new Map<string, number>();
  const names = ["plain", "with space", "a+b", "ü日本", "x=y&z", "tab-less~"];
  for (let i = 0; keys.size < 296; i++) {
    const folder = i % 3 === 0 ? "" : i % 3 === 1 ? "sub/" : `sub/deep ${i % 5}/`;
    keys.set(`${PREFIX}${folder}${names[i % names.length]} ${i}.bin`, (i * 997) % 20_000);
  }
  keys.set(`${PREFIX}empty.bin`, 0);
  keys.set(`${PREFIX}big/12 MiB.bin`, 12 * MiB);
  keys.set(`${PREFIX}big/3 MiB+.bin`, 3 * MiB + 7);
  keys.set(`${PREFIX}sub/ключ.bin`, 10 * MiB + 1);
  return keys;
}

const SIZES = dataset();
const FILE_KEYS = [...SIZES.keys()];
const FOLDER_MARKER = `${PREFIX}sub/`;

async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await filesUnder(path, base));
    else out.push(path.slice(base.length + 1));
  }
  return out.sort();
}

describe("downloadPrefix and downloadMany against the mock OSS", () => {
  const { mock, dir } = useMockOss(B);
  const data = new Map<string, Uint8Array>();
  const seeded = (async () => {
    let seed = 1;
    for (const [key, size] of SIZES) {
      const bytes = randomBytes(size, seed++);
      data.set(key, bytes);
      await mock.put(B, key, bytes);
    }
    await mock.put(B, FOLDER_MARKER, new Uint8Array(0));
    await mock.put(B, "other/outside.bin", randomBytes(100, 999));
  })();
  const bucket = () =>
    new Bucket({
      endpoint: mock.url,
      bucket: B,
      accessKeyId: "ak",
      accessKeySecret: "sk",
      region: "cn-hangzhou",
    });
  const store = () => new ResumableDownloadStore({ root: dir.path, dir: "store" });
  const out = () => join(dir.path, "out");
  const requests = (method: string) => mock.log.filter((e) => e.method === method);
  const lists = () =>
    mock.log.filter((e) => e.bucket === B && e.key === "" && e.path.includes("list-type=2"));

  it("300 objects land exact; the second run makes only the list requests", {
    timeout: 120_000,
  }, async () => {
    await seeded;
    const events: BulkEvent[] = [];
    const first = await downloadPrefix(bucket(), PREFIX, out(), {
      store: store(),
      concurrency: 8,
      maxKeys: 100,
      onObject: (e) => events.push(e),
    });
    assert.deepEqual(first.failed, []);
    assert.equal(first.downloaded, FILE_KEYS.length);
    assert.equal(first.skipped, 0);
    const total = [...SIZES.values()].reduce((a, b) => a + b, 0);
    assert.equal(first.bytesFetched, total);
    const files = await filesUnder(out());
    assert.deepEqual(files, FILE_KEYS.map((k) => k.slice(PREFIX.length)).sort());
    for (const key of FILE_KEYS) {
      assert.ok(
        sameBytes(await fileBytes(join(out(), key.slice(PREFIX.length))), data.get(key)!),
        key,
      );
    }
    assert.equal(events.filter((e) => e.type === "start").length, FILE_KEYS.length);
    assert.equal(events.filter((e) => e.type === "done").length, FILE_KEYS.length);
    // One GET per object below the multiget threshold and no HEAD: the listing answered.
    assert.equal(requests("HEAD").length, 2, "HEAD only for the two objects >= 10 MiB");
    assert.equal(lists().length, Math.ceil((FILE_KEYS.length + 1) / 100));
    for (const key of FILE_KEYS) assert.equal(mock.bytesServed({ key }), SIZES.get(key), key);

    mock.resetStats();
    events.length = 0;
    const second = await downloadPrefix(bucket(), PREFIX, out(), {
      store: store(),
      maxKeys: 100,
      onObject: (e) => events.push(e),
    });
    assert.deepEqual(second, {
      downloaded: 0,
      skipped: FILE_KEYS.length,
      bytesFetched: 0,
      failed: [],
    });
    assert.equal(mock.log.length, lists().length, "nothing but list requests");
    assert.equal(lists().length, Math.ceil((FILE_KEYS.length + 1) / 100));
    assert.ok(events.every((e) => e.type === "skipped"));

    // A changed object, a deleted local file and a truncated one are fetched again.
    const changed = FILE_KEYS[5]!;
    const replaced = randomBytes(SIZES.get(changed)!, 4242);
    await mock.put(B, changed, replaced);
    const removedKey = FILE_KEYS[6]!;
    await writeFile(join(out(), removedKey.slice(PREFIX.length)), "");
    mock.resetStats();
    const third = await downloadPrefix(bucket(), PREFIX, out(), { store: store() });
    assert.equal(third.downloaded, SIZES.get(removedKey) === 0 ? 1 : 2);
    assert.ok(sameBytes(await fileBytes(join(out(), changed.slice(PREFIX.length))), replaced));
    assert.ok(
      sameBytes(
        await fileBytes(join(out(), removedKey.slice(PREFIX.length))),
        data.get(removedKey)!,
      ),
    );
    await mock.put(B, changed, data.get(changed)!);
  });

  it("aborting the signal stops the batch; the same call again finishes it", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const controller = new AbortController();
    const stop = new Error("stop here");
    let done = 0;
    const opts = { store: store(), include: ["sub/**"], exclude: ["ключ*"], concurrency: 4 };
    await assert.rejects(
      downloadPrefix(bucket(), PREFIX, out(), {
        ...opts,
        signal: controller.signal,
        onObject: (e) => e.type === "done" && ++done === 20 && controller.abort(stop),
      }),
      (e) => e === stop,
    );
    const again = await downloadPrefix(bucket(), PREFIX, out(), opts);
    assert.ok(again.skipped >= 20, `skipped ${again.skipped}`);
    assert.deepEqual(again.failed, []);
    const expected = FILE_KEYS.map((k) => k.slice(PREFIX.length)).filter(
      keyFilter(opts.include, opts.exclude),
    );
    assert.equal(again.skipped + again.downloaded, expected.length);
    assert.deepEqual(await filesUnder(out()), expected.sort());
  });

  it("files already there without a record are recognised by the MD5 in their ETag", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const keys = FILE_KEYS.filter((k) => k.includes("/plain ") && SIZES.get(k)! > 100).slice(0, 6);
    const multipart = `${PREFIX}mp/multi.bin`;
    await mock.put(B, multipart, randomBytes(5000, 77), { objectType: "Multipart" });
    try {
      const { mkdir } = await import("node:fs/promises");
      for (const [i, k] of keys.entries()) {
        const path = join(out(), k.slice(PREFIX.length));
        await mkdir(join(path, ".."), { recursive: true });
        // Two right files, one of the right size but other bytes.
        await writeFile(path, i === 0 ? randomBytes(SIZES.get(k)!, 12345) : data.get(k)!);
      }
      await mkdir(join(out(), "mp"), { recursive: true });
      await writeFile(join(out(), "mp", "multi.bin"), mock.object(B, multipart)!.data);
      const include = [...keys.map((k) => k.slice(PREFIX.length)), "mp/*"];
      const result = await downloadPrefix(bucket(), PREFIX, out(), { store: store(), include });
      assert.equal(result.skipped, keys.length - 1);
      assert.equal(result.downloaded, 2, "the wrong one and the multipart one (no MD5 ETag)");
      assert.equal(mock.log.filter((e) => e.method === "GET" && e.key !== "").length, 2);
      assert.ok(
        sameBytes(await fileBytes(join(out(), keys[0]!.slice(PREFIX.length))), data.get(keys[0]!)!),
      );
      // Now recorded: the next run needs neither requests nor hashing.
      mock.resetStats();
      const again = await downloadPrefix(bucket(), PREFIX, out(), { store: store(), include });
      assert.equal(again.skipped, keys.length + 1);
      assert.equal(mock.log.filter((e) => e.key !== "").length, 0);
      // downloadMany asks once per file that is there, and recognises it the same way.
      mock.resetStats();
      const many = await downloadMany(
        keys.map((k) => ({
          source: mock.urlFor(B, k),
          filename: join(out(), "m", k.slice(PREFIX.length)),
        })),
        { store: store() },
      );
      assert.equal(many.downloaded, keys.length);
      mock.resetStats();
      const freshStore = new ResumableDownloadStore({ root: dir.path, dir: "other-store" });
      const many2 = await downloadMany(
        keys.map((k) => ({
          source: mock.urlFor(B, k),
          filename: join(out(), "m", k.slice(PREFIX.length)),
        })),
        { store: freshStore },
      );
      assert.equal(many2.skipped, keys.length);
      assert.ok(mock.bytesServed() <= keys.length, "one-byte stats only");
    } finally {
      mock.remove(B, multipart);
    }
  });

  it(
    "a store that fails on records costs skips, never the batch",
    { timeout: 60_000 },
    async () => {
      await seeded;
      const inner = new MemoryCheckpointStore();
      const broken: CheckpointStore = {
        get: (
          k,
        ) => (k.startsWith("bulk-done") ? Promise.reject(new Error("get broke")) : inner.get(k)),
        put: (
          k,
          v,
        ) => (k.startsWith("bulk-done") ? Promise.reject(new Error("put broke")) : inner.put(k, v)),
        delete: (k) => inner.delete(k),
      };
      const include = ["plain*"];
      const first = await downloadPrefix(bucket(), PREFIX, out(), { store: broken, include });
      assert.ok(first.downloaded > 10);
      assert.deepEqual(first.failed, [], "records that cannot be written do not fail the files");
      // The files are there now, so the skip check reads records: each read fails on its own.
      const second = await downloadPrefix(bucket(), PREFIX, out(), { store: broken, include });
      assert.equal(second.failed.length, first.downloaded);
      assert.match(second.failed[0]!.error.message, /get broke/);
    },
  );

  it("skipUnchanged: false fetches everything again", { timeout: 60_000 }, async () => {
    await seeded;
    const opts = { store: store(), include: ["plain*"], concurrency: 4 };
    const a = await downloadPrefix(bucket(), PREFIX, out(), opts);
    mock.resetStats();
    const b = await downloadPrefix(bucket(), PREFIX, out(), { ...opts, skipUnchanged: false });
    assert.equal(b.downloaded, a.downloaded);
    assert.ok(a.downloaded > 0);
    assert.equal(b.skipped, 0);
  });

  it(
    "include and exclude globs select keys relative to the prefix",
    { timeout: 60_000 },
    async () => {
      await seeded;
      const result = await downloadPrefix(bucket(), PREFIX, out(), {
        store: store(),
        include: ["sub/**"],
        exclude: ["*.bin"],
      });
      assert.equal(result.downloaded, 0);
      const result2 = await downloadPrefix(bucket(), PREFIX, out(), {
        store: store(),
        include: ["sub/deep*/**", "empty.bin"],
        exclude: ["*+*", "**/ü*"],
      });
      const keep = keyFilter(["sub/deep*/**", "empty.bin"], ["*+*", "**/ü*"]);
      const expected = FILE_KEYS.map((k) => k.slice(PREFIX.length)).filter(keep).sort();
      assert.ok(expected.length > 10 && expected.includes("empty.bin"));
      assert.ok(expected.every((k) => !k.includes("+") && !k.includes("ü")));
      assert.equal(result2.downloaded, expected.length);
      assert.deepEqual(await filesUnder(out()), expected);
    },
  );

  it("three shards cover every key exactly once", { timeout: 120_000 }, async () => {
    await seeded;
    const seen = new Map<string, number>();
    for (let index = 0; index < 3; index++) {
      const result = await downloadPrefix(bucket(), PREFIX, join(out(), `shard${index}`), {
        store: store(),
        shard: { index, count: 3 },
        include: ["*"],
        exclude: ["big/**", "ключ*"],
        onObject: (e) => e.type === "done" && seen.set(e.key, (seen.get(e.key) ?? 0) + 1),
      });
      assert.deepEqual(result.failed, []);
      assert.ok(result.downloaded > 50, `shard ${index} took ${result.downloaded}`);
    }
    const small = FILE_KEYS.filter((k) => SIZES.get(k)! < MiB);
    assert.deepEqual([...seen.keys()].sort(), small.sort());
    assert.ok([...seen.values()].every((n) => n === 1));
  });

  it("a failing object does not stop the others and is reported", { timeout: 60_000 }, async () => {
    await seeded;
    const failing = FILE_KEYS.find((k) => /\/plain [^/]*$/.test(k) && SIZES.get(k)! > 0)!;
    mock.addFault({ key: failing, fault: { kind: "status", status: 403 }, times: Infinity });
    await mock.put(B, `${PREFIX}../escape.bin`, randomBytes(10));
    await mock.put(B, `${PREFIX}ctrl\u0007.bin`, randomBytes(10));
    const events: BulkEvent[] = [];
    try {
      const result = await downloadPrefix(bucket(), PREFIX, out(), {
        store: store(),
        include: ["plain*", "*escape*", "ctrl*"],
        onObject: (e) => events.push(e),
      });
      const failedKeys = result.failed.map((f) => f.key).sort();
      assert.deepEqual(
        failedKeys,
        [`${PREFIX}../escape.bin`, failing, `${PREFIX}ctrl\u0007.bin`].sort(),
      );
      const byKey = new Map(result.failed.map((f) => [f.key, f.error]));
      assert.ok(byKey.get(failing) instanceof OssError);
      assert.equal((byKey.get(failing) as OssError).status, 403);
      assert.ok(byKey.get(`${PREFIX}../escape.bin`) instanceof LocalFileError);
      assert.equal((byKey.get(`${PREFIX}../escape.bin`) as LocalFileError).code, "EINVAL");
      const plain = FILE_KEYS.filter((k) => /\/plain [^/]*$/.test(k) && k !== failing);
      assert.equal(result.downloaded, plain.length);
      assert.equal(events.filter((e) => e.type === "failed").length, 3);
      // Nothing outside the directory, and nothing for the failures.
      await assert.rejects(stat(join(dir.path, "escape.bin")));
      assert.ok(!(await filesUnder(out())).some((f) => f.includes("escape") || f.includes("ctrl")));
      // failFast turns the first failure into a rejection.
      await assert.rejects(
        downloadPrefix(bucket(), PREFIX, join(out(), "ff"), {
          store: store(),
          include: ["ctrl*"],
          failFast: true,
        }),
        (e) => e instanceof LocalFileError && e.code === "EINVAL",
      );
    } finally {
      mock.remove(B, `${PREFIX}../escape.bin`);
      mock.remove(B, `${PREFIX}ctrl\u0007.bin`);
    }
  });

  it("a small object whose body does not match its CRC-64 never becomes a file", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const key = FILE_KEYS.find((k) => SIZES.get(k)! > 1000)!;
    mock.addFault({
      key,
      method: "GET",
      fault: { kind: "corrupt", atOffset: 500 },
      times: Infinity,
    });
    const result = await downloadPrefix(bucket(), key, out(), {
      store: store(),
      retry: { limit: 2, initialDelay: 1 },
    });
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!.error.message, /CRC-64/);
    assert.deepEqual(await filesUnder(out()), []);
    mock.clearFaults();
    // One corrupted answer is retried and the file is exact.
    mock.addFault({ key, method: "GET", fault: { kind: "corrupt", atOffset: 500 } });
    const again = await downloadPrefix(bucket(), key, out(), {
      store: store(),
      retry: { initialDelay: 1 },
    });
    assert.equal(again.downloaded, 1);
    const name = key.slice(key.lastIndexOf("/") + 1);
    assert.ok(sameBytes(await fileBytes(join(out(), name)), data.get(key)!));
    assert.ok(IntegrityError);
  });

  it(
    "listing errors reject; a transient list failure is retried",
    { timeout: 60_000 },
    async () => {
      await seeded;
      await assert.rejects(
        downloadPrefix(new Bucket({ endpoint: mock.url, bucket: "no-such-bucket" }), "", out()),
        (e) => e instanceof OssError && e.code === "NoSuchBucket",
      );
      mock.addFault({ key: "", fault: { kind: "status", status: 503 }, times: 2 });
      const result = await downloadPrefix(bucket(), `${PREFIX}empty`, out(), {
        store: store(),
        retry: { initialDelay: 1 },
      });
      assert.equal(result.downloaded, 1);
      assert.equal(lists().length, 3);
    },
  );

  it("downloadMany: URLs to files; a rerun only stats; failures collected", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const keys = FILE_KEYS.slice(0, 20);
    const items = keys.map((k, i) => ({
      source: mock.urlFor(B, k),
      filename: join(out(), `many/${i}.bin`),
    }));
    items.push({ source: `${mock.url}/${B}/missing.bin`, filename: join(out(), "many/missing") });
    const first = await downloadMany(items, { store: store(), concurrency: 4 });
    assert.equal(first.downloaded, 20);
    assert.equal(first.failed.length, 1);
    assert.equal((first.failed[0]!.error as OssError).status, 404);
    for (const [i, k] of keys.entries()) {
      assert.ok(sameBytes(await fileBytes(join(out(), `many/${i}.bin`)), data.get(k)!));
    }
    mock.resetStats();
    const second = await downloadMany(items.slice(0, 20), { store: store(), concurrency: 4 });
    assert.equal(second.skipped, 20);
    // HttpSource.stat is a one-byte ranged GET (it learns whether Range is honoured).
    assert.equal(mock.log.length, 20);
    assert.ok(mock.log.every((e) => e.headers["range"] === "bytes=0-0" || e.method === "HEAD"));
    assert.ok(mock.bytesServed() <= 20);
    // Sources work as well as URLs, and shards split them by id.
    const sources = keys.map((k, i) => ({
      source: new HttpSource(mock.urlFor(B, k)),
      filename: join(out(), `src/${i}.bin`),
    }));
    let n = 0;
    for (let index = 0; index < 2; index++) {
      n += (await downloadMany(sources, { store: store(), shard: { index, count: 2 } })).downloaded;
    }
    assert.equal(n, 20);
  });

  it("downloadMany: one request per small object; empty, mid-size and large objects too", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const mid = `${PREFIX}big/3 MiB+.bin`; // above the prefetched 256 KiB, below the threshold
    const large = `${PREFIX}big/12 MiB.bin`; // above the threshold: ranges
    const keys = [
      ...FILE_KEYS.filter((k) => SIZES.get(k)! > 0 && SIZES.get(k)! < 100_000).slice(0, 10),
      `${PREFIX}empty.bin`,
      mid,
      large,
    ];
    const result = await downloadMany(
      keys.map((k, i) => ({ source: mock.urlFor(B, k), filename: join(out(), `p${i}`) })),
      { store: store(), concurrency: 4, multigetThreshold: 4 * MiB },
    );
    assert.equal(result.downloaded, keys.length);
    for (const [i, k] of keys.entries()) {
      assert.ok(sameBytes(await fileBytes(join(out(), `p${i}`)), data.get(k)!), k);
      if (SIZES.get(k)! > 0 && SIZES.get(k)! < 100_000) {
        assert.equal(mock.log.filter((e) => e.key === k).length, 1, k);
      }
    }
    // Mid-size: the first 256 KiB kept, the rest asked for behind them; nothing twice.
    assert.equal(mock.log.filter((e) => e.key === mid).length, 2);
    assert.equal(mock.bytesServed({ key: mid }), SIZES.get(mid)!);
    // Large: the first 256 KiB asked for and dropped (at most that much extra), then ranges.
    assert.ok(mock.bytesServed({ key: large }) <= SIZES.get(large)! + 256 * 1024);
  });

  it("downloadMany: once most objects are too large to prefetch, stat goes back to one byte", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const keys = [`${PREFIX}big/3 MiB+.bin`, `${PREFIX}sub/ключ.bin`, `${PREFIX}big/12 MiB.bin`];
    const result = await downloadMany(
      keys.map((k, i) => ({ source: mock.urlFor(B, k), filename: join(out(), `L${i}`) })),
      { store: store(), concurrency: 1, multigetThreshold: MiB, numThreads: 2 },
    );
    assert.equal(result.downloaded, 3);
    for (const [i, k] of keys.entries()) {
      assert.ok(sameBytes(await fileBytes(join(out(), `L${i}`)), data.get(k)!), k);
    }
    const sizes = keys.reduce((n, k) => n + SIZES.get(k)!, 0);
    const served = keys.reduce((n, k) => n + mock.bytesServed({ key: k }), 0);
    // The first prefetch (at most 256 KiB dropped), then one-byte stats.
    assert.ok(served <= sizes + 256 * 1024 + 2, `${served - sizes} bytes more than the objects`);
    const ranges = mock.log.filter((e) => e.key === keys[2]).map((e) => e.headers["range"]);
    assert.equal(ranges[0], "bytes=0-0");
  });

  it("rateLimit caps the rate across objects (at least the time the limit implies)", {
    timeout: 60_000,
  }, async () => {
    await seeded;
    const keys = FILE_KEYS.filter((k) => SIZES.get(k)! > 10_000).slice(0, 6);
    const bytes = keys.reduce((n, k) => n + SIZES.get(k)!, 0);
    const rate = Math.ceil(bytes / 1.5); // ~1.5 s at the limit, whatever the concurrency
    const started = Date.now();
    const result = await downloadMany(
      keys.map((k, i) => ({ source: mock.urlFor(B, k), filename: join(out(), `r${i}`) })),
      { store: store(), concurrency: 6, rateLimit: rate },
    );
    const elapsed = Date.now() - started;
    assert.equal(result.downloaded, keys.length);
    assert.ok(elapsed >= 1000, `took ${elapsed} ms for ${bytes} bytes at ${rate} B/s`);
    for (const [i, k] of keys.entries()) {
      assert.ok(sameBytes(await fileBytes(join(out(), `r${i}`)), data.get(k)!));
    }
    // The wrapper alone, for a single download.
    const limiter = new RateLimiter(1e9);
    const source = new RateLimitedSource(new HttpSource(mock.urlFor(B, keys[0]!)), limiter);
    assert.equal(source.id, new HttpSource(mock.urlFor(B, keys[0]!)).id);
  });

  it("keys are mapped safely; shards and globs behave", () => {
    assert.equal(keyToRelativePath("a/b c+d/ü.bin"), "a/b c+d/ü.bin");
    for (const bad of ["../x", "a/../../x", "a//b", "a/./b", "a\u0000b", "a\nb", "a\\b", ""]) {
      const r = keyToRelativePath(bad);
      assert.ok(r instanceof LocalFileError && r.code === "EINVAL", JSON.stringify(bad));
    }
    assert.equal(absolutePath("/a/b/../c/./d//e"), "/a/c/d/e");
    const keys = Array.from({ length: 3000 }, (_, i) => `k/${i}`);
    const counts = [0, 1, 2, 3].map((index) =>
      keys.filter((k) => inShard(k, { index, count: 4 })).length
    );
    assert.equal(counts.reduce((a, b) => a + b), keys.length);
    assert.ok(counts.every((c) => c > 600), String(counts));
    const f = keyFilter(["*.bin", "logs/2024-*/**"], ["**/tmp/**"]);
    assert.ok(f("a/b/c.bin") && f("logs/2024-01/x.txt") && !f("a/tmp/c.bin") && !f("x.txt"));
    assert.ok(
      keyFilter(["a?[0-9].t[!x]t"])("ab7.tat") && !keyFilter(["a?[0-9].t[!x]t"])("ab7.txt"),
    );
  });

  it("records of a file store are spread over sibling instances; other stores are used as given", async () => {
    const main = store();
    const pick = recordStores(main, 8);
    const targets = Array.from({ length: 64 }, (_, i) => `/x/${i}.bin`);
    const used = new Set(targets.map(pick));
    assert.ok(used.size > 1 && used.size <= 8);
    assert.equal(pick(targets[0]!), pick(targets[0]!), "a target always goes to the same one");
    await pick(targets[3]!).put("k", { v: 1 });
    assert.deepEqual(await main.get("k"), { v: 1 });
    const memory = new MemoryCheckpointStore();
    assert.equal(recordStores(memory, 8)(targets[3]!), memory);
  });

  it("bad options are TypeError/RangeError naming the option, also in their `option` field", async () => {
    const b = bucket();
    const names = (kind: ErrorConstructor, option: string) => (e: unknown) =>
      e instanceof kind && (e as { option?: string }).option === option &&
      (e as Error).message.includes(option);
    await assert.rejects(
      downloadPrefix(b, "", out(), { concurrency: 0 }),
      names(RangeError, "concurrency"),
    );
    await assert.rejects(
      downloadPrefix(b, "", out(), { shard: { index: 3, count: 3 } }),
      names(RangeError, "shard.index"),
    );
    await assert.rejects(
      downloadPrefix(b, "", out(), { include: [""] }),
      names(TypeError, "include"),
    );
    await assert.rejects(
      downloadPrefix(b, "", out(), { rateLimit: -1 }),
      names(RangeError, "rateLimit"),
    );
    await assert.rejects(
      downloadMany([{ source: 42 as unknown as string, filename: "x" }]),
      TypeError,
    );
  });
});
