/**
 * What every request carries and what a download is known by: presigned URLs of every
 * family keep their checkpoint when renewed, `checkpointId` for any other scheme, one
 * `Accept-Encoding: identity` and our `User-Agent` on every request, the version in one
 * place.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Bucket,
  type DownloadOptions,
  HttpSource,
  MemoryCheckpointStore,
  resumableDownload,
  resumableDownloadUrl,
} from "../mod.ts";
import { VERSION } from "../src/version.ts";
import { startServer, type TestServer } from "./adversarial_server.ts";
import { fileBytes, randomBytes, sameBytes, tempDir } from "./helpers.ts";

const KiB = 1024;

/** Two signatures of the same object per family (values differ, identity the same). */
const FAMILIES: [string, (n: number) => string][] = [
  ["OSS v1", (n) => `OSSAccessKeyId=AK${n}&Expires=${1700000000 + n}&Signature=sig${n}%3D`],
  [
    "OSS v1 + STS",
    (n) => `OSSAccessKeyId=STS.${n}&Expires=${n}&Signature=s${n}&security-token=t${n}`,
  ],
  [
    "OSS v4",
    (n) =>
      `x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=AK${n}%2F2025%2Fcn%2Foss%2Faliyun_v4_request&x-oss-date=2025010${n}T000000Z&x-oss-expires=3600&x-oss-signature=${n}abc`,
  ],
  [
    "S3 SigV4",
    (n) =>
      `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK${n}%2F2025%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=2025010${n}T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok${n}&X-Amz-Signature=${n}f00`,
  ],
  ["S3 SigV2", (n) => `AWSAccessKeyId=AK${n}&Expires=${1700000000 + n}&Signature=s${n}%2B`],
  [
    "GCS V4",
    (n) =>
      `X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa${n}%2F2025%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=2025010${n}T000000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=${n}beef`,
  ],
  [
    "GCS V2",
    (n) => `GoogleAccessId=sa${n}%40p.iam.gserviceaccount.com&Expires=${n}&Signature=g${n}`,
  ],
  [
    "Azure SAS",
    (n) =>
      `sv=2022-11-02&ss=b&srt=o&sp=r&se=2025-01-0${n}T00%3A00%3A00Z&st=2024-12-0${n}T00%3A00%3A00Z&spr=https&sip=1.2.3.${n}&sr=b&skoid=o${n}&sktid=t${n}&skt=x${n}&ske=y${n}&sks=b&skv=2022-11-02&sig=az${n}%3D`,
  ],
  ["CloudFront (canned)", (n) => `Expires=${1700000000 + n}&Signature=cf${n}~&Key-Pair-Id=K${n}`],
  ["CloudFront (custom policy)", (n) => `Policy=p${n}&Signature=cf${n}~&Key-Pair-Id=K${n}`],
];

describe("request identity and headers", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: TestServer;
  const data = randomBytes(256 * KiB, 31);
  before(async () => {
    dir = await tempDir();
    server = await startServer(data, { etag: '"same-object"' });
  });
  after(async () => {
    await server.close();
    await dir.cleanup();
  });
  const options = (extra: DownloadOptions = {}): DownloadOptions => ({
    multigetThreshold: 1,
    partSize: 32 * KiB,
    retry: { initialDelay: 2, backoffLimit: 20 },
    ...extra,
  });

  /** Aborts a download of `url` after 96 KiB, then resumes with `renewed`. */
  async function resumeWith(url: string, renewed: string, extra: DownloadOptions = {}) {
    const target = join(dir.path, `out-${Math.random().toString(36).slice(2)}.bin`);
    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(url, target, {
        ...options({ store, ...extra }),
        signal: controller.signal,
        progressCallback: (done) => {
          if (done >= 96 * KiB) controller.abort(new Error("expired"));
        },
      }),
      /expired/,
    );
    const result = await resumableDownloadUrl(renewed, target, options({ store, ...extra }));
    assert.ok(sameBytes(await fileBytes(target), data));
    return result;
  }

  for (const [family, query] of FAMILIES) {
    it(`a renewed ${family} URL resumes the same checkpoint`, async () => {
      const a = `${server.url}?versionId=7&${query(1)}`;
      const b = `${server.url}?${query(2)}&versionId=7`;
      assert.equal(new HttpSource(a).id, new HttpSource(b).id);
      assert.equal(new HttpSource(a).id, `${server.url}?versionId=7`);
      const result = await resumeWith(a, b);
      assert.equal(result.resumed, true);
      assert.ok(result.bytesFetched <= data.length - 96 * KiB, `fetched ${result.bytesFetched}`);
    });
  }

  it("keeps short names that are not an Azure SAS, and Policy without Key-Pair-Id", () => {
    const id = new HttpSource(`${server.url}?sp=1&se=2&sr=3&Policy=4`).id;
    assert.equal(id, `${server.url}?Policy=4&se=2&sp=1&sr=3`);
    assert.notEqual(
      new HttpSource(`${server.url}?sp=1`).id,
      new HttpSource(`${server.url}?sp=2`).id,
    );
  });

  it("checkpointId resumes a scheme the library does not know", async () => {
    const a = `${server.url}?token=first`;
    const b = `${server.url}?token=second`;
    assert.notEqual(new HttpSource(a).id, new HttpSource(b).id);
    const result = await resumeWith(a, b, { checkpointId: "my-object" });
    assert.equal(result.resumed, true);
    await assert.rejects(
      resumableDownloadUrl(a, join(dir.path, "x"), { checkpointId: "" }),
      (e) => e instanceof TypeError && /checkpointId/.test(e.message),
    );
  });

  it("every request carries one Accept-Encoding: identity and our User-Agent (URL and OSS)", async () => {
    const start = server.log.length;
    await resumableDownloadUrl(server.url, join(dir.path, "ua.bin"), options({ numThreads: 2 }));
    const bucket = new Bucket({
      endpoint: new URL(server.url).origin,
      bucket: "bkt",
      accessKeyId: "ak",
      accessKeySecret: "sk",
      region: "cn-hangzhou",
      pathStyle: true,
    });
    await resumableDownload(bucket, "object.bin", join(dir.path, "ua-oss.bin"), options());
    const requests = server.log.slice(start);
    assert.ok(requests.length > 10);
    const ua = new RegExp(`^resumable-download/${VERSION.replaceAll(".", "\\.")} \\(.+\\)$`);
    for (const r of requests) {
      const names = r.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      assert.equal(names.filter((n) => n === "accept-encoding").length, 1, r.rawHeaders.join());
      assert.equal(r.headers["accept-encoding"], "identity");
      assert.match(String(r.headers["user-agent"]), ua);
    }
  });

  it("the version in src/version.ts is package.json's", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    assert.equal(VERSION, pkg.version);
  });
});
