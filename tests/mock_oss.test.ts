/**
 * The mock OSS server over a real socket (port 0): the OSS wire behaviour of
 * docs/oss-wire.md §1–§4 and §6, every fault kind, byte accounting, and main.ts as its own
 * process. Runs under `deno test -A` and `bun test`.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { crc64Decimal, type Listener, MockOss, objectPath } from "./mock_oss/mod.ts";
import { parseRange, resolveRange } from "./mock_oss/ranges.ts";

const B = "bkt";
const KiB = 1024;
const MiB = 1024 * KiB;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const text = (s: string) => new TextEncoder().encode(s);

/** Reproducible bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Fetches and reads the body chunk by chunk; a failure in fetch or in the read is returned. */
async function fetchAll(url: string, init?: RequestInit) {
  let res: Response | undefined;
  const chunks: Uint8Array[] = [];
  let error: unknown;
  try {
    res = await fetch(url, init);
    const reader = res.body?.getReader();
    for (;;) {
      const next = await reader?.read();
      if (!next || next.done) break;
      chunks.push(next.value);
    }
  } catch (e) {
    error = e;
  }
  return { res, body: new Uint8Array(Buffer.concat(chunks)), error };
}

async function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  const res = await fetch(url, { method, headers });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

/** The text of each element of an OSS error document. */
function xmlFields(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(/<(\w+)>([^<]*)<\/\1>/g)].map((m) => [m[1], m[2]]));
}

describe("mock OSS over a socket", () => {
  const mock = new MockOss({ bucket: B });
  let server: Listener;
  const data = bytes(1000, 7);
  before(async () => {
    server = await mock.listen();
    await mock.put(B, "k1000", data);
  });
  after(async () => await server.close());
  beforeEach(() => {
    mock.clearFaults();
    mock.resetStats();
  });

  describe("headers", () => {
    it("sends the OSS header set, the CRC-64/XZ check value and the MD5 ETag", async () => {
      const stored = await mock.put(B, "check.txt", text("123456789"), {
        contentType: "text/plain",
      });
      assert.equal(stored.crc64, "11051210869376104954");
      assert.equal(stored.etag, '"25F9E794323B453885F5181F1B624D0B"');
      for (const method of ["GET", "HEAD"]) {
        const { res, body } = await get(mock.urlFor(B, "check.txt"), {}, method);
        assert.equal(res.status, 200);
        const h = res.headers;
        assert.match(h.get("x-oss-request-id")!, /^[0-9A-F]{24}$/);
        assert.ok(Math.abs(Date.parse(h.get("date")!) - Date.now()) < 60_000);
        assert.equal(h.get("content-type"), "text/plain");
        assert.equal(h.get("content-length"), "9");
        assert.equal(h.get("etag"), stored.etag);
        assert.equal(h.get("last-modified"), stored.lastModified.toUTCString());
        assert.match(h.get("last-modified")!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        assert.equal(h.get("x-oss-object-type"), "Normal");
        assert.equal(h.get("accept-ranges"), "bytes");
        assert.equal(h.get("x-oss-storage-class"), "Standard");
        assert.equal(h.get("x-oss-hash-crc64ecma"), "11051210869376104954");
        assert.equal(h.get("server"), "AliyunOSS");
        assert.equal(
          h.get("content-md5"),
          Buffer.from(stored.etag.slice(1, -1), "hex").toString("base64"),
        );
        assert.equal(h.get("x-oss-version-id"), null);
        assert.equal(new TextDecoder().decode(body), method === "GET" ? "123456789" : "");
      }
    });

    it("sends the whole-object CRC on ranged GETs and never gzips", async () => {
      const big = text("hello oss ".repeat(600));
      const stored = await mock.put(B, "text.txt", big, { contentType: "text/plain" });
      const { res, body } = await get(mock.urlFor(B, "text.txt"), {
        "accept-encoding": "gzip, br",
      });
      assert.equal(res.headers.get("content-encoding"), null);
      assert.equal(res.headers.get("content-length"), String(big.length));
      assert.ok(same(body, big));
      const ranged = await get(mock.urlFor(B, "text.txt"), { range: "bytes=10-19" });
      assert.equal(ranged.res.status, 206);
      assert.equal(ranged.res.headers.get("x-oss-hash-crc64ecma"), stored.crc64);
      assert.equal(ranged.res.headers.get("x-oss-hash-crc64ecma"), await crc64Decimal(big));
      assert.equal(ranged.res.headers.get("content-md5"), null);
    });

    it("honours PutOptions: ETag, dates, CRC omitted, type, version, metadata", async () => {
      const lastModified = new Date("2024-02-03T04:05:06.789Z");
      await mock.put(B, "opts.bin", text("abc"), {
        objectType: "Multipart",
        etag: '"CUSTOM-3"',
        lastModified,
        crc64: null,
        contentType: "image/png",
        versionId: "v-1",
        meta: { author: "alice" },
      });
      const { res } = await get(mock.urlFor(B, "opts.bin"), {}, "HEAD");
      assert.equal(res.headers.get("etag"), '"CUSTOM-3"');
      assert.equal(res.headers.get("last-modified"), "Sat, 03 Feb 2024 04:05:06 GMT");
      assert.equal(res.headers.get("x-oss-hash-crc64ecma"), null);
      assert.equal(res.headers.get("x-oss-object-type"), "Multipart");
      assert.equal(res.headers.get("content-type"), "image/png");
      assert.equal(res.headers.get("x-oss-version-id"), "v-1");
      assert.equal(res.headers.get("x-oss-meta-author"), "alice");
      const multipart = await mock.put(B, "mp.bin", bytes(9 * MiB), { objectType: "Multipart" });
      assert.match(multipart.etag, /^"[0-9A-F]{32}-2"$/);
    });

    it("applies response-* query overrides on GET", async () => {
      const url = `${mock.urlFor(B, "k1000")}?response-content-type=text%2Fcsv` +
        `&response-content-disposition=attachment%3B%20filename%3Da.csv`;
      const { res } = await get(url);
      assert.equal(res.headers.get("content-type"), "text/csv");
      assert.equal(res.headers.get("content-disposition"), "attachment; filename=a.csv");
    });

    it("answers GetObjectMeta (HEAD ?objectMeta) with the short header set", async () => {
      const stored = mock.object(B, "k1000")!;
      const { res } = await get(`${mock.urlFor(B, "k1000")}?objectMeta`, {}, "HEAD");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), "1000");
      assert.equal(res.headers.get("etag"), stored.etag);
      assert.equal(res.headers.get("x-oss-hash-crc64ecma"), stored.crc64);
      assert.equal(res.headers.get("x-oss-object-type"), null);
      assert.equal(res.headers.get("accept-ranges"), null);
    });

    it("appends to Appendable objects: new ETag, continued CRC, next position", async () => {
      const first = await mock.append(B, "log.txt", text("12345"));
      const second = await mock.append(B, "log.txt", text("6789"));
      assert.notEqual(first.etag, second.etag);
      assert.ok(second.lastModified > first.lastModified);
      assert.equal(second.crc64, "11051210869376104954");
      const { res } = await get(mock.urlFor(B, "log.txt"), {}, "HEAD");
      assert.equal(res.headers.get("x-oss-object-type"), "Appendable");
      assert.equal(res.headers.get("x-oss-next-append-position"), "9");
    });
  });

  describe("ranges (§1) on a 1000-byte object", () => {
    // [Range, status without the standard header, with it, served [first, last] or null]
    const table: [string, number, number, [number, number] | null, [number, number] | null][] = [
      ["bytes=0-499", 206, 206, [0, 499], [0, 499]],
      ["bytes=500-", 206, 206, [500, 999], [500, 999]],
      ["bytes=-500", 206, 206, [500, 999], [500, 999]],
      ["bytes=0-0", 206, 206, [0, 0], [0, 0]],
      ["bytes=999-999", 206, 206, [999, 999], [999, 999]],
      ["bytes=0-999", 206, 206, [0, 999], [0, 999]],
      ["bytes=500-2000", 200, 206, null, [500, 999]],
      ["bytes=0-1000", 200, 206, null, [0, 999]],
      ["bytes=1000-2000", 200, 416, null, null],
      ["bytes=1000-", 200, 416, null, null],
      ["bytes=-2000", 200, 206, null, [0, 999]],
      ["bytes=-0", 200, 416, null, null],
      ["byte=0-499", 200, 200, null, null],
      ["bytes=5-3", 200, 200, null, null],
      ["bytes=abc", 200, 200, null, null],
      ["bytes=0-1,5-6", 416, 416, null, null],
      [" Bytes = 10-19 ", 206, 206, [10, 19], [10, 19]],
    ];
    for (const [range, plain, standard, plainRange, standardRange] of table) {
      for (const std of [false, true]) {
        const status = std ? standard : plain;
        const served = std ? standardRange : plainRange;
        it(`${JSON.stringify(range)}${std ? " with standard" : ""} -> ${status}`, async () => {
          const headers: Record<string, string> = { range };
          if (std) headers["x-oss-range-behavior"] = "standard";
          const { res, body } = await get(mock.urlFor(B, "k1000"), headers);
          assert.equal(res.status, status);
          if (status === 416) {
            assert.equal(xmlFields(new TextDecoder().decode(body)).Code, "InvalidRange");
            assert.equal(res.headers.get("content-type"), "application/xml");
            return;
          }
          const [first, last] = served ?? [0, 999];
          assert.equal(
            res.headers.get("content-range"),
            served ? `bytes ${first}-${last}/1000` : null,
          );
          assert.equal(res.headers.get("content-length"), String(last - first + 1));
          assert.ok(same(body, data.subarray(first, last + 1)));
        });
      }
    }

    it("serves the first of several ranges when multiRange is 'first'", async () => {
      const firsts = new MockOss({ bucket: B, multiRange: "first" });
      await firsts.put(B, "k", data);
      const res = await firsts.app.fetch(
        new Request("http://oss.test/bkt/k", { headers: { range: "bytes=0-1,5-6" } }),
      );
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-range"), "bytes 0-1/1000");
      assert.ok(same(new Uint8Array(await res.arrayBuffer()), data.subarray(0, 2)));
    });

    it("HEAD ignores Range", async () => {
      const { res } = await get(mock.urlFor(B, "k1000"), { range: "bytes=0-9" }, "HEAD");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), "1000");
    });

    it("parses and resolves an empty object like OSS", () => {
      const whole = resolveRange(parseRange("bytes=0-"), 0, { standard: false, multiRange: "416" });
      assert.deepEqual(whole, { kind: "full" });
      const std = resolveRange(parseRange("bytes=-5"), 0, { standard: true, multiRange: "416" });
      assert.deepEqual(std, { kind: "unsatisfiable" });
    });
  });

  describe("conditionals (§3)", () => {
    let etag: string, bare: string, lm: Date;
    const at = (ms: number) => new Date(lm.getTime() + ms).toUTCString();
    before(() => {
      const o = mock.object(B, "k1000")!;
      [etag, bare, lm] = [o.etag, o.etag.slice(1, -1), o.lastModified];
    });
    const cases: [string, () => Record<string, string>, number][] = [
      ["If-Match quoted", () => ({ "if-match": etag }), 200],
      ["If-Match unquoted", () => ({ "if-match": bare }), 200],
      ["If-Match *", () => ({ "if-match": "*" }), 200],
      ["If-Match in a list", () => ({ "if-match": `"nope", ${etag}` }), 200],
      ["If-Match other", () => ({ "if-match": '"0123"' }), 412],
      ["If-Match weak", () => ({ "if-match": `W/${etag}` }), 412],
      ["If-Unmodified-Since = LM", () => ({ "if-unmodified-since": at(0) }), 200],
      ["If-Unmodified-Since after", () => ({ "if-unmodified-since": at(1000) }), 200],
      ["If-Unmodified-Since before", () => ({ "if-unmodified-since": at(-1000) }), 412],
      ["If-Unmodified-Since garbage", () => ({ "if-unmodified-since": "yesterday" }), 200],
      ["If-None-Match quoted", () => ({ "if-none-match": etag }), 304],
      ["If-None-Match unquoted", () => ({ "if-none-match": bare }), 304],
      ["If-None-Match weak", () => ({ "if-none-match": `W/${etag}` }), 304],
      ["If-None-Match *", () => ({ "if-none-match": "*" }), 304],
      ["If-None-Match other", () => ({ "if-none-match": '"0123"' }), 200],
      ["If-Modified-Since = LM", () => ({ "if-modified-since": at(0) }), 304],
      ["If-Modified-Since before", () => ({ "if-modified-since": at(-1000) }), 200],
      ["If-Modified-Since garbage", () => ({ "if-modified-since": "not a date" }), 200],
      [
        "If-Match ok wins over a failing If-Unmodified-Since",
        () => ({ "if-match": etag, "if-unmodified-since": at(-1000) }),
        200,
      ],
      [
        "If-Match fails before If-None-Match",
        () => ({ "if-match": '"x"', "if-none-match": etag }),
        412,
      ],
      ["If-Match ok then If-None-Match", () => ({ "if-match": etag, "if-none-match": etag }), 304],
      [
        "If-None-Match miss wins over If-Modified-Since",
        () => ({ "if-none-match": '"x"', "if-modified-since": at(0) }),
        200,
      ],
      [
        "If-Unmodified-Since fails before If-None-Match",
        () => ({ "if-unmodified-since": at(-1000), "if-none-match": etag }),
        412,
      ],
    ];
    for (const [name, headers, status] of cases) {
      it(`${name} -> ${status}`, async () => {
        const { res, body } = await get(mock.urlFor(B, "k1000"), {
          ...headers(),
          range: "bytes=0-9",
        });
        assert.equal(res.status, status === 200 ? 206 : status);
        if (status === 412) {
          const f = xmlFields(new TextDecoder().decode(body));
          assert.equal(f.Code, "PreconditionFailed");
          assert.equal(f.EC, "0017-00001001");
        }
        if (status === 304) {
          assert.equal(body.length, 0);
          assert.equal(res.headers.get("etag"), etag);
        }
      });
    }

    it("HEAD with a failing If-Match: 412, no body, x-oss-err", async () => {
      const { res, body } = await get(mock.urlFor(B, "k1000"), { "if-match": '"x"' }, "HEAD");
      assert.equal(res.status, 412);
      assert.equal(body.length, 0);
      const xml = Buffer.from(res.headers.get("x-oss-err")!, "base64").toString();
      assert.equal(xmlFields(xml).Code, "PreconditionFailed");
    });
  });

  describe("errors (§4)", () => {
    it("NoSuchKey: XML body with every field, x-oss-ec", async () => {
      const { res, body } = await get(mock.urlFor(B, "no/such key"));
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("content-type"), "application/xml");
      assert.equal(res.headers.get("x-oss-ec"), "0026-00000001");
      const xml = new TextDecoder().decode(body);
      assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/);
      const f = xmlFields(xml);
      assert.equal(f.Code, "NoSuchKey");
      assert.equal(f.Message, "The specified key does not exist.");
      assert.equal(f.RequestId, res.headers.get("x-oss-request-id"));
      assert.equal(f.HostId, `${B}.127.0.0.1`);
      assert.equal(f.Key, "no/such key");
      assert.equal(f.EC, "0026-00000001");
      assert.equal(f.RecommendDoc, "https://api.aliyun.com/troubleshoot?q=0026-00000001");
      assert.equal(res.headers.get("content-length"), String(body.length));
    });

    it("HEAD errors: no body, the XML base64 in x-oss-err", async () => {
      const { res, body } = await get(mock.urlFor(B, "missing"), {}, "HEAD");
      assert.equal(res.status, 404);
      assert.equal(body.length, 0);
      assert.equal(res.headers.get("x-oss-ec"), "0026-00000001");
      const f = xmlFields(Buffer.from(res.headers.get("x-oss-err")!, "base64").toString());
      assert.equal(f.Code, "NoSuchKey");
      assert.equal(f.Key, "missing");
      assert.equal(f.RequestId, res.headers.get("x-oss-request-id"));
    });

    it("NoSuchBucket for an unknown bucket, with BucketName", async () => {
      const { res, body } = await get(mock.urlFor("nobucket", "k"));
      assert.equal(res.status, 404);
      const f = xmlFields(new TextDecoder().decode(body));
      assert.equal(f.Code, "NoSuchBucket");
      assert.equal(f.BucketName, "nobucket");
      assert.equal(f.EC, "0015-00000101");
    });

    it("405 MethodNotAllowed for other methods", async () => {
      for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
        const { res, body } = await get(mock.urlFor(B, "k1000"), {}, method);
        assert.equal(res.status, 405, method);
        assert.equal(xmlFields(new TextDecoder().decode(body)).Code, "MethodNotAllowed");
      }
      assert.equal(mock.object(B, "k1000")!.data.length, 1000);
    });

    it("400 InvalidURI for a broken percent-escape", async () => {
      const { res, body } = await get(`${server.url}/${B}/bad%ZZkey`);
      assert.equal(res.status, 400);
      assert.equal(xmlFields(new TextDecoder().decode(body)).Code, "InvalidURI");
    });

    it("versionId serves that version, else 404 NoSuchVersion", async () => {
      await mock.put(B, "ver.txt", text("one"), { versionId: "v1" });
      await mock.put(B, "ver.txt", text("two"), { versionId: "v2" });
      const url = mock.urlFor(B, "ver.txt");
      const v1 = await get(`${url}?versionId=v1`);
      assert.equal(new TextDecoder().decode(v1.body), "one");
      assert.equal(v1.res.headers.get("x-oss-version-id"), "v1");
      const current = await get(url);
      assert.equal(new TextDecoder().decode(current.body), "two");
      const none = await get(`${url}?versionId=v9`);
      assert.equal(none.res.status, 404);
      assert.equal(xmlFields(new TextDecoder().decode(none.body)).Code, "NoSuchVersion");
    });
  });

  describe("keys (§6)", () => {
    const keys = [
      "a b.txt",
      "a+b.txt",
      "k=v&x;y.txt",
      "dir/sub/é中文 ü.bin",
      "100%.txt",
      "q?x#y",
      "a/../b",
      "./c",
      "trailing/",
      "double//slash",
      "~tilde_(1)!*'",
    ];
    it("round-trips awkward keys through urlFor and decodes the whole path", async () => {
      for (const [i, key] of keys.entries()) await mock.put(B, key, text(`#${i}`));
      for (const [i, key] of keys.entries()) {
        const { res, body } = await get(mock.urlFor(B, key));
        assert.equal(res.status, 200, key);
        assert.equal(new TextDecoder().decode(body), `#${i}`, key);
        assert.equal(mock.log.at(-1)!.key, key);
      }
    });

    it("treats %2F as /, + as a plus, and %20 as a space", async () => {
      await mock.put(B, "x/y z+w.txt", text("slash"));
      for (
        const path of ["/bkt/x/y%20z%2Bw.txt", "/bkt/x%2Fy%20z+w.txt", "/bkt%2Fx%2Fy%20z%2Bw.txt"]
      ) {
        const { res, body } = await get(`${server.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(new TextDecoder().decode(body), "slash");
      }
      const spaced = await get(`${server.url}/bkt/x/y+z+w.txt`);
      assert.equal(spaced.res.status, 404, "+ is not a space");
    });

    it("objectPath encodes per segment with uppercase escapes", () => {
      assert.equal(objectPath("bkt", "a b/c+d=é"), "/bkt/a%20b/c%2Bd%3D%C3%A9");
      assert.equal(objectPath("bkt", "a/../b"), "/bkt%2Fa%2F..%2Fb");
    });
  });

  describe("faults", () => {
    const big = bytes(MiB, 3);
    before(async () => {
      await mock.put(B, "big.bin", big);
    });

    it("drop: headers and afterBytes of body, then a network error", async () => {
      mock.addFault({
        method: "GET",
        key: "big.bin",
        fault: { kind: "drop", afterBytes: 100_000 },
      });
      const { res, body, error } = await fetchAll(mock.urlFor(B, "big.bin"));
      assert.ok(error instanceof Error, "fetch or the body read rejects");
      assert.ok(body.length <= 100_000 && body.length < big.length, `received ${body.length}`);
      assert.ok(same(body, big.subarray(0, body.length)));
      if (res) assert.equal(res.headers.get("content-length"), String(big.length));
      const entry = mock.log.find((e) => e.fault === "drop")!;
      assert.equal(entry.status, 200);
      assert.equal(entry.bytesSent, 100_000);
      // times defaults to 1: the next GET is whole.
      const again = await fetchAll(mock.urlFor(B, "big.bin"));
      assert.equal(again.error, undefined);
      assert.ok(same(again.body, big));
    });

    it("drop before any body byte", async () => {
      mock.addFault({ fault: { kind: "drop", afterBytes: 0 } });
      const { body, error } = await fetchAll(mock.urlFor(B, "big.bin"), {
        headers: { range: "bytes=0-9999" },
      });
      assert.ok(error instanceof Error);
      assert.equal(body.length, 0);
    });

    it("stall: pauses the body, then completes", async () => {
      mock.addFault({ fault: { kind: "stall", afterBytes: 1000, ms: 400 } });
      const started = Date.now();
      const { body, error } = await fetchAll(mock.urlFor(B, "big.bin"));
      assert.equal(error, undefined);
      assert.ok(Date.now() - started >= 380, `took ${Date.now() - started} ms`);
      assert.ok(same(body, big));
    });

    it("status: 500, 503 with Retry-After, 429, a custom code, and on HEAD", async () => {
      mock.addFault({ fault: { kind: "status", status: 500 } });
      mock.addFault({ fault: { kind: "status", status: 503, retryAfter: 2 } });
      mock.addFault({ fault: { kind: "status", status: 429 } });
      mock.addFault({ fault: { kind: "status", status: 403, code: "AccessDenied" } });
      mock.addFault({ method: "HEAD", fault: { kind: "status", status: 503 } });
      const expect: [number, string][] = [
        [500, "InternalError"],
        [503, "ServiceUnavailable"],
        [429, "TooManyRequests"],
        [403, "AccessDenied"],
      ];
      for (const [status, code] of expect) {
        const { res, body } = await get(mock.urlFor(B, "big.bin"));
        assert.equal(res.status, status);
        assert.equal(xmlFields(new TextDecoder().decode(body)).Code, code);
        assert.equal(res.headers.get("retry-after"), status === 503 ? "2" : null);
      }
      const head = await get(mock.urlFor(B, "big.bin"), {}, "HEAD");
      assert.equal(head.res.status, 503);
      const xml = Buffer.from(head.res.headers.get("x-oss-err")!, "base64").toString();
      assert.equal(xmlFields(xml).Code, "ServiceUnavailable");
      assert.equal((await get(mock.urlFor(B, "big.bin"))).res.status, 200);
      assert.equal(mock.bytesServed(), big.length, "error bodies are not counted");
    });

    it("ignore-range: 200 with the whole object and no Content-Range", async () => {
      mock.addFault({ fault: { kind: "ignore-range" } });
      const { res, body } = await get(mock.urlFor(B, "k1000"), { range: "bytes=10-19" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-range"), null);
      assert.ok(same(body, data));
    });

    it("wrong-content-range: body and label both shifted", async () => {
      mock.addFault({ fault: { kind: "wrong-content-range", shift: 100 } });
      mock.addFault({ fault: { kind: "wrong-content-range", shift: -50 } });
      const up = await get(mock.urlFor(B, "k1000"), { range: "bytes=0-99" });
      assert.equal(up.res.status, 206);
      assert.equal(up.res.headers.get("content-range"), "bytes 100-199/1000");
      assert.ok(same(up.body, data.subarray(100, 200)));
      const down = await get(mock.urlFor(B, "k1000"), { range: "bytes=100-199" });
      assert.equal(down.res.headers.get("content-range"), "bytes 50-149/1000");
      assert.ok(same(down.body, data.subarray(50, 150)));
    });

    it("lie-content-range: right body, shifted label", async () => {
      mock.addFault({ fault: { kind: "lie-content-range", shift: -10 } });
      const { res, body } = await get(mock.urlFor(B, "k1000"), { range: "bytes=100-199" });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-range"), "bytes 90-189/1000");
      assert.ok(same(body, data.subarray(100, 200)));
    });

    it("short-body: full Content-Length, fewer bytes", async () => {
      mock.addFault({ fault: { kind: "short-body", bytes: 300 } });
      const { res, body, error } = await fetchAll(mock.urlFor(B, "k1000"), {
        headers: { range: "bytes=0-999" },
      });
      assert.equal(res?.status, 206);
      assert.equal(res?.headers.get("content-length"), "1000");
      assert.ok(body.length <= 300, `received ${body.length}`);
      assert.ok(same(body, data.subarray(0, body.length)));
      // The client notices one way or another: an error, or a body shorter than announced.
      assert.ok(error !== undefined || body.length < 1000);
      assert.equal(mock.log.at(-1)!.bytesSent, 300);
    });

    it("corrupt: flips the byte at that object offset, leaves the stored object alone", async () => {
      mock.addFault({ fault: { kind: "corrupt", atOffset: 500 } });
      const { res, body } = await get(mock.urlFor(B, "k1000"), { range: "bytes=400-599" });
      assert.equal(res.status, 206);
      assert.equal(body[100], data[500]! ^ 0xff);
      body[100] = data[500]!;
      assert.ok(same(body, data.subarray(400, 600)));
      assert.ok(same(mock.object(B, "k1000")!.data, data));
      assert.ok(same((await get(mock.urlFor(B, "k1000"))).body, data));
    });

    it("replace before the response: the old ETag now fails If-Match", async () => {
      const old = await mock.put(B, "rep.bin", bytes(5000, 1));
      const next = bytes(6000, 2);
      mock.addFault({ fault: { kind: "replace", data: next } });
      const { res } = await get(mock.urlFor(B, "rep.bin"), {
        "if-match": old.etag,
        range: "bytes=0-99",
      });
      assert.equal(res.status, 412);
      const now = mock.object(B, "rep.bin")!;
      assert.notEqual(now.etag, old.etag);
      assert.notEqual(now.crc64, old.crc64);
      assert.ok(now.lastModified > old.lastModified);
      assert.ok(same((await get(mock.urlFor(B, "rep.bin"))).body, next));
    });

    it("replace after N bytes: this response keeps the old bytes, the next sees the new", async () => {
      const old = await mock.put(B, "rep2.bin", big);
      const next = bytes(2000, 9);
      mock.addFault({ fault: { kind: "replace", data: next, afterBytes: 100_000 } });
      const { res, body, error } = await fetchAll(mock.urlFor(B, "rep2.bin"));
      assert.equal(error, undefined);
      assert.equal(res!.headers.get("etag"), old.etag);
      assert.ok(same(body, big));
      const head = await get(mock.urlFor(B, "rep2.bin"), {}, "HEAD");
      assert.equal(head.res.headers.get("content-length"), "2000");
      assert.notEqual(head.res.headers.get("etag"), old.etag);
    });

    it("rules: order, skip, times, method, key and when", async () => {
      mock.addFault({ method: "HEAD", fault: { kind: "status", status: 502 }, times: Infinity });
      mock.addFault({ key: "other", fault: { kind: "status", status: 504 }, times: Infinity });
      mock.addFault({ fault: { kind: "status", status: 500 }, skip: 1, times: 2 });
      mock.addFault({ fault: { kind: "status", status: 503 } });
      mock.addFault({
        fault: { kind: "status", status: 429 },
        when: (r) => r.range?.start === 500 && r.range.end === undefined && !r.range.suffix,
      });
      assert.equal(mock.faultsPending(), Infinity);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(mock.urlFor(B, "k1000"))).res.status);
      assert.deepEqual(statuses, [200, 500, 500, 503, 200]);
      assert.equal((await get(mock.urlFor(B, "k1000"), { range: "bytes=0-" })).res.status, 206);
      assert.equal((await get(mock.urlFor(B, "k1000"), { range: "bytes=500-" })).res.status, 429);
      assert.equal((await get(mock.urlFor(B, "k1000"), { range: "bytes=-500" })).res.status, 206);
      assert.equal((await get(mock.urlFor(B, "k1000"), {}, "HEAD")).res.status, 502);
      assert.deepEqual(
        mock.log.map((e) => e.fault ?? "-"),
        ["-", "status", "status", "status", "-", "-", "status", "-", "status"],
      );
      assert.throws(() => mock.addFault({ fault: { kind: "nope" } as never }), TypeError);
      assert.throws(() => mock.addFault({ fault: { kind: "drop", afterBytes: -1 } }), RangeError);
    });
  });

  describe("byte accounting", () => {
    it("counts GET body bytes per key; HEAD and errors count nothing; reset empties the log", async () => {
      await get(mock.urlFor(B, "k1000"));
      await get(mock.urlFor(B, "k1000"), { range: "bytes=0-99" });
      await get(mock.urlFor(B, "k1000"), {}, "HEAD");
      await get(mock.urlFor(B, "nothing"));
      assert.equal(mock.bytesServed(), 1100);
      assert.equal(mock.bytesServed({ key: "k1000" }), 1100);
      assert.equal(mock.bytesServed({ key: "nothing" }), 0);
      assert.equal(mock.log.length, 4);
      assert.deepEqual(mock.log.map((e) => e.status), [200, 206, 200, 404]);
      assert.equal(mock.log[1]!.headers["range"], "bytes=0-99");
      mock.resetStats();
      assert.equal(mock.log.length, 0);
      assert.equal(mock.bytesServed(), 0);
    });

    it("counts bytes as the connection pulls them, not as planned", async () => {
      const size = 64 * MiB;
      await mock.put(B, "huge.bin", new Uint8Array(size));
      const res = await fetch(mock.urlFor(B, "huge.bin"));
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.ok(!first.done && first.value.length > 0);
      await reader.cancel();
      await new Promise((r) => setTimeout(r, 200));
      const served = mock.bytesServed({ key: "huge.bin" });
      assert.ok(served > 0 && served < size / 2, `served ${served} of ${size}`);
      mock.remove(B, "huge.bin");
    });

    it("streams a large object in chunks, concurrently, from one stored copy", async () => {
      const size = 32 * MiB;
      const huge = new Uint8Array(size);
      huge[size - 1] = 42;
      await mock.put(B, "large.bin", huge, { crc64: null });
      const read = async (range?: string) => {
        const res = await fetch(mock.urlFor(B, "large.bin"), range ? { headers: { range } } : {});
        const reader = res.body!.getReader();
        let n = 0, last = -1, chunks = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          n += value.length;
          chunks++;
          last = value[value.length - 1]!;
        }
        return { n, last, chunks };
      };
      const [a, b] = await Promise.all([read(), read(`bytes=${size - MiB}-`)]);
      assert.deepEqual([a.n, a.last], [size, 42]);
      assert.deepEqual([b.n, b.last], [MiB, 42]);
      assert.ok(a.chunks > 1);
      assert.equal(mock.bytesServed({ key: "large.bin" }), size + MiB);
      assert.equal(mock.object(B, "large.bin")!.data, huge, "served without copying");
      mock.remove(B, "large.bin");
    });

    it("throttles with bytesPerSecond", async () => {
      const slow = new MockOss({ bucket: B, bytesPerSecond: MiB });
      await slow.put(B, "s.bin", bytes(256 * KiB));
      const listener = await slow.listen();
      try {
        const started = Date.now();
        const { body } = await fetchAll(slow.urlFor(B, "s.bin"));
        const ms = Date.now() - started;
        assert.equal(body.length, 256 * KiB);
        assert.ok(ms >= 180, `256 KiB at 1 MiB/s took ${ms} ms`);
      } finally {
        await listener.close();
      }
    });
  });
});

describe("mock OSS options and lifecycle", () => {
  it("serves in-process through app.fetch", async () => {
    const mock = new MockOss();
    await mock.put("b", "k", text("in process"));
    const res = await mock.app.fetch(new Request("http://oss.test/b/k"));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "in process");
    assert.throws(() => mock.urlFor("b", "k"), /listen/);
  });

  it("calls auth with the target after the bucket check and sends its answer", async () => {
    const seen: { bucket: string; key: string }[] = [];
    const mock = new MockOss({
      bucket: B,
      auth: (req, target) => {
        seen.push(target);
        return req.headers.has("x-deny") ? new Response("denied", { status: 403 }) : undefined;
      },
    });
    await mock.put(B, "dir/k", text("ok"));
    const listener = await mock.listen();
    try {
      assert.equal((await get(mock.urlFor(B, "dir/k"))).res.status, 200);
      const denied = await get(mock.urlFor(B, "dir/k"), { "x-deny": "1" });
      assert.equal(denied.res.status, 403);
      assert.equal((await get(mock.urlFor("nobucket", "k"))).res.status, 404);
      assert.deepEqual(seen, [{ bucket: B, key: "dir/k" }, { bucket: B, key: "dir/k" }]);
      assert.deepEqual(mock.log.map((e) => e.status), [200, 403, 404]);
    } finally {
      await listener.close();
    }
  });

  it("close() breaks a stalled response and returns promptly", async () => {
    const mock = new MockOss({ bucket: B });
    await mock.put(B, "k", bytes(100_000));
    mock.addFault({ fault: { kind: "stall", afterBytes: 10, ms: 60_000 } });
    const listener = await mock.listen();
    const reading = fetchAll(mock.urlFor(B, "k"));
    while (!mock.log.length) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await listener.close();
    const { body, error } = await reading;
    // The stall lasts 60 s; half of that is a bound no busy machine misses.
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.ok(error instanceof Error);
    assert.ok(body.length < 100_000);
  });

  const other = isDeno ? "node" : "bun";
  it(`also serves through the ${other} backend`, async () => {
    const mock = new MockOss({ bucket: B });
    const payload = bytes(300_000, 5);
    await mock.put(B, "k", payload);
    const listener = await mock.listen({ backend: other });
    try {
      assert.equal(listener.backend, other);
      const { res, body } = await get(mock.urlFor(B, "k"), { range: "bytes=1000-" });
      assert.equal(res.status, 206);
      assert.ok(same(body, payload.subarray(1000)));
      mock.addFault({ fault: { kind: "drop", afterBytes: 50_000 } });
      const dropped = await fetchAll(mock.urlFor(B, "k"));
      assert.ok(dropped.error instanceof Error);
      assert.ok(dropped.body.length <= 50_000);
    } finally {
      await listener.close();
    }
  });
});

describe("main.ts as its own process", () => {
  const script = fileURLToPath(new URL("./mock_oss/main.ts", import.meta.url));
  const start = (args: string[], stdin: "ignore" | "pipe") => {
    const child = spawn(process.execPath, [...(isDeno ? ["run", "-A"] : []), script, ...args], {
      stdio: [stdin, "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code))
    );
    const ready = new Promise<
      { url: string; port: number; objects: { key: string; crc64: string; url: string }[] }
    >(
      (resolve, reject) => {
        child.stdout!.on("data", (d) => {
          out += d;
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
        });
        exited.then((code) => reject(new Error(`exited ${code} before listening: ${err}`)));
      },
    );
    return { child, ready, exited, stderr: () => err };
  };

  it("serves --random and --object data, prints one JSON line, stops on SIGTERM", async () => {
    const p = start(
      ["--random", "r/a b.bin=64KiB", "--object", `self.ts=${script}`, "--seed", "3"],
      "ignore",
    );
    const info = await p.ready;
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.url, `http://127.0.0.1:${info.port}`);
    assert.deepEqual(info.objects.map((o) => o.key), ["self.ts", "r/a b.bin"]);
    const [file, random] = info.objects;
    const { res, body } = await get(random!.url, { range: "bytes=0-" });
    assert.equal(res.status, 206);
    assert.equal(body.length, 64 * KiB);
    assert.equal(res.headers.get("x-oss-hash-crc64ecma"), random!.crc64);
    assert.equal(res.headers.get("x-oss-hash-crc64ecma"), await crc64Decimal(body));
    const source = await get(file!.url);
    assert.match(
      new TextDecoder().decode(source.body),
      /main\.ts as its own process|Runs the mock OSS/,
    );
    // process.kill, not child.kill: after child.kill() Deno reports the signal it sent
    // (code null) even when the child handled it and exited 0.
    process.kill(p.child.pid!, "SIGTERM");
    assert.equal(await p.exited, 0, p.stderr());
    await assert.rejects(fetch(info.url), "the port is closed");
  });

  it("applies --fault rules and exits when its stdin pipe closes", async () => {
    const fault = JSON.stringify({
      fault: { kind: "status", status: 503, retryAfter: 1 },
      times: "Infinity",
    });
    const p = start(["--random", "x=1000", "--fault", fault], "pipe");
    const info = await p.ready;
    const { res } = await get(info.objects[0]!.url);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    p.child.stdin!.end();
    assert.equal(await p.exited, 0, p.stderr());
  });

  it("rejects bad flags with exit code 2", async () => {
    const p = start(["--random", "nosize"], "ignore");
    p.ready.catch(() => {});
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /KEY=VALUE/);
  });
});
