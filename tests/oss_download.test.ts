/**
 * resumableDownload(bucket, key, filename): the seed's signature end to end against the mock
 * OSS verifying every signature, over a real socket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Bucket,
  type BucketOptions,
  MemoryCheckpointStore,
  OssError,
  resumableDownload,
  resumableDownloadUrl,
} from "../mod.ts";
import { MockOss } from "./mock_oss/mod.ts";
import { ossAuth } from "./mock_oss/auth.ts";
import { fileBytes, MiB, randomBytes, sameBytes, tempDir } from "./helpers.ts";

const BUCKET = "seed-bucket";
const REGION = "cn-hangzhou";
const KEYS = [
  "plain.bin",
  "dir/with space/a b.bin",
  "a+b=c.bin",
  "ü/日本語 ключ.bin",
  "/leading.bin",
];

describe("resumableDownload against the signature-checking mock OSS", () => {
  const mock = new MockOss({
    bucket: BUCKET,
    auth: ossAuth({
      credentials: {
        ak: { secret: "sk" },
        "STS.ak": { secret: "sts-secret", securityToken: "token/with+odd=chars" },
      },
      region: REGION,
    }),
  });
  let server: { url: string; close(): Promise<void> };
  let dir: { path: string; cleanup: () => Promise<void> };
  const objects = new Map<string, Uint8Array>();
  before(async () => {
    server = await mock.listen();
    dir = await tempDir();
    for (const [i, key] of KEYS.entries()) {
      const data = randomBytes(2 * MiB + i * 1000, i + 1);
      objects.set(key.replace(/^\/+/, ""), data);
      await mock.put(BUCKET, key.replace(/^\/+/, ""), data);
    }
  });
  after(async () => {
    await server.close();
    await dir.cleanup();
  });

  const bucket = (options: Partial<BucketOptions> = {}) =>
    new Bucket({
      endpoint: server.url,
      bucket: BUCKET,
      accessKeyId: "ak",
      accessKeySecret: "sk",
      region: REGION,
      ...options,
    });

  const variants: [string, Partial<BucketOptions>][] = [
    ["v4", {}],
    ["v1", { signatureVersion: "v1" }],
    ["v4 + STS", {
      accessKeyId: "STS.ak",
      accessKeySecret: "sts-secret",
      securityToken: "token/with+odd=chars",
    }],
    ["v1 + STS", {
      signatureVersion: "v1",
      accessKeyId: "STS.ak",
      accessKeySecret: "sts-secret",
      securityToken: "token/with+odd=chars",
    }],
  ];
  for (const [name, options] of variants) {
    it(`${name}: every awkward key arrives exact, in parallel ranges`, async () => {
      for (const key of KEYS) {
        const target = join(dir.path, name, `${encodeURIComponent(key)}`);
        const result = await resumableDownload(bucket(options), key, target, {
          store: new MemoryCheckpointStore(),
          numThreads: 3,
          partSize: 512 * 1024,
          multigetThreshold: 1,
        });
        const data = objects.get(key.replace(/^\/+/, ""))!;
        assert.ok(sameBytes(await fileBytes(target), data), key);
        assert.equal(result.crc64, mock.object(BUCKET, key.replace(/^\/+/, ""))!.crc64);
      }
    });
  }

  it("a presigned URL from signUrl downloads through resumableDownloadUrl", async () => {
    for (const version of ["v4", "v1"] as const) {
      const url = await bucket({ signatureVersion: version }).signUrl("dir/with space/a b.bin", {
        expires: 600,
      });
      const target = join(dir.path, `presigned-${version}.bin`);
      await resumableDownloadUrl(url, target, {
        store: new MemoryCheckpointStore(),
        numThreads: 2,
        partSize: 512 * 1024,
        multigetThreshold: 1,
      });
      assert.ok(sameBytes(await fileBytes(target), objects.get("dir/with space/a b.bin")!));
    }
  });

  it("a wrong secret fails fast with OssError SignatureDoesNotMatch 403 and leaves no file", async () => {
    const target = join(dir.path, "wrong", "x.bin");
    mock.resetStats();
    await assert.rejects(
      resumableDownload(bucket({ accessKeySecret: "not-the-secret" }), "plain.bin", target, {
        store: new MemoryCheckpointStore(),
      }),
      (e) =>
        e instanceof OssError && e.status === 403 && e.code === "SignatureDoesNotMatch" &&
        typeof e.stringToSign === "string" && e.stringToSign.length > 0,
    );
    assert.equal(mock.log.length, 1, "not retried (so it fails as fast as one request)");
    assert.deepEqual(await readdir(join(dir.path, "wrong")), []);
  });

  it("a missing key fails with OssError NoSuchKey 404 and leaves the existing target alone", async () => {
    const target = join(dir.path, "kept.bin");
    await writeFile(target, "old");
    mock.resetStats();
    await assert.rejects(
      resumableDownload(bucket(), "no/such/key.bin", target, {
        store: new MemoryCheckpointStore(),
      }),
      (e) => e instanceof OssError && e.status === 404 && e.code === "NoSuchKey" && !!e.requestId,
    );
    assert.equal(mock.log.length, 1, "not retried");
    assert.equal(new TextDecoder().decode(await fileBytes(target)), "old");
    assert.deepEqual((await readdir(dir.path)).filter((f) => f.startsWith("kept.bin")), [
      "kept.bin",
    ]);
  });

  it("sends Accept-Encoding: identity, If-Match and standard range behaviour on ranged GETs", async () => {
    mock.resetStats();
    await resumableDownload(bucket(), "plain.bin", join(dir.path, "headers.bin"), {
      store: new MemoryCheckpointStore(),
      partSize: MiB,
      multigetThreshold: 1,
      headers: { "x-oss-traffic-limit": "819200000" },
    });
    const gets = mock.log.filter((r) => r.method === "GET");
    assert.equal(gets.length, 2); // 2 MiB in 1 MiB parts
    for (const g of gets) {
      assert.equal(g.headers["accept-encoding"], "identity");
      assert.equal(g.headers["if-match"], mock.object(BUCKET, "plain.bin")!.etag);
      assert.equal(g.headers["x-oss-range-behavior"], "standard");
      assert.equal(g.headers["x-oss-traffic-limit"], "819200000");
      assert.match(g.headers["range"] ?? "", /^bytes=\d+-\d+$/);
    }
    assert.ok(mock.log.some((r) => r.method === "HEAD"));
  });
});
