// The web entry (`resumable-download/web`): nothing runtime-specific inside, so a bundle of it
// runs in a browser's dedicated worker and in Cloudflare Workers. Here it runs on Node.js,
// Deno or Bun (`node web.mjs`, `deno run -A web.mjs`, `bun web.mjs`) and downloads 8 MiB from
// a local server into memory. In a browser worker, pass `fs: new OpfsFileSystem()` instead.
import { createServer } from "node:http";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import {
  MemoryCheckpointStore,
  MemoryFileSystem,
  resumableDownloadUrl,
} from "resumable-download/web";

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
// Keep-alive connections would keep Deno's node:http server open after close().
const sockets = new Set();
server.on("connection", (socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/big.bin`;

try {
  // --- as in the README ---
  const fs = new MemoryFileSystem(); // in a browser worker: new OpfsFileSystem()
  const result = await resumableDownloadUrl(url, "/dl/big.bin", {
    fs,
    store: new MemoryCheckpointStore(),
    numThreads: 4,
    partSize: 1024 * 1024,
  });
  console.log(result.size, fs.readFile("/dl/big.bin")?.length);
  // ---
  if (!Buffer.from(fs.readFile("/dl/big.bin") ?? []).equals(data)) {
    throw new Error("the downloaded file differs from what was served");
  }
} finally {
  server.close();
  for (const socket of sockets) socket.destroy();
}
