/**
 * End-to-end integrity: the combined part CRCs against the server's x-oss-hash-crc64ecma,
 * repair of bad parts, saved parts re-verified on resume, caller-supplied digests.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { open, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IntegrityError, MemoryCheckpointStore, resumableDownloadUrl } from "../mod.ts";
import type { DownloadOptions } from "../mod.ts";
import { useMockOss } from "./mock_fixture.ts";
import { fileBytes, MiB, randomBytes, sameBytes } from "./helpers.ts";

const BUCKET = "crc";
const fast: DownloadOptions["retry"] = { initialDelay: 5, backoffLimit: 50 };

describe("integrity", () => {
  const { mock, dir } = useMockOss(BUCKET);

  const options = (extra: DownloadOptions = {}): DownloadOptions => ({
    store: new MemoryCheckpointStore(),
    numThreads: 2,
    partSize: MiB,
    multigetThreshold: 1,
    retry: fast,
    ...extra,
  });

  it("a wrong CRC header gives IntegrityError, keeps the old target, leaves nothing else", async () => {
    const data = randomBytes(4 * MiB, 3);
    await mock.put(BUCKET, "badcrc.bin", data, { crc64: "123" });
    const target = join(dir.path, "badcrc.bin");
    await writeFile(target, "old");
    const store = new MemoryCheckpointStore();
    await assert.rejects(
      resumableDownloadUrl(mock.urlFor(BUCKET, "badcrc.bin"), target, options({ store })),
      (e) => e instanceof IntegrityError && e.algorithm === "crc64" && e.expected === "123",
    );
    assert.equal(new TextDecoder().decode(await fileBytes(target)), "old");
    assert.deepEqual(await readdir(dir.path), ["badcrc.bin"]);
    assert.equal(store.size, 0);
    // One download plus one repair pass that found every part unchanged: then it gives up.
    assert.ok(mock.bytesServed() <= 2 * data.length + 1, `served ${mock.bytesServed()}`);
  });

  it("verify: false accepts it (unsafe, documented)", async () => {
    const data = randomBytes(2 * MiB, 4);
    await mock.put(BUCKET, "badcrc2.bin", data, { crc64: "123" });
    const target = join(dir.path, "out.bin");
    await resumableDownloadUrl(
      mock.urlFor(BUCKET, "badcrc2.bin"),
      target,
      options({ verify: false }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
  });

  it("repairs a range corrupted once on the wire by refetching parts until the CRC matches", async () => {
    const data = randomBytes(8 * MiB, 5);
    await mock.put(BUCKET, "flip.bin", data);
    mock.addFault({
      method: "GET",
      fault: { kind: "corrupt", atOffset: 2 * MiB + 77 },
      when: (r) =>
        !!r.range && r.range.start <= 2 * MiB + 77 && (r.range.end ?? Infinity) >= 2 * MiB + 77,
    });
    const target = join(dir.path, "flip.bin");
    const result = await resumableDownloadUrl(mock.urlFor(BUCKET, "flip.bin"), target, options());
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.crc64, mock.object(BUCKET, "flip.bin")!.crc64);
    assert.equal(mock.log.filter((r) => r.fault === "corrupt").length, 1);
    // Parts are refetched in pairs (2 threads) from the start until the bad one (the 3rd).
    assert.equal(result.bytesFetched, data.length + 4 * MiB);
  });

  it("re-verifies saved parts on resume: a temp file damaged between runs is repaired", async () => {
    const data = randomBytes(8 * MiB, 6);
    await mock.put(BUCKET, "damaged.bin", data);
    const url = mock.urlFor(BUCKET, "damaged.bin");
    const target = join(dir.path, "damaged.bin");
    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    await assert.rejects(
      resumableDownloadUrl(
        url,
        target,
        options({
          store,
          numThreads: 1,
          signal: controller.signal,
          progressCallback: (done) => done >= 5 * MiB && controller.abort(new Error("stop")),
        }),
      ),
      /stop/,
    );
    const temp = (await readdir(dir.path)).find((f) => f.startsWith("damaged.bin.tmp-"))!;
    // Flip a byte inside the second part, which is on disk.
    const handle = await open(join(dir.path, temp), "r+");
    await handle.write(new Uint8Array([data[MiB + 10]! ^ 0xff]), 0, 1, MiB + 10);
    await handle.close();
    const progress: number[] = [];
    const result = await resumableDownloadUrl(
      url,
      target,
      options({ store, numThreads: 1, progressCallback: (d) => progress.push(d) }),
    );
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.resumed, true);
    // Only the damaged part and the parts never saved were fetched again.
    assert.equal(result.bytesFetched, data.length - progress[0]!);
    assert.ok(progress[0]! >= 4 * MiB, `kept ${progress[0]}`);
  });

  it("checks caller-supplied digests for sources without a CRC", async () => {
    const data = randomBytes(3 * MiB, 7);
    await mock.put(BUCKET, "nocrc.bin", data, { crc64: null });
    const url = mock.urlFor(BUCKET, "nocrc.bin");
    const target = join(dir.path, "nocrc.bin");
    const sha256 = createHash("sha256").update(data).digest("hex");
    const md5 = createHash("md5").update(data).digest("hex");
    const result = await resumableDownloadUrl(url, target, options({ verify: { sha256, md5 } }));
    assert.ok(sameBytes(await fileBytes(target), data));
    // The CRC is still computed as the bytes arrive, and checked when the caller gives it.
    await resumableDownloadUrl(url, target, options({ verify: { crc64: result.crc64! } }));
    for (const bad of [{ sha256: "0".repeat(64) }, { md5: "f".repeat(32) }, { crc64: "1" }]) {
      await writeFile(target, "old");
      await assert.rejects(
        resumableDownloadUrl(url, target, options({ verify: bad })),
        (e) => e instanceof IntegrityError && e.algorithm === Object.keys(bad)[0],
      );
      assert.equal(new TextDecoder().decode(await fileBytes(target)), "old");
      assert.deepEqual(await readdir(dir.path), ["nocrc.bin"]);
    }
  });
});
