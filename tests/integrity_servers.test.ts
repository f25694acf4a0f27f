/**
 * Never a silently wrong file, from any server (issue 11): small adversarial servers on
 * loopback (no validators, gzip on ranges, a gzip-stored object, checksum headers, failing
 * ranges, bodies longer than their range), each checked for exact bytes on disk or a
 * clear error with the old target untouched.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import {
  type DownloadEvent,
  type DownloadOptions,
  HttpError,
  IntegrityError,
  MemoryCheckpointStore,
  ProtocolError,
  resumableDownloadUrl,
} from "../mod.ts";
import { checkpointKey, parseRecord } from "../src/engine/checkpoint.ts";
import { startServer, type TestServer } from "./adversarial_server.ts";
import { fileBytes, randomBytes, sameBytes, tempDir } from "./helpers.ts";

const KiB = 1024;
const fast = { initialDelay: 2, backoffLimit: 20, limit: 3, idleTimeout: 5000 };
const b64 = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest("base64");

describe("integrity against adversarial servers", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const servers: TestServer[] = [];
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    for (const s of servers) await s.close();
    await dir.cleanup();
  });
  async function serve(...args: Parameters<typeof startServer>) {
    const s = await startServer(...args);
    servers.push(s);
    return s;
  }
  const opts = (extra: DownloadOptions = {}): DownloadOptions => ({
    store: new MemoryCheckpointStore(),
    multigetThreshold: 1,
    partSize: 64 * KiB,
    retry: fast,
    ...extra,
  });

  /** Runs a download and aborts it once `bytes` are on disk; resolves the events seen. */
  async function abortAt(url: string, target: string, bytes: number, o: DownloadOptions) {
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        ...o,
        signal: controller.signal,
        progressCallback: (done) => {
          if (done >= bytes) controller.abort(new Error("stop here"));
        },
      }),
      /stop here/,
    );
  }

  it("no validators: a same-size change between runs is caught by the samples and started over", async () => {
    const v1 = randomBytes(512 * KiB, 1);
    const v2 = randomBytes(512 * KiB, 2);
    const s = await serve(v1, {});
    const target = join(dir.path, "novalidators.bin");
    const store = new MemoryCheckpointStore();
    await abortAt(s.url, target, 200 * KiB, opts({ store }));
    assert.equal(store.size, 1, "progress saved");
    s.data = v2;
    const events: DownloadEvent[] = [];
    const result = await resumableDownloadUrl(
      s.url,
      target,
      opts({ store, onEvent: (e) => events.push(e) }),
    );
    assert.ok(sameBytes(await fileBytes(target), v2), "the new version, exactly");
    assert.deepEqual(result.verifiedBy, []);
    const restart = events.find((e) => e.type === "restart");
    assert.ok(restart && restart.type === "restart" && restart.discardedBytes >= 200 * KiB);
    assert.match(restart.reason, /differ from the server's/);
    // No progress is reported before the restart: what this call reports never goes back.
    const progress = events.flatMap((e) => e.type === "progress" ? [e.consumedBytes] : []);
    assert.ok(events.indexOf(restart) < events.findIndex((e) => e.type === "progress"));
    for (let k = 1; k < progress.length; k++) assert.ok(progress[k]! > progress[k - 1]!);
    assert.equal(progress.at(-1), v2.length);
    assert.deepEqual((await readdir(dir.path)).filter((n) => n.startsWith("novalidators")), [
      "novalidators.bin",
    ]);
  });

  it("no validators: an unchanged object resumes after the samples agree", async () => {
    const data = randomBytes(512 * KiB, 3);
    const s = await serve(data, {});
    const target = join(dir.path, "resume-ok.bin");
    const store = new MemoryCheckpointStore();
    await abortAt(s.url, target, 200 * KiB, opts({ store }));
    const result = await resumableDownloadUrl(s.url, target, opts({ store }));
    assert.equal(result.resumed, true);
    assert.ok(result.bytesFetched <= data.length - 200 * KiB);
    assert.ok(sameBytes(await fileBytes(target), data));
    // Samples are 4 KiB ranges with no condition to send (no validators).
    const samples = s.log.filter((r) =>
      /^bytes=\d+-\d+$/.test(r.range ?? "") && r.range !== "bytes=0-0"
    )
      .filter((r) => {
        const [a, b] = r.range!.slice(6).split("-").map(Number);
        return b! - a! + 1 <= 4096;
      });
    assert.ok(samples.length >= 16, `${samples.length} samples (8 on resume, 8 before rename)`);
  });

  it("samples carry If-Unmodified-Since when there is only Last-Modified", async () => {
    const data = randomBytes(300 * KiB, 4);
    const lastModified = new Date(Date.now() - 60_000).toUTCString();
    const s = await serve(data, { lastModified });
    const target = join(dir.path, "lm.bin");
    await resumableDownloadUrl(s.url, target, opts({ numThreads: 2 }));
    assert.ok(sameBytes(await fileBytes(target), data));
    const ranged = s.log.filter((r) => r.range && r.range !== "bytes=0-0");
    assert.ok(ranged.length > 0);
    for (const r of ranged) assert.equal(r.headers["if-unmodified-since"], lastModified);
  });

  it("a sample request that gets no answer is abandoned after retry.idleTimeout and retried", {
    timeout: 30_000,
  }, async () => {
    const data = randomBytes(300 * KiB, 21);
    const s = await serve(data, { etag: '"h"', hangSmall: { bytes: 4096, times: 2 } });
    const target = join(dir.path, "hang.bin");
    const result = await resumableDownloadUrl(
      s.url,
      target,
      opts({ retry: { ...fast, idleTimeout: 300 } }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.size, data.length);
    assert.equal(s.log.filter((r) => r.status === -1).length, 2, "two samples hung");
  });

  it("gzip on 206: never written; ranges retried, then one plain stream gives the exact file", async () => {
    const data = randomBytes(256 * KiB, 5);
    const s = await serve(data, { etag: '"g1"', gzipRanges: true });
    const target = join(dir.path, "gzip206.bin");
    const events: DownloadEvent[] = [];
    const result = await resumableDownloadUrl(
      s.url,
      target,
      opts({ numThreads: 2, onEvent: (e) => events.push(e) }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.size, data.length);
    assert.ok(events.some((e) => e.type === "retry" && e.error instanceof ProtocolError));
    assert.ok(s.log.some((r) => r.status === 200), "fell back to one plain GET");
  });

  it("gzip on every answer: a clear ProtocolError and the old target untouched", async () => {
    const data = randomBytes(256 * KiB, 6);
    const s = await serve(data, { etag: '"g2"', gzipAll: true });
    const target = join(dir.path, "gzipall.bin");
    await writeFile(target, "old content");
    await assert.rejects(
      resumableDownloadUrl(s.url, target, opts()),
      (e) => e instanceof ProtocolError && /Content-Encoding: gzip/.test(e.message),
    );
    assert.equal(await readFile(target, "utf8"), "old content");
  });

  it("a gzip-stored object is saved as stored, byte for byte, on every runtime", async () => {
    const stored = gzipSync(randomBytes(100 * KiB, 12));
    const s = await serve(stored, { etag: '"gz"', storedGzip: true });
    const target = join(dir.path, "stored.gz");
    const result = await resumableDownloadUrl(
      s.url,
      target,
      opts({ numThreads: 3, partSize: 8 * KiB }),
    );
    assert.ok(sameBytes(await fileBytes(target), stored), "the stored gzip bytes");
    assert.equal(result.size, stored.length);
    assert.ok(s.log.filter((r) => r.status === 206).length > 3, "fetched in ranges");
  });

  it("a 206 body longer than its range does not count; the range is fetched again", async () => {
    const data = randomBytes(256 * KiB, 7);
    const s = await serve(data, { etag: '"j"', junk: { bytes: 1000, times: 2 } });
    const target = join(dir.path, "junk.bin");
    const result = await resumableDownloadUrl(s.url, target, opts());
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.ok(result.bytesFetched > data.length, "the junk ranges were fetched twice");
  });

  for (
    const [name, headers, small, want] of [
      [
        "GCS x-goog-hash",
        (d: Uint8Array) => ({
          "x-goog-hash": `crc32c=${crc32cB64(d)}, md5=${b64("md5", d)}`,
        }),
        false,
        ["crc32c", "md5"],
      ],
      [
        "Repr-Digest",
        (d: Uint8Array) => ({ "repr-digest": `sha-256=:${b64("sha256", d)}:` }),
        false,
        [
          "sha256",
        ],
      ],
      [
        "Digest (RFC 3230)",
        (d: Uint8Array) => ({ "digest": `SHA-256=${b64("sha256", d)}` }),
        false,
        [
          "sha256",
        ],
      ],
      [
        "S3 x-amz-checksum-crc32",
        (d: Uint8Array) => ({ "x-amz-checksum-crc32": crc32B64(d) }),
        false,
        [
          "crc32",
        ],
      ],
      [
        "S3 plain-MD5 ETag",
        (d: Uint8Array) => ({
          "x-amz-request-id": "R1",
          "etag": `"${createHash("md5").update(d).digest("hex")}"`,
        }),
        false,
        ["md5"],
      ],
      ["Content-MD5 on a whole body", (d: Uint8Array) => ({ "content-md5": b64("md5", d) }), true, [
        "md5",
      ]],
    ] as const
  ) {
    it(`verifiedBy: ${name}, and a wrong value is an IntegrityError with the target untouched`, async () => {
      const data = randomBytes(200 * KiB, 8);
      const h = headers(data) as Record<string, string>;
      const { etag, ...rest } = h;
      const s = await serve(
        data,
        small ? { etag: '"v1"', headers200: h } : { etag: etag ?? '"v1"', headers: rest },
      );
      const target = join(dir.path, `vb-${want.join("-")}.bin`);
      const o = opts(small ? { multigetThreshold: 10 * 1024 * KiB } : { numThreads: 2 });
      const result = await resumableDownloadUrl(s.url, target, o);
      assert.ok(sameBytes(await fileBytes(target), data));
      assert.deepEqual([...result.verifiedBy].sort(), [...want].sort());
      // Now the server states a checksum of other bytes.
      const other = randomBytes(200 * KiB, 9);
      const wrong = headers(other) as Record<string, string>;
      const { etag: wrongEtag, ...wrongRest } = wrong;
      if (small) s.behaviour.headers200 = wrong;
      else s.behaviour.headers = wrongRest;
      if (wrongEtag) s.behaviour.etag = wrongEtag;
      await assert.rejects(
        resumableDownloadUrl(
          s.url,
          target,
          opts(small ? { multigetThreshold: 10 * 1024 * KiB } : {}),
        ),
        (e) => e instanceof IntegrityError && want.includes(e.algorithm as never),
      );
      assert.ok(sameBytes(await fileBytes(target), data), "the old target untouched");
    });
  }

  it("verifiedBy is [] when the server sends no checksum", async () => {
    const data = randomBytes(100 * KiB, 10);
    const s = await serve(data, { etag: '"n"' });
    const result = await resumableDownloadUrl(s.url, join(dir.path, "none.bin"), opts());
    assert.deepEqual(result.verifiedBy, []);
  });

  for (const [where, index] of [["first", 0], ["middle", 3], ["last", 10]] as const) {
    it(`a permanently failing ${where} part leaves every other part saved`, async () => {
      // 11 parts: ten of 500 bytes and one of 16; 3 at a time.
      const data = randomBytes(5016, 11 + index);
      const failing = index * 500;
      // Slow answers, so the other parts are in flight or queued when the failing one gives up.
      const s = await serve(data, {
        etag: `"p${index}"`,
        failStarts: new Set([failing]),
        drip: { bytes: 100, ms: 20 },
      });
      const target = join(dir.path, `fail-${where}.bin`);
      const store = new MemoryCheckpointStore();
      const o = opts({ store, partSize: 500, numThreads: 3, retry: { ...fast, limit: 2 } });
      await assert.rejects(
        resumableDownloadUrl(s.url, target, o),
        (e) => e instanceof HttpError && e.status === 500,
      );
      const saved = store.get(await checkpointKey(s.url, target));
      const parsed = parseRecord(saved, s.url, target);
      assert.ok(parsed, "the record is there");
      for (const p of parsed.parts) {
        assert.equal(p.done, p.start === failing ? 0 : p.end - p.start, `part at ${p.start}`);
      }
      s.behaviour.failStarts = new Set();
      s.behaviour.drip = undefined;
      const result = await resumableDownloadUrl(s.url, target, o);
      assert.equal(result.resumed, true);
      assert.equal(result.bytesFetched, Math.min(500, data.length - failing));
      assert.ok(sameBytes(await fileBytes(target), data));
    });
  }

  it("a caller's abort still stops at once while a failed range drains the others", async () => {
    const data = randomBytes(64 * KiB, 20);
    const s = await serve(data, {
      etag: '"d"',
      failStarts: new Set([0]),
      drip: { bytes: 512, ms: 100 },
    });
    const controller = new AbortController();
    const reason = new Error("caller stop");
    const pending = resumableDownloadUrl(
      s.url,
      join(dir.path, "drain-abort.bin"),
      opts({ partSize: 8 * KiB, numThreads: 2, signal: controller.signal }),
    );
    while (!s.log.some((r) => r.status === 500)) await new Promise((r) => setTimeout(r, 10));
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
  });
});

function crcTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
function crcB64(poly: number, d: Uint8Array): string {
  const t = crcTable(poly);
  let c = 0xffffffff;
  for (const x of d) c = t[(c ^ x) & 0xff]! ^ (c >>> 8);
  c = (c ^ 0xffffffff) >>> 0;
  return Buffer.from([c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255]).toString("base64");
}
function crc32cB64(d: Uint8Array): string {
  return crcB64(0x82f63b78, d);
}
function crc32B64(d: Uint8Array): string {
  return crcB64(0xedb88320, d);
}
