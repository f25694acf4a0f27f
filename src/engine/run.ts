/**
 * One attempt at the whole object, from stat to rename, read as its steps: prepare the temp
 * file and plan (or resume), prove saved bytes consistent, fetch the parts (workers,
 * splitting, retries, checking each response), verify or repair, prove consistent again
 * where nothing else can, rename. The object changing under it ends the run with
 * `ObjectChangedSignal`; `runDownload` then starts a new one.
 *
 * @module
 */
import { IntegrityError, LocalFileError, ProtocolError } from "../errors.ts";
import type { DownloadResult } from "./engine.ts";
import { dirname } from "../fs/path.ts";
import { parseCrc64 } from "../integrity/value.ts";
import type { FileSystem, RandomAccessFile } from "../fs/types.ts";
import { type Checksums, checksumsFromHeaders } from "../integrity/server_checksums.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../sources/source.ts";
import type { CheckpointStore } from "../stores/store.ts";
import { checkpointKey, parseRecord, sameObject, toRecord } from "./checkpoint.ts";
import { emit } from "./events.ts";
import { MiB, type ResolvedOptions } from "./options.ts";
import { choosePartSize, type Part, planParts } from "./plan.ts";
import { withDeadline } from "./deadline.ts";
import { writeSizeFor } from "./memory_budget.ts";
import { checkResponse } from "./response_check.ts";
import { allocationError, checkObjectSize } from "./size_limit.ts";
import { classify, givingUp, retrying } from "./retry.ts";
import { chooseSamples, sampleMatches, type Span } from "./samples.ts";
import { CheckpointSaver } from "./saver.ts";
import { ObjectChangedSignal, RangeIgnoredSignal } from "./signals.ts";
import { fileError, newTempName, ownsTemp, removeTemp } from "./temp_file.ts";
import { type ActivePart, BodyTooLongError, transferBody } from "./transfer.ts";
import {
  combineParts,
  type ExpectedDigest,
  verifyFileDigests,
  verifySavedParts,
} from "./verify.ts";
import type { DigestName } from "../integrity/hashers.ts";

/** An `x-oss-hash-crc64ecma` value when it is a valid CRC-64 (unsigned decimal), else none. */
function parseStatedCrc64(value: string | null): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  try {
    parseCrc64(text);
    return text;
  } catch {
    return undefined;
  }
}

/** A part is split for idle workers only when at least this much of it remains. */
const MIN_SPLIT = 4 * MiB;

/**
 * What a run resolves with: the download's result, with `bytesFetched` of this run only (the
 * entry point adds them up over restarts).
 */
export type RunResult = DownloadResult;

/** The dependencies a run gets from the entry points. */
export interface RunContext {
  fs: FileSystem;
  store: CheckpointStore;
  options: ResolvedOptions;
}

/** One attempt at the whole object. */
export class Run {
  bytesFetched = 0;
  readonly #source: ObjectSource;
  readonly #target: string;
  readonly #fs: FileSystem;
  readonly #store: CheckpointStore;
  readonly #o: ResolvedOptions;
  #info!: ObjectInfo;
  /** Whole-object checksums: the stat's, plus a whole body's `Content-MD5`. */
  #checksums: Checksums = {};
  #parts: Part[] = [];
  #tempFile = "";
  #partSize = 0;
  #key = "";
  #persist = false;
  #saver: CheckpointSaver | undefined;
  #claimed = new Set<Part>();
  /** Parts that needed a retry or came from an earlier run: checked first on a mismatch. */
  #suspects = new Set<Part>();
  #active = new Map<Part, ActivePart>();
  #stop = new AbortController();
  /** What stops every worker at once (abort, object changed, local failure). */
  #failure: unknown;
  /** The first range that failed for good: the other ranges still complete first. */
  #partFailure: unknown;
  #failedParts = new Set<Part>();
  #rangeIgnored = false;
  /** The server ignores Range or answers ranges unusably: no samples can be taken. */
  #rangesUnusable = false;
  #consumed = 0;
  #reported = -1;
  /** The CRC-64 a whole-object (200) response stated, when the stat had none. */
  #bodyCrc64: string | undefined;
  /** Bytes per write buffer: memory_budget.ts. */
  #writeSize: number | undefined;

  constructor(source: ObjectSource, target: string, ctx: RunContext) {
    this.#source = source;
    this.#target = target;
    this.#fs = ctx.fs;
    this.#store = ctx.store;
    this.#o = ctx.options;
  }

  /** Bytes of progress this run holds (what a restart discards). */
  get consumed(): number {
    return this.#consumed;
  }

  get #signal(): AbortSignal {
    return this.#o.signal
      ? AbortSignal.any([this.#o.signal, this.#stop.signal])
      : this.#stop.signal;
  }

  async execute(): Promise<RunResult> {
    const o = this.#o;
    this.#info = await this.#withRetries(() =>
      withDeadline(
        o.retry.idleTimeout,
        this.#signal,
        "the first request",
        (s) => this.#source.stat(s),
      )
    );
    this.#checksums = { ...this.#info.checksums };
    const size = this.#info.size;
    checkObjectSize(size, "the server");
    // An object below the threshold never has a record: no key, no lookup (per-object cost).
    const small = size < o.multigetThreshold;
    if (!small) this.#key = await checkpointKey(o.checkpointId ?? this.#source.id, this.#target);
    const files: RandomAccessFile[] = [];
    try {
      let resumed = await this.#prepare(small, files);
      // More workers than parts is fine: idle workers split the biggest remaining part.
      const splittable = Math.floor(size / MIN_SPLIT);
      const threads = this.#rangeIgnored
        ? 1
        : Math.max(1, Math.min(o.numThreads, Math.max(this.#parts.length, splittable)));
      this.#writeSize = writeSizeFor(threads);
      while (files.length < threads) files.push(await this.#open(this.#tempFile));
      if (resumed && o.verify) await this.#verifySaved(files[0]!);
      this.#consumed = this.#parts.reduce((n, p) => n + p.done, 0);
      if (resumed && this.#needsSamples()) await this.#proveSaved(files[0]!, "resume");
      resumed &&= this.#parts.some((p) => p.done > 0);
      for (const p of this.#parts) if (p.done > 0) this.#suspects.add(p);
      this.#consumed = this.#parts.reduce((n, p) => n + p.done, 0);
      this.#report();
      await this.#runWorkers(files);
      const crc = await this.#repair(files, combineParts(this.#parts));
      const verifiedBy = await this.#verify(files[0]!, crc);
      if (verifiedBy.length === 0 && this.#needsSamples() && !this.#rangesUnusable) {
        // No checksum: prove the bytes are the server's object as it is now (they may come
        // from several responses or runs, or from a file rewritten while it was sent).
        await this.#proveSaved(files[0]!, "rename");
      }
      for (const f of files) {
        await f.sync().catch((e) =>
          Promise.reject(fileError(e, this.#tempFile, "cannot flush the temp file"))
        );
      }
      await Promise.all(files.splice(0).map((f) => f.close()));
      try {
        await this.#fs.rename(this.#tempFile, this.#target);
      } catch (e) {
        throw fileError(e, this.#target, "cannot move the finished file onto the target");
      }
      if (this.#persist) await this.#store.delete(this.#key);
      this.#consumed = size;
      this.#report();
      const result: RunResult = { size, resumed, bytesFetched: this.bytesFetched, verifiedBy };
      if (this.#info.etag !== undefined) result.etag = this.#info.etag;
      if (crc !== undefined) result.crc64 = crc.toString();
      return result;
    } catch (e) {
      await Promise.all(files.map((f) => f.close().catch(() => {})));
      const unusable = e instanceof IntegrityError || e instanceof ObjectChangedSignal ||
        this.#saver?.error !== undefined;
      if (this.#tempFile && (!this.#persist || unusable)) {
        // Nothing to resume from (or a record that cannot be kept): no stray file behind.
        await removeTemp(this.#fs, this.#target, this.#tempFile);
        if (this.#persist) await Promise.resolve(this.#store.delete(this.#key)).catch(() => {});
      }
      throw e;
    }
  }

  async #open(path: string): Promise<RandomAccessFile> {
    try {
      return await this.#fs.open(path, { create: true });
    } catch (e) {
      throw fileError(e, path, "cannot open the temp file");
    }
  }

  // -------------------------------------------------------------------------------------
  // Prepare: resume or plan, and the temp file

  /**
   * Finds or creates the checkpoint and temp file; resolves whether progress was found. A
   * `small` object (below the threshold, never recorded) skips the store and the free-space
   * check, and its new temp file stays open, pushed onto `files`.
   */
  async #prepare(small: boolean, files: RandomAccessFile[]): Promise<boolean> {
    const fs = this.#fs;
    const o = this.#o;
    const info = this.#info;
    const id = o.checkpointId ?? this.#source.id;
    const saved = small ? undefined : await this.#store.get(this.#key);
    const parsed = parseRecord(saved, id, this.#target);
    let resumed = false;
    if (
      parsed && sameObject(parsed.record.object, info) &&
      (await this.#tempUsable(parsed.record.tempFile))
    ) {
      this.#parts = parsed.parts;
      this.#tempFile = parsed.record.tempFile;
      this.#partSize = parsed.record.partSize;
      this.#persist = true;
      resumed = this.#parts.some((p) => p.done > 0);
    } else {
      // A record that cannot be used goes, and its temp file with it.
      const stale = parsed?.record.tempFile ?? (saved as { tempFile?: unknown } | null)?.tempFile;
      await removeTemp(fs, this.#target, stale);
      if (saved !== undefined) await this.#store.delete(this.#key);
      const discarded = parsed?.parts.reduce((n, p) => n + p.done, 0) ?? 0;
      if (discarded > 0) {
        emit(o.onEvent, {
          type: "restart",
          reason: "the object changed since the saved progress (or its temp file is gone)",
          discardedBytes: discarded,
        });
      }
      this.#tempFile = newTempName(this.#target);
      this.#persist = info.size >= o.multigetThreshold;
      this.#partSize = this.#persist
        ? choosePartSize(info.size, o.partSize)
        : Math.max(info.size, 1);
      this.#parts = planParts(info.size, this.#partSize);
      // One plain GET, no Range: for small objects, and for servers that showed at stat
      // time that they ignore Range (a 200 to `bytes=0-0`).
      if (!this.#persist || info.acceptRanges === false) this.#rangeIgnored = true;
      if (info.acceptRanges === false) this.#rangesUnusable = true;
      const free = small
        ? undefined
        : await fs.freeSpace?.(dirname(this.#target)).catch(() => undefined);
      if (free !== undefined && free < info.size) {
        throw new LocalFileError(
          "ENOSPC",
          this.#target,
          `not enough free space: the object needs ${info.size} bytes, ${free} are free`,
        );
      }
      const file = await this.#open(this.#tempFile);
      let keep = false;
      try {
        await file.truncate(info.size);
        keep = !this.#persist;
      } catch (e) {
        // A temp file that could not be sized holds nothing to resume from.
        await file.close().catch(() => {});
        await removeTemp(fs, this.#target, this.#tempFile);
        throw allocationError(
          e,
          this.#tempFile,
          info.size,
          fileError(e, this.#tempFile, "cannot allocate the temp file"),
        );
      } finally {
        if (keep) files.push(file);
        else await file.close().catch(() => {});
      }
    }
    this.#saver = new CheckpointSaver(
      this.#persist ? this.#store : undefined,
      this.#key,
      () =>
        toRecord({
          source: id,
          target: this.#target,
          tempFile: this.#tempFile,
          object: this.#info,
          partSize: this.#partSize,
          parts: this.#parts,
        }),
      (e) => this.#fail(e),
    );
    await this.#saver.flush();
    return resumed;
  }

  async #tempUsable(path: string): Promise<boolean> {
    if (!ownsTemp(this.#target, path)) return false;
    const st = await this.#fs.stat(path);
    return st !== undefined && st.isFile;
  }

  // -------------------------------------------------------------------------------------
  // Prove: saved bytes against their CRCs, and against the server by samples

  /** Re-reads the saved parts; a part whose bytes no longer match its CRC is fetched again. */
  async #verifySaved(file: RandomAccessFile): Promise<void> {
    const st = await this.#fs.stat(this.#tempFile);
    if (st && st.size !== this.#info.size) await file.truncate(this.#info.size);
    const bad = await verifySavedParts(file, this.#parts);
    for (const p of bad) {
      p.done = 0;
      p.crc = 0n;
    }
    if (bad.length) await this.#saver!.flush();
  }

  /** Whether the server states no checksum, so consistency needs sampling. */
  /** The object's CRC-64 as the server stated it (at stat, or on a whole-object response). */
  get #crc64(): string | undefined {
    return this.#info.crc64 ?? this.#bodyCrc64;
  }

  #needsSamples(): boolean {
    return this.#o.verify && this.#crc64 === undefined &&
      Object.keys(this.#checksums).length === 0;
  }

  /**
   * Compares random samples of the bytes on disk with the server's (see `samples.ts`). A
   * mismatch ends the run with `ObjectChangedSignal` (the temp file and record go, the
   * download starts over). A server that ignores Range cannot be sampled: on resume the
   * saved bytes are then dropped (a single stream fetches them again anyway).
   */
  async #proveSaved(file: RandomAccessFile, when: "resume" | "rename"): Promise<void> {
    const covered: Span[] = [];
    for (const p of this.#parts) {
      if (p.done === 0) continue;
      const last = covered.at(-1);
      if (last && last.end === p.start) last.end = p.start + p.done;
      else covered.push({ start: p.start, end: p.start + p.done });
    }
    // All samples at once: one round trip instead of eight.
    const samples = chooseSamples(covered);
    const results = await Promise.all(
      samples.map((sample) =>
        this.#withRetries(() => this.#sample(file, sample)).catch((e) => {
          if (classify(e) === "changed") throw new ObjectChangedSignal(String(e?.message ?? e));
          // Ranges answered unusably (e.g. gzipped on the fly): nothing can be sampled.
          if (e instanceof ProtocolError) return undefined;
          throw e;
        })
      ),
    );
    const differing = samples.find((_, i) => results[i] === false);
    if (differing) {
      throw new ObjectChangedSignal(
        `the bytes on disk at ${differing.start}-${differing.end - 1} differ from the server's (${
          when === "resume" ? "saved progress" : "before the rename"
        }): the object changed without its validators changing`,
      );
    }
    if (results.includes(undefined) && when === "resume") {
      // Not provable this way: drop the saved bytes rather than trust them.
      for (const p of this.#parts) [p.done, p.crc] = [0, 0n];
      await this.#saver!.flush();
    }
  }

  /** One sample, abandoned (and retried) after `retry.idleTimeout` without an answer. */
  #sample(file: RandomAccessFile, sample: Span): Promise<boolean | undefined> {
    return withDeadline(
      this.#o.retry.idleTimeout,
      this.#signal,
      "a sample range",
      (s) => sampleMatches(this.#source, this.#info, file, sample, s),
    );
  }

  // -------------------------------------------------------------------------------------
  // Fetch: workers, scheduling and splitting, retries

  #report(): void {
    if (this.#consumed <= this.#reported) return;
    this.#reported = this.#consumed;
    const total = this.#info.size;
    this.#o.progressCallback?.(this.#consumed, total);
    emit(this.#o.onEvent, { type: "progress", consumedBytes: this.#consumed, totalBytes: total });
  }

  #fail(e: unknown): void {
    if (this.#failure === undefined) this.#failure = e;
    this.#stop.abort(e);
  }

  async #runWorkers(files: RandomAccessFile[]): Promise<void> {
    const userSignal = this.#o.signal;
    const onAbort = () => this.#fail(userSignal!.reason);
    userSignal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (!this.#rangeIgnored) {
        await Promise.all(files.map((f) => this.#worker(f)));
        if (this.#failure instanceof RangeIgnoredSignal) {
          // Stream the whole object once, skipping what is on disk.
          this.#failure = undefined;
          this.#partFailure = undefined;
          this.#failedParts.clear();
          this.#stop = new AbortController();
          this.#rangeIgnored = true;
          this.#rangesUnusable = true;
        }
      }
      if (this.#rangeIgnored && this.#failure === undefined) {
        await this.#fetchRun(this.#parts, files[0]!).catch((e) => this.#fail(e));
      }
      await this.#saver!.flush().catch(() => {});
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#partFailure !== undefined) throw this.#partFailure;
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Whether a range's final failure lets the others finish first: a transient kind of
   * failure whose retries ran out (a persisting 5xx, a dead connection). An abort, the
   * object changing, a local file error or a 403/404 stop everything at once.
   */
  #drains(e: unknown): boolean {
    if (this.#stop.signal.aborted || this.#o.signal?.aborted) return false;
    if (e instanceof ObjectChangedSignal || e instanceof RangeIgnoredSignal) return false;
    if (e instanceof LocalFileError) return false;
    return classify(e) === "retry";
  }

  async #worker(file: RandomAccessFile): Promise<void> {
    while (this.#failure === undefined) {
      const part = this.#take() ?? this.#split();
      if (!part) return;
      try {
        await this.#fetchRun([part], file);
      } catch (e) {
        if (this.#drains(e)) {
          this.#partFailure ??= e;
          this.#failedParts.add(part);
          continue;
        }
        this.#fail(e);
        return;
      } finally {
        this.#claimed.delete(part);
      }
    }
  }

  #take(): Part | undefined {
    const part = this.#parts.find((p) =>
      p.done < p.end - p.start && !this.#claimed.has(p) && !this.#failedParts.has(p)
    );
    if (part) this.#claimed.add(part);
    return part;
  }

  /** Cuts the tail off the claimed part with the most left, for an idle worker. */
  #split(): Part | undefined {
    let best: Part | undefined, from = 0, left = 0;
    for (const p of this.#claimed) {
      const received = this.#active.get(p)?.received ?? p.start + p.done;
      if (p.end - received > left) [best, from, left] = [p, received, p.end - received];
    }
    if (!best || left < 2 * MIN_SPLIT) return undefined;
    const mid = from + Math.floor(left / 2);
    const tail: Part = { start: mid, end: best.end, done: 0, crc: 0n };
    best.end = mid;
    this.#parts.splice(this.#parts.indexOf(best) + 1, 0, tail);
    this.#claimed.add(tail);
    return tail;
  }

  /**
   * Fetches `parts` (contiguous) until all of them are on disk, retrying failures. Once
   * another range failed for good, a failure here is not retried (the call is ending; this
   * only finishes what can be finished). Ranges that keep getting answers that do not
   * match them (`ProtocolError`) fall back to a single stream of the whole object.
   */
  #fetchRun(parts: Part[], file: RandomAccessFile): Promise<void> {
    const left = () => parts.find((p) => p.done < p.end - p.start);
    return retrying(async () => {
      while (left()) {
        this.#signal.throwIfAborted();
        try {
          await this.#fetchOnce(parts, file);
        } catch (e) {
          if (classify(e) === "changed") {
            throw new ObjectChangedSignal(String((e as Error).message));
          }
          throw e;
        }
      }
    }, {
      retry: this.#o.retry,
      signal: this.#signal,
      onEvent: this.#o.onEvent,
      progress: () => parts.reduce((n, p) => n + p.done, 0),
      limit: () => this.#partFailure === undefined ? this.#o.retry.limit : 1,
      range: () => {
        const first = left() ?? parts[0]!;
        return { start: first.start + first.done, end: parts[parts.length - 1]!.end - 1 };
      },
      stopped: (e) => {
        if (this.#stop.signal.aborted) throw this.#failure ?? e;
      },
      retryable: () => {
        for (const p of parts) this.#suspects.add(p);
      },
      exhausted: (e, attempts) =>
        e instanceof ProtocolError && !this.#rangeIgnored
          ? new RangeIgnoredSignal(`ranged answers keep failing: ${e.message}`)
          : givingUp(e, attempts),
    });
  }

  // -------------------------------------------------------------------------------------
  // Fetch + check one response, record its bytes

  /** One request covering `parts` from the first missing byte. */
  async #fetchOnce(parts: Part[], file: RandomAccessFile): Promise<void> {
    const first = parts.find((p) => p.done < p.end - p.start)!;
    const lastPart = parts[parts.length - 1]!;
    const from = first.start + first.done;
    const to = lastPart.end - 1;
    const whole = this.#rangeIgnored;
    const request = new AbortController();
    const signal = AbortSignal.any([request.signal, this.#signal]);
    const req: ReadRequest = {};
    if (!whole) req.range = { start: from, end: to };
    this.#conditions(req);
    const response = await withDeadline(
      this.#o.retry.idleTimeout,
      signal,
      "GET",
      (s) => this.#source.read({ ...req, signal: s }),
    );
    let bodyStart: number;
    try {
      bodyStart = checkResponse(response, { from, to, whole, info: this.#info });
    } catch (e) {
      await response.body?.cancel().catch(() => {});
      throw e;
    }
    if (response.status === 200) this.#noteWholeBody(response);
    // What the parts held before this response: restored if its body proves wrong.
    const before = parts.map((p) => [p.done, p.crc] as const);
    await transferBody(response, bodyStart, parts, {
      file,
      signal,
      bodyEnd: whole ? this.#info.size : to + 1,
      idleTimeout: this.#o.retry.idleTimeout,
      lowSpeed: { limit: this.#o.retry.lowSpeedLimit, time: this.#o.retry.lowSpeedTime },
      writeSize: this.#writeSize,
      written: (_part, bytes) => {
        this.#consumed += bytes;
        this.#report();
        this.#saver!.request();
      },
      fetched: (bytes) => {
        this.bytesFetched += bytes;
      },
      activate: (active) => {
        if (active) this.#active.set(active.part, active);
        else for (const p of parts) this.#active.delete(p);
      },
    }, (reason) => request.abort(reason)).catch((e) => {
      if (e instanceof BodyTooLongError) {
        parts.forEach((p, i) => {
          this.#consumed -= p.done - before[i]![0];
          [p.done, p.crc] = before[i]!;
        });
        this.#saver!.request();
        throw e;
      }
      throw fileError(e, this.#tempFile, "cannot write the temp file");
    });
  }

  /** `If-Match` with a strong ETag, else `If-Unmodified-Since` with Last-Modified. */
  #conditions(req: ReadRequest): void {
    const { etag, lastModified } = this.#info;
    if (etag) req.ifMatch = etag;
    if ((!etag || etag.startsWith("W/")) && lastModified) req.ifUnmodifiedSince = lastModified;
  }

  /** A 200's body is the whole object: its `Content-MD5` (and other digests) count. */
  #noteWholeBody(response: Response): void {
    // An object whose size and ETag came from elsewhere (a listing) states its CRC-64 here.
    this.#bodyCrc64 ??= parseStatedCrc64(response.headers.get("x-oss-hash-crc64ecma"));
    const found = checksumsFromHeaders(response.headers, true);
    for (const [name, hex] of Object.entries(found) as [DigestName, string][]) {
      this.#checksums[name] ??= hex;
    }
  }

  // -------------------------------------------------------------------------------------
  // Verify and repair

  /**
   * When the combined CRC differs from the server's, finds the bad parts and fetches them
   * again: first parts whose bytes on disk no longer match their recorded CRC, then (the
   * disk being fine, so the network delivered wrong bytes) parts refetched one batch at a
   * time, suspects first, until the CRC matches. Gives up, leaving the mismatch to
   * `#verify`, when a full pass changes nothing: the server then consistently sends bytes
   * that do not match its own CRC.
   */
  async #repair(files: RandomAccessFile[], crc: bigint): Promise<bigint> {
    const expected = this.#crc64;
    if (!this.#o.verify || expected === undefined) return crc;
    const want = BigInt(expected);
    const refetch = async (parts: Part[]) => {
      for (const p of parts) [p.done, p.crc] = [0, 0n];
      await this.#saver!.flush();
      await this.#runWorkers(files);
      return combineParts(this.#parts);
    };
    for (let round = 0; round < 2 && crc !== want; round++) {
      const damaged = await verifySavedParts(files[0]!, this.#parts);
      if (damaged.length) {
        crc = await refetch(damaged);
        continue;
      }
      const order = [
        ...this.#parts.filter((p) => this.#suspects.has(p)),
        ...this.#parts.filter((p) => !this.#suspects.has(p)),
      ];
      let changed = false;
      for (let i = 0; i < order.length && crc !== want; i += files.length) {
        const batch = order.slice(i, i + files.length);
        const before = batch.map((p) => p.crc);
        crc = await refetch(batch);
        if (batch.some((p, j) => p.crc !== before[j])) changed = true;
      }
      if (!changed) break;
    }
    return crc;
  }

  /**
   * Checks the finished temp file; resolves the names of what it was checked against. The
   * CRC-64 comes free from the parts; the other checksums cost one read of the file, done
   * only when no CRC-64 was compared (it already proves the bytes) or the caller asked.
   */
  async #verify(file: RandomAccessFile, crc: bigint | undefined): Promise<string[]> {
    const o = this.#o;
    const size = this.#info.size;
    const st = await this.#fs.stat(this.#tempFile);
    if (!st || st.size !== size) {
      throw new IntegrityError(
        "size",
        String(size),
        String(st?.size ?? 0),
        `temp file has the wrong size`,
      );
    }
    const verifiedBy: string[] = [];
    const expected = this.#crc64;
    if (o.verify && expected !== undefined && crc !== undefined) {
      if (BigInt(expected) !== crc) throw new IntegrityError("crc64", expected, crc.toString());
      verifiedBy.push("crc64");
    }
    if (o.digests.crc64 !== undefined) {
      if (BigInt(o.digests.crc64) !== crc) {
        throw new IntegrityError("crc64", o.digests.crc64, String(crc));
      }
      if (!verifiedBy.includes("crc64")) verifiedBy.push("crc64");
    }
    const digests: ExpectedDigest[] = [];
    if (o.verify && verifiedBy.length === 0) {
      for (const [name, hex] of Object.entries(this.#checksums) as [DigestName, string][]) {
        digests.push({ name, hex, from: "server" });
      }
    }
    for (const name of ["sha256", "md5"] as const) {
      const hex = o.digests[name];
      if (hex !== undefined) digests.push({ name, hex, from: "caller" });
    }
    for (const name of await verifyFileDigests(file, size, digests)) {
      if (!verifiedBy.includes(name)) verifiedBy.push(name);
    }
    return verifiedBy;
  }

  // -------------------------------------------------------------------------------------
  // Retries of requests outside the parts (stat, samples)

  #withRetries<T>(fn: () => Promise<T>): Promise<T> {
    return retrying(fn, { retry: this.#o.retry, signal: this.#o.signal, onEvent: this.#o.onEvent });
  }
}
