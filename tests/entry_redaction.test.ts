/**
 * Errors leave the library's entry points without secrets, even the ones the library did
 * not make: a runtime's TypeError quoting a presigned URL that does not parse, a raw error
 * from a caller's source or from a listing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  Bucket,
  downloadMany,
  downloadObject,
  downloadPrefix,
  MemoryCheckpointStore,
  type ObjectSource,
  resumableDownloadUrl,
} from "../mod.ts";
import * as web from "../web.ts";
import { MemoryFileSystem } from "../src/fs/memory.ts";
import { tempDir } from "./helpers.ts";

const OSS_SIG = "ossSig0123456789abcdefXYZ";
const AMZ_SIG = "0123456789abcdef0123456789abcdef";

/** Every printable form of `e`. */
function printed(e: unknown): string {
  return [
    inspect(e, { depth: Infinity }),
    JSON.stringify(e),
    String(e),
    (e as Error).stack ?? "",
  ].join("\n");
}

/** Asserts `p` rejects with a `cls` that prints no signature. */
async function rejectsClean(p: Promise<unknown>, cls: ErrorConstructor): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${inspect(e)}`);
    const text = printed(e);
    assert.ok(!text.includes(OSS_SIG), `x-oss-signature leaked:\n${text}`);
    assert.ok(!text.includes(AMZ_SIG), `X-Amz-Signature leaked:\n${text}`);
    assert.match(text, /<redacted>/);
    return true;
  });
}

/** A source whose first request fails with a raw (not a DownloadError) error. */
function rawFailing(url: string): ObjectSource {
  return {
    id: "raw-failing",
    stat: () => Promise.reject(new Error(`cannot use ${url}`)),
    read: () => Promise.reject(new Error("unreachable")),
  };
}

describe("errors leaving the entry points carry no secret", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  // A host with a space does not parse: HttpSource's TypeError quotes the URL.
  const badOss = `https://b c.example/k?OSSAccessKeyId=AK&Expires=1&x-oss-signature=${OSS_SIG}`;
  const badAmz = `ftp://s3.example/k?X-Amz-Credential=AK&X-Amz-Signature=${AMZ_SIG}`;

  it("resumableDownloadUrl with a presigned URL that does not parse (mod.ts and web.ts)", async () => {
    const store = new MemoryCheckpointStore();
    for (const url of [badOss, badAmz]) {
      await rejectsClean(resumableDownloadUrl(url, `${dir.path}/a`, { store }), TypeError);
      const fs = new MemoryFileSystem();
      await rejectsClean(web.resumableDownloadUrl(url, "/a", { store, fs }), TypeError);
    }
  });

  it("downloadObject: a raw error from the caller's source", async () => {
    const store = new MemoryCheckpointStore();
    const source = rawFailing(`https://h.example/k?x-oss-signature=${OSS_SIG}`);
    await rejectsClean(downloadObject(source, `${dir.path}/b`, { store }), Error);
  });

  it("downloadPrefix and downloadMany: a raw error of the listing or the items", async () => {
    const store = new MemoryCheckpointStore();
    const bucket = new Bucket({ endpoint: "http://127.0.0.1:9", bucket: "bkt" });
    bucket.listObjects = () =>
      Promise.reject(new Error(`listing https://bkt.example/?X-Amz-Signature=${AMZ_SIG}`));
    await rejectsClean(downloadPrefix(bucket, "p/", `${dir.path}/c`, { store }), Error);
    const result = await downloadMany([{ source: badOss, filename: `${dir.path}/d` }], { store })
      .catch((e) => e);
    // Either collected as a failure or rejected: no signature in either.
    const text = printed(result);
    assert.ok(!text.includes(OSS_SIG), text);
  });
});
