/**
 * Streams one response body into the temp file: bytes are coalesced into writes of about
 * 1 MiB, written at their absolute offsets, CRC'd as they are written, and counted into
 * their part only once on disk. A body that covers parts already on disk (a server that
 * ignored Range) is walked past them without writing.
 *
 * @module
 */
import { NetworkError, ProtocolError } from "../errors.ts";
import { createCrc64 } from "../integrity/crc64.ts";
import type { RandomAccessFile } from "../fs/types.ts";
import type { Part } from "./plan.ts";
import { MiB } from "./options.ts";

/** Bytes gathered before one write to the file. */
export const WRITE_SIZE = MiB;

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
  /** Called after bytes of `part` reached the file (and `part.done`/`part.crc` moved). */
  written(part: Part, bytes: number): void;
  /** Called with every body byte count read from the network. */
  fetched(bytes: number): void;
  /** Called when this transfer starts and stops filling a part (slow-tail splitting). */
  activate(active: ActivePart | undefined): void;
}

/** Reads `reader` until the next chunk, or fails after `ms` without one. */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
  abort: (reason: unknown) => void,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new NetworkError(`no data received for ${ms} ms (stalled connection)`);
      abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } finally {
    clearTimeout(timer);
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
  const reader = body.getReader();
  let index = 0;
  let pos = bodyStart;
  while (index < parts.length && pos >= parts[index]!.end) index++;
  let part = parts[index];
  let active: ActivePart | undefined;
  let hasher = part ? await createCrc64(part.crc) : undefined;
  let chunks: Uint8Array[] = [];
  let buffered = 0;

  const flush = async () => {
    if (buffered === 0 || !part || !hasher) return;
    const offset = part.start + part.done;
    const out = chunks, n = buffered;
    chunks = [];
    buffered = 0;
    await hooks.file.write(out, offset);
    for (const c of out) hasher.update(c);
    part.done += n;
    part.crc = hasher.digest();
    hooks.written(part, n);
  };
  const nextPart = async () => {
    await flush();
    index++;
    part = parts[index];
    hasher = part ? await createCrc64(part.crc) : undefined;
  };
  const setActive = () => {
    active = part && pos >= part.start + part.done ? { part, received: pos } : undefined;
    hooks.activate(active);
  };
  setActive();

  try {
    while (part) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await readWithin(reader, hooks.idleTimeout, abort);
      } catch (e) {
        if (e instanceof NetworkError) throw e;
        throw new NetworkError(`connection lost while reading the body: ${String(e)}`, {
          cause: e,
        });
      }
      if (result.done) {
        throw new ProtocolError(
          `response body ended at byte ${pos}, before the end of the range at ${last.end}`,
        );
      }
      let chunk = result.value;
      hooks.fetched(chunk.length);
      while (chunk.length > 0 && part) {
        if (pos >= part.end) {
          // The part ended (or was cut short by a split): move on.
          await nextPart();
          setActive();
          continue;
        }
        const have = part.start + part.done + buffered;
        if (pos < have) {
          // Bytes already on disk (a body that started before them): skip.
          const skip = Math.min(have - pos, chunk.length);
          chunk = chunk.subarray(skip);
          pos += skip;
          if (pos >= have) setActive();
          continue;
        }
        const take = Math.min(chunk.length, part.end - pos, WRITE_SIZE - buffered);
        chunks.push(chunk.subarray(0, take));
        buffered += take;
        pos += take;
        if (active) active.received = pos;
        chunk = chunk.subarray(take);
        if (buffered >= WRITE_SIZE) await flush();
      }
      if (part && pos >= part.end) {
        await nextPart();
        setActive();
      }
    }
  } finally {
    hooks.activate(undefined);
    try {
      await flush();
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}
