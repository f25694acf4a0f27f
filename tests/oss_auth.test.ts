/**
 * The mock's signature verifier (tests/mock_oss/auth.ts, written independently of the client)
 * against the client (src/sources/oss): every signing mode is accepted across awkward keys;
 * wrong secrets, unknown keys, bad tokens, skewed clocks and expired URLs are rejected the
 * way OSS rejects them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AuthCheck, ossAuth } from "./mock_oss/auth.ts";
import { Bucket, type BucketOptions } from "../src/sources/oss/bucket.ts";
import { OssObjectSource } from "../src/sources/oss/source.ts";
import { ossErrorFromResponse, parseOssErrorXml } from "../src/sources/oss/errors.ts";
import { signV4Headers } from "../src/sources/oss/sign_v4.ts";
import { signV1Headers } from "../src/sources/oss/sign_v1.ts";
import { OssError } from "../src/errors.ts";
import { MockOss } from "./mock_oss/server.ts";

const REGION = "cn-hangzhou";
const CREDENTIALS = {
  ak: { secret: "sk" },
  "STS.ak": { secret: "sts-secret", securityToken: "sts-token/with+odd=chars" },
};
const KEYS = [
  "plain.bin",
  "dir/sub/a b.bin",
  "a+b=c&d;e,f.bin",
  "100%/x%2Fy",
  "ü/日本語 ключ 🎉.txt",
  "~tilde*(!)'$@:",
  "a/../b/./c",
  "/leading/slash",
  "trailing/",
  "double//slash",
];

/** A fetch that hands each request to `auth` as the mock would (path style), else 200. */
function loopback(auth: AuthCheck, seen: Request[] = []): typeof fetch {
  return (async (input: Request | URL | string, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    const decoded = decodeURIComponent(new URL(req.url).pathname).slice(1);
    const slash = decoded.indexOf("/");
    const target = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
    const denied = await auth(req, target);
    if (denied) return denied;
    return new Response(req.method === "HEAD" ? null : "ok", {
      status: 200,
      headers: { "content-length": "2", etag: '"ETAG"', "x-oss-hash-crc64ecma": "1" },
    });
  }) as typeof fetch;
}

function bucketFor(
  auth: AuthCheck,
  options: Partial<BucketOptions> = {},
  seen?: Request[],
): Bucket {
  return new Bucket({
    endpoint: "http://127.0.0.1:9",
    bucket: "test-bucket",
    accessKeyId: "ak",
    accessKeySecret: "sk",
    region: REGION,
    fetch: loopback(auth, seen),
    ...options,
  });
}

const STS_OPTIONS = {
  accessKeyId: "STS.ak",
  accessKeySecret: "sts-secret",
  securityToken: "sts-token/with+odd=chars",
};

async function expectOssError(
  promise: Promise<unknown>,
  status: number,
  code: string,
): Promise<OssError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OssError, `expected OssError ${code}, got ${String(caught)}`);
  assert.equal(caught.status, status);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe("the verifier accepts what the client signs", () => {
  const auth = ossAuth({ credentials: CREDENTIALS, region: REGION });

  for (const version of ["v4", "v1"] as const) {
    for (const [label, creds] of [["AccessKey", {}], ["STS", STS_OPTIONS]] as const) {
      it(`${version} ${label} header: HEAD and ranged GET for awkward keys`, async () => {
        const seen: Request[] = [];
        const bucket = bucketFor(auth, { signatureVersion: version, ...creds }, seen);
        for (const key of KEYS) {
          const source = new OssObjectSource(bucket, key, {
            versionId: "CAEQ+/=v1",
            headers: { "x-oss-traffic-limit": "819200", "x-oss-request-payer": "requester" },
          });
          const info = await source.stat();
          assert.equal(info.size, 2, key);
          const response = await source.read({ range: { start: 0, end: 1 }, ifMatch: '"ETAG"' });
          assert.equal(response.status, 200, key);
          assert.equal(await response.text(), "ok");
        }
        const get = seen.at(-1)!;
        assert.equal(get.headers.get("range"), "bytes=0-1");
        assert.equal(get.headers.get("x-oss-range-behavior"), "standard");
        assert.equal(get.headers.get("accept-encoding"), "identity");
        assert.equal(get.headers.get("if-match"), '"ETAG"');
        assert.equal(get.headers.has("date"), false);
        assert.ok(get.headers.get("x-oss-date"));
        assert.equal(get.headers.get("x-oss-security-token") ?? undefined, creds.securityToken);
        assert.equal(new URL(get.url).searchParams.get("versionId"), "CAEQ+/=v1");
      });

      it(`${version} ${label} presigned URL for awkward keys`, async () => {
        const bucket = bucketFor(auth, { signatureVersion: version, ...creds });
        const fetchIt = loopback(auth);
        for (const key of KEYS) {
          for (const method of ["GET", "HEAD"] as const) {
            const url = await bucket.signUrl(key, {
              method,
              versionId: "v 1",
              expires: 60,
              query: {
                "response-content-disposition": 'attachment; filename="a b.bin"',
                "x-oss-traffic-limit": "819200",
              },
            });
            const response = await fetchIt(url, { method });
            assert.equal(response.status, 200, `${method} ${key}: ${await response.text()}`);
          }
        }
      });
    }
  }

  it("virtual-hosted and CNAME URLs sign the same /bucket/key", async () => {
    for (const cname of [false, true]) {
      const seen: Request[] = [];
      const bucket = new Bucket({
        endpoint: cname ? "https://cdn.example.com" : "oss-cn-hangzhou.aliyuncs.com",
        bucket: "examplebucket",
        accessKeyId: "ak",
        accessKeySecret: "sk",
        cname,
        region: REGION,
        fetch: (async (input: Request | URL | string, init?: RequestInit) => {
          const req = new Request(input, init);
          seen.push(req);
          const key = decodeURIComponent(new URL(req.url).pathname).slice(1);
          return (await auth(req, { bucket: "examplebucket", key })) ?? new Response("ok");
        }) as typeof fetch,
      });
      const response = await bucket.request("GET", "dir/a b.bin", { query: { versionId: "1" } });
      assert.equal(response.status, 200, await response.text());
      assert.equal(
        seen[0]!.url,
        cname
          ? "https://cdn.example.com/dir/a%20b.bin?versionId=1"
          : "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.bin?versionId=1",
      );
    }
  });

  it("v4 with AdditionalHeaders, with ',' and ', ' separators", async () => {
    for (const separator of [",", ", "]) {
      const signed = await signV4Headers(
        {
          method: "GET",
          bucket: "b",
          key: "k",
          headers: { host: "127.0.0.1", range: "bytes=0-1", "x-oss-range-behavior": "standard" },
        },
        { accessKeyId: "ak", accessKeySecret: "sk" },
        { region: REGION, date: new Date(), additionalHeaders: ["range", "host"] },
      );
      const authorization = signed.authorization.replace(/,/g, separator);
      assert.ok(authorization.includes(`${separator}AdditionalHeaders=host;range${separator}`));
      signed.headers.set("authorization", authorization);
      const req = new Request("http://127.0.0.1/b/k", { headers: signed.headers });
      assert.equal(await auth(req, { bucket: "b", key: "k" }), undefined);
      // The additional headers are signed: changing Range breaks the signature.
      signed.headers.set("range", "bytes=0-2");
      const tampered = await auth(
        new Request("http://127.0.0.1/b/k", { headers: signed.headers }),
        {
          bucket: "b",
          key: "k",
        },
      );
      assert.equal(tampered?.status, 403);
    }
  });

  it("anonymous requests only when allowed", async () => {
    const req = () => new Request("http://127.0.0.1/b/k");
    assert.equal(
      await ossAuth({ credentials: {}, allowAnonymous: true })(req(), { bucket: "b", key: "k" }),
      undefined,
    );
    const denied = await ossAuth({ credentials: {} })(req(), { bucket: "b", key: "k" });
    assert.equal(denied?.status, 403);
    assert.equal(parseOssErrorXml(await denied!.text())?.Code, "AccessDenied");
    // An anonymous Bucket sends no signature at all.
    const seen: Request[] = [];
    const anonymous = new Bucket({
      endpoint: "http://127.0.0.1:9",
      bucket: "test-bucket",
      fetch: loopback(ossAuth({ credentials: {}, allowAnonymous: true }), seen),
    });
    assert.equal((await anonymous.request("GET", "k")).status, 200);
    assert.equal(seen[0]!.headers.has("authorization"), false);
    assert.equal(seen[0]!.headers.has("x-oss-date"), false);
    assert.equal(await anonymous.signUrl("a b"), "http://127.0.0.1:9/test-bucket/a%20b");
  });
});

describe("the verifier rejects like OSS", () => {
  const auth = ossAuth({ credentials: CREDENTIALS, region: REGION });

  for (const version of ["v4", "v1"] as const) {
    it(`${version}: wrong secret -> 403 SignatureDoesNotMatch with StringToSign`, async () => {
      const bucket = bucketFor(auth, { signatureVersion: version, accessKeySecret: "wrong" });
      const response = await bucket.request("GET", "dir/a b.bin", { query: { versionId: "v" } });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get("content-type"), "application/xml");
      const xml = await response.text();
      assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error>\n {2}<Code>/);
      const fields = parseOssErrorXml(xml)!;
      assert.equal(fields.Code, "SignatureDoesNotMatch");
      assert.match(fields.RequestId!, /^[0-9A-F]{24}$/);
      assert.equal(fields.OSSAccessKeyId, "ak");
      assert.ok(fields.EC);
      assert.equal(response.headers.get("x-oss-ec"), fields.EC);
      if (version === "v4") {
        assert.match(fields.StringToSign!, /^OSS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/cn-hangzhou\//);
        assert.ok(
          fields.CanonicalRequest!.startsWith("GET\n/test-bucket/dir/a%20b.bin\nversionId=v\n"),
        );
      } else {
        assert.ok(fields.StringToSign!.endsWith("\n/test-bucket/dir/a b.bin?versionId=v"));
        assert.equal(fields.CanonicalRequest, undefined);
      }
    });

    it(`${version}: HEAD errors have no body, x-oss-err carries the XML`, async () => {
      const bucket = bucketFor(auth, { signatureVersion: version, accessKeySecret: "wrong" });
      const source = new OssObjectSource(bucket, "ü key");
      const error = await expectOssError(source.stat(), 403, "SignatureDoesNotMatch");
      if (version === "v1") assert.ok(error.stringToSign?.endsWith("\n/test-bucket/ü key"));
      else assert.ok(error.canonicalRequest?.startsWith("HEAD\n/test-bucket/%C3%BC%20key\n"));
      assert.match(error.requestId!, /^[0-9A-F]{24}$/);
      assert.ok(error.ec);
      assert.equal(error.method, "HEAD");
      assert.equal(error.url, "http://127.0.0.1:9/test-bucket/%C3%BC%20key");
      const raw = await bucket.request("HEAD", "ü key");
      assert.equal(raw.body, null);
      assert.ok(raw.headers.get("x-oss-err"));
    });

    it(`${version}: unknown AccessKey ID -> 403 InvalidAccessKeyId`, async () => {
      const bucket = bucketFor(auth, { signatureVersion: version, accessKeyId: "nobody" });
      await expectOssError(new OssObjectSource(bucket, "k").read({}), 403, "InvalidAccessKeyId");
      const url = await bucket.signUrl("k");
      const response = await loopback(auth)(url);
      assert.equal(parseOssErrorXml(await response.text())?.Code, "InvalidAccessKeyId");
    });

    it(`${version}: STS token missing, wrong, or sent for a plain key`, async () => {
      const { securityToken: _, ...withoutToken } = STS_OPTIONS;
      const missing = bucketFor(auth, { signatureVersion: version, ...withoutToken });
      await expectOssError(new OssObjectSource(missing, "k").stat(), 403, "InvalidAccessKeyId");
      const wrong = bucketFor(auth, {
        signatureVersion: version,
        ...STS_OPTIONS,
        securityToken: "other",
      });
      await expectOssError(new OssObjectSource(wrong, "k").stat(), 403, "InvalidSecurityToken");
      const extra = bucketFor(auth, { signatureVersion: version, securityToken: "tok" });
      await expectOssError(new OssObjectSource(extra, "k").stat(), 403, "InvalidSecurityToken");
      const url = await wrong.signUrl("k");
      assert.equal((await loopback(auth)(url)).status, 403);
    });

    it(`${version}: an expired presigned URL -> 403 AccessDenied "Request has expired."`, async () => {
      const bucket = bucketFor(auth, { signatureVersion: version });
      const url = await bucket.signUrl("k", {
        expires: 60,
        now: new Date(Date.now() - 61_000),
      });
      const response = await loopback(auth)(url);
      assert.equal(response.status, 403);
      const fields = parseOssErrorXml(await response.text())!;
      assert.equal(fields.Code, "AccessDenied");
      assert.equal(fields.Message, "Request has expired.");
      assert.equal(fields.EC, "0002-00000069");
      const head = await loopback(auth)(url, { method: "HEAD" });
      const error = await ossErrorFromResponse(head, { method: "HEAD", url: "u" });
      assert.ok(error instanceof OssError);
      assert.equal(error.code, "AccessDenied");
      // Still valid a second before expiry.
      const fresh = await bucket.signUrl("k", { expires: 60, now: new Date(Date.now() - 58_000) });
      assert.equal((await loopback(auth)(fresh)).status, 200);
    });

    it(`${version}: a tampered query or key fails`, async () => {
      const bucket = bucketFor(auth, { signatureVersion: version });
      const url = new URL(await bucket.signUrl("k", { versionId: "a" }));
      url.searchParams.set("versionId", "b");
      assert.equal((await loopback(auth)(url)).status, 403);
      const other = new URL(await bucket.signUrl("k"));
      other.pathname = "/test-bucket/k2";
      assert.equal((await loopback(auth)(other)).status, 403);
    });
  }

  it("15-minute skew -> 403 RequestTimeTooSkewed (header signatures)", async () => {
    for (const version of ["v4", "v1"] as const) {
      const ahead = ossAuth({
        credentials: CREDENTIALS,
        region: REGION,
        now: () => new Date(Date.now() + 16 * 60_000),
      });
      const request = { method: "GET", bucket: "b", key: "k" };
      const creds = { accessKeyId: "ak", accessKeySecret: "sk" };
      const signed = version === "v4"
        ? await signV4Headers(request, creds, { region: REGION, date: new Date() })
        : await signV1Headers(request, creds, { date: new Date() });
      const denied = await ahead(new Request("http://h/b/k", { headers: signed.headers }), {
        bucket: "b",
        key: "k",
      });
      assert.equal(denied?.status, 403);
      const fields = parseOssErrorXml(await denied!.text())!;
      assert.equal(fields.Code, "RequestTimeTooSkewed");
      assert.ok(fields.ServerTime);
      // 14 minutes is fine.
      const near = ossAuth({
        credentials: CREDENTIALS,
        region: REGION,
        now: () => new Date(Date.now() + 14 * 60_000),
      });
      assert.equal(
        await near(new Request("http://h/b/k", { headers: signed.headers }), {
          bucket: "b",
          key: "k",
        }),
        undefined,
      );
    }
  });

  it("the client adopts the server clock on RequestTimeTooSkewed and retries once", async () => {
    for (const version of ["v4", "v1"] as const) {
      for (const skewMs of [40 * 60_000, -3 * 3600_000]) {
        const seen: Request[] = [];
        const skewed = ossAuth({
          credentials: CREDENTIALS,
          region: REGION,
          now: () => new Date(Date.now() + skewMs),
        });
        const bucket = bucketFor(skewed, { signatureVersion: version }, seen);
        const source = new OssObjectSource(bucket, "dir/k");
        assert.equal((await source.stat()).size, 2);
        assert.equal(seen.length, 2, "one rejected request, one retry");
        assert.ok(Math.abs(bucket.clockOffsetMs - skewMs) < 5_000, `${bucket.clockOffsetMs}`);
        const response = await source.read({ range: { start: 0, end: 1 } });
        assert.equal(response.status, 200);
        assert.equal(seen.length, 3, "later requests use the learnt offset");
      }
    }
  });

  it("retries a skewed request only once", async () => {
    const seen: Request[] = [];
    // A server whose clock runs away: every answer is skewed again.
    let drift = 0;
    const runaway = ossAuth({
      credentials: CREDENTIALS,
      region: REGION,
      now: () => new Date(Date.now() + (drift += 3600_000)),
    });
    const bucket = bucketFor(runaway, {}, seen);
    await expectOssError(new OssObjectSource(bucket, "k").stat(), 403, "RequestTimeTooSkewed");
    assert.equal(seen.length, 2);
  });

  it("v4: wrong region, empty AdditionalHeaders, missing content sha256", async () => {
    const other = bucketFor(auth, { region: "cn-beijing" });
    const response = await other.request("GET", "k");
    assert.equal(response.status, 400);
    assert.equal(parseOssErrorXml(await response.text())?.Code, "InvalidArgument");
    const signed = await signV4Headers(
      { method: "GET", bucket: "b", key: "k" },
      { accessKeyId: "ak", accessKeySecret: "sk" },
      { region: REGION, date: new Date() },
    );
    const empty = new Headers(signed.headers);
    empty.set(
      "authorization",
      signed.authorization.replace(",Signature", ",AdditionalHeaders=,Signature"),
    );
    const deniedEmpty = await auth(new Request("http://h/b/k", { headers: empty }), {
      bucket: "b",
      key: "k",
    });
    assert.equal(deniedEmpty?.status, 400);
    assert.equal(deniedEmpty?.headers.get("x-oss-ec"), "0002-00000209");
    const noSha = new Headers(signed.headers);
    noSha.delete("x-oss-content-sha256");
    const deniedSha = await auth(new Request("http://h/b/k", { headers: noSha }), {
      bucket: "b",
      key: "k",
    });
    assert.equal(deniedSha?.status, 400);
  });

  it("v4 presigned: x-oss-expires beyond 7 days is refused by the client", async () => {
    const bucket = bucketFor(auth);
    await assert.rejects(bucket.signUrl("k", { expires: 604801 }), RangeError);
    const url = new URL(await bucket.signUrl("k", { expires: 604800 }));
    assert.equal(url.searchParams.get("x-oss-expires"), "604800");
    assert.equal((await loopback(auth)(url)).status, 200);
  });
});

describe("over a real socket with the mock OSS", () => {
  const BUCKET = "test-bucket";
  const data = (n: number, seed: number) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

  async function withMock(
    options: { now?: () => Date } = {},
    run: (ctx: { oss: MockOss; url: string }) => Promise<void>,
  ) {
    const oss = new MockOss({
      bucket: BUCKET,
      auth: ossAuth({ credentials: CREDENTIALS, region: REGION, ...options }),
    });
    const server = await oss.listen();
    try {
      await run({ oss, url: server.url });
    } finally {
      await server.close();
    }
  }

  function socketBucket(url: string, options: Partial<BucketOptions> = {}): Bucket {
    return new Bucket({
      endpoint: url,
      bucket: BUCKET,
      accessKeyId: "ak",
      accessKeySecret: "sk",
      region: REGION,
      ...options,
    });
  }

  it("HEAD, ranged GET, whole GET and presigned GET for every key, v4/v1, AccessKey/STS", async () => {
    await withMock({}, async ({ oss, url }) => {
      const stored = new Map<string, Uint8Array>();
      for (const [i, key] of KEYS.entries()) {
        const bytes = data(1000 + i, i);
        stored.set(key, bytes);
        await oss.put(BUCKET, key.replace(/^\/+/, ""), bytes);
      }
      for (const version of ["v4", "v1"] as const) {
        for (const creds of [{}, STS_OPTIONS]) {
          const bucket = socketBucket(url, { signatureVersion: version, ...creds });
          for (const key of KEYS) {
            const bytes = stored.get(key)!;
            const source = new OssObjectSource(bucket, key);
            const info = await source.stat();
            assert.equal(info.size, bytes.length, key);
            assert.match(info.etag!, /^"[0-9A-F]{32}"$/);
            assert.match(info.crc64!, /^\d+$/);
            const part = await source.read({ range: { start: 10, end: 99 }, ifMatch: info.etag! });
            assert.equal(part.status, 206, key);
            assert.equal(part.headers.get("content-range"), `bytes 10-99/${bytes.length}`);
            assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(10, 100));
            const whole = await source.read({});
            assert.equal(whole.status, 200);
            assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), bytes);
            const signed = await bucket.signUrl(key, { expires: 120 });
            const presigned = await fetch(signed);
            assert.equal(presigned.status, 200, `${key}: ${signed}`);
            assert.deepEqual(new Uint8Array(await presigned.arrayBuffer()), bytes);
          }
        }
      }
      const ranged = oss.log.find((e) => e.method === "GET" && e.headers["range"]);
      assert.ok(ranged);
      assert.equal(ranged.headers["accept-encoding"], "identity");
      assert.equal(ranged.headers["x-oss-range-behavior"], "standard");
      assert.equal(ranged.headers["date"], undefined);
      assert.ok(oss.log.every((e) => e.status === 200 || e.status === 206), "nothing was rejected");
    });
  });

  it("a versioned object through versionId", async () => {
    await withMock({}, async ({ oss, url }) => {
      await oss.put(BUCKET, "v.bin", data(100, 1), { versionId: "CAEQ+1" });
      await oss.put(BUCKET, "v.bin", data(50, 2), { versionId: "CAEQ+2" });
      for (const version of ["v4", "v1"] as const) {
        const bucket = socketBucket(url, { signatureVersion: version });
        const old = new OssObjectSource(bucket, "v.bin", { versionId: "CAEQ+1" });
        const info = await old.stat();
        assert.equal(info.size, 100);
        assert.equal(info.versionId, "CAEQ+1");
        const body = await old.read({ range: { start: 0, end: 9 } });
        assert.deepEqual(new Uint8Array(await body.arrayBuffer()), data(100, 1).subarray(0, 10));
      }
    });
  });

  it("wrong secret: OssError SignatureDoesNotMatch on GET (body) and HEAD (x-oss-err)", async () => {
    await withMock({}, async ({ oss, url }) => {
      await oss.put(BUCKET, "dir/ü k.bin", data(10, 3));
      for (const version of ["v4", "v1"] as const) {
        const bucket = socketBucket(url, { signatureVersion: version, accessKeySecret: "wrong" });
        const source = new OssObjectSource(bucket, "dir/ü k.bin");
        const head = await expectOssError(source.stat(), 403, "SignatureDoesNotMatch");
        const get = await expectOssError(source.read({}), 403, "SignatureDoesNotMatch");
        for (const e of [head, get]) {
          assert.ok(e.stringToSign, "StringToSign travels (x-oss-err for HEAD)");
          assert.match(e.requestId!, /^[0-9A-F]{24}$/);
          assert.ok(e.ec);
          assert.ok(e.serverTime instanceof Date);
        }
        if (version === "v4") {
          assert.ok(head.canonicalRequest?.startsWith("HEAD\n/test-bucket/dir/%C3%BC%20k.bin\n"));
        } else assert.ok(get.stringToSign!.endsWith("\n/test-bucket/dir/ü k.bin"));
      }
    });
  });

  it("a server clock 1 h ahead: one RequestTimeTooSkewed, then the retry succeeds", async () => {
    await withMock({ now: () => new Date(Date.now() + 3600_000) }, async ({ oss, url }) => {
      await oss.put(BUCKET, "k", data(10, 4));
      const bucket = socketBucket(url);
      const source = new OssObjectSource(bucket, "k");
      assert.equal((await source.stat()).size, 10);
      assert.deepEqual(oss.log.map((e) => e.status), [403, 200]);
      assert.ok(Math.abs(bucket.clockOffsetMs - 3600_000) < 5_000);
      assert.equal((await source.read({ range: { start: 0, end: 4 } })).status, 206);
      assert.deepEqual(oss.log.map((e) => e.status), [403, 200, 206]);
    });
  });

  it("expired and tampered presigned URLs, anonymous access: 403", async () => {
    await withMock({}, async ({ oss, url }) => {
      await oss.put(BUCKET, "k", data(10, 5));
      const bucket = socketBucket(url);
      const expired = await bucket.signUrl("k", { expires: 1, now: new Date(Date.now() - 5_000) });
      const response = await fetch(expired);
      assert.equal(response.status, 403);
      assert.equal(parseOssErrorXml(await response.text())?.Message, "Request has expired.");
      const tampered = new URL(await bucket.signUrl("k"));
      tampered.searchParams.set("x-oss-expires", "7200");
      assert.equal((await fetch(tampered)).status, 403);
      const anonymous = new Bucket({ endpoint: url, bucket: BUCKET });
      await expectOssError(new OssObjectSource(anonymous, "k").stat(), 403, "AccessDenied");
    });
  });
});
