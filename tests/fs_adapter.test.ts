/**
 * The file adapters: the same assertions against the Deno adapter (under `deno test`) and
 * the `node:fs` adapter (always: Deno implements `node:fs` too).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DenoFileSystem } from "../src/fs/deno.ts";
import { loadFileSystem, loadRuntimeFiles } from "../src/fs/mod.ts";
import { NodeFileSystem } from "../src/fs/node.ts";
import { createExclusive, overwriteText, readText, writeTextAtomic } from "../src/fs/text.ts";
import type { FileSystem } from "../src/fs/types.ts";
import { countsWritesTo } from "../src/fs/writeback.ts";
import { fileWorkerReady } from "../src/fs/file_worker.ts";
import { crc64 } from "../src/integrity/crc64.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const isRoot = process.getuid?.() === 0;
const KiB = 1024;
const MiB = 1024 * KiB;

/** Runs `fn` with a fresh temp directory, removed afterwards. */
async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "rd-fs-test-"));
  try {
    await fn(dir);
  } finally {
    await chmod(dir, 0o755).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** `n` reproducible pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Splits `data` into chunks of the given sizes, cycling through them. */
function split(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - at);
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Asserts equal bytes without dumping megabytes on failure. */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what = "file"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(`${what}: first difference at byte ${i}: ${actual[i]} != ${expected[i]}`);
    }
  }
}

async function fileBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/** A shuffled copy of `items`, deterministic. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const adapters: [string, () => FileSystem][] = [["node", () => new NodeFileSystem()]];
if (isDeno) adapters.unshift(["deno", () => new DenoFileSystem()]);

for (const [name, make] of adapters) {
  const fs = make();

  describe(`${name} file adapter: positional I/O`, () => {
    it("out-of-order writes of several chunks land at their offsets", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const data = bytes(3 * MiB + 12345);
        const partSize = 256 * KiB + 7;
        const parts: [number, number][] = [];
        for (let start = 0; start < data.length; start += partSize) {
          parts.push([start, Math.min(start + partSize, data.length)]);
        }
        const file = await fs.open(path, { create: true });
        for (const [start, end] of shuffled(parts)) {
          await file.write(split(data.subarray(start, end), [16 * KiB, 1, 65536, 999]), start);
        }
        await file.close();
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("writes chunk lists back to back, across chunk boundaries and empty chunks", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const file = await fs.open(path, { create: true });
        const c = (...v: number[]) => new Uint8Array(v);
        await file.write([c(1), c(), c(2, 3, 4), c(5, 6), c()], 2);
        await file.write([], 100); // nothing to write: no change
        await file.write([c(9), c(8)], 0);
        // Big multi-chunk write: more than the Deno adapter's 1 MiB coalescing buffer.
        const big = bytes(2 * MiB + 3, 5);
        await file.write(split(big, [64 * KiB, 3, MiB, 100 * KiB]), 7);
        await file.close();
        const out = await fileBytes(path);
        assertSameBytes(out.subarray(0, 7), c(9, 8, 1, 2, 3, 4, 5, 6).subarray(0, 7), "head");
        assertSameBytes(out.subarray(7), big, "big write");
      });
    });

    it("a write of thousands of tiny chunks (more than IOV_MAX) lands whole", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const data = bytes(300 * KiB, 17);
        const file = await fs.open(path, { create: true });
        const chunks = split(data, [1, 2, 3, 250, 7]);
        assert.ok(chunks.length > 3000);
        await file.write(chunks, 0);
        await file.close();
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("a write past the end extends the file with zeros before it", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const file = await fs.open(path, { create: true });
        await file.write([new Uint8Array([7, 7])], 10_000);
        await file.close();
        const out = await fileBytes(path);
        assert.equal(out.length, 10_002);
        assert.ok(out.subarray(0, 10_000).every((b) => b === 0));
        assert.deepEqual([...out.subarray(10_000)], [7, 7]);
      });
    });

    it("positions beyond 4 GiB are not truncated to 32 bits (sparse file)", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "sparse.bin");
        const far = 5 * 1024 * MiB + 1;
        const file = await fs.open(path, { create: true });
        await file.write([new Uint8Array([1, 2]), new Uint8Array([3])], far);
        await file.write([new Uint8Array([9])], 1);
        const buf = new Uint8Array(4);
        assert.equal(await file.read(buf, far - 1), 4);
        assert.deepEqual([...buf], [0, 1, 2, 3]);
        assert.equal(await file.read(buf, 0), 4);
        assert.deepEqual([...buf], [0, 9, 0, 0]);
        await file.close();
        assert.equal((await fs.stat(path))?.size, far + 3);
      });
    });

    it("truncate extends with zeros and shrinks", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const file = await fs.open(path, { create: true });
        await file.write([new Uint8Array([1, 2, 3, 4])], 0);
        await file.truncate(64 * KiB);
        assert.equal((await fs.stat(path))?.size, 64 * KiB);
        const out = await fileBytes(path);
        assert.deepEqual([...out.subarray(0, 4)], [1, 2, 3, 4]);
        assert.ok(out.subarray(4).every((b) => b === 0));
        await file.truncate(2);
        assert.deepEqual([...(await fileBytes(path))], [1, 2]);
        // Writing after a truncate still lands where asked.
        await file.write([new Uint8Array([9])], 5);
        await file.close();
        assert.deepEqual([...(await fileBytes(path))], [1, 2, 0, 0, 0, 9]);
      });
    });

    it("reads at positions, short at the end and 0 at or past it", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const data = bytes(300 * KiB, 3);
        await writeFile(path, data);
        const file = await fs.open(path, { create: false });
        const buf = new Uint8Array(100 * KiB);
        assert.equal(await file.read(buf, 150 * KiB), buf.length);
        assertSameBytes(buf, data.subarray(150 * KiB, 250 * KiB));
        assert.equal(await file.read(buf, 0), buf.length);
        assertSameBytes(buf, data.subarray(0, 100 * KiB));
        assert.equal(await file.read(buf, 250 * KiB), 50 * KiB);
        assertSameBytes(buf.subarray(0, 50 * KiB), data.subarray(250 * KiB));
        assert.equal(await file.read(buf, 300 * KiB), 0);
        assert.equal(await file.read(buf, 10 * MiB), 0);
        assert.equal(await file.read(new Uint8Array(0), 5), 0);
        await file.close();
      });
    });

    it("two handles write one file at different offsets concurrently", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const data = bytes(4 * MiB, 11);
        const half = data.length / 2;
        const a = await fs.open(path, { create: true });
        const b = await fs.open(path, { create: true });
        const writeRange = async (file: typeof a, start: number, end: number) => {
          for (let at = start; at < end; at += 64 * KiB + 1) {
            const stop = Math.min(at + 64 * KiB + 1, end);
            await file.write(split(data.subarray(at, stop), [4096, 333]), at);
          }
        };
        await Promise.all([writeRange(a, 0, half), writeRange(b, half, data.length)]);
        await Promise.all([a.close(), b.close()]);
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("overlapping calls on one handle do not interleave", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const data = bytes(2 * MiB, 13);
        await writeFile(path, new Uint8Array(data.length));
        const file = await fs.open(path, { create: false });
        // Pre-write the first half so that reads of it can run while the rest is written.
        const half = data.length / 2;
        await file.write([data.subarray(0, half)], 0);
        const step = 32 * KiB + 3;
        const ops: Promise<unknown>[] = [];
        const starts: number[] = [];
        for (let at = half; at < data.length; at += step) starts.push(at);
        for (const at of shuffled(starts, 3)) {
          const end = Math.min(at + step, data.length);
          ops.push(file.write(split(data.subarray(at, end), [1000, 7, 20_000]), at));
          const readAt = (at * 7) % (half - 1000);
          const buf = new Uint8Array(1000);
          ops.push(
            file.read(buf, readAt).then((n) => {
              assert.equal(n, 1000);
              assertSameBytes(buf, data.subarray(readAt, readAt + 1000), `read at ${readAt}`);
            }),
          );
        }
        ops.push(file.truncate(data.length));
        await Promise.all(ops);
        await file.close();
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("sync works, close twice is harmless, calls after close reject", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "a.bin");
        const file = await fs.open(path, { create: true });
        await file.write([new Uint8Array([1])], 0);
        await file.sync();
        await Promise.all([file.close(), file.close()]);
        await file.close();
        await assert.rejects(file.write([new Uint8Array([2])], 0), (e: { code?: string }) => {
          assert.equal(e.code, "EBADF");
          return true;
        });
        await assert.rejects(file.read(new Uint8Array(1), 0));
        assert.deepEqual([...(await fileBytes(path))], [1]);
      });
    });

    it("rejects a negative or fractional position", async () => {
      await withTemp(async (dir) => {
        const file = await fs.open(join(dir, "a.bin"), { create: true });
        await assert.rejects(file.write([new Uint8Array(1)], -1), RangeError);
        await assert.rejects(file.read(new Uint8Array(1), 1.5), RangeError);
        await file.close();
      });
    });
  });

  describe(`${name} file adapter: writeHashed (write and CRC-64, large buffers on a worker)`, () => {
    it("writes at the offset, resolves the CRC and hands the bytes back, small and large", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "h.bin");
        const data = bytes(3 * MiB + 12_345, 11);
        const file = await fs.open(path, { create: true });
        assert.ok(file.writeHashed, "the adapter has writeHashed");
        // 1 KiB (hashed inline), 1 MiB and the 2 MiB-odd rest (the worker), out of order.
        const cuts = [[MiB + 1024, data.length], [0, 1024], [1024, MiB + 1024]];
        for (const [start, end] of cuts) {
          const expected = data.slice(start, end);
          const lent = expected.slice();
          const { crc, bytes: back } = await file.writeHashed!(lent, start!);
          assert.equal(crc, await crc64(expected), `CRC of [${start}, ${end})`);
          assertSameBytes(back, expected, "the bytes handed back");
        }
        await file.close();
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("many concurrent large writes through two handles of one file all land", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "h.bin");
        const data = bytes(8 * MiB, 5);
        const a = await fs.open(path, { create: true });
        const b = await fs.open(path, { create: false });
        const jobs = shuffled([...Array(8).keys()]).map((i) =>
          (i % 2 ? a : b).writeHashed!(data.slice(i * MiB, (i + 1) * MiB), i * MiB)
        );
        const crcs = (await Promise.all(jobs)).map((r) => r.crc);
        assert.equal(new Set(crcs).size, 8);
        await a.close();
        await b.close();
        assertSameBytes(await fileBytes(path), data);
      });
    });

    it("a closed handle leaves no writeback count behind for its path", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "w.bin");
        const file = await fs.open(path, { create: true });
        await file.write([bytes(4096)], 0);
        await file.writeHashed!(bytes(MiB), 4096);
        assert.equal(countsWritesTo(path), true);
        await file.close();
        assert.equal(countsWritesTo(path), false);
      });
    });

    it("after close it rejects; a worker-side failure carries a code and the path", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "h.bin");
        const file = await fs.open(path, { create: true });
        await file.close();
        await assert.rejects(file.writeHashed!(new Uint8Array(MiB), 0), (e: { code?: string }) => {
          assert.equal(e.code, "EBADF");
          return true;
        });
        // The worker opens the file by path: once it is gone, that open fails with ENOENT.
        assert.equal(await fileWorkerReady(), true);
        const gone = join(dir, "gone.bin");
        const open = await fs.open(gone, { create: true });
        await rm(gone);
        await assert.rejects(open.writeHashed!(new Uint8Array(MiB), 0), (e: Error) => {
          assert.equal((e as { code?: string }).code, "ENOENT");
          assert.ok(e.message.includes(gone), e.message);
          return true;
        });
        await open.close();
      });
    });
  });

  describe(`${name} file adapter: files and directories`, () => {
    it("rename replaces an existing target", async () => {
      await withTemp(async (dir) => {
        await writeFile(join(dir, "from"), "new");
        await writeFile(join(dir, "to"), "old content");
        await fs.rename(join(dir, "from"), join(dir, "to"));
        assert.equal(await readFile(join(dir, "to"), "utf8"), "new");
        assert.deepEqual(await readdir(dir), ["to"]);
      });
    });

    it("remove deletes a file and ignores a missing one", async () => {
      await withTemp(async (dir) => {
        await writeFile(join(dir, "x"), "x");
        await fs.remove(join(dir, "x"));
        await fs.remove(join(dir, "x"));
        await fs.remove(join(dir, "no", "such", "dir", "x"));
        assert.deepEqual(await readdir(dir), []);
      });
    });

    it("mkdir creates parents and accepts an existing directory", async () => {
      await withTemp(async (dir) => {
        const deep = join(dir, "a", "b", "c");
        await fs.mkdir(deep);
        await fs.mkdir(deep);
        assert.equal((await fs.stat(deep))?.isDirectory, true);
      });
    });

    it("createExclusive creates once, then resolves false and leaves the file alone", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "x.lock");
        assert.equal(await createExclusive(fs, path, "first"), true);
        assert.equal(await createExclusive(fs, path, "second"), false);
        assert.equal(await readFile(path, "utf8"), "first");
      });
    });

    it("writeTextAtomic creates and replaces, leaving no temp files", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "r.json");
        await writeTextAtomic(fs, path, "a much longer first version ✓");
        assert.equal(await readText(fs, path), "a much longer first version ✓");
        for (let i = 0; i < 20; i++) await writeTextAtomic(fs, path, `v${i}`);
        assert.equal(await readFile(path, "utf8"), "v19");
        assert.deepEqual(await readdir(dir), ["r.json"]);
      });
    });

    it("writeTextAtomic with durable: false creates and replaces just the same", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "r.json");
        await writeTextAtomic(fs, path, "first, longer ✓", { durable: false });
        await writeTextAtomic(fs, path, "second", { durable: false });
        assert.equal(await readFile(path, "utf8"), "second");
        assert.deepEqual(await readdir(dir), ["r.json"]);
      });
    });

    it("writeTextAtomic into a missing directory fails with ENOENT and leaves nothing", async () => {
      await withTemp(async (dir) => {
        await assert.rejects(
          writeTextAtomic(fs, join(dir, "missing", "r.json"), "x"),
          (e: { code?: string }) => e.code === "ENOENT",
        );
        assert.deepEqual(await readdir(dir), []);
      });
    });

    it("overwriteText creates, then writes over the start without truncating", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "slot.json");
        await overwriteText(fs, path, "a longer first text ✓");
        assert.equal(await readFile(path, "utf8"), "a longer first text ✓");
        await overwriteText(fs, path, "ü-2", { durable: true });
        assert.equal(await readFile(path, "utf8"), "ü-2nger first text ✓");
        await assert.rejects(
          overwriteText(fs, join(dir, "missing", "x"), "x"),
          (e: { code?: string; message: string }) => {
            assert.equal(e.code, "ENOENT");
            assert.ok(e.message.includes(join(dir, "missing", "x")), e.message);
            return true;
          },
        );
      });
    });

    it("readText: the text, or undefined for a missing file", async () => {
      await withTemp(async (dir) => {
        await writeFile(join(dir, "t"), "héllo");
        assert.equal(await readText(fs, join(dir, "t")), "héllo");
        assert.equal(await readText(fs, join(dir, "none")), undefined);
      });
    });

    it("stat: undefined when missing, isDirectory for a directory, size for a file", async () => {
      await withTemp(async (dir) => {
        await writeFile(join(dir, "f"), "12345");
        assert.equal(await fs.stat(join(dir, "missing")), undefined);
        assert.equal(await fs.stat(join(dir, "f", "below-a-file")), undefined);
        const d = await fs.stat(dir);
        assert.equal(d?.isDirectory, true);
        assert.equal(d?.isFile, false);
        const f = await fs.stat(join(dir, "f"));
        assert.deepEqual([f?.isFile, f?.isDirectory, f?.size], [true, false, 5]);
        assert.ok(Math.abs(f!.mtime! - Date.now()) < 3600_000, "mtime in ms");
      });
    });

    it("freeSpace reports a positive byte count", async () => {
      const free = await fs.freeSpace!(tmpdir());
      assert.equal(typeof free, "number");
      assert.ok(free! > 0);
    });
  });

  describe(`${name} file adapter: errors carry Node-style codes`, () => {
    it("opening a missing file without create: ENOENT, naming the path", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "missing.bin");
        await assert.rejects(fs.open(path, { create: false }), (e: Error & { code?: string }) => {
          assert.equal(e.code, "ENOENT");
          assert.ok(e.message.includes(path), e.message);
          return true;
        });
      });
    });

    it("opening a directory: EISDIR; reading a directory as text: EISDIR", async () => {
      await withTemp(async (dir) => {
        await assert.rejects(fs.open(dir, { create: true }), (e: { code?: string }) => {
          assert.equal(e.code, "EISDIR");
          return true;
        });
        await assert.rejects(readText(fs, dir), (e: { code?: string }) => {
          assert.equal(e.code, "EISDIR");
          return true;
        });
      });
    });

    it("mkdir over a file: EEXIST; a file below a file: ENOTDIR", async () => {
      await withTemp(async (dir) => {
        await writeFile(join(dir, "f"), "x");
        await assert.rejects(fs.mkdir(join(dir, "f")), (e: { code?: string }) => {
          assert.equal(e.code, "EEXIST");
          return true;
        });
        await assert.rejects(
          fs.open(join(dir, "f", "g"), { create: true }),
          (e: { code?: string }) => {
            assert.equal(e.code, "ENOTDIR");
            return true;
          },
        );
      });
    });

    it("writing into a read-only directory: EACCES", { skip: isRoot }, async () => {
      await withTemp(async (dir) => {
        const ro = join(dir, "ro");
        await mkdir(ro);
        await chmod(ro, 0o555);
        try {
          await assert.rejects(fs.open(join(ro, "x"), { create: true }), (e: { code?: string }) => {
            assert.equal(e.code, "EACCES");
            return true;
          });
          await assert.rejects(writeTextAtomic(fs, join(ro, "y"), "y"), (e: { code?: string }) => {
            assert.equal(e.code, "EACCES");
            return true;
          });
        } finally {
          await chmod(ro, 0o755);
        }
      });
    });
  });

  describe(`${name} file adapter: private files, no symbolic links followed`, () => {
    it("creates files 0600 and directories with the mode asked", async () => {
      await withTemp(async (dir) => {
        const file = await fs.open(join(dir, "a.bin"), { create: true });
        await file.close();
        assert.equal((await stat(join(dir, "a.bin"))).mode & 0o777, 0o600);
        await fs.mkdir(join(dir, "p", "q"), { mode: 0o700 });
        assert.equal((await stat(join(dir, "p", "q"))).mode & 0o777, 0o700);
      });
    });

    it("refuses a symbolic link at the path (ELOOP), for every open; the victim is untouched", async () => {
      await withTemp(async (dir) => {
        const victim = join(dir, "victim.txt");
        await writeFile(victim, "precious");
        const link = join(dir, "planted");
        await symlink(victim, link);
        await symlink(join(dir, "nowhere"), join(dir, "dangling"));
        const tries: [string, Parameters<FileSystem["open"]>[1]][] = [
          [link, { create: true }],
          [link, {}],
          [link, { readOnly: true }],
          [link, { create: true, exclusive: true }],
          [join(dir, "dangling"), { create: true }],
        ];
        for (const [path, options] of tries) {
          await assert.rejects(fs.open(path, options), (e: { code?: string }) => {
            assert.ok(
              e.code === "ELOOP" || e.code === "EEXIST",
              `${JSON.stringify(options)}: ${e.code}`,
            );
            return true;
          });
        }
        await assert.rejects(overwriteText(fs, link, "overwritten"));
        assert.equal(await readFile(victim, "utf8"), "precious");
        assert.equal(await stat(join(dir, "nowhere")).catch(() => "absent"), "absent");
      });
    });

    it("exclusive create: EEXIST when the file exists; link: EEXIST when the name exists", async () => {
      await withTemp(async (dir) => {
        const path = join(dir, "x");
        await (await fs.open(path, { create: true, exclusive: true })).close();
        await assert.rejects(
          fs.open(path, { create: true, exclusive: true }),
          (e: { code?: string }) => e.code === "EEXIST",
        );
        const linking = fs as FileSystem & { link(a: string, b: string): Promise<void> };
        await writeFile(join(dir, "y"), "y");
        await assert.rejects(
          linking.link(join(dir, "y"), path),
          (e: { code?: string }) => e.code === "EEXIST",
        );
        await linking.link(join(dir, "y"), join(dir, "z"));
        assert.equal(await readFile(join(dir, "z"), "utf8"), "y");
        assert.deepEqual((await fs.list!(dir)).sort(), ["x", "y", "z"]);
      });
    });

    it("cwd is the process's working directory", () => {
      assert.equal(fs.cwd!(), process.cwd());
    });
  });
}

describe("loadRuntimeFiles", () => {
  it("picks the adapter for the running runtime, once, and knows its own", async () => {
    const files = await loadRuntimeFiles();
    assert.ok(isDeno ? files.fs instanceof DenoFileSystem : files.fs instanceof NodeFileSystem);
    assert.equal(await loadFileSystem(), files.fs);
    assert.equal((await loadRuntimeFiles()).fs, files.fs);
    assert.equal(files.isRuntime(files.fs), true);
    assert.equal(files.isRuntime({} as FileSystem), false);
  });
});
