/**
 * `options.fs` on every entry point, the MemoryFileSystem, and the web entry's required
 * options.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as mod from "../mod.ts";
import * as web from "../web.ts";
import { absolutePath, basename, dirname, resolvePath } from "../src/fs/path.ts";
import { readText, writeTextAtomic } from "../src/fs/text.ts";
import { MiB, randomBytes, sameBytes } from "./helpers.ts";
import { rangeServer } from "./range_server.ts";

describe("MemoryFileSystem", () => {
  it("positional writes and reads, truncate, rename, remove, list, stat", async () => {
    const fs = new mod.MemoryFileSystem();
    await fs.mkdir("/a/b");
    const f = await fs.open("/a/b/x.bin", { create: true });
    await f.write([new Uint8Array([1, 2]), new Uint8Array([3])], 5);
    const buf = new Uint8Array(10);
    assert.equal(await f.read(buf, 0), 8);
    assert.deepEqual([...buf.subarray(0, 8)], [0, 0, 0, 0, 0, 1, 2, 3]);
    await f.truncate(6);
    assert.equal((await fs.stat("/a/b/x.bin"))?.size, 6);
    await f.truncate(7);
    assert.deepEqual([...fs.readFile("/a/b/x.bin")!], [0, 0, 0, 0, 0, 1, 0]);
    await f.close();
    await assert.rejects(f.read(buf, 0), (e: { code?: string }) => e.code === "EBADF");
    await fs.rename("/a/b/x.bin", "/a/y.bin");
    assert.deepEqual((await fs.list("/a")).sort(), ["b", "y.bin"]);
    assert.equal((await fs.stat("/a"))?.isDirectory, true);
    await fs.remove("/a/y.bin");
    await fs.remove("/a/y.bin");
    assert.equal(await fs.stat("/a/y.bin"), undefined);
  });

  it("the errors of a disk: ENOENT, EEXIST, EISDIR, ENOTDIR", async () => {
    const fs = new mod.MemoryFileSystem();
    const code = (c: string) => (e: { code?: string }) => e.code === c;
    await assert.rejects(fs.open("/missing"), code("ENOENT"));
    await assert.rejects(fs.open("/no/dir/x", { create: true }), code("ENOENT"));
    await (await fs.open("/f", { create: true, exclusive: true })).close();
    await assert.rejects(fs.open("/f", { create: true, exclusive: true }), code("EEXIST"));
    await assert.rejects(fs.open("/f/g", { create: true }), code("ENOTDIR"));
    await assert.rejects(fs.mkdir("/f/g"), code("ENOTDIR"));
    await assert.rejects(fs.open("/", { create: true }), code("EISDIR"));
    await assert.rejects(fs.rename("/f", "/"), code("EISDIR"));
  });

  it("serves the text helpers written once above the adapters", async () => {
    const fs = new mod.MemoryFileSystem();
    await writeTextAtomic(fs, "/r.json", "first ✓");
    await writeTextAtomic(fs, "/r.json", "second");
    assert.equal(await readText(fs, "/r.json"), "second");
    assert.equal(await readText(fs, "/none"), undefined);
    assert.deepEqual(await fs.list("/"), ["r.json"]);
  });
});

describe("path helpers (no node:path)", () => {
  it("resolve, dirname, basename, absolutePath", () => {
    assert.equal(resolvePath("/a/b/../c/./d//e"), "/a/c/d/e");
    assert.equal(resolvePath("x/y", "/w"), "/w/x/y");
    assert.equal(resolvePath("../../..", "/w"), "/");
    assert.equal(dirname("/a/b"), "/a");
    assert.equal(dirname("/a"), "/");
    assert.equal(basename("/a/b.c"), "b.c");
    let asked = 0;
    const fs = { cwd: () => (asked++, "/home/u") };
    assert.equal(absolutePath(fs, "/abs/f"), "/abs/f");
    assert.equal(asked, 0, "an absolute path never asks for the working directory");
    assert.equal(absolutePath(fs, "f"), "/home/u/f");
  });
});

describe("options.fs", () => {
  const data = randomBytes(3 * MiB + 7, 4);

  it("mod.ts: every entry point downloads into the file system given", async () => {
    const origin = await rangeServer(data);
    try {
      const fs = new mod.MemoryFileSystem();
      const store = new mod.MemoryCheckpointStore();
      const o = { fs, store, multigetThreshold: 1, partSize: MiB, numThreads: 2 };
      await mod.resumableDownloadUrl(origin.url, "/dl/a.bin", o);
      await mod.downloadObject(new mod.HttpSource(origin.url), "/dl/b.bin", o);
      assert.ok(sameBytes(fs.readFile("/dl/a.bin")!, data));
      assert.ok(sameBytes(fs.readFile("/dl/b.bin")!, data));
      assert.deepEqual((await fs.list("/dl")).sort(), ["a.bin", "b.bin"]);
      const bucket = new mod.Bucket({ endpoint: "http://127.0.0.1:1", bucket: "bkt" });
      await assert.rejects(
        mod.resumableDownload(bucket, "k", "/dl/c.bin", { ...o, fs: {} as mod.FileSystem }),
        (e) => e instanceof TypeError && /'fs'/.test(e.message),
      );
    } finally {
      await origin.close();
    }
  });

  it("web.ts: fs and store are required (TypeError naming them); with them it downloads", async () => {
    const origin = await rangeServer(data);
    try {
      const fs = new web.MemoryFileSystem();
      const store = new web.MemoryCheckpointStore();
      await assert.rejects(
        web.resumableDownloadUrl(origin.url, "/a.bin", { store } as web.DownloadOptions),
        (e) =>
          e instanceof TypeError && /'fs' is required/.test(e.message) &&
          (e as { option?: string }).option === "fs",
      );
      await assert.rejects(
        web.resumableDownloadUrl(origin.url, "/a.bin", { fs }),
        (e) =>
          e instanceof TypeError && /'store' is required/.test(e.message) &&
          (e as { option?: string }).option === "store",
      );
      const result = await web.resumableDownloadUrl(origin.url, "a.bin", {
        fs,
        store,
        multigetThreshold: 1,
        partSize: MiB,
      });
      assert.equal(result.size, data.length);
      assert.ok(sameBytes(fs.readFile("/a.bin")!, data), "relative paths resolve against /");
    } finally {
      await origin.close();
    }
  });

  it("a second download of the same target on the same memory file system is refused", async () => {
    const origin = await rangeServer(data);
    try {
      const fs = new web.MemoryFileSystem();
      const o = { fs, multigetThreshold: 1, partSize: MiB };
      const first = web.resumableDownloadUrl(origin.url, "/x.bin", {
        ...o,
        store: new web.MemoryCheckpointStore(),
      });
      await assert.rejects(
        web.resumableDownloadUrl(origin.url, "/x.bin", {
          ...o,
          store: new web.MemoryCheckpointStore(),
        }),
        web.DownloadLockedError,
      );
      await first;
      assert.ok(sameBytes(fs.readFile("/x.bin")!, data));
    } finally {
      await origin.close();
    }
  });
});
