// The README's many-objects example, on Deno or Bun: `deno run -A many.ts` or `bun many.ts`,
// from a project where `resumable-download` resolves. With OSS_ENDPOINT set it talks to that
// endpoint (CI points it at the mock OSS, which holds exampledir/exampleobject.txt and does
// not check signatures); otherwise fill in your bucket and keys. Files land under a temp dir.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Bucket, downloadMany, downloadPrefix, ResumableDownloadStore } from "resumable-download";

const endpoint = process.env.OSS_ENDPOINT ?? "https://oss-cn-hangzhou.aliyuncs.com";
const bucket = new Bucket({
  endpoint,
  region: "cn-hangzhou",
  bucket: "examplebucket",
  accessKeyId: "<AccessKeyId>",
  accessKeySecret: "<AccessKeySecret>",
});
const dir = mkdtempSync(join(tmpdir(), "rd-example-many-"));
process.chdir(dir);

try {
  // --- as in the README ---
  // Checkpoints and skip-unchanged records (default: ~/.resumable-download).
  const store = new ResumableDownloadStore({ root: ".checkpoints" });

  // Everything under a prefix: exampledir/a/b.txt lands at data/a/b.txt.
  const result = await downloadPrefix(bucket, "exampledir/", "data/", {
    store,
    concurrency: 16, // objects in flight; numThreads stays per object
    include: ["*.txt"], // globs on the key relative to the prefix
    exclude: ["tmp/**"],
    onObject: (e) => e.type === "failed" && console.error(e.key, e.error?.message),
  });
  console.log(result.downloaded, result.skipped, result.bytesFetched, result.failed);

  // A list of URLs (presigned ones included, or any ObjectSource), each to its own file.
  const url = await bucket.signUrl("exampledir/exampleobject.txt", { expires: 3600 });
  await downloadMany([{ source: url, filename: "copies/exampleobject.txt" }], {
    store,
    concurrency: 4,
  });
  // ---
  if (result.downloaded + result.skipped < 1 || result.failed.length > 0) {
    throw new Error("the prefix was not downloaded");
  }
  const a = statSync(join(dir, "data", "exampleobject.txt")).size;
  const b = statSync(join(dir, "copies", "exampleobject.txt")).size;
  if (a !== b || a === 0) throw new Error(`sizes differ: ${a} and ${b}`);
} finally {
  process.chdir(tmpdir());
  rmSync(dir, { recursive: true, force: true });
}
