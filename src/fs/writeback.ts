/**
 * Early writeback, written once for the runtime adapters: every `WRITEBACK_EVERY` bytes
 * written to a file, a background flush of it starts on a descriptor of its own.
 *
 * A large download is flushed before it is renamed onto its target. Done only at the end,
 * that flush waits for the whole file to reach the device (~0.3 s per GiB on a fast virtual
 * disk, nearly all of it waiting): flushing as the file is written lets the device work
 * while the download goes on, and leaves the final flush only the tail. It changes no
 * guarantee (nothing waits for it; its errors are for the final flush to report) and costs
 * an open per 32 MiB.
 *
 * @module
 */
import type { FileSystem, HashedWrite, RandomAccessFile } from "./types.ts";

/** Bytes written to a file between two background flushes of it. */
const WRITEBACK_EVERY = 32 * 1024 * 1024;

/** Per path: bytes written since the last flush began, and whether a flush runs. */
const writeback = new Map<string, { since: number; running: boolean }>();

function noteWritten(fs: FileSystem, path: string, bytes: number): void {
  let state = writeback.get(path);
  if (!state) writeback.set(path, state = { since: 0, running: false });
  state.since += bytes;
  if (state.running || state.since < WRITEBACK_EVERY) return;
  state.since = 0;
  state.running = true;
  const s = state;
  (async () => {
    const file = await fs.open(path, { readOnly: true });
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  })().catch(() => {}).finally(() => {
    s.running = false;
    if (s.since === 0 && writeback.get(path) === s) writeback.delete(path);
  });
}

/** A file whose writes are counted for writeback (methods on the prototype, like every file). */
class WritebackFile implements RandomAccessFile {
  constructor(
    readonly fs: FileSystem,
    readonly path: string,
    readonly file: RandomAccessFile & { writeHashed: NonNullable<RandomAccessFile["writeHashed"]> },
  ) {}

  async write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    await this.file.write(chunks, position);
    let n = 0;
    for (const c of chunks) n += c.length;
    noteWritten(this.fs, this.path, n);
  }

  async writeHashed(bytes: Uint8Array, position: number): Promise<HashedWrite> {
    const length = bytes.byteLength; // `bytes` may be detached while it is lent
    const result = await this.file.writeHashed(bytes, position);
    noteWritten(this.fs, this.path, length);
    return result;
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.file.read(buffer, position);
  }

  truncate(length: number): Promise<void> {
    return this.file.truncate(length);
  }

  sync(): Promise<void> {
    return this.file.sync();
  }

  close(): Promise<void> {
    writeback.delete(this.path);
    return this.file.close();
  }
}

/**
 * `file` (opened from `fs` at absolute `path`, with `writeHashed`) with early writeback:
 * its writes are counted and its close forgets the count.
 */
export function withWriteback(
  fs: FileSystem,
  path: string,
  file: RandomAccessFile & { writeHashed: NonNullable<RandomAccessFile["writeHashed"]> },
): RandomAccessFile {
  return new WritebackFile(fs, path, file);
}

/** Whether writes to `path` are being counted for writeback (for tests). */
export function countsWritesTo(path: string): boolean {
  return writeback.has(path);
}
