/**
 * Memory of a download is bounded by its thread count, not by the object or the server:
 * write buffers shrink as threads grow (src/engine/memory_budget.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BUFFER_BUDGET, MIN_WRITE_SIZE, writeSizeFor } from "../src/engine/memory_budget.ts";
import { IN_FLIGHT, transferBody, WRITE_SIZE } from "../src/engine/transfer.ts";
import type { RandomAccessFile } from "../src/fs/types.ts";
import type { Part } from "../src/engine/plan.ts";

const KiB = 1024;

describe("memory budget", () => {
  it("keeps 1 MiB buffers for few threads and shrinks them to fit the budget for many", () => {
    assert.equal(writeSizeFor(1), WRITE_SIZE);
    assert.equal(writeSizeFor(4), 1024 * KiB);
    assert.equal(writeSizeFor(8), 1024 * KiB);
    assert.equal(writeSizeFor(16), 512 * KiB);
    assert.equal(writeSizeFor(32), 256 * KiB);
    assert.equal(writeSizeFor(64), MIN_WRITE_SIZE);
    for (const n of [1, 2, 3, 5, 8, 9, 16, 31, 32]) {
      assert.ok(n * (IN_FLIGHT + 1) * writeSizeFor(n) <= BUFFER_BUDGET, `${n} threads`);
    }
  });

  it("a transfer writes in buffers of the size it is given", async () => {
    const size = 3 * 1024 * KiB + 17;
    const body = new Uint8Array(size).map((_, i) => i % 251);
    const writes: number[] = [];
    const file = {
      write: (chunks: readonly Uint8Array[]) => {
        writes.push(chunks.reduce((n, c) => n + c.length, 0));
        return Promise.resolve();
      },
    } as unknown as RandomAccessFile;
    const part: Part = { start: 0, end: size, done: 0, crc: 0n };
    await transferBody(new Response(body), 0, [part], {
      file,
      idleTimeout: 10_000,
      writeSize: 256 * KiB,
      written: () => {},
      fetched: () => {},
      activate: () => {},
    }, () => {});
    assert.equal(part.done, size);
    assert.ok(writes.length >= Math.ceil(size / (256 * KiB)), `${writes.length} writes`);
    assert.ok(Math.max(...writes) <= 256 * KiB, `largest write ${Math.max(...writes)}`);
  });
});
