// Deno: download a URL in 4 ranged parts, resumably and verified.
// Run from a project where `resumable-download` resolves (see the README):
//   deno run -A deno.ts [URL]
// Without a URL it serves 8 MiB of random bytes from a local Deno.serve() and downloads those.
import { resumableDownloadUrl } from "resumable-download";

const data = new Uint8Array(8 * 1024 * 1024);
for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
  if (!range) return new Response(data, { headers: { etag: '"example"' } });
  const start = Number(range[1]);
  const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
  return new Response(data.subarray(start, end + 1), {
    status: 206,
    headers: { etag: '"example"', "content-range": `bytes ${start}-${end}/${data.length}` },
  });
});
const url = Deno.args[0] ?? `http://127.0.0.1:${server.addr.port}/big.bin`;
const dir = await Deno.makeTempDir({ prefix: "rd-example-" });

try {
  // --- as in the README ---
  const result = await resumableDownloadUrl(url, `${dir}/big.bin`, {
    numThreads: 4,
    partSize: 1024 * 1024,
    progressCallback: (done, total) => console.log(`${done} of ${total} bytes`),
  });
  console.log(result); // { size, etag, crc64, resumed, bytesFetched, verifiedBy }
  // ---
  const saved = await Deno.readFile(`${dir}/big.bin`);
  if (!Deno.args[0] && !saved.every((b, i) => b === data[i])) {
    throw new Error("the downloaded file differs from what was served");
  }
} finally {
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
