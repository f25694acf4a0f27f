/**
 * ListObjectsV2: the mock answers as OSS does (XML shape, prefix, delimiter, max-keys,
 * continuation tokens, start-after, encoding-type=url), and Bucket.listObjects /
 * listAllObjects sign the request (v4 and v1) and decode what comes back.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, type BucketOptions, type ListedObject, OssError, ProtocolError } from "../mod.ts";
import { parseListObjectsV2 } from "../src/sources/oss/list.ts";
import { MockOss } from "./mock_oss/mod.ts";
import { ossAuth } from "./mock_oss/auth.ts";
import { compareUtf8 } from "./mock_oss/list_objects.ts";

const BUCKET = "list-bucket";
const REGION = "cn-hangzhou";
const KEYS = [
  "data/a.bin",
  "data/b c+d.bin",
  "data/sub/",
  "data/sub/x.bin",
  "data/sub/deep/y.bin",
  "data/ü/日本語.bin",
  "data/ctrl\u0001char.bin",
  "data/amp&lt<.bin",
  "data/😀.bin",
  "data/\uFF5E.bin",
  "other/z.bin",
];

describe("ListObjectsV2 on the mock and through Bucket", () => {
  const mock = new MockOss({
    bucket: BUCKET,
    auth: ossAuth({ credentials: { ak: { secret: "sk" } }, region: REGION }),
  });
  const open = new MockOss({ bucket: BUCKET });
  let server: { url: string; close(): Promise<void> };
  let openServer: { url: string; close(): Promise<void> };
  before(async () => {
    server = await mock.listen();
    openServer = await open.listen();
    for (const [i, key] of KEYS.entries()) {
      await mock.put(BUCKET, key, new Uint8Array(i * 10), {
        lastModified: new Date("2024-05-18T05:45:54Z"),
      });
      await open.put(BUCKET, key, new Uint8Array(i * 10));
    }
  });
  after(async () => {
    await server.close();
    await openServer.close();
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
  const raw = async (query: string) => {
    const res = await fetch(`${openServer.url}/${BUCKET}/?${query}`);
    return { res, text: await res.text() };
  };
  const sortedData = KEYS.filter((k) => k.startsWith("data/")).sort(compareUtf8);

  it("answers the XML OSS sends, keys URL-encoded with encoding-type=url", async () => {
    const { res, text } = await raw("list-type=2&prefix=data%2F&max-keys=2&encoding-type=url");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/xml");
    assert.match(res.headers.get("x-oss-request-id") ?? "", /^[0-9A-F]{24}$/);
    const expected = [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<ListBucketResult>`,
      `  <Name>${BUCKET}</Name>`,
      `  <Prefix>data%2F</Prefix>`,
      `  <MaxKeys>2</MaxKeys>`,
      `  <EncodingType>url</EncodingType>`,
      `  <IsTruncated>true</IsTruncated>`,
    ];
    assert.deepEqual(text.split("\n").slice(0, expected.length), expected);
    assert.match(text, /<NextContinuationToken>[A-Za-z0-9+/]+-*<\/NextContinuationToken>/);
    const keys = [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
    assert.deepEqual(keys, sortedData.slice(0, 2).map((k) => encodeURIComponent(k)));
    assert.match(
      text,
      /<Contents>\s*<Key>[^<]+<\/Key>\s*<LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z<\/LastModified>\s*<ETag>"[0-9A-F]{32}"<\/ETag>\s*<Type>Normal<\/Type>\s*<Size>\d+<\/Size>\s*<StorageClass>Standard<\/StorageClass>\s*<\/Contents>/,
    );
    assert.match(text, /<KeyCount>2<\/KeyCount>\n<\/ListBucketResult>\n$/);
    assert.doesNotMatch(text, /<Owner>/);
    const owner = await raw("list-type=2&prefix=data%2F&max-keys=1&fetch-owner=true");
    assert.match(
      owner.text,
      /<Owner>\s*<ID>\d+<\/ID>\s*<DisplayName>\d+<\/DisplayName>\s*<\/Owner>/,
    );
  });

  it("without encoding-type keys travel as XML text (entities, control chars as references)", async () => {
    const { text } = await raw("list-type=2&prefix=data%2Fa");
    assert.match(text, /<Key>data\/amp&amp;lt&lt;\.bin<\/Key>/);
    assert.match(text, /<Key>data\/a\.bin<\/Key>/);
    const ctrl = await raw("list-type=2&prefix=data%2Fctrl");
    assert.match(ctrl.text, /<Key>data\/ctrl&#1;char\.bin<\/Key>/);
  });

  it("pages with continuation tokens until IsTruncated is false, in UTF-8 byte order", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ "list-type": "2", prefix: "data/", "max-keys": "3" });
      if (token) q.set("continuation-token", token);
      const { text } = await raw(q.toString());
      const page = parseListObjectsV2(text);
      assert.ok(page.objects.length <= 3);
      seen.push(...page.objects.map((o) => o.key));
      token = page.nextContinuationToken;
      assert.equal(page.isTruncated, token !== undefined);
      if (token) assert.match(text, new RegExp(`<KeyCount>3</KeyCount>`));
      pages++;
    } while (token);
    assert.deepEqual(seen, sortedData);
    assert.equal(pages, Math.ceil(sortedData.length / 3));
    // The emoji (4 UTF-8 bytes, a surrogate pair in UTF-16) sorts after U+FF5E by bytes.
    assert.ok(seen.indexOf("data/😀.bin") > seen.indexOf("data/\uFF5E.bin"));
  });

  it("groups by delimiter into CommonPrefixes, which count against max-keys", async () => {
    const { text } = await raw("list-type=2&prefix=data%2F&delimiter=%2F&encoding-type=url");
    assert.match(text, /<Delimiter>%2F<\/Delimiter>/);
    const page = parseListObjectsV2(text);
    assert.deepEqual(page.commonPrefixes, ["data/sub/", "data/ü/"]);
    assert.deepEqual(
      page.objects.map((o) => o.key),
      sortedData.filter((k) => !k.slice(5).includes("/")),
    );
    assert.match(text, new RegExp(`<KeyCount>${page.objects.length + 2}</KeyCount>`));
    // Paging one entry at a time returns each prefix once.
    const entries: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({
        "list-type": "2",
        prefix: "data/",
        delimiter: "/",
        "max-keys": "1",
      });
      if (token) q.set("continuation-token", token);
      const p = parseListObjectsV2((await raw(q.toString())).text);
      entries.push(...p.objects.map((o) => o.key), ...p.commonPrefixes);
      token = p.nextContinuationToken;
    } while (token);
    assert.deepEqual(
      entries.sort(compareUtf8),
      [...page.objects.map((o) => o.key), "data/sub/", "data/ü/"].sort(compareUtf8),
    );
    // The folder marker itself is an object under its own prefix.
    const sub = parseListObjectsV2(
      (await raw("list-type=2&prefix=data%2Fsub%2F&delimiter=%2F&max-keys=1")).text,
    );
    assert.deepEqual(sub.objects.map((o) => o.key), ["data/sub/"]);
    const next = parseListObjectsV2(
      (await raw(
        `list-type=2&prefix=data%2Fsub%2F&delimiter=%2F&continuation-token=${
          encodeURIComponent(sub.nextContinuationToken!)
        }`,
      )).text,
    );
    assert.deepEqual(next.objects.map((o) => o.key), ["data/sub/x.bin"]);
    assert.deepEqual(next.commonPrefixes, ["data/sub/deep/"]);
  });

  it("start-after skips keys up to and including it", async () => {
    const page = parseListObjectsV2((await raw("list-type=2&start-after=data%2Fsub%2Fx.bin")).text);
    assert.deepEqual(page.objects.map((o) => o.key), [
      ...sortedData.filter((k) => compareUtf8(k, "data/sub/x.bin") > 0),
      "other/z.bin",
    ]);
    const { text } = await raw("list-type=2&start-after=data%2Fsub%2Fx.bin&encoding-type=url");
    assert.match(text, /<StartAfter>data%2Fsub%2Fx\.bin<\/StartAfter>/);
  });

  it("rejects a bad max-keys, encoding-type or token with 400 InvalidArgument", async () => {
    for (
      const q of [
        "max-keys=1001",
        "max-keys=x",
        "encoding-type=base64",
        "continuation-token=%25%25",
      ]
    ) {
      const { res, text } = await raw(`list-type=2&${q}`);
      assert.equal(res.status, 400, q);
      assert.match(text, /<Code>InvalidArgument<\/Code>/);
    }
  });

  for (const version of ["v4", "v1"] as const) {
    it(`${version}: listAllObjects signs each page and decodes every awkward key`, async () => {
      mock.resetStats();
      const listed: ListedObject[] = [];
      for await (
        const o of bucket({ signatureVersion: version }).listAllObjects({
          prefix: "data/",
          maxKeys: 2,
        })
      ) {
        listed.push(o);
      }
      assert.deepEqual(listed.map((o) => o.key), sortedData);
      const requests = mock.log.filter((e) => e.key === "");
      assert.equal(requests.length, Math.ceil(sortedData.length / 2));
      assert.ok(requests.every((e) => e.status === 200 && /encoding-type=url/.test(e.path)));
      const a = listed.find((o) => o.key === "data/b c+d.bin")!;
      const stored = mock.object(BUCKET, "data/b c+d.bin")!;
      assert.deepEqual(a, {
        key: "data/b c+d.bin",
        size: stored.data.length,
        etag: stored.etag,
        lastModified: "2024-05-18T05:45:54.000Z",
        type: "Normal",
        storageClass: "Standard",
      });
    });
  }

  it("listObjects returns one page with its token and common prefixes", async () => {
    const page = await bucket().listObjects({ prefix: "data/", delimiter: "/", maxKeys: 1000 });
    assert.equal(page.isTruncated, false);
    assert.equal(page.nextContinuationToken, undefined);
    assert.equal(page.name, BUCKET);
    assert.equal(page.prefix, "data/");
    assert.equal(page.delimiter, "/");
    assert.deepEqual(page.commonPrefixes, ["data/sub/", "data/ü/"]);
  });

  it("errors: wrong secret and missing bucket are OssErrors; a non-listing is a ProtocolError", async () => {
    await assert.rejects(
      bucket({ accessKeySecret: "wrong" }).listObjects(),
      (e) => e instanceof OssError && e.status === 403 && e.code === "SignatureDoesNotMatch",
    );
    await assert.rejects(
      bucket({ bucket: "no-such-bucket" }).listObjects(),
      (e) => e instanceof OssError && e.status === 404 && e.code === "NoSuchBucket",
    );
    assert.throws(() => parseListObjectsV2("<html>hi</html>"), ProtocolError);
    assert.throws(
      () =>
        parseListObjectsV2(
          "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>%E0</Key><Size>1</Size></Contents></ListBucketResult>",
        ),
      ProtocolError,
    );
    await assert.rejects(bucket().listObjects({ maxKeys: 0 }), RangeError);
    await assert.rejects(bucket().listObjects({ delimiter: "ab" }), RangeError);
  });
});
