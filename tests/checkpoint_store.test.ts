/**
 * Checkpoint stores: one conformance suite run against every store, then what only the file
 * store does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { LocalFileError } from "../src/errors.ts";
import { loadFileSystem } from "../src/fs/mod.ts";
import { MemoryFileSystem } from "../src/fs/memory.ts";
import { MemoryCheckpointStore, ResumableDownloadStore } from "../src/stores/mod.ts";
import type { CheckpointStore } from "../src/stores/mod.ts";

/** A store to test, and how to dispose of it. */
interface Subject {
  store: CheckpointStore;
  cleanup(): Promise<void>;
}

async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "rd-store-test-"));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Runs `fn` with a fresh subject, disposed of afterwards. */
async function using(make: () => Promise<Subject>, fn: (s: CheckpointStore) => Promise<void>) {
  const subject = await make();
  try {
    await fn(subject.store);
  } finally {
    await subject.cleanup();
  }
}

const record = () => ({
  version: 1,
  source: "oss://bucket/some/key.bin",
  size: 123_456_789,
  etag: '"ABC"',
  parts: [
    { start: 0, end: 1024, done: 1024, crc: "123" },
    { start: 1024, end: 2048, done: 17, crc: null },
  ],
  nested: { deep: { list: [1, "two", true, null] } },
});

/** The behaviour every {@linkcode CheckpointStore} must have. */
function testCheckpointStore(name: string, makeStore: () => Promise<Subject>): void {
  describe(`${name}: CheckpointStore conformance`, () => {
    it("a missing key reads as undefined", async () => {
      await using(makeStore, async (store) => {
        assert.equal(await store.get("never-put"), undefined);
      });
    });

    it("put then get returns an equal nested record", async () => {
      await using(makeStore, async (store) => {
        await store.put("k", record());
        assert.deepEqual(await store.get("k"), record());
      });
    });

    it("put replaces the previous record", async () => {
      await using(makeStore, async (store) => {
        await store.put("k", record());
        await store.put("k", { replaced: true });
        assert.deepEqual(await store.get("k"), { replaced: true });
      });
    });

    it("delete removes; get then reads undefined", async () => {
      await using(makeStore, async (store) => {
        await store.put("k", record());
        await store.put("other", 1);
        await store.delete("k");
        assert.equal(await store.get("k"), undefined);
        assert.equal(await store.get("other"), 1);
      });
    });

    it("deleting a missing key is fine", async () => {
      await using(makeStore, async (store) => {
        await store.delete("never-put");
        await store.put("k", 1);
        await store.delete("k");
        await store.delete("k");
        assert.equal(await store.get("k"), undefined);
      });
    });

    it("keys with slashes, spaces, unicode and 2000 characters work and do not collide", async () => {
      await using(makeStore, async (store) => {
        const keys = [
          "a/b/c",
          "a_b_c",
          "a b c",
          "../../etc/passwd",
          "/absolute/path/target.bin",
          "ключ-鍵-🔑",
          "x".repeat(2000),
          "x".repeat(1999) + "y",
          "",
          "A/B/C",
        ];
        for (const [i, key] of keys.entries()) await store.put(key, { i, key });
        for (const [i, key] of keys.entries()) {
          assert.deepEqual(
            await store.get(key),
            { i, key },
            `key ${JSON.stringify(key.slice(0, 20))}`,
          );
        }
      });
    });

    it("stores a copy: changing the object after put, or what get returned, changes nothing", async () => {
      await using(makeStore, async (store) => {
        const value = record();
        await store.put("k", value);
        value.parts[0]!.done = -1;
        value.nested.deep.list.push("added");
        assert.deepEqual(await store.get("k"), record());
        const got = (await store.get("k")) as ReturnType<typeof record>;
        got.size = 0;
        assert.deepEqual(await store.get("k"), record());
      });
    });

    it("rejects a value that is not JSON", async () => {
      await using(makeStore, async (store) => {
        await assert.rejects(async () => await store.put("k", undefined), TypeError);
        assert.equal(await store.get("k"), undefined);
      });
    });
  });
}

testCheckpointStore(
  "MemoryCheckpointStore",
  () => Promise.resolve({ store: new MemoryCheckpointStore(), cleanup: () => Promise.resolve() }),
);

testCheckpointStore("ResumableDownloadStore", async () => {
  const { root, cleanup } = await tempRoot();
  return { store: new ResumableDownloadStore({ root, dir: "cp" }), cleanup };
});

testCheckpointStore("ResumableDownloadStore (durable: true)", async () => {
  const { root, cleanup } = await tempRoot();
  return { store: new ResumableDownloadStore({ root, dir: "cp", durable: true }), cleanup };
});

describe("ResumableDownloadStore", () => {
  it("a corrupt file reads as undefined, without throwing, and the next put replaces it", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      await store.put("k", { ok: true });
      const path = await store.pathOf("k");
      const slot1 = path.replace(/\.json$/, ".1.json");
      await writeFile(slot1, "{torn");
      for (
        const garbage of [
          "{not json",
          "",
          "\u0000\u0001",
          "null",
          "[1,2]",
          '{"key":"other","value":1}',
        ]
      ) {
        await writeFile(path, garbage);
        assert.equal(await store.get("k"), undefined, `content ${JSON.stringify(garbage)}`);
      }
      await writeFile(path, new Uint8Array([0xff, 0xfe, 0x7b]));
      assert.equal(await store.get("k"), undefined);
      await store.put("k", { ok: 2 });
      assert.deepEqual(await store.get("k"), { ok: 2 });
      await store.put("k", { ok: 3 });
      assert.deepEqual(await new ResumableDownloadStore({ root }).get("k"), { ok: 3 });
    } finally {
      await cleanup();
    }
  });

  it("names each file by the SHA-256 of the key", async () => {
    const store = new ResumableDownloadStore({ root: "/r", dir: "d" });
    // SHA-256("abc")
    assert.equal(
      await store.pathOf("abc"),
      join("/r", "d", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.json"),
    );
  });

  it("defaults to ~/.resumable-download (nothing is written by the constructor)", () => {
    assert.equal(new ResumableDownloadStore().directory, join(homedir(), ".resumable-download"));
    assert.equal(new ResumableDownloadStore({}).directory, join(homedir(), ".resumable-download"));
  });

  it("joins dir onto root and resolves a relative root", () => {
    assert.equal(
      new ResumableDownloadStore({ root: "/tmp/x" }).directory,
      join("/tmp/x", ".resumable-download"),
    );
    assert.equal(
      new ResumableDownloadStore({ root: "/tmp/x", dir: "a/b" }).directory,
      join("/tmp/x", "a", "b"),
    );
    assert.equal(
      new ResumableDownloadStore({ root: "rel", dir: "d" }).directory,
      join(process.cwd(), "rel", "d"),
    );
    assert.equal(new ResumableDownloadStore({ dir: "d" }).directory, join(homedir(), "d"));
  });

  it("bad options: a TypeError naming the option and the value", () => {
    const cases: [unknown, string, string][] = [
      [{ root: "" }, "root", '""'],
      [{ root: 42 }, "root", "42"],
      [{ root: null }, "root", "null"],
      [{ dir: "" }, "dir", '""'],
      [{ dir: false }, "dir", "false"],
      [{ durable: "yes" }, "durable", '"yes"'],
      [{ durable: 1 }, "durable", "1"],
    ];
    for (const [options, name, shown] of cases) {
      assert.throws(
        () => new ResumableDownloadStore(options as { root?: string }),
        (e: Error) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.ok(e.message.includes(`'${name}'`), e.message);
          assert.ok(e.message.includes(shown), e.message);
          return true;
        },
      );
    }
    assert.throws(() => new ResumableDownloadStore(null as unknown as undefined), TypeError);
  });

  it("creates its directory (and parents) on the first put", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root, dir: join("a", "b") });
      assert.deepEqual(await readdir(root), []);
      assert.equal(await store.get("k"), undefined);
      await store.delete("k");
      await store.put("k", 1);
      assert.equal((await readdir(store.directory)).length, 1);
      // Removed behind its back: the next put makes it again.
      await rm(join(root, "a"), { recursive: true });
      await store.put("k", 2);
      assert.equal(await store.get("k"), 2);
    } finally {
      await cleanup();
    }
  });

  it("two instances on the same directory see each other's records", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const a = new ResumableDownloadStore({ root, dir: "shared" });
      const b = new ResumableDownloadStore({ root, dir: "shared", fs: await loadFileSystem() });
      await a.put("k", { from: "a" });
      assert.deepEqual(await b.get("k"), { from: "a" });
      await b.put("k", { from: "b" });
      assert.deepEqual(await a.get("k"), { from: "b" });
      await a.delete("k");
      assert.equal(await b.get("k"), undefined);
    } finally {
      await cleanup();
    }
  });

  it("keeps two slots: a torn newer slot reads as the older record", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      const path = await store.pathOf("k");
      const slot1 = path.replace(/\.json$/, ".1.json");
      await store.put("k", { done: 1 }); // slot 0
      await store.put("k", { done: 2 }); // slot 1
      assert.deepEqual(await store.get("k"), { done: 2 });
      // A write cut short by a kill or a power loss: the start of a newer record over the
      // old slot's bytes. Its check fails, and the record before it is what get returns.
      const whole = await readFile(slot1, "utf8");
      await writeFile(slot1, whole.replace('"done":2', '"done":9'));
      assert.deepEqual(await store.get("k"), { done: 1 });
      await writeFile(slot1, whole.slice(0, whole.length - 3));
      assert.deepEqual(await store.get("k"), { done: 1 });
      // The next put goes over the damaged slot... or the older one: either way it wins.
      await store.put("k", { done: 3 });
      assert.deepEqual(await new ResumableDownloadStore({ root }).get("k"), { done: 3 });
    } finally {
      await cleanup();
    }
  });

  it("overwrites in place: a shorter record over a longer one is padded, and reads back", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      const path = await store.pathOf("k");
      const long = { parts: Array.from({ length: 200 }, (_, i) => ({ i, crc: "ü✓" })) };
      await store.put("k", long);
      await store.put("k", long);
      const sizes = [
        (await stat(path)).size,
        (await stat(path.replace(/\.json$/, ".1.json"))).size,
      ];
      await store.put("k", { short: "é" });
      await store.put("k", { shorter: 1 });
      assert.deepEqual(await store.get("k"), { shorter: 1 });
      assert.deepEqual(await new ResumableDownloadStore({ root }).get("k"), { shorter: 1 });
      assert.equal((await stat(path)).size, sizes[0]);
      const text = await readFile(path, "utf8");
      assert.match(text, /^\{"key":"k","seq":2,.*\n\{"short":"é"\}\n +$/s);
    } finally {
      await cleanup();
    }
  });

  it("a new instance continues after the records on disk (its puts are the newest)", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const a = new ResumableDownloadStore({ root });
      for (let i = 0; i < 5; i++) await a.put("k", { from: "a", i });
      const b = new ResumableDownloadStore({ root });
      await b.put("k", { from: "b" });
      assert.deepEqual(await new ResumableDownloadStore({ root }).get("k"), { from: "b" });
      await b.delete("k");
      assert.equal(await a.get("k"), undefined);
      assert.deepEqual(await readdir(a.directory), []);
    } finally {
      await cleanup();
    }
  });

  it("reads a record written in the single-object format of earlier versions", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      await mkdir(store.directory, { recursive: true });
      await writeFile(await store.pathOf("k"), JSON.stringify({ key: "k", value: { v: 1 } }));
      assert.deepEqual(await store.get("k"), { v: 1 });
      await store.put("k", { v: 2 });
      assert.deepEqual(await new ResumableDownloadStore({ root }).get("k"), { v: 2 });
    } finally {
      await cleanup();
    }
  });

  it("leaves no temp files after many puts, sequential and concurrent", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      for (let i = 0; i < 50; i++) await store.put(`k${i % 5}`, { i });
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`k${i % 5}`, { i })));
      const names = await readdir(store.directory);
      assert.equal(names.length, 10, names.join(", ")); // two slots per key
      assert.ok(names.every((n) => /^[0-9a-f]{64}(\.1)?\.json$/.test(n)), names.join(", "));
      assert.ok(!names.some((n) => n.includes(".tmp")));
      for (let k = 0; k < 5; k++) {
        const got = (await store.get(`k${k}`)) as { i: number };
        assert.equal(got.i % 5, k);
      }
    } finally {
      await cleanup();
    }
  });
});

describe("ResumableDownloadStore: private local state", () => {
  it("creates the directory 0700 and every slot 0600", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root, dir: "a/b" });
      await store.put("k", { n: 1 });
      await store.put("k", { n: 2 });
      assert.equal((await stat(store.directory)).mode & 0o777, 0o700);
      for (const name of await readdir(store.directory)) {
        assert.equal((await stat(join(store.directory, name))).mode & 0o777, 0o600, name);
      }
    } finally {
      await cleanup();
    }
  });

  it("a slot of an older version (0644) is replaced by a 0600 file on the next put", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      const path = await store.pathOf("k");
      await mkdir(store.directory, { recursive: true });
      await writeFile(path, '{"key":"k","value":{"old":true}}', { mode: 0o644 });
      assert.deepEqual(await store.get("k"), { old: true });
      await store.put("k", { n: 1 });
      await store.put("k", { n: 2 });
      for (const name of await readdir(store.directory)) {
        assert.equal((await stat(join(store.directory, name))).mode & 0o777, 0o600, name);
      }
    } finally {
      await cleanup();
    }
  });

  it("symbolic links planted at the slot paths: refused (LocalFileError ELOOP), victim untouched", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const victim = join(root, "victim.txt");
      await writeFile(victim, "precious");
      const store = new ResumableDownloadStore({ root });
      await store.put("k", { n: 1 }); // both slots exist after two puts
      await store.put("k", { n: 2 });
      const [slot0, slot1] = [
        await store.pathOf("k"),
        (await store.pathOf("k")).replace(/\.json$/, ".1.json"),
      ];
      for (const slot of [slot0, slot1]) {
        await rm(slot);
        await symlink(victim, slot);
      }
      const elsewhere = new ResumableDownloadStore({ root }); // a fresh process would do this
      for (const store_ of [store, elsewhere]) {
        await assert.rejects(store_.put("k", { n: 3 }), (e) => {
          assert.ok(e instanceof LocalFileError, String(e));
          assert.equal(e.code, "ELOOP");
          assert.ok(e.path === slot0 || e.path === slot1, e.path);
          return true;
        });
      }
      await assert.rejects(
        elsewhere.get("k"),
        (e) => e instanceof LocalFileError && e.code === "ELOOP",
      );
      assert.equal(await readFile(victim, "utf8"), "precious");
    } finally {
      await cleanup();
    }
  });

  it("a store whose directory is a file: LocalFileError with the path and the code", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      await writeFile(join(root, "cp"), "a file");
      const store = new ResumableDownloadStore({ root, dir: "cp" });
      await assert.rejects(store.put("k", 1), (e) => {
        assert.ok(e instanceof LocalFileError, String(e));
        assert.ok(["EEXIST", "ENOTDIR"].includes(e.code), e.code);
        assert.ok(e.path.startsWith(join(root, "cp")), e.path);
        return true;
      });
    } finally {
      await cleanup();
    }
  });
});

describe("ResumableDownloadStore: prune", () => {
  const record = (target: string, tempFile: string) => ({ target, tempFile, parts: [] });

  it("removes records older than the limit and the temp files they name; keeps the rest", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = new ResumableDownloadStore({ root });
      const target = join(root, "big.iso");
      await writeFile(`${target}.tmp-0a1b2c`, "partial");
      await writeFile(join(root, "innocent.txt"), "keep me");
      await store.put("old", record(target, `${target}.tmp-0a1b2c`));
      await store.put("sneaky", record(target, join(root, "innocent.txt")));
      await store.put("fresh", record(join(root, "new.iso"), join(root, "new.iso.tmp-ff")));
      const week = 7 * 24 * 3600 * 1000;
      const longAgo = new Date(Date.now() - 2 * week);
      for (const key of ["old", "sneaky"]) {
        const p = await store.pathOf(key);
        for (const slot of [p, p.replace(/\.json$/, ".1.json")]) {
          await utimes(slot, longAgo, longAgo).catch(() => {});
        }
      }
      const leftover = `${await store.pathOf("x")}.0123456789ab.tmp`;
      await writeFile(leftover, "half");
      await utimes(leftover, longAgo, longAgo);

      const result = await store.prune();
      assert.deepEqual(result, { records: 2, tempFiles: 1 });
      assert.equal(await store.get("old"), undefined);
      assert.equal(await store.get("sneaky"), undefined);
      assert.deepEqual(
        await store.get("fresh"),
        record(join(root, "new.iso"), join(root, "new.iso.tmp-ff")),
      );
      const names = (await readdir(root)).sort();
      assert.deepEqual(names, [".resumable-download", "innocent.txt"]);
      assert.equal((await readdir(store.directory)).length, 1, "fresh's one slot, no leftover");
      assert.deepEqual(await store.prune({ olderThan: 0, now: Date.now() + 1000 }), {
        records: 1,
        tempFiles: 0,
      });
      assert.deepEqual(await readdir(store.directory), []);
    } finally {
      await cleanup();
    }
  });

  it("works on any file system that can list (memory), and on a store never written", async () => {
    const fs = new MemoryFileSystem();
    const store = new ResumableDownloadStore({ root: "/home/u", fs });
    assert.deepEqual(await store.prune(), { records: 0, tempFiles: 0 });
    await fs.mkdir("/dl");
    await (await fs.open("/dl/a.tmp-01", { create: true })).close();
    await store.put("k", record("/dl/a", "/dl/a.tmp-01"));
    assert.deepEqual(await store.prune({ olderThan: 0, now: Date.now() + 1000 }), {
      records: 1,
      tempFiles: 1,
    });
    assert.equal(await fs.stat("/dl/a.tmp-01"), undefined);
    await assert.rejects(store.prune({ olderThan: -1 }), RangeError);
  });
});
