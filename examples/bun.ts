// Bun: download a URL in 4 ranged parts, resumably and verified.
// Run from a project where `resumable-download` is installed (`bun add`, see the README):
//   bun bun.ts [URL]
// Without a URL it serves 8 MiB of random bytes from a local Bun.serve() and downloads those.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resumableDownloadUrl } from "resumable-download";

const data = new Uint8Array(8 * 1024 * 1024);
for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
    if (!range) return new Response(data, { headers: { etag: '"example"' } });
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
    return new Response(data.subarray(start, end + 1), {
      status: 206,
      headers: { etag: '"example"', "content-range": `bytes ${start}-${end}/${data.length}` },
    });
  },
});
const url = Bun.argv[2] ?? `http://127.0.0.1:${server.port}/big.bin`;
const dir = await mkdtemp(join(tmpdir(), "rd-example-"));

try {
  // --- as in the README ---
  const result = await resumableDownloadUrl(url, join(dir, "big.bin"), {
    numThreads: 4,
    partSize: 1024 * 1024,
    progressCallback: (done, total) => console.log(`${done} of ${total} bytes`),
  });
  console.log(result); // { size, etag, crc64, resumed, bytesFetched, verifiedBy }
  // ---
  const saved = new Uint8Array(await Bun.file(join(dir, "big.bin")).arrayBuffer());
  if (!Bun.argv[2] && Buffer.compare(saved, data) !== 0) {
    throw new Error("the downloaded file differs from what was served");
  }
} finally {
  server.stop(true);
  await rm(dir, { recursive: true, force: true });
}
