/**
 * A Hono server that behaves like Alibaba Cloud OSS on the wire for GetObject, HeadObject,
 * GetObjectMeta and ListObjectsV2 (path style), with per-request fault injection.
 *
 * @example Serve an object and break the first GET after 1000 bytes
 * ```ts
 * import { MockOss } from "./server.ts";
 *
 * const oss = new MockOss({ bucket: "bkt" });
 * await oss.put("bkt", "dir/a b.bin", new Uint8Array(4096));
 * oss.addFault({ method: "GET", fault: { kind: "drop", afterBytes: 1000 } });
 * const server = await oss.listen();
 * await fetch(oss.urlFor("bkt", "dir/a b.bin")).then((r) => r.arrayBuffer()).catch(() => {});
 * await server.close();
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { type ErrorContext, errorForStatus, errorResponse, ERRORS } from "./errors.ts";
import { FaultBook } from "./faults.ts";
import { answerObject } from "./get_object.ts";
import { newRequestId } from "./headers.ts";
import { objectPath, parseObjectPath } from "./keys.ts";
import { listObjectsV2 } from "./list_objects.ts";
import { type Listener, type ListenOptions, serve, type ServeContext } from "./listen.ts";
import { makeObject, ObjectStore } from "./objects.ts";
import { describeRange, parseRange } from "./ranges.ts";
import type { FaultRule, MockOssOptions, PutOptions, RequestLog, StoredObject } from "./types.ts";

export type {
  Fault,
  FaultRule,
  MockOssOptions,
  PutOptions,
  RequestLog,
  RequestRange,
  StoredObject,
} from "./types.ts";
export type { Backend, Listener, ListenOptions, ServeContext } from "./listen.ts";

/** Hono bindings: a socket server from {@linkcode MockOss.listen} passes its ServeContext. */
export interface MockEnv {
  Bindings: Partial<ServeContext>;
}

/** The mock OSS: objects, faults, a request log, and a Hono app to serve them. */
export class MockOss {
  /** The Hono app; `app.fetch` serves in-process too. */
  readonly app: Hono<MockEnv>;
  /** Every answered request, in the order answered (cleared by {@linkcode resetStats}). */
  readonly log: RequestLog[] = [];
  readonly #store = new ObjectStore();
  readonly #faults = new FaultBook();
  readonly #chunkSize: number;
  readonly #bytesPerSecond: number | undefined;
  readonly #multiRange: "416" | "first";
  readonly #auth: MockOssOptions["auth"];
  #url: string | undefined;

  constructor(options: MockOssOptions = {}) {
    const { chunkSize = 64 * 1024, bytesPerSecond, multiRange = "416" } = options;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
    }
    if (bytesPerSecond !== undefined && !(bytesPerSecond > 0)) {
      throw new RangeError(`bytesPerSecond must be positive, got ${bytesPerSecond}`);
    }
    if (multiRange !== "416" && multiRange !== "first") {
      throw new TypeError(`multiRange must be "416" or "first", got ${JSON.stringify(multiRange)}`);
    }
    this.#chunkSize = chunkSize;
    this.#bytesPerSecond = bytesPerSecond;
    this.#multiRange = multiRange;
    this.#auth = options.auth;
    if (options.bucket !== undefined) this.#store.addBucket(options.bucket);
    this.app = new Hono<MockEnv>();
    // Hono routes HEAD as GET (and drops the body), so this serves both.
    this.app.get("*", (c) => this.#handle(c.req.raw, c.env ?? {}));
    this.app.all("*", (c) => this.#handle(c.req.raw, {}));
  }

  /** Stores an object (replacing the current one), creating the bucket if needed. */
  async put(
    bucket: string,
    key: string,
    data: Uint8Array,
    options?: PutOptions,
  ): Promise<StoredObject> {
    const object = await makeObject(bucket, key, data, options);
    this.#store.set(object);
    return object;
  }

  /** Appends to an Appendable object (or creates one): new ETag, Last-Modified and CRC. */
  append(bucket: string, key: string, data: Uint8Array): Promise<StoredObject> {
    const old = this.#store.get(bucket, key);
    const joined = new Uint8Array((old?.data.length ?? 0) + data.length);
    if (old) joined.set(old.data);
    joined.set(data, old?.data.length ?? 0);
    return this.put(bucket, key, joined, {
      objectType: "Appendable",
      contentType: old?.contentType,
      lastModified: later(old),
      meta: old?.meta,
    });
  }

  /** Deletes an object and its versions. */
  remove(bucket: string, key: string): void {
    this.#store.remove(bucket, key);
  }

  /** The current object, if any. */
  object(bucket: string, key: string): StoredObject | undefined {
    return this.#store.get(bucket, key);
  }

  /** Creates an empty bucket (requests to unknown buckets get 404 NoSuchBucket). */
  createBucket(bucket: string): void {
    this.#store.addBucket(bucket);
  }

  /** Adds a fault rule after the existing ones. */
  addFault(rule: FaultRule): void {
    this.#faults.add(rule);
  }

  /** Removes all fault rules. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Fault applications still to come (Infinity if a rule never runs out). */
  faultsPending(): number {
    return this.#faults.pending();
  }

  /** Object body bytes pulled by connections for GETs since the last reset. */
  bytesServed(filter: { key?: string } = {}): number {
    let total = 0;
    for (const entry of this.log) {
      if (entry.method !== "GET") continue;
      if (filter.key !== undefined && entry.key !== filter.key) continue;
      total += entry.bytesSent;
    }
    return total;
  }

  /** Empties the log (responses still streaming stop counting). */
  resetStats(): void {
    this.log.length = 0;
  }

  /** Serves over a real socket (127.0.0.1, any free port, unless told otherwise). */
  async listen(options?: ListenOptions): Promise<Listener> {
    const listener = await serve((req, ctx) => this.app.fetch(req, ctx), options);
    this.#url = listener.url;
    return listener;
  }

  /** The URL of the last {@linkcode listen}, e.g. `http://127.0.0.1:PORT`. */
  get url(): string {
    if (this.#url === undefined) throw new Error("MockOss: call listen() first");
    return this.#url;
  }

  /** The path-style URL of an object, the key percent-encoded per segment. */
  urlFor(bucket: string, key: string): string {
    return `${this.url}${objectPath(bucket, key)}`;
  }

  async #replace(bucket: string, key: string, data: Uint8Array): Promise<void> {
    const old = this.#store.get(bucket, key);
    await this.put(bucket, key, data, {
      objectType: old?.objectType as PutOptions["objectType"],
      contentType: old?.contentType,
      lastModified: later(old),
      versionId: old?.versionId === undefined ? undefined : newVersionId(),
      meta: old?.meta,
    });
  }

  async #handle(req: Request, server: Partial<ServeContext>): Promise<Response> {
    const url = new URL(req.url);
    const requestId = newRequestId();
    const entry: RequestLog = {
      method: req.method,
      path: url.pathname + url.search,
      bucket: "",
      key: "",
      headers: Object.fromEntries(req.headers),
      status: 0,
      bytesSent: 0,
      requestId,
    };
    const ctx: ErrorContext = { method: req.method, requestId, hostname: url.hostname };
    let response: Response;
    try {
      response = await this.#answer(req, url, entry, ctx, server);
    } catch (error) {
      console.error("mock OSS handler failed:", error);
      response = errorResponse(errorForStatus(500), ctx);
    }
    entry.status = response.status;
    this.log.push(entry);
    return response;
  }

  async #answer(
    req: Request,
    url: URL,
    entry: RequestLog,
    ctx: ErrorContext,
    server: Partial<ServeContext>,
  ): Promise<Response> {
    const { method } = req;
    let target: { bucket: string; key: string };
    try {
      target = parseObjectPath(url.pathname);
    } catch {
      return errorResponse(ERRORS.InvalidURI, ctx);
    }
    const { bucket, key } = target;
    Object.assign(entry, { bucket, key });
    ctx.bucket = bucket || undefined;
    if (method !== "GET" && method !== "HEAD") {
      return errorResponse(ERRORS.MethodNotAllowed, { ...ctx, key: key || undefined });
    }
    if (!bucket) return errorResponse(ERRORS.NotImplemented, ctx);

    const parsed = parseRange(req.headers.get("range"));
    const size = this.#store.get(bucket, key)?.data.length ?? 0;
    const fault = this.#faults.take({ method, bucket, key, range: describeRange(parsed, size) });
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "status") {
      const headers = fault.retryAfter === undefined ? undefined : {
        "retry-after": String(fault.retryAfter),
      };
      return errorResponse(errorForStatus(fault.status, fault.code), { ...ctx, key }, { headers });
    }
    if (!this.#store.hasBucket(bucket)) {
      return errorResponse(ERRORS.NoSuchBucket, ctx, { extra: { BucketName: bucket } });
    }
    const denied = await this.#auth?.(req, { bucket, key });
    if (denied) return denied;
    if (!key) {
      if (url.searchParams.get("list-type") === "2") {
        return listObjectsV2(url, this.#store.list(bucket), bucket, ctx);
      }
      return errorResponse(ERRORS.NotImplemented, ctx);
    }
    ctx.key = key;

    let replace: (() => Promise<void>) | undefined;
    if (fault?.kind === "replace") {
      replace = () => this.#replace(bucket, key, fault.data);
      if (fault.afterBytes === undefined) {
        await replace();
        replace = undefined;
      }
    }
    const versionId = url.searchParams.get("versionId");
    const object = versionId === null
      ? this.#store.get(bucket, key)
      : this.#store.version(bucket, key, versionId);
    const response = object
      ? answerObject({
        req,
        url,
        object,
        ctx,
        fault,
        multiRange: this.#multiRange,
        streaming: {
          chunkSize: this.#chunkSize,
          bytesPerSecond: this.#bytesPerSecond,
          onBytes: (n) => (entry.bytesSent += n),
          onReplace: replace,
          closing: server.closing,
          quiet: server.quietDrops,
        },
      })
      : errorResponse(versionId === null ? ERRORS.NoSuchKey : ERRORS.NoSuchVersion, ctx);
    // A replace "after N bytes" on an answer without an object body happens right away.
    const streams = method === "GET" && (response.status === 200 || response.status === 206);
    if (replace && !streams) await replace();
    return response;
  }
}

/** A Last-Modified strictly after the old object's (so a replace is visible to dates too). */
function later(old: StoredObject | undefined): Date {
  const now = Math.floor(Date.now() / 1000) * 1000;
  return new Date(old ? Math.max(now, old.lastModified.getTime() + 1000) : now);
}

function newVersionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(33));
  return `CAEQ${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")}`;
}
