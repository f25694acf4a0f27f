/**
 * Bucket (URL styles, region derivation, validation, fromEnv, signUrl), OssObjectSource
 * (id, stat, read) and OSS error parsing (XML bodies, x-oss-err, Retry-After).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, regionFromEndpoint } from "../src/sources/oss/bucket.ts";
import { OssObjectSource } from "../src/sources/oss/source.ts";
import {
  decodeOssErrHeader,
  errorFromOssResponse,
  ossErrorFromResponse,
  parseOssErrorXml,
  parseRetryAfterMs,
} from "../src/sources/oss/errors.ts";
import { HttpError, OssError, ProtocolError } from "../src/errors.ts";

const CREDS = { accessKeyId: "ak", accessKeySecret: "sk" };

function throwsNaming(
  fn: () => unknown,
  type: typeof TypeError | typeof RangeError,
  ...parts: string[]
) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const part of parts) {
      assert.ok(e.message.includes(part), `${e.message} should name ${part}`);
    }
    return true;
  });
}

/** A fetch that records requests and answers with `respond`. */
function recorder(respond: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = (async (input: Request | URL | string, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    return await respond(req);
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

describe("Bucket URL styles", () => {
  it("virtual-hosted by default, https when no scheme", () => {
    const b = new Bucket({ endpoint: "oss-cn-hangzhou.aliyuncs.com", bucket: "examplebucket" });
    assert.equal(b.urlStyle, "virtual-hosted");
    assert.equal(b.endpoint, "https://oss-cn-hangzhou.aliyuncs.com");
    assert.equal(
      b.objectUrl("dir/a b+c.bin"),
      "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc.bin",
    );
  });

  it("scheme and port come from the endpoint", () => {
    const b = new Bucket({ endpoint: "http://oss-cn-hangzhou.aliyuncs.com:8080/", bucket: "abc" });
    assert.equal(b.objectUrl("k"), "http://abc.oss-cn-hangzhou.aliyuncs.com:8080/k");
  });

  it("path style for IPs and localhost, or when asked", () => {
    for (
      const endpoint of ["127.0.0.1:9000", "http://127.0.0.1:9000", "localhost:1", "[::1]:9000"]
    ) {
      const b = new Bucket({ endpoint, bucket: "test" });
      assert.equal(b.urlStyle, "path", endpoint);
      assert.ok(b.objectUrl("a/b").endsWith("/test/a/b"), b.objectUrl("a/b"));
    }
    assert.equal(
      new Bucket({ endpoint: "[::1]:9000", bucket: "test" }).objectUrl("k"),
      "https://[::1]:9000/test/k",
    );
    const forced = new Bucket({ endpoint: "minio.example.com", bucket: "test", pathStyle: true });
    assert.equal(forced.objectUrl("k"), "https://minio.example.com/test/k");
    const off = new Bucket({ endpoint: "127.0.0.1", bucket: "test", pathStyle: false });
    assert.equal(off.objectUrl("k"), "https://test.127.0.0.1/k");
  });

  it("CNAME: the custom domain without the bucket", () => {
    const b = new Bucket({
      endpoint: "https://static.example.com",
      bucket: "examplebucket",
      cname: true,
    });
    assert.equal(b.urlStyle, "cname");
    assert.equal(
      b.objectUrl("/x/y.bin", { versionId: "v 1" }),
      "https://static.example.com/x/y.bin?versionId=v%201",
    );
  });

  it("query encoding: bare names for empty values, / and + encoded", () => {
    const b = new Bucket({ endpoint: "127.0.0.1", bucket: "test" });
    assert.equal(
      b.objectUrl("k", [["objectMeta", ""], ["response-content-type", "text/plain+x"]]),
      "https://127.0.0.1/test/k?objectMeta&response-content-type=text%2Fplain%2Bx",
    );
  });
});

describe("Bucket region", () => {
  it("derives the region from OSS endpoints", () => {
    assert.equal(regionFromEndpoint("oss-cn-hangzhou.aliyuncs.com"), "cn-hangzhou");
    assert.equal(regionFromEndpoint("oss-cn-hangzhou-internal.aliyuncs.com"), "cn-hangzhou");
    assert.equal(regionFromEndpoint("cn-hangzhou.oss.aliyuncs.com"), "cn-hangzhou");
    assert.equal(regionFromEndpoint("OSS-AP-SOUTHEAST-1.aliyuncs.com"), "ap-southeast-1");
    assert.equal(regionFromEndpoint("oss-accelerate.aliyuncs.com"), undefined);
    assert.equal(regionFromEndpoint("oss-accelerate-overseas.aliyuncs.com"), undefined);
    assert.equal(regionFromEndpoint("example.com"), undefined);
    const b = new Bucket({
      endpoint: "https://oss-us-west-1-internal.aliyuncs.com",
      bucket: "abc",
      ...CREDS,
    });
    assert.equal(b.region, "us-west-1");
  });

  it("an explicit region wins and loses its oss- prefix", () => {
    const b = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "abc",
      region: "oss-cn-beijing",
      ...CREDS,
    });
    assert.equal(b.region, "cn-beijing");
  });

  it("v4 with credentials and no derivable region is a TypeError naming region and endpoint", () => {
    throwsNaming(
      () => new Bucket({ endpoint: "127.0.0.1:9000", bucket: "test", ...CREDS }),
      TypeError,
      "'region'",
      "127.0.0.1:9000",
    );
    throwsNaming(
      () => new Bucket({ endpoint: "oss-accelerate.aliyuncs.com", bucket: "test", ...CREDS }),
      TypeError,
      "'region'",
      "oss-accelerate.aliyuncs.com",
    );
    // v1 and anonymous buckets do not need one.
    assert.equal(
      new Bucket({ endpoint: "127.0.0.1", bucket: "test", ...CREDS, signatureVersion: "v1" })
        .region,
      undefined,
    );
    assert.equal(new Bucket({ endpoint: "127.0.0.1", bucket: "test" }).anonymous, true);
  });
});

describe("Bucket validation", () => {
  it("bad endpoints", () => {
    for (
      const endpoint of [
        "",
        "   ",
        "ftp://host",
        "https://host/path",
        "host/path",
        "a b",
        "https://u:p@host",
        "host?x=1",
        "https://",
      ]
    ) {
      throwsNaming(
        () => new Bucket({ endpoint, bucket: "test" }),
        TypeError,
        "'endpoint'",
        JSON.stringify(endpoint).slice(1, 4),
      );
    }
    throwsNaming(
      () => new Bucket({ endpoint: 42 as unknown as string, bucket: "test" }),
      TypeError,
      "'endpoint'",
      "42",
    );
  });

  it("an endpoint that already holds the bucket", () => {
    throwsNaming(
      () =>
        new Bucket({
          endpoint: "examplebucket.oss-cn-hangzhou.aliyuncs.com",
          bucket: "examplebucket",
        }),
      TypeError,
      "'endpoint'",
      '"oss-cn-hangzhou.aliyuncs.com"',
    );
  });

  it("bucket names follow the OSS rules", () => {
    for (const bucket of ["ab", "a".repeat(64), "-abc", "abc-", "ABC", "a_b", "a.b", "", "日本"]) {
      throwsNaming(
        () => new Bucket({ endpoint: "127.0.0.1", bucket }),
        TypeError,
        "'bucket'",
        JSON.stringify(bucket),
      );
    }
    for (const bucket of ["abc", "a-b", "0a9", "a".repeat(63)]) {
      assert.equal(new Bucket({ endpoint: "127.0.0.1", bucket }).name, bucket);
    }
  });

  it("credentials come in pairs", () => {
    throwsNaming(
      () => new Bucket({ endpoint: "127.0.0.1", bucket: "abc", accessKeyId: "ak" }),
      TypeError,
      "'accessKeySecret'",
    );
    throwsNaming(
      () => new Bucket({ endpoint: "127.0.0.1", bucket: "abc", accessKeySecret: "sk" }),
      TypeError,
      "'accessKeyId'",
    );
    throwsNaming(
      () => new Bucket({ endpoint: "127.0.0.1", bucket: "abc", securityToken: "t" }),
      TypeError,
      "'securityToken'",
    );
    throwsNaming(
      () =>
        new Bucket({
          endpoint: "127.0.0.1",
          bucket: "abc",
          accessKeyId: "",
          accessKeySecret: "sk",
        }),
      TypeError,
      "'accessKeyId'",
    );
  });

  it("other options", () => {
    const base = { endpoint: "127.0.0.1", bucket: "abc" };
    throwsNaming(
      () => new Bucket({ ...base, signatureVersion: "v2" as "v4" }),
      TypeError,
      "'signatureVersion'",
      '"v2"',
    );
    throwsNaming(
      () => new Bucket({ ...base, region: "cn hangzhou" }),
      TypeError,
      "'region'",
      '"cn hangzhou"',
    );
    throwsNaming(
      () => new Bucket({ ...base, pathStyle: "yes" as unknown as boolean }),
      TypeError,
      "'pathStyle'",
    );
    throwsNaming(() => new Bucket({ ...base, pathStyle: true, cname: true }), TypeError, "'cname'");
    throwsNaming(
      () => new Bucket({ ...base, fetch: 1 as unknown as typeof fetch }),
      TypeError,
      "'fetch'",
    );
    throwsNaming(
      () => new Bucket({ ...base, clockOffsetMs: Number.NaN }),
      TypeError,
      "'clockOffsetMs'",
    );
    throwsNaming(
      () => new Bucket(null as unknown as { endpoint: string; bucket: string }),
      TypeError,
      "'options'",
    );
  });

  it("bad keys", async () => {
    const b = new Bucket({ endpoint: "127.0.0.1", bucket: "abc" });
    throwsNaming(() => b.objectUrl(""), TypeError, "'key'");
    throwsNaming(() => b.objectUrl("//"), TypeError, "'key'");
    throwsNaming(() => b.objectUrl(".."), TypeError, "'key'");
    throwsNaming(() => new OssObjectSource(b, ""), TypeError, "'key'");
    throwsNaming(() => new OssObjectSource(b, "x".repeat(2000)), RangeError, "'key'");
    await assert.rejects(b.request("GET", ""), TypeError);
  });

  it("credentials do not show when the bucket is printed", () => {
    const b = new Bucket({
      endpoint: "127.0.0.1",
      bucket: "abc",
      accessKeyId: "ak",
      accessKeySecret: "TOPSECRET",
      signatureVersion: "v1",
    });
    assert.ok(!JSON.stringify(b).includes("TOPSECRET"));
    assert.ok(!String(b).includes("TOPSECRET"));
  });
});

describe("Bucket.fromEnv", () => {
  const env = {
    OSS_ENDPOINT: "oss-cn-shanghai.aliyuncs.com",
    OSS_BUCKET: "env-bucket",
    OSS_ACCESS_KEY_ID: "ak",
    OSS_ACCESS_KEY_SECRET: "sk",
  };

  it("reads the variables", async () => {
    const b = Bucket.fromEnv({ env: { ...env, OSS_SESSION_TOKEN: "tok" } });
    assert.equal(b.name, "env-bucket");
    assert.equal(b.region, "cn-shanghai");
    assert.equal(b.signatureVersion, "v4");
    const url = new URL(await b.signUrl("k"));
    assert.equal(url.searchParams.get("x-oss-security-token"), "tok");
  });

  it("explicit options win; OSS_REGION fills in for custom endpoints", () => {
    const b = Bucket.fromEnv({
      bucket: "other",
      env: { ...env, OSS_ENDPOINT: "127.0.0.1:9", OSS_REGION: "cn-beijing" },
    });
    assert.equal(b.name, "other");
    assert.equal(b.region, "cn-beijing");
    assert.equal(b.urlStyle, "path");
  });

  it("missing variables are TypeErrors naming them", () => {
    for (const name of Object.keys(env)) {
      const partial: Record<string, string | undefined> = { ...env, [name]: "" };
      throwsNaming(() => Bucket.fromEnv({ env: partial }), TypeError, name);
    }
    throwsNaming(() => Bucket.fromEnv({ env: {} }), TypeError, "OSS_ENDPOINT");
  });

  it("defaults to the process environment", () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env, { OSS_BUCKET: "proc-bucket" });
      delete process.env.OSS_SESSION_TOKEN;
      delete process.env.OSS_REGION;
      assert.equal(Bucket.fromEnv().name, "proc-bucket");
    } finally {
      for (const name of [...Object.keys(env), "OSS_BUCKET"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe("Bucket.signUrl", () => {
  const now = new Date(Date.UTC(2023, 11, 16, 16, 20, 57));

  it("v4: query structure", async () => {
    const b = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "examplebucket",
      ...CREDS,
      securityToken: "a/b+c",
    });
    const url = new URL(await b.signUrl("dir/a b.bin", { now, versionId: "v1" }));
    assert.equal(
      url.origin + url.pathname,
      "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.bin",
    );
    const p = url.searchParams;
    assert.equal(p.get("versionId"), "v1");
    assert.equal(p.get("x-oss-signature-version"), "OSS4-HMAC-SHA256");
    assert.equal(p.get("x-oss-date"), "20231216T162057Z");
    assert.equal(p.get("x-oss-expires"), "3600");
    assert.equal(p.get("x-oss-credential"), "ak/20231216/cn-hangzhou/oss/aliyun_v4_request");
    assert.equal(p.get("x-oss-security-token"), "a/b+c");
    assert.match(p.get("x-oss-signature")!, /^[0-9a-f]{64}$/);
    assert.ok(url.search.includes("x-oss-credential=ak%2F20231216%2Fcn-hangzhou"));
    assert.ok(url.search.includes("x-oss-security-token=a%2Fb%2Bc"));
  });

  it("v1: query structure", async () => {
    const b = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "examplebucket",
      ...CREDS,
      signatureVersion: "v1",
    });
    const url = new URL(await b.signUrl("k", { now, expires: 60, method: "HEAD" }));
    assert.deepEqual([...url.searchParams.keys()], ["OSSAccessKeyId", "Expires", "Signature"]);
    assert.equal(url.searchParams.get("Expires"), String(now.getTime() / 1000 + 60));
  });

  it("validates its options", async () => {
    const b = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "examplebucket",
      ...CREDS,
    });
    for (const expires of [0, -1, 1.5, 604801]) {
      await assert.rejects(
        b.signUrl("k", { expires }),
        (e: unknown) => e instanceof RangeError && e.message.includes("'expires'"),
      );
    }
    await assert.rejects(b.signUrl("k", { method: "PUT" as "GET" }), TypeError);
    await assert.rejects(b.signUrl("k", { versionId: "" }), TypeError);
    await assert.rejects(b.signUrl("k", { now: new Date(Number.NaN) }), TypeError);
    const v1 = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "examplebucket",
      ...CREDS,
      signatureVersion: "v1",
    });
    assert.ok(await v1.signUrl("k", { expires: 30 * 86400 }));
  });

  it("uses the clock offset", async () => {
    const b = new Bucket({
      endpoint: "oss-cn-hangzhou.aliyuncs.com",
      bucket: "abc",
      ...CREDS,
      clockOffsetMs: 86400_000,
    });
    const date = new URL(await b.signUrl("k")).searchParams.get("x-oss-date")!;
    const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 10).replace(/-/g, "");
    assert.equal(date.slice(0, 8), tomorrow);
  });
});

describe("Bucket.request", () => {
  it("sends identity encoding, x-oss-date, range behaviour only with Range, no redirects when signed", async () => {
    const { seen, fetch } = recorder(() => new Response("x"));
    const b = new Bucket({
      endpoint: "127.0.0.1:9",
      bucket: "abc",
      ...CREDS,
      region: "cn-hangzhou",
      fetch,
    });
    await b.request("GET", "k", { headers: { range: "bytes=0-0", "Accept-Encoding": "gzip" } });
    await b.request("head", "k");
    assert.equal(seen[0]!.headers.get("accept-encoding"), "identity");
    assert.equal(seen[0]!.headers.get("x-oss-range-behavior"), "standard");
    assert.equal(seen[1]!.method, "HEAD");
    assert.equal(seen[1]!.headers.has("x-oss-range-behavior"), false);
    assert.equal(seen[1]!.redirect, "manual");
    assert.match(seen[1]!.headers.get("x-oss-date")!, /^\d{8}T\d{6}Z$/);
    assert.match(seen[1]!.headers.get("authorization")!, /^OSS4-HMAC-SHA256 Credential=ak\//);
  });

  it("returns other 403s untouched (body replayed)", async () => {
    const xml = "<Error><Code>AccessDenied</Code><Message>nope</Message></Error>";
    const { seen, fetch } = recorder(() =>
      new Response(xml, { status: 403, headers: { "x-oss-request-id": "R" } })
    );
    const b = new Bucket({
      endpoint: "127.0.0.1:9",
      bucket: "abc",
      ...CREDS,
      region: "cn-hangzhou",
      fetch,
    });
    const response = await b.request("GET", "k");
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("x-oss-request-id"), "R");
    assert.equal(await response.text(), xml);
    assert.equal(seen.length, 1);
  });
});

describe("OssObjectSource", () => {
  const headHeaders = {
    "content-length": "1000",
    etag: '"1C787C506EABFB9B45EAAA8DB039F4B2-2"',
    "last-modified": "Wed, 28 Dec 2022 10:27:41 GMT",
    "x-oss-hash-crc64ecma": "8707180448768400016",
    "x-oss-version-id": "CAEQ",
    "accept-ranges": "bytes",
  };

  it("id: no endpoint, no credentials; key encoded; versionId appended", () => {
    const b = new Bucket({
      endpoint: "127.0.0.1:9",
      bucket: "abc",
      ...CREDS,
      region: "cn-hangzhou",
    });
    assert.equal(new OssObjectSource(b, "/dir/a b?.bin").id, "oss://abc/dir/a%20b%3F.bin");
    assert.equal(
      new OssObjectSource(b, "k", { versionId: "v/1" }).id,
      "oss://abc/k?versionId=v%2F1",
    );
    throwsNaming(() => new OssObjectSource({} as Bucket, "k"), TypeError, "'bucket'");
    throwsNaming(() => new OssObjectSource(b, "k", { versionId: "" }), TypeError, "'versionId'");
  });

  it("stat maps HEAD headers into ObjectInfo", async () => {
    const { seen, fetch } = recorder(() => new Response(null, { headers: headHeaders }));
    const b = new Bucket({
      endpoint: "127.0.0.1:9",
      bucket: "abc",
      ...CREDS,
      region: "cn-hangzhou",
      fetch,
    });
    const info = await new OssObjectSource(b, "k", {
      versionId: "CAEQ",
      headers: { range: "bytes=1-2" },
    }).stat();
    assert.deepEqual(info, {
      size: 1000,
      etag: '"1C787C506EABFB9B45EAAA8DB039F4B2-2"',
      lastModified: "Wed, 28 Dec 2022 10:27:41 GMT",
      crc64: "8707180448768400016",
      versionId: "CAEQ",
      acceptRanges: true,
    });
    assert.equal(seen[0]!.method, "HEAD");
    assert.equal(seen[0]!.headers.has("range"), false);
    assert.equal(new URL(seen[0]!.url).search, "?versionId=CAEQ");
  });

  it("a fetch given to the source wins over the bucket's", async () => {
    const bucketFetch = recorder(() => new Response(null, { status: 500 }));
    const sourceFetch = recorder(() => new Response(null, { headers: { "content-length": "3" } }));
    const b = new Bucket({ endpoint: "127.0.0.1:9", bucket: "abc", fetch: bucketFetch.fetch });
    const source = new OssObjectSource(b, "k", { fetch: sourceFetch.fetch });
    assert.equal((await source.stat()).size, 3);
    assert.equal(bucketFetch.seen.length, 0);
    assert.equal(sourceFetch.seen.length, 1);
    throwsNaming(
      () => new OssObjectSource(b, "k", { fetch: "no" as unknown as typeof fetch }),
      TypeError,
      "'fetch'",
    );
  });

  it("stat without Content-Length is a ProtocolError", async () => {
    const { fetch } = recorder(() => new Response(null, { headers: { etag: '"x"' } }));
    const b = new Bucket({ endpoint: "127.0.0.1:9", bucket: "abc", fetch });
    await assert.rejects(new OssObjectSource(b, "k").stat(), ProtocolError);
  });

  it("read sends Range, If-Match, range behaviour; returns 200/206; throws the rest", async () => {
    let status = 206;
    const { seen, fetch } = recorder(() =>
      status < 300
        ? new Response("ab", { status, headers: { "content-range": "bytes 0-1/1000" } })
        : new Response(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><RequestId>6551DBCF4311A7303980AAAA</RequestId><EC>0017-00001001</EC></Error>`,
          { status, headers: { "content-type": "application/xml" } },
        )
    );
    const b = new Bucket({ endpoint: "127.0.0.1:9", bucket: "abc", fetch });
    const source = new OssObjectSource(b, "k");
    const response = await source.read({ range: { start: 0, end: 1 }, ifMatch: '"E"' });
    assert.equal(response.status, 206);
    assert.equal(await response.text(), "ab");
    assert.equal(seen[0]!.headers.get("range"), "bytes=0-1");
    assert.equal(seen[0]!.headers.get("if-match"), '"E"');
    assert.equal(seen[0]!.headers.get("x-oss-range-behavior"), "standard");
    status = 200;
    await source.read({ ifMatch: 'W/"weak"' });
    assert.equal(seen[1]!.headers.has("range"), false);
    assert.equal(seen[1]!.headers.has("if-match"), false);
    status = 412;
    const error = await source.read({ range: { start: 0, end: 1 } }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof OssError);
    assert.equal(error.status, 412);
    assert.equal(error.code, "PreconditionFailed");
    assert.equal(error.ec, "0017-00001001");
    assert.equal(error.requestId, "6551DBCF4311A7303980AAAA");
    await assert.rejects(source.read({ range: { start: 5, end: 1 } }), RangeError);
  });
});

describe("OSS error parsing", () => {
  const NO_SUCH_KEY = `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The specified key does not exist.</Message>
  <RequestId>6551DBCF4311A7303980****</RequestId>
  <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>
  <Key>a &amp; b &lt;c&gt; &#20320;&#x597D;</Key>
  <EC>0026-00000001</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>
</Error>`;

  it("parses every field and decodes entities", () => {
    const f = parseOssErrorXml(NO_SUCH_KEY)!;
    assert.equal(f.Code, "NoSuchKey");
    assert.equal(f.Message, "The specified key does not exist.");
    assert.equal(f.RequestId, "6551DBCF4311A7303980****");
    assert.equal(f.HostId, "bucket.oss-cn-hangzhou.aliyuncs.com");
    assert.equal(f.Key, "a & b <c> 你好");
    assert.equal(f.EC, "0026-00000001");
    assert.equal(parseOssErrorXml("<html>nope</html>"), undefined);
    assert.equal(parseOssErrorXml(""), undefined);
    assert.deepEqual(
      parseOssErrorXml("<Error><Code>X</Code><Empty/><C><![CDATA[a<b]]></C></Error>"),
      {
        Code: "X",
        Empty: "",
        C: "a<b",
      },
    );
  });

  it("an XML body becomes an OssError with every field", async () => {
    const response = new Response(NO_SUCH_KEY, {
      status: 404,
      statusText: "Not Found",
      headers: { date: "Wed, 28 Dec 2022 10:27:41 GMT", "x-oss-request-id": "HEADERID" },
    });
    const e = await ossErrorFromResponse(response, {
      method: "GET",
      url: "https://b/k",
    }) as OssError;
    assert.ok(e instanceof OssError);
    assert.equal(e.status, 404);
    assert.equal(e.code, "NoSuchKey");
    assert.equal(e.requestId, "6551DBCF4311A7303980****");
    assert.equal(e.hostId, "bucket.oss-cn-hangzhou.aliyuncs.com");
    assert.equal(e.ec, "0026-00000001");
    assert.equal(e.method, "GET");
    assert.equal(e.url, "https://b/k");
    assert.equal(e.serverTime?.toISOString(), "2022-12-28T10:27:41.000Z");
    assert.ok(e.message.startsWith("NoSuchKey: The specified key does not exist."), e.message);
    assert.ok(e.message.includes("GET https://b/k"));
  });

  it("x-oss-err on HEAD: base64 of UTF-8 XML", () => {
    const xml = "<Error><Code>AccessDenied</Code><Message>拒绝访问 – denied</Message>" +
      "<RequestId>R1</RequestId><EC>0003-00000001</EC></Error>";
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(xml)));
    assert.equal(decodeOssErrHeader(b64), xml);
    assert.equal(decodeOssErrHeader("%%%"), undefined);
    const e = errorFromOssResponse(
      new Response(null, {
        status: 403,
        headers: { "x-oss-err": b64, "x-oss-ec": "0003-00000001" },
      }),
      "",
      { method: "HEAD", url: "u" },
    ) as OssError;
    assert.equal(e.code, "AccessDenied");
    assert.ok(e.message.includes("拒绝访问 – denied"));
    assert.equal(e.ec, "0003-00000001");
    assert.equal(e.requestId, "R1");
  });

  it("SignatureDoesNotMatch carries StringToSign and CanonicalRequest", () => {
    const xml = "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>" +
      "<StringToSign>GET\n\n\nx\n/b/k</StringToSign><CanonicalRequest>GET\n/b/k</CanonicalRequest></Error>";
    const e = errorFromOssResponse(new Response(null, { status: 403 }), xml, {
      method: "GET",
      url: "u",
    }) as OssError;
    assert.equal(e.stringToSign, "GET\n\n\nx\n/b/k");
    assert.equal(e.canonicalRequest, "GET\n/b/k");
  });

  it("RequestTimeTooSkewed: serverTime from <ServerTime>, else the Date header", () => {
    const xml = "<Error><Code>RequestTimeTooSkewed</Code><Message>m</Message>" +
      "<RequestTime>2023-12-16T16:20:57.000Z</RequestTime><ServerTime>2023-12-16T17:20:57.250Z</ServerTime></Error>";
    const e = errorFromOssResponse(
      new Response(null, { status: 403, headers: { date: "Wed, 28 Dec 2022 10:27:41 GMT" } }),
      xml,
      { method: "GET", url: "u" },
    ) as OssError;
    assert.equal(e.serverTime?.toISOString(), "2023-12-16T17:20:57.250Z");
  });

  it("non-OSS bodies and HEADs without x-oss-err become HttpError", async () => {
    const e = await ossErrorFromResponse(
      new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      { method: "GET", url: "https://b/k" },
    );
    assert.ok(e instanceof HttpError && !(e instanceof OssError));
    assert.equal(e.status, 502);
    // An HTML page is cut to its gist, which here only repeats the status line.
    assert.equal(e.message, "GET https://b/k failed: 502 Bad Gateway");
    const head = errorFromOssResponse(
      new Response(null, { status: 404, headers: { "x-oss-request-id": "RID" } }),
      "",
      { method: "HEAD", url: "u" },
    );
    assert.ok(head instanceof HttpError && !(head instanceof OssError));
    assert.ok(head.message.includes("RID"));
  });

  it("Retry-After in seconds or as an HTTP date", async () => {
    assert.equal(parseRetryAfterMs("7"), 7000);
    assert.equal(parseRetryAfterMs(null), undefined);
    assert.equal(parseRetryAfterMs("soon"), undefined);
    const now = Date.parse("Wed, 28 Dec 2022 10:27:41 GMT");
    assert.equal(parseRetryAfterMs("Wed, 28 Dec 2022 10:27:43 GMT", now), 2000);
    const e = await ossErrorFromResponse(
      new Response("<Error><Code>ServiceUnavailable</Code><Message>slow down</Message></Error>", {
        status: 503,
        headers: { "retry-after": "3" },
      }),
      { method: "GET", url: "u" },
    );
    assert.ok(e instanceof OssError);
    assert.equal(e.retryAfterMs, 3000);
    const plain = await ossErrorFromResponse(
      new Response("busy", { status: 429, headers: { "retry-after": "1" } }),
      {
        method: "GET",
        url: "u",
      },
    );
    assert.equal(plain.retryAfterMs, 1000);
  });

  it("a huge error body is read only partly", async () => {
    const big = "<Error><Code>X</Code><Message>" + "m".repeat(1 << 20) + "</Message></Error>";
    const e = await ossErrorFromResponse(new Response(big, { status: 500 }), {
      method: "GET",
      url: "u",
    });
    assert.ok(e instanceof HttpError);
    assert.ok(e.message.length < 1000);
  });
});
