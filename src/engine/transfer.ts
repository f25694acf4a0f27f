/**
 * Streams one response body into the temp file: bytes are gathered into buffers of about
 * 1 MiB, written at their absolute offsets, CRC'd, and counted into their part only once on
 * disk. A body that covers parts already on disk (a server that ignored Range) is walked
 * past them without writing. Every read races the idle watchdog, the speed floor
 * (low_speed.ts) and the request's abort, so a stalled, trickling or cancelled body never
 * holds a transfer up.
 *
 * Where the time goes (bench/RESULTS.md has the numbers): per GiB, reading the body costs
 * the JS thread ~0.3-0.8 s, the CRC ~0.55 s and the page-cache write ~0.2-0.4 s of CPU, so
 * they are overlapped instead of run one after the other:
 * - the body is read with a BYOB reader where the stream allows it (Deno's fetch bodies:
 *   no chunk allocated per read), else chunk by chunk, and copied into the write buffer;
 * - a full buffer goes to the file while the next one fills (`IN_FLIGHT` buffers at most).
 *   A file with `writeHashed` (both adapters have it) writes and hashes it on a worker
 *   thread; any other file is written with `write` and hashed here;
 * - each buffer's CRC is combined onto its part's CRC (`crc64Combine`), strictly in order,
 *   and the part's `done` moves only when the buffer and all before it are written and
 *   hashed. A write that fails stops the commits there.
 *
 * So at most `IN_FLIGHT + 1` buffers (2 MiB; less with many threads: memory_budget.ts) per
 * body are held, and what a kill loses per part is what is not committed yet: on average
 * half a buffer plus the one being written (plus whatever the runtime's fetch and the kernel
 * had buffered: bench/RESULTS.md).
 *
 * @module
 */
import { NetworkError, ProtocolError } from "../errors.ts";
import { crc64, crc64Combine } from "../integrity/crc64.ts";
import type { HashedWrite, RandomAccessFile } from "../fs/types.ts";
import type { Part } from "./plan.ts";
import { MiB } from "./options.ts";
import { type SpeedFloor, SpeedWatch } from "./low_speed.ts";

/** Bytes gathered before one write to the file. */
export const WRITE_SIZE = MiB;

/** Buffers of one body that may be being written and hashed while the next one fills. */
export const IN_FLIGHT = 1;

/**
 * Longest time gathered bytes wait for their buffer to fill before they are written and
 * committed anyway: on a slow link a kill loses about this much of the data, not a whole
 * buffer's worth (at 1 KB/s, a 1 MiB buffer would take 17 minutes).
 */
export const COMMIT_INTERVAL_MS = 1000;

/**
 * The body went on past the end of the range it answers: its bytes are not the ones asked
 * for (e.g. a body the runtime decoded), so what this response wrote must not count.
 */
export class BodyTooLongError extends ProtocolError {}

/** A part being filled, with the position up to which bytes have arrived. */
export interface ActivePart {
  part: Part;
  /** Absolute offset of the next byte this part expects from the network. */
  received: number;
}

/** What a transfer needs from the engine. */
export interface TransferHooks {
  file: RandomAccessFile;
  /** Milliseconds without a byte before the request is abandoned. */
  idleTimeout: number;
  /** The speed floor (`retry.lowSpeedLimit` / `lowSpeedTime`); none when absent. */
  lowSpeed?: SpeedFloor;
  /** Bytes gathered per write (`WRITE_SIZE` when absent; see memory_budget.ts). */
  writeSize?: number;
  /** Called after bytes of `part` reached the file (and `part.done`/`part.crc` moved). */
  written(part: Part, bytes: number): void;
  /** Called with every body byte count read from the network. */
  fetched(bytes: number): void;
  /** Called when this transfer starts and stops filling a part (slow-tail splitting). */
  activate(active: ActivePart | undefined): void;
  /**
   * Object offset one past the last byte the response carries (its range's end): a body
   * read up to there must end there.
   */
  bodyEnd?: number;
  /**
   * The request's signal. Its abort fails the read under way with its reason and cancels
   * the body at once, instead of relying on fetch to error the body: Deno's fetch errors it
   * through a signal it holds only weakly, so after a garbage collection an abort went
   * unnoticed and every in-flight range ran to its end; a `fetch` wrapper's own stream does
   * not react to the abort at all.
   */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------
// Buffers

/**
 * Free write buffers, shared by all transfers. Held weakly: reused while a download runs,
 * given back to the garbage collector once it is over.
 */
const freeBuffers: WeakRef<ArrayBuffer>[] = [];

function takeBuffer(size: number): Uint8Array {
  for (let ref = freeBuffers.pop(); ref; ref = freeBuffers.pop()) {
    const buffer = ref.deref();
    if (buffer && buffer.byteLength === size) return new Uint8Array(buffer);
  }
  return new Uint8Array(size);
}

function giveBuffer(bytes: Uint8Array, size: number): void {
  if (typeof WeakRef === "undefined") return; // optional (old workerd compatibility dates)
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && buffer.byteLength === size && freeBuffers.length < 64) {
    freeBuffers.push(new WeakRef(buffer));
  }
}

// ---------------------------------------------------------------------------------------
// Reading

/** Largest BYOB read: the landing buffer's size. */
const LANDING_SIZE = 256 * 1024;

/**
 * The response body, read into the caller's buffer. A byte stream (Deno's fetch bodies) is
 * read with a BYOB reader into one reused landing buffer, then copied: no chunk allocated
 * per read. (Reading straight into the write buffer would save the copy, but a BYOB read
 * takes the whole buffer with it, so a connection dropped mid-read would lose the bytes
 * gathered before it.) Other streams (Bun's fetch bodies, streams made in JS) are read
 * chunk by chunk. Every read races a stall watchdog: `idleTimeout` ms without a byte
 * aborts the request.
 */
class BodyReader {
  readonly #byob: ReadableStreamBYOBReader | undefined;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #fetched: (bytes: number) => void;
  /** Where a BYOB read lands (handed back by every read, as a new object). */
  #landing: Uint8Array | undefined;
  /** The unread rest of the last chunk. */
  #rest: Uint8Array | undefined;
  readonly #idleTimeout: number;
  readonly #abort: (reason: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #readingSince = 0;
  #reading = false;
  /** Fails the read under way (a fresh promise per read: one that lived for the whole body
   * would hold every read's result through the reactions `Promise.race` leaves on it). */
  #stall: ((e: unknown) => void) | undefined;
  readonly #speed: SpeedWatch | undefined;
  readonly #landingSize: number;

  constructor(
    body: ReadableStream<Uint8Array>,
    idleTimeout: number,
    abort: (reason: unknown) => void,
    fetched: (bytes: number) => void,
    lowSpeed?: SpeedFloor,
    writeSize: number = WRITE_SIZE,
    signal?: AbortSignal,
  ) {
    // A quarter of the write buffer: 256 KiB at 1 MiB, less when the memory budget shrinks it.
    this.#landingSize = Math.min(LANDING_SIZE, writeSize / 4);
    const speed = lowSpeed &&
      new SpeedWatch(lowSpeed, (err) => {
        this.#abort(err);
        this.#stall?.(err);
      });
    this.#speed = speed;
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = body.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream: chunks.
    }
    this.#byob = byob;
    this.#reader = byob ? undefined : body.getReader();
    this.#fetched = fetched;
    this.#idleTimeout = idleTimeout;
    this.#abort = abort;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#aborted, { once: true });
  }

  /** The request was aborted: fail the read under way and cancel the body now. */
  #aborted = () => {
    const reason = this.#signal!.reason;
    this.#stall?.(reason);
    (this.#byob ?? this.#reader)!.cancel(reason).catch(() => {});
  };

  /** One timer per body, re-armed lazily, instead of a timer per read. */
  #watch = () => {
    const ms = this.#idleTimeout;
    const idle = this.#reading ? Date.now() - this.#readingSince : 0;
    if (idle >= ms) {
      const err = new NetworkError(`no data received for ${ms} ms (stalled connection)`);
      this.#timer = undefined;
      this.#abort(err);
      this.#stall?.(err);
      return;
    }
    this.#timer = setTimeout(this.#watch, ms - idle);
  };

  async #guard<T>(read: Promise<T>): Promise<T> {
    const signal = this.#signal;
    if (signal?.aborted) {
      read.catch(() => {});
      throw signal.reason;
    }
    this.#readingSince = Date.now();
    this.#reading = true;
    this.#speed?.started();
    this.#timer ??= setTimeout(this.#watch, this.#idleTimeout);
    const stalled = new Promise<never>((_, reject) => (this.#stall = reject));
    try {
      const result = await Promise.race([read, stalled]);
      // A cancelled body reads as ended: that is the abort, not a short body.
      if (signal?.aborted) throw signal.reason;
      return result;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof NetworkError) throw e;
      throw new NetworkError(`connection lost while reading the body: ${String(e)}`, {
        cause: e,
      });
    } finally {
      this.#reading = false;
      this.#speed?.ended();
      this.#stall = undefined;
    }
  }

  /** The unread rest of the last chunk, or the next chunk of at most `max` bytes (BYOB);
   * `undefined` at the end of the body. */
  async #chunk(max: number): Promise<Uint8Array | undefined> {
    let chunk = this.#rest;
    while (!chunk || chunk.length === 0) {
      if (this.#byob) {
        this.#landing ??= new Uint8Array(this.#landingSize);
        const want = Math.min(max, this.#landingSize);
        const { value, done } = await this.#guard(this.#byob.read(this.#landing.subarray(0, want)));
        this.#landing = value && value.buffer.byteLength === this.#landingSize
          ? new Uint8Array(value.buffer)
          : undefined;
        if (done || !value) return undefined;
        chunk = value;
      } else {
        const { value, done } = await this.#guard(this.#reader!.read());
        if (done) return undefined;
        chunk = value;
      }
      this.#fetched(chunk.length);
      this.#speed?.received(chunk.length);
    }
    return chunk;
  }

  /** Copies up to `into.length` bytes into `into`; resolves how many (0: the body ended). */
  async read(into: Uint8Array): Promise<number> {
    const chunk = await this.#chunk(into.length);
    if (!chunk) return 0;
    const n = Math.min(chunk.length, into.length);
    into.set(n === chunk.length ? chunk : chunk.subarray(0, n));
    this.#rest = n === chunk.length ? undefined : chunk.subarray(n);
    return n;
  }

  /** Passes over up to `max` bytes; resolves how many (0: the body ended). */
  async skip(max: number): Promise<number> {
    const chunk = await this.#chunk(max);
    if (!chunk) return 0;
    const n = Math.min(chunk.length, max);
    this.#rest = n === chunk.length ? undefined : chunk.subarray(n);
    return n;
  }

  /** Stops the watchdog and cancels the body. */
  close(): void {
    this.#signal?.removeEventListener("abort", this.#aborted);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#speed?.close();
    (this.#byob ?? this.#reader)!.cancel().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// Writing

interface Pending {
  part: Part;
  bytes: number;
  /** Settles with the CRC of the buffer once it is written; never rejects. */
  done: Promise<void>;
  crc?: bigint;
  error?: unknown;
  settled: boolean;
}

/**
 * The write side of a transfer: the buffer being filled for one part, the buffers being
 * written and hashed, and the in-order commit of their bytes and CRCs into their parts.
 */
class PartWriter {
  readonly #hooks: TransferHooks;
  /** Bytes per buffer. */
  readonly size: number;
  /** The buffer being filled (whole WRITE_SIZE view), its part and first byte's offset. */
  buffer: Uint8Array | undefined;
  filled = 0;
  #part: Part | undefined;
  #offset = 0;
  readonly #queue: Pending[] = [];
  /** The first write or hash failure; nothing after it is committed. */
  error: unknown;
  #failed = false;
  /** When bytes were last sent to the file (for {@linkcode COMMIT_INTERVAL_MS}). */
  #flushedAt = Date.now();

  /** Whether gathered bytes waited long enough to be written before the buffer is full. */
  due(): boolean {
    return this.filled > 0 && Date.now() - this.#flushedAt >= COMMIT_INTERVAL_MS;
  }

  constructor(hooks: TransferHooks) {
    this.#hooks = hooks;
    this.size = hooks.writeSize ?? WRITE_SIZE;
  }

  /** Bytes of `part` gathered or in flight but not committed yet. */
  pendingFor(part: Part): number {
    let n = this.#part === part ? this.filled : 0;
    for (const p of this.#queue) if (p.part === part && !p.error) n += p.bytes;
    return n;
  }

  /** The free room of the buffer for `part` (starting a buffer when there is none). */
  async room(part: Part, offset: number): Promise<Uint8Array> {
    if (this.#part !== part || this.filled === this.size) await this.flush();
    if (!this.buffer) this.buffer = takeBuffer(this.size);
    if (this.filled === 0) {
      this.#part = part;
      this.#offset = offset;
    }
    return this.buffer.subarray(this.filled);
  }

  /** Counts `n` bytes, read into the buffer's free room, into the buffer. */
  add(n: number): void {
    this.filled += n;
  }

  /** Sends the filled bytes to the file; waits while too many writes are in flight. */
  async flush(): Promise<void> {
    if (this.filled > 0 && this.buffer && this.#part) {
      this.#flushedAt = Date.now();
      const bytes = this.buffer.subarray(0, this.filled);
      const part = this.#part;
      const offset = this.#offset;
      const entry: Pending = { part, bytes: this.filled, done: Promise.resolve(), settled: false };
      this.buffer = undefined;
      this.filled = 0;
      this.#part = undefined;
      entry.done = this.#write(bytes, offset).then(
        ({ crc, bytes: back }) => {
          entry.crc = crc;
          giveBuffer(back, this.size);
        },
        (e) => {
          entry.error = e;
        },
      ).finally(() => {
        entry.settled = true;
        this.#commit();
      });
      this.#queue.push(entry);
    }
    while (this.#queue.length > IN_FLIGHT) await this.#queue[0]!.done;
    if (this.#failed) throw this.error;
  }

  async #write(bytes: Uint8Array, offset: number): Promise<HashedWrite> {
    const file = this.#hooks.file;
    if (file.writeHashed) return await file.writeHashed(bytes, offset);
    await file.write([bytes], offset);
    return { crc: await crc64(bytes), bytes };
  }

  /** Commits settled writes from the head of the queue, in order. */
  #commit(): void {
    while (this.#queue.length > 0 && this.#queue[0]!.settled) {
      const p = this.#queue.shift()!;
      if (this.#failed) continue;
      if (p.error !== undefined) {
        this.#failed = true;
        this.error = p.error;
        continue;
      }
      p.part.crc = crc64Combine(p.part.crc, p.crc!, p.bytes);
      p.part.done += p.bytes;
      try {
        this.#hooks.written(p.part, p.bytes);
      } catch (e) {
        this.#failed = true;
        this.error = e;
      }
    }
  }

  /** Flushes what is gathered and waits for every write; throws the first failure. */
  async finish(): Promise<void> {
    try {
      await this.flush();
    } finally {
      while (this.#queue.length > 0) await this.#queue[0]!.done;
      if (this.buffer) giveBuffer(this.buffer, this.size);
      this.buffer = undefined;
    }
    if (this.#failed) throw this.error;
  }
}

/** Throws {@linkcode BodyTooLongError} unless the body ends at `pos`. */
async function expectEnd(reader: BodyReader, pos: number): Promise<void> {
  if ((await reader.skip(1)) > 0) {
    throw new BodyTooLongError(`the response body goes on past the end of its range at ${pos}`);
  }
}

/**
 * Writes the body of `response`, whose first byte is object offset `bodyStart`, into
 * `parts` (sorted, contiguous, the first containing `bodyStart`). Stops at the end of the
 * last part. Throws `NetworkError` for drops and stalls and `ProtocolError` for a body that
 * ends early; bytes received before the failure are written first.
 */
export async function transferBody(
  response: Response,
  bodyStart: number,
  parts: readonly Part[],
  hooks: TransferHooks,
  abort: (reason: unknown) => void,
): Promise<void> {
  const body = response.body;
  const last = parts[parts.length - 1];
  if (!last) return;
  if (!body) throw new ProtocolError("response has no body");
  const reader = new BodyReader(
    body,
    hooks.idleTimeout,
    abort,
    hooks.fetched,
    hooks.lowSpeed,
    hooks.writeSize,
    hooks.signal,
  );
  const writer = new PartWriter(hooks);
  let index = 0;
  let pos = bodyStart;
  while (index < parts.length && pos >= parts[index]!.end) index++;
  let part = parts[index];
  let active: ActivePart | undefined;
  const setActive = () => {
    active = part && pos >= part.start + part.done + writer.pendingFor(part)
      ? { part, received: pos }
      : undefined;
    hooks.activate(active);
  };
  setActive();
  const ended = () =>
    new ProtocolError(
      `response body ended at byte ${pos}, before the end of the range at ${last.end}`,
    );

  let failed = false;
  try {
    while (part) {
      if (writer.error !== undefined) throw writer.error;
      if (pos >= part.end) {
        // The part ended (or was cut short by a split): move on.
        await writer.flush();
        part = parts[++index];
        setActive();
        continue;
      }
      const have = part.start + part.done + writer.pendingFor(part);
      if (pos < have) {
        // Bytes already on disk (a body that started before them): skip.
        const n = await reader.skip(have - pos);
        if (n === 0) throw ended();
        pos += n;
        if (pos >= have) setActive();
        continue;
      }
      const room = await writer.room(part, pos);
      const n = await reader.read(room.subarray(0, Math.min(room.length, part.end - pos)));
      if (n === 0) throw ended();
      writer.add(n);
      pos += n;
      if (active) active.received = pos;
      if (writer.filled === writer.size || writer.due()) await writer.flush();
    }
    if (pos === hooks.bodyEnd) await expectEnd(reader, pos);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    hooks.activate(undefined);
    reader.close();
    if (failed) {
      // Keep what arrived before the failure; the failure itself is what the caller sees.
      await writer.finish().catch(() => {});
    }
  }
  await writer.finish();
}
