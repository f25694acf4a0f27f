/**
 * An abort stops a body at once, whatever the body: the read under way fails with the
 * signal's reason and the body is cancelled, without waiting for fetch to error it (Deno's
 * fetch may never do so: it holds the signal that would only weakly).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RandomAccessFile } from "../src/fs/types.ts";
import { transferBody } from "../src/engine/transfer.ts";
import type { Part } from "../src/engine/plan.ts";

/** A file that keeps writes in memory. */
function memoryFile(size: number): RandomAccessFile & { bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  return {
    bytes,
    write(chunks: readonly Uint8Array[], position: number) {
      for (const c of chunks) {
        bytes.set(c, position);
        position += c.length;
      }
      return Promise.resolve();
    },
    read: () => Promise.resolve(0),
    truncate: () => Promise.resolve(),
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

describe("transferBody and abort", () => {
  for (const kind of ["bytes", "default"] as const) {
    it(
      `an abort fails the pending read and cancels a ${kind} stream`,
      { timeout: 10_000 },
      async () => {
        let cancelled: unknown = "not cancelled";
        let served = 0;
        // 64 KiB at once, then nothing more: a read is pending when the abort comes.
        const source = {
          pull(controller: ReadableStreamDefaultController<Uint8Array>) {
            if (served === 0) {
              served = 64 * 1024;
              controller.enqueue(new Uint8Array(served).fill(7));
            }
            return new Promise<void>(() => {}); // the rest never comes
          },
          cancel(reason: unknown) {
            cancelled = reason;
          },
        };
        const body = kind === "bytes"
          ? new ReadableStream({ ...source, type: "bytes" } as unknown as UnderlyingByteSource)
          : new ReadableStream<Uint8Array>(source);
        const size = 1024 * 1024;
        const part: Part = { start: 0, end: size, done: 0, crc: 0n };
        const file = memoryFile(size);
        const controller = new AbortController();
        const reason = new Error("stop now");
        const transfer = transferBody(new Response(body), 0, [part], {
          file,
          signal: controller.signal,
          idleTimeout: 60_000,
          written: () => {},
          fetched: () => {},
          activate: () => {},
        }, () => {});
        const outcome = transfer.then(() => "resolved", (e: unknown) => e);
        await new Promise((r) => setTimeout(r, 50));
        controller.abort(reason);
        // No timing assertion: without the abort handling this never settles and the test
        // runner's timeout fails it.
        assert.equal(await outcome, reason);
        assert.equal(cancelled, reason);
        // What arrived before the abort was kept.
        assert.equal(part.done, 64 * 1024);
        assert.equal(file.bytes[64 * 1024 - 1], 7);
      },
    );
  }
});
