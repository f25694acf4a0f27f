/**
 * An object below `multigetThreshold` costs as little as can be: no checkpoint lookup (it
 * never has a record), no free-space query, and its temp file opened once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as web from "../web.ts";
import type { FileSystem, RandomAccessFile } from "../src/fs/types.ts";
import type { ObjectSource } from "../src/sources/source.ts";

const DATA = new TextEncoder().encode("small object bytes ".repeat(100));

/** A source serving DATA from memory, as a whole (no Range needed below the threshold). */
const source: ObjectSource = {
  id: "memory:small",
  stat: () => Promise.resolve({ size: DATA.length, etag: '"e1"' }),
  read: () =>
    Promise.resolve(
      new Response(DATA.slice(), {
        status: 200,
        headers: { "content-length": String(DATA.length), etag: '"e1"' },
      }),
    ),
};

/** `fs` with its opens and free-space queries counted. */
function counting(fs: FileSystem) {
  const calls = { open: 0, freeSpace: 0 };
  const wrapped: FileSystem = {
    open: (path, o): Promise<RandomAccessFile> => (calls.open++, fs.open(path, o)),
    stat: (path) => fs.stat(path),
    rename: (from, to) => fs.rename(from, to),
    remove: (path) => fs.remove(path),
    mkdir: (path, o) => fs.mkdir(path, o),
    freeSpace: () => (calls.freeSpace++, Promise.resolve(1e12)),
  };
  return { fs: wrapped, calls };
}

describe("objects below multigetThreshold", () => {
  it("no store lookup, no free-space query, the temp file opened once; bytes exact", async () => {
    const memory = new web.MemoryFileSystem();
    const { fs, calls } = counting(memory);
    const inner = new web.MemoryCheckpointStore();
    const gets: string[] = [];
    const store = {
      get: (k: string) => (gets.push(k), inner.get(k)),
      put: inner.put.bind(inner),
      delete: inner.delete.bind(inner),
    };
    const result = await web.downloadObject(source, "/out/small.bin", { fs, store });
    assert.equal(result.size, DATA.length);
    const file = await memory.open("/out/small.bin", {});
    const got = new Uint8Array(DATA.length + 1);
    assert.equal(await file.read(got, 0), DATA.length);
    await file.close();
    assert.deepEqual(got.subarray(0, DATA.length), DATA);
    assert.deepEqual(gets, [], "no checkpoint lookup");
    assert.equal(calls.freeSpace, 0, "no free-space query");
    assert.equal(calls.open, 1, "the temp file opened once");
  });
});
