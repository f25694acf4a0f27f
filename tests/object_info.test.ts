/**
 * Every source reads the object's validators and checksums from headers the same way
 * (src/sources/object_info.ts): the prefetching stat of a batch keeps what HttpSource and
 * OssObjectSource keep.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PrefetchingSource } from "../src/bulk/prefetch_source.ts";
import { objectInfoFromHeaders } from "../src/sources/object_info.ts";
import type { ObjectInfo, ObjectSource, ReadRequest } from "../src/sources/source.ts";

const STATED = {
  etag: '"0123"',
  "last-modified": "Wed, 02 Dec 2026 10:00:00 GMT",
  "x-oss-hash-crc64ecma": " 42 ",
  "x-oss-version-id": "v7",
  "x-goog-hash": "crc32c=AAAAAA==, md5=1B2M2Y8AsgTpgAmY7PhCfg==",
};

describe("objectInfoFromHeaders", () => {
  it("keeps validators, the CRC-64 and every stated checksum", () => {
    const info = objectInfoFromHeaders(new Headers(STATED), { size: 9, acceptRanges: true }, true);
    assert.equal(info.size, 9);
    assert.equal(info.etag, '"0123"');
    assert.equal(info.lastModified, STATED["last-modified"]);
    assert.equal(info.crc64, "42");
    assert.equal(info.versionId, "v7");
    assert.equal(info.checksums?.md5, "d41d8cd98f00b204e9800998ecf8427e");
    assert.equal(info.checksums?.crc32c, "00000000");
  });

  it("the prefetching stat of a batch keeps the checksums too", async () => {
    const body = new Uint8Array(9);
    const inner: ObjectSource = {
      id: "mem://o",
      stat: (): Promise<ObjectInfo> => Promise.reject(new Error("not used")),
      read: (_r: ReadRequest) =>
        Promise.resolve(
          new Response(body, {
            status: 200,
            headers: { ...STATED, "content-length": String(body.length) },
          }),
        ),
    };
    const source = new PrefetchingSource(inner, 1024 * 1024);
    const info = await source.stat();
    assert.equal(info.size, 9);
    assert.equal(info.crc64, "42");
    assert.equal(info.checksums?.md5, "d41d8cd98f00b204e9800998ecf8427e");
    await source.release();
  });
});
