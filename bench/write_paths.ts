/**
 * Positional write paths: which way of writing a part's bytes at its offset is fastest, on
 * whatever runtime runs it. Backs the choice in src/fs/node.ts (and checks src/fs/deno.ts).
 *
 *     deno run -A bench/write_paths.ts
 *     bun bench/write_paths.ts
 *
 * Writes 512 MiB as 4 "parts" of 128 MiB, each part by its own worker with its own handle
 * (as the engine does), the workers' 1 MiB writes interleaved. Each 1 MiB write is given
 * as one 1 MiB chunk, and again as 16 chunks of 64 KiB (what a fetch body delivers, before
 * the engine coalesces it). Time covers open, all writes and close (no fsync); the file is
 * deleted after every run. Prints MB/s (10^6 bytes/s), best and median of the runs.
 *
 * @module
 */
import * as nodeFs from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DenoFileSystem } from "../src/fs/deno.ts";
import { NodeFileSystem } from "../src/fs/node.ts";
import type { FileSystem } from "../src/fs/types.ts";

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_TOTAL_MIB ?? 512) * MiB;
const PARTS = 4;
const WRITE = MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const runtime = isDeno
  ? `deno ${Deno.version.deno}`
  : `bun ${process.versions.bun ?? process.version}`;

const block = new Uint8Array(WRITE);
for (let off = 0; off < WRITE; off += 65536) {
  crypto.getRandomValues(block.subarray(off, off + 65536));
}
const shapes: Record<string, Uint8Array[]> = {
  "1x1MiB": [block],
  "16x64KiB": Array.from({ length: 16 }, (_, i) => block.subarray(i * 65536, (i + 1) * 65536)),
};

/** A way to write: open a handle, write chunks at a position, close. */
interface Writer {
  write(chunks: readonly Uint8Array[], position: number): Promise<void> | void;
  close(): Promise<void> | void;
}
type Method = (path: string) => Promise<Writer>;

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function writeFullSync(fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) done += nodeFs.writeSync(fd, buf, done, buf.length - done, pos + done);
}

const openFd = (p: string) =>
  nodeFs.openSync(p, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT);

const methods: Record<string, Method> = {
  "node:fs writevSync": (p) => {
    const fd = openFd(p);
    return Promise.resolve({
      write(chunks, pos) {
        const list = [...chunks];
        while (list.length) {
          let n = nodeFs.writevSync(fd, list, pos);
          pos += n;
          while (list.length && n >= list[0]!.length) n -= list.shift()!.length;
          if (n > 0) list[0] = list[0]!.subarray(n);
        }
      },
      close: () => nodeFs.closeSync(fd),
    });
  },
  "node:fs writeSync per chunk": (p) => {
    const fd = openFd(p);
    return Promise.resolve({
      write(chunks, pos) {
        for (const c of chunks) {
          writeFullSync(fd, c, pos);
          pos += c.length;
        }
      },
      close: () => nodeFs.closeSync(fd),
    });
  },
  "node:fs concat + writeSync": (p) => {
    const fd = openFd(p);
    return Promise.resolve({
      write: (chunks, pos) => writeFullSync(fd, concat(chunks), pos),
      close: () => nodeFs.closeSync(fd),
    });
  },
  "FileHandle.write per chunk": async (p) => {
    const h = await fsp.open(p, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT);
    return {
      async write(chunks, pos) {
        for (const c of chunks) {
          let done = 0;
          while (done < c.length) {
            done += (await h.write(c, done, c.length - done, pos + done)).bytesWritten;
          }
          pos += c.length;
        }
      },
      close: () => h.close(),
    };
  },
  "FileHandle.writev": async (p) => {
    const h = await fsp.open(p, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT);
    return {
      async write(chunks, pos) {
        const list = [...chunks];
        while (list.length) {
          let n = (await h.writev(list, pos)).bytesWritten;
          pos += n;
          while (list.length && n >= list[0]!.length) n -= list.shift()!.length;
          if (n > 0) list[0] = list[0]!.subarray(n);
        }
      },
      close: () => h.close(),
    };
  },
  "adapter NodeFileSystem": (p) => adapter(new NodeFileSystem(), p),
};

if (isDeno) {
  methods["adapter DenoFileSystem (seek, coalesce to 1 MiB, write)"] = (p) =>
    adapter(new DenoFileSystem(), p);
  methods["Deno seek + concat + write"] = async (p) => {
    const f = await Deno.open(p, { read: true, write: true, create: true });
    let offset = 0;
    return {
      async write(chunks, pos) {
        if (pos !== offset) await f.seek(pos, Deno.SeekMode.Start);
        const buf = concat(chunks);
        let done = 0;
        while (done < buf.length) done += await f.write(buf.subarray(done));
        offset = pos + buf.length;
      },
      close: () => f.close(),
    };
  };
}

if (isDeno) {
  methods["Deno seekSync + writeSync per chunk"] = async (p) => {
    const f = await Deno.open(p, { read: true, write: true, create: true });
    let offset = 0;
    return {
      write(chunks, pos) {
        if (pos !== offset) f.seekSync(pos, Deno.SeekMode.Start);
        for (const c of chunks) {
          let done = 0;
          while (done < c.length) done += f.writeSync(c.subarray(done));
        }
        offset = pos + chunks.reduce((n, c) => n + c.length, 0);
      },
      close: () => f.close(),
    };
  };
}

async function adapter(fs: FileSystem, p: string): Promise<Writer> {
  const f = await fs.open(p, { create: true });
  return { write: (c, pos) => f.write(c, pos), close: () => f.close() };
}

/** One run: 4 workers, one handle each, writing their parts in 1 MiB steps. Returns seconds. */
async function run(method: Method, chunks: Uint8Array[], path: string): Promise<number> {
  const partSize = TOTAL / PARTS;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PARTS }, async (_, part) => {
    const w = await method(path);
    for (let off = 0; off < partSize; off += WRITE) {
      await w.write(chunks, part * partSize + off);
      await null; // let the other workers take turns even when writes are synchronous
    }
    await w.close();
  }));
  const seconds = (performance.now() - t0) / 1000;
  const size = (await fsp.stat(path)).size;
  if (size !== TOTAL) throw new Error(`wrote ${size} bytes, expected ${TOTAL}`);
  await fsp.unlink(path);
  return seconds;
}

const dir = await fsp.mkdtemp(join(tmpdir(), "rd-bench-"));
const path = join(dir, "out.bin");
try {
  console.log(`# write paths on ${runtime}: ${TOTAL / MiB} MiB, ${PARTS} parts, ${RUNS} runs\n`);
  console.log("| method | chunks per 1 MiB write | best MB/s | median MB/s |");
  console.log("| --- | --- | --- | --- |");
  const names = Object.keys(methods);
  for (const [shape, chunks] of Object.entries(shapes)) {
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < RUNS; r++) {
      // Rotate the order so no method always runs first or after the same neighbour.
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length]!;
        times[name]!.push(await run(methods[name]!, chunks, path));
      }
    }
    for (const name of names) {
      const t = times[name]!.sort((a, b) => a - b);
      const mbps = (s: number) => (TOTAL / 1e6 / s).toFixed(0);
      const row = `| ${name} | ${shape} | ${mbps(t[0]!)} | ${mbps(t[Math.floor(t.length / 2)]!)} |`;
      console.log(row);
    }
  }
} finally {
  await fsp.rm(dir, { recursive: true, force: true });
}
