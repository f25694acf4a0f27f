/**
 * The digest code under src/integrity/ (MD5 and CRC-32/CRC-32C in plain JS, the hasher
 * factory, reading servers' checksum headers) and the sample choice of src/engine/samples.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Md5 } from "../src/integrity/md5.ts";
import { Crc32, CRC32C_POLY } from "../src/integrity/crc32.ts";
import { createHasher, DIGEST_NAMES } from "../src/integrity/hashers.ts";
import { checksumsFromHeaders } from "../src/integrity/server_checksums.ts";
import { chooseSamples, SAMPLE_COUNT, SAMPLE_SIZE } from "../src/engine/samples.ts";
import { randomBytes } from "./helpers.ts";

const enc = new TextEncoder();
const hex = (algo: string, d: Uint8Array) => createHash(algo).update(d).digest("hex");
const b64 = (h: string) => Buffer.from(h, "hex").toString("base64");

describe("digests", () => {
  it("MD5 (plain JS) matches RFC 1321's test suite and node:crypto on odd chunkings", () => {
    const suite: [string, string][] = [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["a", "0cc175b9c0f1b6a831c399e269772661"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
      ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
      [
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        "57edf4a22be3c955ac49da2e2107b67a",
      ],
    ];
    for (const [text, want] of suite) {
      assert.equal(new Md5().update(enc.encode(text)).digest(), want);
    }
    const data = randomBytes(100_003, 5);
    const h = new Md5();
    for (let i = 0; i < data.length; i += 777) h.update(data.subarray(i, i + 777));
    assert.equal(h.digest(), hex("md5", data));
  });

  it("CRC-32 and CRC-32C (plain JS) have their check values and stream", () => {
    const check = enc.encode("123456789");
    assert.equal(new Crc32().update(check).digest(), "cbf43926");
    assert.equal(new Crc32(CRC32C_POLY).update(check).digest(), "e3069283");
    const data = randomBytes(10_001, 6);
    const whole = new Crc32(CRC32C_POLY).update(data).digest();
    const parts = new Crc32(CRC32C_POLY);
    for (let i = 0; i < data.length; i += 333) parts.update(data.subarray(i, i + 333));
    assert.equal(parts.digest(), whole);
  });

  it("every hasher of the factory agrees with node:crypto or the JS versions", async () => {
    const data = randomBytes(70_000, 7);
    const expected: Record<string, string> = {
      md5: hex("md5", data),
      sha1: hex("sha1", data),
      sha256: hex("sha256", data),
      sha512: hex("sha512", data),
      crc32: new Crc32().update(data).digest(),
      crc32c: new Crc32(CRC32C_POLY).update(data).digest(),
    };
    for (const name of DIGEST_NAMES) {
      const h = (await createHasher(name))!;
      h.update(data.subarray(0, 12_345));
      h.update(data.subarray(12_345));
      assert.equal(h.digest(), expected[name], name);
    }
  });
});

describe("checksums from response headers", () => {
  const data = enc.encode("hello");
  const md5 = hex("md5", data);
  const sha256 = hex("sha256", data);

  it("reads GCS x-goog-hash, Repr-Digest, Digest and S3 x-amz-checksum-*", () => {
    const crc32c = new Crc32(CRC32C_POLY).update(data).digest();
    assert.deepEqual(
      checksumsFromHeaders(
        new Headers({ "x-goog-hash": `crc32c=${b64(crc32c)}, md5=${b64(md5)}` }),
        false,
      ),
      { crc32c, md5 },
    );
    assert.deepEqual(
      checksumsFromHeaders(
        new Headers({ "repr-digest": `sha-256=:${b64(sha256)}:, md5=:${b64(md5)}:` }),
        false,
      ),
      { sha256, md5 },
    );
    assert.deepEqual(
      checksumsFromHeaders(
        new Headers({ "digest": `SHA-256=${b64(sha256)},MD5=${b64(md5)}` }),
        false,
      ),
      { sha256, md5 },
    );
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ "x-amz-checksum-sha256": b64(sha256) }), false),
      { sha256 },
    );
    // A composite multipart checksum is not a checksum of the bytes.
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ "x-amz-checksum-crc32c": `${b64(crc32c)}-3` }), false),
      {},
    );
  });

  it("uses Content-MD5 only for a whole body", () => {
    const h = new Headers({ "content-md5": b64(md5) });
    assert.deepEqual(checksumsFromHeaders(h, true), { md5 });
    assert.deepEqual(checksumsFromHeaders(h, false), {}, "of a 206: the range's, not the object's");
  });

  it("takes an ETag for an MD5 only from S3/OSS, single-part, without KMS", () => {
    const etag = `"${md5}"`;
    const s3 = { "x-amz-request-id": "R", etag };
    assert.deepEqual(checksumsFromHeaders(new Headers(s3), false), { md5 });
    assert.deepEqual(
      checksumsFromHeaders(
        new Headers({ ...s3, "x-amz-server-side-encryption": "aws:kms" }),
        false,
      ),
      {},
    );
    assert.deepEqual(checksumsFromHeaders(new Headers({ ...s3, etag: `"${md5}-2"` }), false), {});
    assert.deepEqual(
      checksumsFromHeaders(
        new Headers({ ...s3, "x-amz-server-side-encryption-customer-algorithm": "AES256" }),
        false,
      ),
      {},
    );
    // Amazon's default SSE-S3 keeps the MD5; another S3-compatible server's encryption may not.
    const sse = { "x-amz-server-side-encryption": "AES256" };
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ ...s3, ...sse, server: "AmazonS3" }), false),
      { md5 },
    );
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ ...s3, ...sse, server: "MinIO" }), false),
      {},
    );
    const oss = { "x-oss-request-id": "R", etag: `"${md5.toUpperCase()}"` };
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ ...oss, "x-oss-object-type": "Normal" }), false),
      {
        md5,
      },
    );
    assert.deepEqual(
      checksumsFromHeaders(new Headers({ ...oss, "x-oss-object-type": "Appendable" }), false),
      {},
    );
    assert.deepEqual(checksumsFromHeaders(new Headers({ etag }), false), {}, "nginx-like: no");
  });

  it("ignores malformed values", () => {
    const h = new Headers({
      "x-goog-hash": "crc32c=!!!, md5=AAAA",
      "repr-digest": "sha-256=notcolons",
      "content-md5": "short",
    });
    assert.deepEqual(checksumsFromHeaders(h, true), {});
  });
});

describe("sample choice", () => {
  it("compares every byte of small saved ranges", () => {
    const s = chooseSamples([{ start: 0, end: 5000 }, { start: 9000, end: 9500 }]);
    assert.deepEqual(s, [{ start: 0, end: 4096 }, { start: 4096, end: 5000 }, {
      start: 9000,
      end: 9500,
    }]);
  });

  it("draws one block per stratum, inside the saved bytes", () => {
    const covered = [{ start: 0, end: 3_000_000 }, { start: 5_000_000, end: 9_000_000 }];
    for (const r of [() => 0, () => 0.999999, Math.random]) {
      const s = chooseSamples(covered, r);
      assert.equal(s.length, SAMPLE_COUNT);
      for (const x of s) {
        assert.equal(x.end - x.start, SAMPLE_SIZE);
        assert.ok(covered.some((c) => x.start >= c.start && x.end <= c.end), JSON.stringify(x));
      }
      // One per eighth of the 7,000,000 saved bytes.
      const total = 7_000_000;
      const rank = (x: number) => x < 3_000_000 ? x : x - 2_000_000;
      s.forEach((x, i) => {
        const at = rank(x.start);
        assert.ok(
          at >= Math.floor(total * i / 8) - SAMPLE_SIZE && at < Math.floor(total * (i + 1) / 8),
        );
      });
    }
  });
});
