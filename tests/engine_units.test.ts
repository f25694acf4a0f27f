/** Unit tests of the engine's pure pieces: options, planning, checkpoint parsing, retry. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_MULTIGET_THRESHOLD,
  DEFAULT_RETRY,
  resolveOptions,
} from "../src/engine/options.ts";
import * as mod from "../mod.ts";
import * as web from "../web.ts";
import { choosePartSize, DEFAULT_PART_SIZE, planParts } from "../src/engine/plan.ts";
import { CHECKPOINT_KIND, parseRecord, sameObject, toRecord } from "../src/engine/checkpoint.ts";
import { backoffDelay, classify, retrying, sleep } from "../src/engine/retry.ts";
import type { RetryEvent } from "../src/engine/events.ts";
import { parseRetryAfterMs as parseRetryAfter } from "../src/sources/oss/errors.ts";
import { HttpError, NetworkError, OssError, ProtocolError } from "../src/errors.ts";
import { MiB } from "./helpers.ts";

describe("resolveOptions", () => {
  it("fills the seed's defaults", () => {
    const o = resolveOptions(undefined);
    assert.equal(o.multigetThreshold, 10 * MiB);
    assert.equal(o.numThreads, 1);
    assert.equal(o.partSize, undefined);
    assert.equal(o.verify, true);
    assert.equal(o.retry.limit, 8);
  });

  it("exports the defaults it fills in (mod.ts and web.ts)", () => {
    const o = resolveOptions({ retry: { limit: 3 } });
    assert.equal(DEFAULT_MULTIGET_THRESHOLD, 10 * MiB);
    assert.equal(o.multigetThreshold, DEFAULT_MULTIGET_THRESHOLD);
    assert.deepEqual(o.retry, { ...DEFAULT_RETRY, limit: 3 });
    assert.ok(Object.isFrozen(DEFAULT_RETRY));
    for (const entry of [mod, web]) {
      assert.equal(entry.DEFAULT_MULTIGET_THRESHOLD, DEFAULT_MULTIGET_THRESHOLD);
      assert.equal(entry.DEFAULT_RETRY, DEFAULT_RETRY);
    }
  });

  const bad: [string, Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
    ["numThreads 0", { numThreads: 0 }, RangeError, /'numThreads'.*got 0$/],
    ["numThreads -1", { numThreads: -1 }, RangeError, /'numThreads'.*got -1$/],
    ["numThreads 2.5", { numThreads: 2.5 }, RangeError, /'numThreads'.*got 2\.5$/],
    ["numThreads NaN", { numThreads: NaN }, RangeError, /'numThreads'.*got NaN$/],
    ["numThreads string", { numThreads: "4" }, TypeError, /'numThreads'.*got "4"$/],
    ["numThreads 1000", { numThreads: 1000 }, RangeError, /'numThreads'.*64.*got 1000$/],
    ["partSize 0", { partSize: 0 }, RangeError, /'partSize'.*got 0$/],
    ["partSize over 5 GiB", { partSize: 5 * 1024 * MiB + 1 }, RangeError, /'partSize'/],
    [
      "multigetThreshold Infinity",
      { multigetThreshold: Infinity },
      RangeError,
      /'multigetThreshold'.*Infinity/,
    ],
    ["progressCallback", { progressCallback: 1 }, TypeError, /'progressCallback'/],
    ["signal", { signal: {} }, TypeError, /'signal'/],
    ["retry.limit", { retry: { limit: 0 } }, RangeError, /'retry.limit'.*got 0$/],
    ["retry unknown", { retry: { attempts: 3 } }, TypeError, /'retry'.*attempts/],
    ["verify string", { verify: "yes" }, TypeError, /'verify'/],
    ["verify.sha256", { verify: { sha256: "abc" } }, TypeError, /'verify.sha256'.*"abc"/],
    ["verify.crc64", { verify: { crc64: "-1" } }, TypeError, /'verify.crc64'/],
    ["verify unknown digest", { verify: { sha1: "00" } }, TypeError, /sha1/],
    ["store", { store: { get() {} } }, TypeError, /'store'/],
    ["versionId", { versionId: "" }, TypeError, /'versionId'/],
  ];
  for (const [name, options, cls, pattern] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(() => resolveOptions(options as never), (e: unknown) => {
        assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
        assert.match((e as Error).message, pattern);
        // The option's name as a field: what the CLI turns into a flag name.
        const option = name.split(" ")[0];
        assert.equal((e as { option?: string }).option, option);
        return true;
      });
    });
  }

  it("accepts digests and lowercases hex", () => {
    const o = resolveOptions({ verify: { sha256: "A".repeat(64), crc64: "18446744073709551615" } });
    assert.equal(o.digests.sha256, "a".repeat(64));
    assert.equal(o.digests.crc64, "18446744073709551615");
  });
});

describe("part planning", () => {
  it("uses 8 MiB parts up to 10,000 parts, then grows in whole MiB", () => {
    assert.equal(choosePartSize(100 * MiB, undefined), DEFAULT_PART_SIZE);
    assert.equal(choosePartSize(10_000 * 8 * MiB, undefined), 8 * MiB);
    assert.equal(choosePartSize(10_000 * 8 * MiB + 1, undefined), 9 * MiB);
    const huge = 48.8 * 1024 * 1024 * MiB; // 48.8 TiB: the OSS object size limit
    const size = choosePartSize(huge, undefined);
    assert.ok(Math.ceil(huge / size) <= 10_000);
  });

  it("refuses a partSize that makes more than 10,000 parts, naming the least that works", () => {
    assert.throws(() => choosePartSize(10_001, 1), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal((e as { option?: string }).option, "partSize");
      assert.match(e.message, /'partSize' 1 makes 10001 parts.*at least 2/);
      return true;
    });
  });

  it("cuts contiguous parts covering the object", () => {
    const parts = planParts(10, 4);
    assert.deepEqual(parts.map((p) => [p.start, p.end]), [[0, 4], [4, 8], [8, 10]]);
    assert.deepEqual(planParts(0, 4), []);
  });
});

describe("checkpoint records", () => {
  const object = {
    size: 10,
    etag: '"E"',
    lastModified: "Mon, 01 Jan 2024 00:00:00 GMT",
    crc64: "1",
  };
  const base = () =>
    toRecord({
      source: "src",
      target: "/t",
      tempFile: "/t.tmp-1",
      object,
      partSize: 4,
      parts: [
        { start: 0, end: 4, done: 4, crc: 123n },
        { start: 4, end: 8, done: 1, crc: 18446744073709551615n },
        { start: 8, end: 10, done: 0, crc: 0n },
      ],
    });

  it("round-trips through JSON", () => {
    const parsed = parseRecord(JSON.parse(JSON.stringify(base())), "src", "/t");
    assert.ok(parsed);
    assert.equal(parsed.record.kind, CHECKPOINT_KIND);
    assert.deepEqual(parsed.parts.map((p) => p.crc), [123n, 18446744073709551615n, 0n]);
  });

  const broken: [string, (r: Record<string, unknown>) => void][] = [
    ["another source", (r) => (r.source = "other")],
    ["another target", (r) => (r.target = "/u")],
    ["another kind", (r) => (r.kind = "x")],
    ["a gap between parts", (r) => ((r.parts as { start: number }[])[1]!.start = 5)],
    ["done beyond the part", (r) => ((r.parts as { done: number }[])[0]!.done = 5)],
    ["parts not reaching the size", (r) => (r.parts as unknown[]).pop()],
    ["a CRC that is not a number", (r) => ((r.parts as { crc: string }[])[0]!.crc = "0x10")],
    [
      "a CRC over 64 bits",
      (r) => ((r.parts as { crc: string }[])[0]!.crc = "18446744073709551616"),
    ],
    ["a negative size", (r) => ((r.object as { size: number }).size = -1)],
    ["no parts", (r) => delete r.parts],
  ];
  for (const [name, breakIt] of broken) {
    it(`treats a record with ${name} as absent`, () => {
      const r = JSON.parse(JSON.stringify(base()));
      breakIt(r);
      assert.equal(parseRecord(r, "src", "/t"), undefined);
    });
  }
  it("treats non-objects as absent", () => {
    for (const v of [undefined, null, 1, "x", []]) {
      assert.equal(parseRecord(v, "src", "/t"), undefined);
    }
  });

  it("compares the object by size, ETag, Last-Modified and CRC", () => {
    assert.ok(sameObject(object, { ...object }));
    assert.ok(!sameObject(object, { ...object, size: 11 }));
    assert.ok(!sameObject(object, { ...object, etag: '"F"' }));
    assert.ok(!sameObject(object, { ...object, lastModified: "x" }));
    assert.ok(!sameObject(object, { ...object, crc64: "2" }));
  });
});

describe("retry policy", () => {
  it("retries network trouble and 5xx/429, restarts on 412/416, gives up on other 4xx", () => {
    assert.equal(classify(new NetworkError("reset")), "retry");
    assert.equal(classify(new ProtocolError("short")), "retry");
    assert.equal(classify(new TypeError("fetch failed")), "retry");
    for (const s of [408, 429, 500, 502, 503, 504]) {
      assert.equal(classify(new HttpError(s, "x")), "retry");
    }
    for (const s of [400, 401, 403, 404, 405]) {
      assert.equal(classify(new HttpError(s, "x")), "fatal");
    }
    assert.equal(classify(new HttpError(412, "x")), "changed");
    assert.equal(classify(new OssError(416, "x", { code: "InvalidRange" })), "changed");
    assert.equal(classify(new RangeError("bug")), "fatal");
  });

  it("backs off exponentially with jitter, capped, and honours Retry-After", () => {
    const r = { limit: 8, initialDelay: 100, backoffLimit: 1000, maxElapsed: 1e6, idleTimeout: 1 };
    assert.equal(backoffDelay(1, r, undefined, () => 0), 50);
    assert.equal(backoffDelay(1, r, undefined, () => 1), 100);
    assert.equal(backoffDelay(3, r, undefined, () => 1), 400);
    assert.equal(backoffDelay(10, r, undefined, () => 1), 1000);
    assert.equal(backoffDelay(1, r, 5000, () => 1), 5000);
  });

  it("parses Retry-After seconds and dates", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
  });

  it("sleep rejects with the signal's reason", async () => {
    const c = new AbortController();
    const reason = new Error("stop");
    const p = sleep(10_000, c.signal);
    c.abort(reason);
    await assert.rejects(p, (e) => e === reason);
  });
});

describe("the retry loop", () => {
  // No waiting; a progress floor of 1 byte (lowSpeedLimit 1 × lowSpeedTime 1).
  const retry = { ...DEFAULT_RETRY, initialDelay: 0, backoffLimit: 0, limit: 3 };
  retry.lowSpeedLimit = 1;
  retry.lowSpeedTime = 1;

  it("gives up after `limit` attempts without progress, announcing each retry", async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    await assert.rejects(
      retrying(() => {
        calls++;
        return Promise.reject(new TypeError("fetch failed"));
      }, {
        retry,
        onEvent: (e) => events.push(e as RetryEvent),
        range: () => ({ start: 5, end: 9 }),
      }),
      (e: unknown) => {
        assert.ok(e instanceof NetworkError);
        assert.match(e.message, /^giving up after 3 attempts: fetch failed$/);
        return true;
      },
    );
    assert.equal(calls, 3);
    assert.deepEqual(events.map((e) => [e.type, e.attempt, e.range]), [
      ["retry", 1, { start: 5, end: 9 }],
      ["retry", 2, { start: 5, end: 9 }],
    ]);
    assert.ok(events.every((e) => e.error instanceof NetworkError));
  });

  it("an attempt that passed the progress floor resets the count; fatal errors pass at once", async () => {
    let calls = 0, done = 0;
    const result = await retrying(() => {
      calls++;
      if (calls <= 4) done += 2; // progress above the 1-byte floor: never gives up
      if (calls < 6) return Promise.reject(new HttpError(503, "busy"));
      return Promise.resolve("ok");
    }, { retry, progress: () => done });
    assert.equal(result, "ok");
    assert.equal(calls, 6);
    const notFound = new HttpError(404, "gone");
    calls = 0;
    await assert.rejects(retrying(() => (calls++, Promise.reject(notFound)), { retry }), notFound);
    assert.equal(calls, 1);
  });

  it("`limit()` is read at each failure; `exhausted` picks the error", async () => {
    const signal = new Error("fall back");
    await assert.rejects(
      retrying(() => Promise.reject(new ProtocolError("bad range")), {
        retry,
        limit: () => 1,
        exhausted: () => signal,
      }),
      signal,
    );
  });
});
