/** A tiny HTTP server for a byte array that honours single `Range` requests (tests only). */
import { createServer } from "node:http";

/** Serves `data` at `/o.bin` on a loopback port; counts ranged requests and bytes served. */
export async function rangeServer(data: Uint8Array, options: { cors?: boolean } = {}) {
  let ranges = 0, served = 0;
  const server = createServer((req, res) => {
    const cors: Record<string, string> = options.cors
      ? {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "range, if-match, accept-encoding",
        "access-control-expose-headers": "etag, content-range, content-length, accept-ranges",
      }
      : {};
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
    if (m) ranges++;
    const body = data.subarray(start, end + 1);
    res.writeHead(m ? 206 : 200, {
      ...cors,
      "content-length": String(body.length),
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      etag: '"v1"',
      ...(m ? { "content-range": `bytes ${start}-${end}/${data.length}` } : {}),
    });
    served += body.length;
    res.end(body);
  });
  // Keep-alive connections the client's pool holds would keep close() waiting (Deno's
  // node:http has no idle timeout for them): they are ended with the server.
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/o.bin`,
    port,
    ranges: () => ranges,
    served: () => served,
    resetServed: () => void (served = 0),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
