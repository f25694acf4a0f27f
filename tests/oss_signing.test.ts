/**
 * OSS signature v1 and v4: every vector of docs/oss-wire.md §7.5 (go-sdk-v2
 * `oss/signer/signer_test.go`, plus the derived GET vectors), reproduced by src/sources/oss.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  presignV1,
  signV1Headers,
  v1CanonicalizedResource,
  v1StringToSign,
} from "../src/sources/oss/sign_v1.ts";
import {
  presignV4,
  signV4Headers,
  v4AdditionalHeaders,
  v4CanonicalQuery,
  v4CanonicalRequest,
  v4CanonicalUri,
  v4DateTime,
} from "../src/sources/oss/sign_v4.ts";
import { Bucket } from "../src/sources/oss/bucket.ts";
import { encodeKeyForPath, normalizeKey, uriEncode } from "../src/sources/oss/keys.ts";

const AK = { accessKeyId: "ak", accessKeySecret: "sk" };
const STS = { ...AK, securityToken: "token" };
const at = (seconds: number) => new Date(seconds * 1000);

/** The query of the go-sdk-v2 v4 tests (`url.Values`). */
const GO_QUERY: [string, string][] = [
  ["param1", "value1"],
  ["+param1", "value3"],
  ["|param1", "value4"],
  ["+param2", ""],
  ["|param2", ""],
  ["param2", ""],
];
const GO_V4_HEADERS = {
  "x-oss-head1": "value",
  abc: "value",
  ZAbc: "value",
  XYZ: "value",
  "content-type": "text/plain",
  "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
};
const GO_V4_QUERY_HEADERS = {
  "x-oss-head1": "value",
  abc: "value",
  ZAbc: "value",
  XYZ: "value",
  "content-type": "application/octet-stream",
};
const GO_KEY = "1234+-/123/1.txt";

/** Asserts `value` matches a vector the doc abbreviates as `prefix…suffix`. */
function assertElided(value: string, elided: string) {
  const [prefix, suffix] = elided.split("…");
  assert.ok(value.startsWith(prefix!), `${value} should start with ${prefix}`);
  assert.ok(value.endsWith(suffix!), `${value} should end with ${suffix}`);
}

describe("signature v1 in the Authorization header", () => {
  const headers = {
    "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
    "Content-Type": "text/html",
    "x-oss-meta-author": "alice",
    "x-oss-meta-magic": "abracadabra",
  };
  const date = new Date("Wed, 28 Dec 2022 10:27:41 GMT");

  it("PUT /examplebucket/nelson: string to sign and signature", async () => {
    const signed = await signV1Headers(
      { method: "PUT", bucket: "examplebucket", key: "nelson", headers },
      AK,
      { date },
    );
    assert.equal(
      signed.stringToSign,
      "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n" +
        "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\n" +
        "x-oss-meta-magic:abracadabra\n/examplebucket/nelson",
    );
    assert.equal(signed.authorization, "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=");
    assert.equal(signed.headers.get("authorization"), "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=");
    assert.equal(signed.headers.get("x-oss-date"), "Wed, 28 Dec 2022 10:27:41 GMT");
    assert.equal(signed.headers.has("date"), false, "never the Date header");
  });

  it("with ?acl appended", async () => {
    const signed = await signV1Headers(
      { method: "PUT", bucket: "examplebucket", key: "nelson", headers, query: [["acl", ""]] },
      AK,
      { date },
    );
    assert.ok(signed.stringToSign.endsWith("\n/examplebucket/nelson?acl"));
    assert.equal(signed.authorization, "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=");
  });

  it("bucket-level sub-resources (go-sdk-v2 cases 3 and 4)", async () => {
    const three = await signV1Headers(
      {
        method: "GET",
        bucket: "examplebucket",
        query: [["resourceGroup", ""], ["non-resousce", "null"]],
      },
      AK,
      { date },
    );
    assert.equal(
      three.stringToSign,
      "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n" +
        "/examplebucket/?resourceGroup",
    );
    assert.equal(three.authorization, "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=");
    const four = await signV1Headers(
      { method: "GET", bucket: "examplebucket", query: [["resourceGroup", ""], ["acl", ""]] },
      AK,
      { date },
    );
    assert.ok(four.stringToSign.endsWith("/examplebucket/?acl&resourceGroup"));
    assert.equal(four.authorization, "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=");
  });

  it("the canonicalized resource keeps the raw key and raw sub-resource values", () => {
    assert.equal(
      v1CanonicalizedResource("b", "dir/a b+c=%.bin", {
        "response-content-disposition": "attachment; filename=a b.bin",
        versionId: "v/1",
        "x-oss-process": "image/resize,w_10",
        unsigned: "x",
      }),
      "/b/dir/a b+c=%.bin?response-content-disposition=attachment; filename=a b.bin" +
        "&versionId=v/1&x-oss-process=image/resize,w_10",
    );
  });
});

describe("signature v1 presigned URL", () => {
  it("GET /key?versionId=versionId, Expires=1699807420", async () => {
    const signed = await presignV1(
      { method: "GET", bucket: "bucket", key: "key", query: { versionId: "versionId" } },
      AK,
      { expiresAt: 1699807420 },
    );
    assert.equal(signed.signature, "dcLTea+Yh9ApirQ8o8dOPqtvJXQ=");
    assert.equal(signed.stringToSign, "GET\n\n\n1699807420\n/bucket/key?versionId=versionId");
  });

  it("STS token and key+123, Expires=1699808204", async () => {
    const signed = await presignV1(
      { method: "GET", bucket: "bucket", key: "key+123", query: { versionId: "versionId" } },
      STS,
      { expiresAt: 1699808204 },
    );
    assert.equal(
      signed.stringToSign,
      "GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId",
    );
    assert.equal(signed.signature, "jzKYRrM5y6Br0dRFPaTGOsbrDhY=");
    assert.deepEqual(Object.fromEntries(signed.query), {
      versionId: "versionId",
      "security-token": "token",
      OSSAccessKeyId: "ak",
      Expires: "1699808204",
      Signature: "jzKYRrM5y6Br0dRFPaTGOsbrDhY=",
    });
  });

  it("Bucket.signUrl builds the same URLs as go-sdk-v2", async () => {
    const plain = new Bucket({
      endpoint: "http://oss-cn-hangzhou.aliyuncs.com",
      bucket: "bucket",
      ...AK,
      signatureVersion: "v1",
    });
    assert.equal(
      await plain.signUrl("key", { versionId: "versionId", now: at(1699807420 - 3600) }),
      "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?versionId=versionId&OSSAccessKeyId=ak" +
        "&Expires=1699807420&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D",
    );
    const sts = new Bucket({
      endpoint: "http://oss-cn-hangzhou.aliyuncs.com",
      bucket: "bucket",
      ...STS,
      signatureVersion: "v1",
    });
    const url = new URL(
      await sts.signUrl("key+123", {
        versionId: "versionId",
        expires: 60,
        now: at(1699808204 - 60),
      }),
    );
    assert.equal(url.pathname, "/key%2B123");
    assert.equal(url.searchParams.get("Signature"), "jzKYRrM5y6Br0dRFPaTGOsbrDhY=");
    assert.equal(url.searchParams.get("security-token"), "token");
    assert.ok(url.search.includes("Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D"));
  });
});

describe("signature v4 in the Authorization header", () => {
  const request = {
    method: "PUT",
    bucket: "bucket",
    key: GO_KEY,
    query: GO_QUERY,
    headers: GO_V4_HEADERS,
  };

  it("TestV4AuthHeader: canonical request and signature", async () => {
    const signed = await signV4Headers(request, AK, {
      region: "cn-hangzhou",
      date: at(1702743657),
    });
    assert.equal(
      signed.canonicalRequest,
      "PUT\n/bucket/1234%2B-/123/1.txt\n" +
        "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n" +
        "content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n" +
        "x-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD",
    );
    assert.equal(
      signed.authorization,
      "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request," +
        "Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
    );
    assert.ok(signed.stringToSign.startsWith(
      "OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\n",
    ));
    assert.equal(signed.headers.get("x-oss-date"), "20231216T162057Z");
    assert.equal(signed.headers.has("date"), false, "never the Date header");
  });

  it("TestV4AuthHeaderToken", async () => {
    const signed = await signV4Headers(request, STS, {
      region: "cn-hangzhou",
      date: at(1702784856),
    });
    assert.equal(signed.headers.get("x-oss-security-token"), "token");
    assert.equal(
      signed.authorization,
      "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request," +
        "Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
    );
  });

  it("AdditionalHeaders abc;zabc at 1702747512 (4a4183c1…212f)", async () => {
    for (
      const additionalHeaders of [["ZAbc", "abc"], ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]]
    ) {
      const signed = await signV4Headers(request, AK, {
        region: "cn-hangzhou",
        date: at(1702747512),
        additionalHeaders,
      });
      assertElided(signed.signature, "4a4183c1…212f");
      assert.equal(
        signed.authorization,
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request," +
          "AdditionalHeaders=abc;zabc," +
          "Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
      );
      assert.ok(signed.canonicalRequest.includes("\nabc:value\ncontent-type:text/plain\n"));
      assert.ok(signed.canonicalRequest.includes("\nx-oss-head1:value\nzabc:value\n\nabc;zabc\n"));
    }
  });

  it("CloudBox product", async () => {
    const signed = await signV4Headers(request, AK, {
      region: "cb-123",
      product: "oss-cloudbox",
      date: at(1702743657),
    });
    assert.equal(
      signed.authorization,
      "OSS4-HMAC-SHA256 Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request," +
        "Signature=94ce1f12c17d148ea681030275a94449d3357f5b5b21133996eec80af3e08a43",
    );
  });
});

describe("signature v4 presigned URL", () => {
  const request = {
    method: "PUT",
    bucket: "bucket",
    key: GO_KEY,
    query: GO_QUERY,
    headers: GO_V4_QUERY_HEADERS,
  };

  it("TestV4AuthQuery: signed at 1702781677, expires 599", async () => {
    const signed = await presignV4(request, AK, {
      region: "cn-hangzhou",
      date: at(1702781677),
      expires: 599,
    });
    const q = Object.fromEntries(signed.query);
    assert.equal(q["x-oss-signature-version"], "OSS4-HMAC-SHA256");
    assert.equal(q["x-oss-expires"], "599");
    assert.equal(q["x-oss-credential"], "ak/20231217/cn-hangzhou/oss/aliyun_v4_request");
    assert.equal(q["x-oss-additional-headers"], undefined);
    assert.equal(
      q["x-oss-signature"],
      "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe",
    );
  });

  it("TestV4AuthQueryToken: signed at 1702785388 (3817ac9d…f8b5)", async () => {
    const signed = await presignV4(request, STS, {
      region: "cn-hangzhou",
      date: at(1702785388),
      expires: 599,
    });
    const q = Object.fromEntries(signed.query);
    assert.equal(q["x-oss-date"], "20231217T035628Z");
    assert.equal(q["x-oss-security-token"], "token");
    assertElided(q["x-oss-signature"]!, "3817ac9d…f8b5");
    assert.equal(
      q["x-oss-signature"],
      "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5",
    );
  });

  it("TestV4AuthQueryWithAdditionalHeaders (and CloudBox)", async () => {
    for (
      const additionalHeaders of [["ZAbc", "abc"], ["x-oss-no-exist", "abc", "x-oss-head1", "ZAbc"]]
    ) {
      const signed = await presignV4(request, AK, {
        region: "cn-hangzhou",
        date: at(1702783809),
        expires: 599,
        additionalHeaders,
      });
      const q = Object.fromEntries(signed.query);
      assert.equal(q["x-oss-date"], "20231217T033009Z");
      assert.equal(q["x-oss-additional-headers"], "abc;zabc");
      assert.equal(
        q["x-oss-signature"],
        "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7",
      );
    }
    const cloudbox = await presignV4(request, AK, {
      region: "cb-123",
      product: "oss-cloudbox",
      date: at(1702781677),
      expires: 599,
      additionalHeaders: ["ZAbc", "abc"],
    });
    const q = Object.fromEntries(cloudbox.query);
    assert.equal(q["x-oss-credential"], "ak/20231217/cb-123/oss-cloudbox/aliyun_v4_request");
    assert.equal(
      q["x-oss-signature"],
      "07284191b9b4978ac3520cd39ee2dea2747eda454089359371ff463a6c7ba20f",
    );
  });

  it("rejects x-oss-expires outside 1..604800", async () => {
    for (const expires of [0, 604801, 1.5, Number.NaN]) {
      await assert.rejects(
        presignV4(request, AK, { region: "cn-hangzhou", date: at(1702781677), expires }),
        (e: unknown) => e instanceof RangeError && /'expires'/.test(e.message),
      );
    }
  });
});

describe("derived GET vectors (§7.5: dir/a b+c.bin, versionId, response-content-type)", () => {
  const request = {
    method: "GET",
    bucket: "examplebucket",
    key: "dir/a b+c.bin",
    query: [["versionId", "v1"], ["response-content-type", "text/plain"]] as [string, string][],
    headers: { "x-oss-range-behavior": "standard", Range: "bytes=0-99" },
  };

  it("v1 with x-oss-date Wed, 28 Dec 2022 10:27:41 GMT", async () => {
    const signed = await signV1Headers(request, STS, {
      date: new Date("Wed, 28 Dec 2022 10:27:41 GMT"),
    });
    assert.equal(
      signed.stringToSign,
      "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n" +
        "x-oss-range-behavior:standard\nx-oss-security-token:token\n" +
        "/examplebucket/dir/a b+c.bin?response-content-type=text/plain&versionId=v1",
    );
    assert.equal(signed.signature, "UlsJvxFfYHWEudXJJryGau6r424=");
    assert.equal(signed.headers.get("range"), "bytes=0-99");
  });

  it("v4 at 1702743657, cn-hangzhou", async () => {
    const signed = await signV4Headers(request, STS, {
      region: "cn-hangzhou",
      date: at(1702743657),
    });
    const lines = signed.canonicalRequest.split("\n");
    assert.equal(lines[1], "/examplebucket/dir/a%20b%2Bc.bin");
    assert.equal(lines[2], "response-content-type=text%2Fplain&versionId=v1");
    assert.ok(!signed.canonicalRequest.includes("range:"), "Range is not signed");
    assert.equal(
      signed.signature,
      "a92413264747e3341a00d201a915c2704ebaa53c77159a64686b75cb16c7542f",
    );
  });
});

describe("canonicalisation details", () => {
  it("v4 date format", () => {
    assert.equal(v4DateTime(at(1702743657)), "20231216T162057Z");
    assert.throws(() => v4DateTime(new Date(Number.NaN)), TypeError);
  });

  it("v4 canonical URI encodes everything but unreserved and /", () => {
    assert.equal(v4CanonicalUri(), "/");
    assert.equal(v4CanonicalUri("b"), "/b/");
    assert.equal(
      v4CanonicalUri("b", "a b+c=d%e/ü/ä?#&*!'()~._-"),
      "/b/a%20b%2Bc%3Dd%25e/%C3%BC/%C3%A4%3F%23%26%2A%21%27%28%29~._-",
    );
  });

  it("v4 canonical query encodes / and sorts by encoded name", () => {
    assert.equal(
      v4CanonicalQuery([["b", "x/y z"], ["a", ""], ["A", "1"], ["ä", "é"]]),
      "%C3%A4=%C3%A9&A=1&a&b=x%2Fy%20z",
    );
  });

  it("v4 additional headers drop default-signed and absent headers", () => {
    const headers = new Headers({ Host: "h", Range: "bytes=0-1", "x-oss-a": "1" });
    assert.deepEqual(
      v4AdditionalHeaders(headers, ["range", "HOST", "x-oss-a", "content-type", "absent", "host"]),
      ["host", "range"],
    );
    const canonical = v4CanonicalRequest({
      method: "get",
      bucket: "b",
      key: "k",
      headers,
      additionalHeaders: ["range", "host"],
    });
    assert.equal(
      canonical,
      "GET\n/b/k\n\nhost:h\nrange:bytes=0-1\nx-oss-a:1\n\nhost;range\nUNSIGNED-PAYLOAD",
    );
  });

  it("v4 canonical headers sort by name, not by line", () => {
    const canonical = v4CanonicalRequest({
      method: "GET",
      headers: { "x-oss-a-b": "2", "x-oss-a": "1" },
    });
    assert.ok(canonical.includes("\nx-oss-a:1\nx-oss-a-b:2\n"));
  });

  it("v1 uses x-oss-date over Date in the Date slot", () => {
    const s = v1StringToSign({
      method: "GET",
      bucket: "b",
      key: "k",
      headers: { Date: "Thu, 01 Jan 1970 00:00:00 GMT", "x-oss-date": "X" },
    });
    assert.equal(s, "GET\n\n\nX\nx-oss-date:X\n/b/k");
  });

  it("keys: leading slashes, empty keys, dot segments, lone surrogates, length", () => {
    assert.equal(normalizeKey("/a"), "a");
    assert.equal(normalizeKey("//a/b"), "a/b");
    assert.equal(normalizeKey("a//b/"), "a//b/");
    for (const bad of ["", "/", "///", ".", "..", "/..", 42, undefined, "a\ud800"]) {
      assert.throws(
        () => normalizeKey(bad),
        (e: unknown) => e instanceof TypeError && /'key'/.test(e.message),
      );
    }
    assert.throws(() => normalizeKey("x".repeat(1024)), RangeError);
    assert.equal(normalizeKey("ü".repeat(511)), "ü".repeat(511));
    assert.throws(() => normalizeKey("ü".repeat(512)), RangeError);
    assert.equal(encodeKeyForPath("a b/c+d"), "a%20b/c%2Bd");
    assert.equal(encodeKeyForPath("a/../b"), "a%2F..%2Fb");
    assert.equal(encodeKeyForPath("./x"), ".%2Fx");
    assert.equal(encodeKeyForPath("a/.b/c.."), "a/.b/c..");
    assert.equal(uriEncode("a/b", true), "a%2Fb");
  });

  it("dot-segment keys survive WHATWG URL parsing", () => {
    const bucket = new Bucket({ endpoint: "127.0.0.1:9000", bucket: "test" });
    for (const key of ["a/../b", "./x", "dir/.", "a/./b/..", "../.."]) {
      const url = new URL(bucket.objectUrl(key));
      const path = decodeURIComponent(url.pathname);
      assert.equal(path, `/test/${key}`, key);
    }
  });
});
