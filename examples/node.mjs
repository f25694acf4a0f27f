// Node.js (20.18.1 or later): download a URL in 4 ranged parts, resumably and verified.
// Run from a project where `resumable-download` is installed (see the README):
//   node node.mjs [URL]
// Without a URL it serves 8 MiB of random bytes from a local server and downloads those.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resumableDownloadUrl } from "resumable-download";

const data = randomBytes(8 * 1024 * 1024);
const server = createServer((req, res) => {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  res.setHeader("etag", '"example"');
  if (!range) return res.writeHead(200, { "content-length": data.length }).end(data);
  const start = Number(range[1]);
  const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
  res.writeHead(206, {
    "content-range": `bytes ${start}-${end}/${data.length}`,
    "content-length": end - start + 1,
  }).end(data.subarray(start, end + 1));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = process.argv[2] ?? `http://127.0.0.1:${server.address().port}/big.bin`;
const dir = mkdtempSync(join(tmpdir(), "rd-example-"));

try {
  // --- as in the README ---
  const result = await resumableDownloadUrl(url, join(dir, "big.bin"), {
    numThreads: 4,
    partSize: 1024 * 1024,
    progressCallback: (done, total) => console.log(`${done} of ${total} bytes`),
  });
  console.log(result); // { size, etag, crc64, resumed, bytesFetched, verifiedBy }
  // ---
  if (!process.argv[2] && !readFileSync(join(dir, "big.bin")).equals(data)) {
    throw new Error("the downloaded file differs from what was served");
  }
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
