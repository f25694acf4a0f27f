// The README's OSS example (the Python SDK's oss2.resumable_download, in TypeScript), on Deno
// or Bun: `deno run -A oss.ts` or `bun oss.ts`, from a project where `resumable-download`
// resolves. With OSS_ENDPOINT set it talks to that endpoint instead (CI points it at the mock
// OSS, which does not check signatures); otherwise fill in your bucket and keys.
import { Bucket, resumableDownload, ResumableDownloadStore } from "resumable-download";

const endpoint = process.env.OSS_ENDPOINT ?? "https://oss-cn-hangzhou.aliyuncs.com";

// --- as in the README ---
const bucket = new Bucket({
  endpoint, // e.g. "https://oss-cn-hangzhou.aliyuncs.com"
  region: "cn-hangzhou", // derived from an OSS endpoint; needed for a custom one
  bucket: "examplebucket",
  accessKeyId: "<AccessKeyId>",
  accessKeySecret: "<AccessKeySecret>",
  // securityToken: "<STS token>", signatureVersion: "v4" (default) or "v1"
});
const result = await resumableDownload(bucket, "exampledir/exampleobject.txt", "examplefile.txt", {
  store: new ResumableDownloadStore({ root: "/tmp" }),
  multigetThreshold: 20 * 1024 * 1024,
  partSize: 10 * 1024 * 1024,
  progressCallback: (consumed, total) => console.log(`${Math.floor((100 * consumed) / total)}%`),
  numThreads: 4,
});
// ---
console.log(result);
