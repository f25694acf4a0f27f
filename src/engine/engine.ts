/**
 * The download engine: plans the parts, runs them `numThreads` at a time with retries,
 * keeps the checkpoint, verifies, and renames the temp file onto the target.
 * Web APIs only: files go through the {@linkcode FileSystem} adapter it is given.
 *
 * @module
 */
import {
  DownloadError,
  IntegrityError,
  LocalFileError,
  NetworkError,
  ObjectChangedError,
  ProtocolError,
} from "../errors.ts";
import { absolutePath, dirname } from "../fs/path.ts";
import type { FileSystem, RandomAccessFile } from "../fs/types.ts";
import type { TargetLock } from "../lock/types.ts";
import type { ObjectInfo, ObjectSource } from "../sources/source.ts";
import type { CheckpointStore } from "../stores/store.ts";
import { parseContentRange } from "../sources/http.ts";
import { checkpointKey, parseRecord, sameObject, toRecord } from "./checkpoint.ts";
import { MiB, type ResolvedOptions } from "./options.ts";
import { choosePartSize, type Part, planParts } from "./plan.ts";
import { backoffDelay, classify, sleep } from "./retry.ts";
import { CheckpointSaver } from "./saver.ts";
import { type ActivePart, transferBody } from "./transfer.ts";
import { combineParts, verifyDigests, verifySavedParts } from "./verify.ts";

/** What a finished download reports. */
export interface DownloadResult {
  /** Size of the file in bytes. */
  size: number;
  /** ETag of the object, as the server sent it. */
  etag?: string;
  /** CRC-64/XZ of the file as an unsigned decimal string (as OSS sends it). */
  crc64?: string;
  /** Whether this call continued a previous run's progress. */
  resumed: boolean;
  /** Body bytes this call read from the network. */
  bytesFetched: number;
}

/** How often the object may change under a download before it gives up. */
const MAX_RESTARTS = 3;
/** A part is split for idle workers only when at least this much of it remains. */
const MIN_SPLIT = 4 * MiB;

/** Thrown inside a run when the object changed; the run starts over. */
class ObjectChangedSignal extends Error {}
/** Thrown inside a run when the server ignored Range; the run goes on as one stream. */
class RangeIgnoredSignal extends Error {}

function fileError(e: unknown, path: string, what: string): unknown {
  if (e instanceof DownloadError) return e;
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? new LocalFileError(code, path, what, { cause: e }) : e;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The dependencies a run gets from the entry points. */
export interface EngineContext {
  fs: FileSystem;
  store: CheckpointStore;
  lock: TargetLock;
  options: ResolvedOptions;
}

/**
 * Downloads `source` to `filename`. See {@linkcode DownloadOptions} for the options and
 * DESIGN.md for the contract (resume, consistency, integrity, atomicity).
 */
export async function runDownload(
  source: ObjectSource,
  filename: string,
  ctx: EngineContext,
): Promise<DownloadResult> {
  if (typeof filename !== "string" || filename === "") {
    throw new TypeError(`'filename' must be a non-empty path: got ${JSON.stringify(filename)}`);
  }
  const { fs, options } = ctx;
  options.signal?.throwIfAborted();
  const target = absolutePath(fs, filename);
  const existing = await fs.stat(target);
  if (existing?.isDirectory) {
    throw new LocalFileError("EISDIR", target, "the target is a directory");
  }
  const dir = dirname(target);
  const dirInfo = await fs.stat(dir);
  if (dirInfo && !dirInfo.isDirectory) {
    throw new LocalFileError("ENOTDIR", dir, "the target's parent is not a directory");
  }
  if (!dirInfo) {
    try {
      await fs.mkdir(dir);
    } catch (e) {
      throw fileError(e, dir, "cannot create the target's directory");
    }
  }
  const release = await ctx.lock.acquire(target);
  try {
    let bytesFetched = 0;
    for (let restart = 0;; restart++) {
      const run = new Run(source, target, ctx);
      try {
        const result = await run.execute();
        return { ...result, bytesFetched: bytesFetched + result.bytesFetched };
      } catch (e) {
        bytesFetched += run.bytesFetched;
        if (!(e instanceof ObjectChangedSignal)) throw e;
        if (restart >= MAX_RESTARTS) {
          throw new ObjectChangedError(
            `the object changed ${restart + 1} times during the download: ${e.message}`,
          );
        }
      }
    }
  } finally {
    await release().catch(() => {});
  }
}

/** One attempt at the whole object, from stat to rename. */
class Run {
  bytesFetched = 0;
  readonly #source: ObjectSource;
  readonly #target: string;
  readonly #fs: FileSystem;
  readonly #store: CheckpointStore;
  readonly #o: ResolvedOptions;
  #info!: ObjectInfo;
  #parts: Part[] = [];
  #tempFile = "";
  #partSize = 0;
  #key = "";
  #persist = false;
  #saver!: CheckpointSaver;
  #claimed = new Set<Part>();
  /** Parts that needed a retry or came from an earlier run: checked first on a mismatch. */
  #suspects = new Set<Part>();
  #active = new Map<Part, ActivePart>();
  #stop = new AbortController();
  #failure: unknown;
  #rangeIgnored = false;
  #consumed = 0;
  #reported = -1;

  constructor(source: ObjectSource, target: string, ctx: EngineContext) {
    this.#source = source;
    this.#target = target;
    this.#fs = ctx.fs;
    this.#store = ctx.store;
    this.#o = ctx.options;
  }

  get #signal(): AbortSignal {
    return this.#o.signal
      ? AbortSignal.any([this.#o.signal, this.#stop.signal])
      : this.#stop.signal;
  }

  async execute(): Promise<Omit<DownloadResult, "bytesFetched"> & { bytesFetched: number }> {
    const o = this.#o;
    this.#info = await this.#withRetries(() => this.#source.stat(this.#signal));
    const size = this.#info.size;
    this.#key = await checkpointKey(this.#source.id, this.#target);
    const resumed = await this.#prepare();
    const files: RandomAccessFile[] = [];
    try {
      // More workers than parts is fine: idle workers split the biggest remaining part.
      const splittable = Math.floor(this.#info.size / MIN_SPLIT);
      const threads = this.#rangeIgnored
        ? 1
        : Math.max(1, Math.min(o.numThreads, Math.max(this.#parts.length, splittable)));
      for (let i = 0; i < threads; i++) {
        files.push(await this.#open(this.#tempFile));
      }
      if (resumed && o.verify) await this.#verifySaved(files[0]!);
      for (const p of this.#parts) if (p.done > 0) this.#suspects.add(p);
      this.#consumed = this.#parts.reduce((n, p) => n + p.done, 0);
      this.#report();
      await this.#runWorkers(files);
      const crc = await this.#repair(files, combineParts(this.#parts));
      await this.#verify(files[0]!, crc);
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
      const result: Omit<DownloadResult, "bytesFetched"> & { bytesFetched: number } = {
        size,
        resumed,
        bytesFetched: this.bytesFetched,
      };
      if (this.#info.etag !== undefined) result.etag = this.#info.etag;
      if (crc !== undefined) result.crc64 = crc.toString();
      return result;
    } catch (e) {
      await Promise.all(files.map((f) => f.close().catch(() => {})));
      if (!this.#persist || e instanceof IntegrityError) {
        // Nothing to resume from: leave no stray file behind.
        await this.#fs.remove(this.#tempFile).catch(() => {});
        if (this.#persist) await this.#store.delete(this.#key);
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

  /** Finds or creates the checkpoint and temp file; resolves whether progress was found. */
  async #prepare(): Promise<boolean> {
    const fs = this.#fs;
    const o = this.#o;
    const info = this.#info;
    const saved = await this.#store.get(this.#key);
    const parsed = parseRecord(saved, this.#source.id, this.#target);
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
      if (parsed) await this.#removeTemp(parsed.record.tempFile);
      if (saved !== undefined) await this.#store.delete(this.#key);
      this.#tempFile = `${this.#target}.tmp-${randomSuffix()}`;
      this.#persist = info.size >= o.multigetThreshold;
      this.#partSize = this.#persist
        ? choosePartSize(info.size, o.partSize)
        : Math.max(info.size, 1);
      this.#parts = planParts(info.size, this.#partSize);
      // One plain GET, no Range: for small objects, and for servers that showed at stat
      // time that they ignore Range (a 200 to `bytes=0-0`).
      if (!this.#persist || info.acceptRanges === false) this.#rangeIgnored = true;
      const free = await fs.freeSpace?.(dirname(this.#target)).catch(() => undefined);
      if (free !== undefined && free < info.size) {
        throw new LocalFileError(
          "ENOSPC",
          this.#target,
          `not enough free space: the object needs ${info.size} bytes, ${free} are free`,
        );
      }
      const file = await this.#open(this.#tempFile);
      try {
        await file.truncate(info.size);
      } catch (e) {
        await file.close().catch(() => {});
        await fs.remove(this.#tempFile).catch(() => {});
        throw fileError(e, this.#tempFile, "cannot allocate the temp file");
      } finally {
        await file.close().catch(() => {});
      }
    }
    this.#saver = new CheckpointSaver(
      this.#persist ? this.#store : undefined,
      this.#key,
      () =>
        toRecord({
          source: this.#source.id,
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
    if (!this.#ownsTemp(path)) return false;
    const st = await this.#fs.stat(path);
    return st !== undefined && st.isFile;
  }

  /** Only files named like our temp files next to this target are ever deleted. */
  #ownsTemp(path: string): boolean {
    return path.startsWith(`${this.#target}.tmp-`) &&
      !path.slice(this.#target.length).includes("/");
  }

  async #removeTemp(path: string): Promise<void> {
    if (this.#ownsTemp(path)) await this.#fs.remove(path).catch(() => {});
  }

  /** Re-reads the saved parts; a part whose bytes no longer match its CRC is fetched again. */
  async #verifySaved(file: RandomAccessFile): Promise<void> {
    const st = await this.#fs.stat(this.#tempFile);
    if (st && st.size !== this.#info.size) await file.truncate(this.#info.size);
    const bad = await verifySavedParts(file, this.#parts);
    for (const p of bad) {
      p.done = 0;
      p.crc = 0n;
    }
    if (bad.length) await this.#saver.flush();
  }

  #report(): void {
    if (this.#consumed <= this.#reported) return;
    this.#reported = this.#consumed;
    this.#o.progressCallback?.(this.#consumed, this.#info.size);
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
          this.#stop = new AbortController();
          this.#rangeIgnored = true;
        }
      }
      if (this.#rangeIgnored && this.#failure === undefined) {
        await this.#fetchRun(this.#parts, files[0]!).catch((e) => this.#fail(e));
      }
      await this.#saver.flush().catch(() => {});
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
    }
  }

  async #worker(file: RandomAccessFile): Promise<void> {
    while (this.#failure === undefined) {
      const part = this.#take() ?? this.#split();
      if (!part) return;
      try {
        await this.#fetchRun([part], file);
      } catch (e) {
        this.#fail(e);
        return;
      } finally {
        this.#claimed.delete(part);
      }
    }
  }

  #take(): Part | undefined {
    const part = this.#parts.find((p) => p.done < p.end - p.start && !this.#claimed.has(p));
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

  /** Fetches `parts` (contiguous) until all of them are on disk, retrying failures. */
  async #fetchRun(parts: Part[], file: RandomAccessFile): Promise<void> {
    const left = () => parts.some((p) => p.done < p.end - p.start);
    let attempts = 0;
    let failingSince = Date.now();
    while (left()) {
      const signal = this.#signal;
      signal.throwIfAborted();
      const before = parts.reduce((n, p) => n + p.done, 0);
      try {
        await this.#fetchOnce(parts, file);
      } catch (e) {
        if (this.#stop.signal.aborted) throw this.#failure ?? e;
        const verdict = e instanceof RangeIgnoredSignal ? "fatal" : classify(e);
        if (verdict === "changed") throw new ObjectChangedSignal(String((e as Error).message));
        if (verdict === "fatal") throw e;
        for (const p of parts) this.#suspects.add(p);
        if (parts.reduce((n, p) => n + p.done, 0) > before) {
          attempts = 0;
          failingSince = Date.now();
        }
        attempts++;
        const r = this.#o.retry;
        if (attempts >= r.limit || Date.now() - failingSince > r.maxElapsed) {
          throw e instanceof DownloadError ? e : new NetworkError(
            `giving up after ${attempts} attempts: ${(e as Error)?.message ?? e}`,
            { cause: e },
          );
        }
        const retryAfter = (e as { retryAfterMs?: number }).retryAfterMs;
        await sleep(backoffDelay(attempts, r, retryAfter), this.#signal);
      }
    }
  }

  /** One request covering `parts` from the first missing byte. */
  async #fetchOnce(parts: Part[], file: RandomAccessFile): Promise<void> {
    const first = parts.find((p) => p.done < p.end - p.start)!;
    const lastPart = parts[parts.length - 1]!;
    const from = first.start + first.done;
    const to = lastPart.end - 1;
    const size = this.#info.size;
    const whole = this.#rangeIgnored;
    const request = new AbortController();
    const signal = AbortSignal.any([request.signal, this.#signal]);
    const timer = setTimeout(
      () => request.abort(new NetworkError(`no response within ${this.#o.retry.idleTimeout} ms`)),
      this.#o.retry.idleTimeout,
    );
    let response: Response;
    try {
      const req: Parameters<ObjectSource["read"]>[0] = { signal };
      if (!whole) req.range = { start: from, end: to };
      if (this.#info.etag) req.ifMatch = this.#info.etag;
      response = await this.#source.read(req);
    } catch (e) {
      if (request.signal.aborted && !this.#signal.aborted) throw request.signal.reason;
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const drop = async (error: Error) => {
      await response.body?.cancel().catch(() => {});
      throw error;
    };
    const etag = response.headers.get("etag");
    if (this.#info.etag && etag && etag !== this.#info.etag) {
      return drop(new ObjectChangedSignal(`ETag is now ${etag}, was ${this.#info.etag}`));
    }
    let bodyStart: number;
    if (response.status === 206) {
      if (whole) return drop(new ProtocolError("206 to a request without Range"));
      const cr = parseContentRange(response.headers.get("content-range"));
      if (!cr || cr.start !== from || cr.end !== to || cr.size !== size) {
        if (cr && cr.size !== size) {
          return drop(new ObjectChangedSignal(`size is now ${cr.size}, was ${size}`));
        }
        return drop(
          new ProtocolError(
            `asked for bytes ${from}-${to}/${size}, got Content-Range ${
              JSON.stringify(response.headers.get("content-range"))
            }`,
          ),
        );
      }
      bodyStart = from;
    } else {
      // 200: the whole object from byte 0.
      const length = response.headers.get("content-length");
      if (length !== null && Number(length) !== size) {
        return drop(new ObjectChangedSignal(`size is now ${length}, was ${size}`));
      }
      if (!whole && from !== 0) return drop(new RangeIgnoredSignal());
      if (!whole && to !== size - 1) {
        // A 200 for the first part: usable only by walking the whole object.
        return drop(new RangeIgnoredSignal());
      }
      bodyStart = 0;
    }
    await transferBody(response, bodyStart, parts, {
      file,
      idleTimeout: this.#o.retry.idleTimeout,
      written: (_part, bytes) => {
        this.#consumed += bytes;
        this.#report();
        this.#saver.request();
      },
      fetched: (bytes) => {
        this.bytesFetched += bytes;
      },
      activate: (active) => {
        if (active) this.#active.set(active.part, active);
        else for (const p of parts) this.#active.delete(p);
      },
    }, (reason) => request.abort(reason)).catch((e) => {
      throw fileError(e, this.#tempFile, "cannot write the temp file");
    });
  }

  /**
   * When the combined CRC differs from the server's, finds the bad parts and fetches them
   * again: first parts whose bytes on disk no longer match their recorded CRC, then (the
   * disk being fine, so the network delivered wrong bytes) parts refetched one batch at a
   * time, suspects first, until the CRC matches. Gives up, leaving the mismatch to
   * `#verify`, when a full pass changes nothing: the server then consistently sends bytes
   * that do not match its own CRC.
   */
  async #repair(files: RandomAccessFile[], crc: bigint): Promise<bigint> {
    const expected = this.#info.crc64;
    if (!this.#o.verify || expected === undefined) return crc;
    const want = BigInt(expected);
    const refetch = async (parts: Part[]) => {
      for (const p of parts) [p.done, p.crc] = [0, 0n];
      await this.#saver.flush();
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

  async #verify(file: RandomAccessFile, crc: bigint | undefined): Promise<void> {
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
    if (!o.verify && Object.keys(o.digests).length === 0) return;
    const expected = this.#info.crc64;
    if (o.verify && expected !== undefined && crc !== undefined && BigInt(expected) !== crc) {
      throw new IntegrityError("crc64", expected, crc.toString());
    }
    if (o.digests.crc64 !== undefined && BigInt(o.digests.crc64) !== crc) {
      throw new IntegrityError("crc64", o.digests.crc64, String(crc));
    }
    await verifyDigests(file, size, o.digests);
  }

  async #withRetries<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.#o.signal?.aborted) throw this.#o.signal.reason;
        if (classify(e) !== "retry") throw e;
        if (attempt >= this.#o.retry.limit) {
          throw e instanceof DownloadError ? e : new NetworkError(
            `giving up after ${attempt} attempts: ${(e as Error)?.message ?? e}`,
            { cause: e },
          );
        }
        const retryAfter = (e as { retryAfterMs?: number }).retryAfterMs;
        await sleep(backoffDelay(attempt, this.#o.retry, retryAfter), this.#o.signal);
      }
    }
  }
}
