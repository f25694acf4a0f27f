/**
 * Proof of consistency where the server offers no checksum: a few small ranges, spread
 * over the bytes on disk and chosen at random per run, are fetched again (conditional on
 * the validators) and compared with the disk.
 *
 * The bytes on disk are cut into {@linkcode SAMPLE_COUNT} strata of equal size and one
 * {@linkcode SAMPLE_SIZE}-byte block is drawn uniformly from each. So a change covering a
 * whole stratum (1/8 of the bytes: e.g. a different file of the same size, or bytes
 * fetched before a change mid-run) is always caught, and a change of `k_i` of the `n_i`
 * blocks of stratum `i` escapes with probability `Π (1 - k_i / n_i)`: for `k` changed
 * blocks spread evenly over `N` blocks, `(1 - k/N)^8` (one changed block in 25,600, i.e.
 * 4 KiB of 100 MiB: caught with probability 8/25,600 = 0.03%). Sampling proves that the
 * file is the server's object, not that no single byte differs: only a checksum does that.
 * Where the bytes on disk are at most 8 blocks, all of them are compared.
 *
 * @module
 */
import type { RandomAccessFile } from "../fs/types.ts";
import { ProtocolError } from "../errors.ts";
import type { ObjectSource } from "../sources/source.ts";
import type { ObjectInfo } from "../sources/source.ts";
import { checkResponse } from "./response_check.ts";
import { readRange } from "./verify.ts";

/** Samples per check. */
export const SAMPLE_COUNT = 8;
/** Bytes per sample. */
export const SAMPLE_SIZE = 4096;

/** A half-open byte range `[start, end)`. */
export interface Span {
  start: number;
  end: number;
}

/**
 * The sample ranges over `covered` (sorted, disjoint spans of bytes on disk): one random
 * block per stratum, or every byte when there are at most `SAMPLE_COUNT` blocks.
 */
export function chooseSamples(
  covered: readonly Span[],
  random: () => number = Math.random,
): Span[] {
  const total = covered.reduce((n, s) => n + s.end - s.start, 0);
  if (total === 0) return [];
  const out: Span[] = [];
  if (total <= SAMPLE_COUNT * SAMPLE_SIZE) {
    for (const s of covered) {
      for (let p = s.start; p < s.end; p += SAMPLE_SIZE) {
        out.push({ start: p, end: Math.min(p + SAMPLE_SIZE, s.end) });
      }
    }
    return out;
  }
  for (let i = 0; i < SAMPLE_COUNT; i++) {
    const lo = Math.floor((total * i) / SAMPLE_COUNT);
    const hi = Math.floor((total * (i + 1)) / SAMPLE_COUNT);
    let at = lo + Math.floor(random() * (hi - lo));
    // Map the offset among covered bytes to a file offset, keeping the block in its span.
    for (const s of covered) {
      const len = s.end - s.start;
      if (at < len) {
        const start = Math.max(s.start, Math.min(s.start + at, s.end - SAMPLE_SIZE));
        out.push({ start, end: Math.min(start + SAMPLE_SIZE, s.end) });
        break;
      }
      at -= len;
    }
  }
  return out;
}

/** Reads a whole (small) body, refusing more than `max` bytes. */
async function smallBody(response: Response, max: number): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let n = 0;
  const reader = response.body?.getReader();
  if (!reader) return out.subarray(0, 0);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (n + value.length > max) throw new ProtocolError("a sample's body is longer than asked");
      out.set(value, n);
      n += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out.subarray(0, n);
}

/**
 * Whether `sample` on the server (now) equals it on disk. Asks with `If-Match` (a strong
 * ETag) or `If-Unmodified-Since` (no ETag); a 412 rejects with the source's error (the
 * object changed), a 200 (Range ignored) resolves `undefined`: not checkable this way.
 */
export async function sampleMatches(
  source: ObjectSource,
  info: ObjectInfo,
  file: RandomAccessFile,
  sample: Span,
  signal: AbortSignal,
): Promise<boolean | undefined> {
  const req: Parameters<ObjectSource["read"]>[0] = {
    range: { start: sample.start, end: sample.end - 1 },
    signal,
  };
  if (info.etag && !info.etag.startsWith("W/")) req.ifMatch = info.etag;
  else if (info.lastModified) req.ifUnmodifiedSince = info.lastModified;
  const response = await source.read(req);
  if (response.status !== 206) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  checkResponse(response, { from: sample.start, to: sample.end - 1, whole: false, info });
  const remote = await smallBody(response, sample.end - sample.start);
  if (remote.length !== sample.end - sample.start) {
    throw new ProtocolError(`a sample's body ended after ${remote.length} bytes`);
  }
  const local = new Uint8Array(remote.length);
  let n = 0;
  await readRange(file, sample.start, sample.end, (c) => {
    local.set(c, n);
    n += c.length;
  });
  if (n !== remote.length) return false;
  for (let i = 0; i < n; i++) if (local[i] !== remote[i]) return false;
  return true;
}
