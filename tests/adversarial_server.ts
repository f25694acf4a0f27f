/**
 * A small HTTP server (node:http, loopback, port 0) serving one mutable object with
 * Range support, whose misbehaviours are switched on per test: no validators, gzip on
 * ranged answers, a gzip-stored object, checksum headers, permanently failing ranges,
 * bodies longer than their range, a slow drip. It logs every request (headers included)
 * and counts the body bytes it wrote.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

/** How the server behaves; every field can be changed between requests. */
export interface Behaviour {
  /** Strong ETag to send (and honour in If-Match); `undefined`: none. */
  etag?: string | undefined;
  /** Last-Modified to send (and honour in If-Unmodified-Since); `undefined`: none. */
  lastModified?: string | undefined;
  /** Extra headers on every 200/206. */
  headers?: Record<string, string>;
  /** Headers only on a 200 (e.g. Content-MD5 of the whole body). */
  headers200?: Record<string, string>;
  /** Gzip the body of every 206 on the fly (Content-Range of the plain bytes). */
  gzipRanges?: boolean;
  /** Gzip every body on the fly, 200 included. */
  gzipAll?: boolean;
  /** Send `Content-Encoding: gzip` with the stored bytes (a gzip-stored object). */
  storedGzip?: boolean;
  /** Answer 500 to ranges starting at these offsets (never to bytes=0-0). */
  failStarts?: Set<number> | undefined;
  /** With `failStarts`: fail only this many times (absent: always). */
  failLeft?: number;
  /** Append this many junk bytes to the next N ranged bodies (chunked, no length). */
  junk?: { bytes: number; times: number };
  /** Never answer the next `times` ranged requests of at most `bytes` bytes (not 0-0). */
  hangSmall?: { bytes: number; times: number };
  /** Send at most `bytes` every `ms` (a slow link). */
  drip?: { bytes: number; ms: number };
}

/** One logged request. */
export interface Logged {
  url: string;
  range: string | undefined;
  status: number;
  headers: IncomingMessage["headers"];
  rawHeaders: string[];
}

/** The running server. */
export interface TestServer {
  url: string;
  data: Uint8Array;
  behaviour: Behaviour;
  log: Logged[];
  /** Body bytes written to sockets so far. */
  sent: number;
  close(): Promise<void>;
}

function parseRange(value: string | undefined, size: number) {
  const m = value ? /^bytes=(\d+)-(\d*)$/.exec(value) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? { start, end } : null;
}

/** Starts a server for `data`. */
export function startServer(data: Uint8Array, behaviour: Behaviour = {}): Promise<TestServer> {
  const state: TestServer = {
    url: "",
    data,
    behaviour,
    log: [],
    sent: 0,
    close: () => Promise.resolve(),
  };
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((req, res) => handle(state, req, res));
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      state.url = `http://127.0.0.1:${port}/object.bin`;
      state.close = () =>
        new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        });
      resolve(state);
    });
  });
}

function handle(state: TestServer, req: IncomingMessage, res: ServerResponse): void {
  const b = state.behaviour;
  const data = state.data;
  const size = data.length;
  const rangeHeader = req.headers["range"];
  const log: Logged = {
    url: req.url ?? "",
    range: rangeHeader,
    status: 0,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
  };
  state.log.push(log);
  const reply = (status: number, headers: Record<string, string>, body: Uint8Array) => {
    log.status = status;
    res.writeHead(status, headers);
    if (!b.drip) {
      state.sent += body.length;
      res.end(body);
      return;
    }
    const { bytes, ms } = b.drip;
    let at = 0;
    const tick = () => {
      if (res.destroyed) return;
      const chunk = body.subarray(at, at + bytes);
      at += chunk.length;
      state.sent += chunk.length;
      if (at >= body.length) res.end(chunk);
      else res.write(chunk, () => setTimeout(tick, ms));
    };
    tick();
  };
  const common: Record<string, string> = { "accept-ranges": "bytes", ...b.headers };
  if (b.etag) common["etag"] = b.etag;
  if (b.lastModified) common["last-modified"] = b.lastModified;
  if (b.storedGzip) common["content-encoding"] = "gzip";
  const ifMatch = req.headers["if-match"];
  if (ifMatch && ifMatch !== b.etag) return reply(412, {}, new Uint8Array(0));
  const ius = req.headers["if-unmodified-since"];
  if (ius && b.lastModified && Date.parse(b.lastModified) > Date.parse(ius)) {
    return reply(412, {}, new Uint8Array(0));
  }
  const range = parseRange(rangeHeader, size);
  if (range === null) {
    return reply(416, { "content-range": `bytes */${size}` }, new Uint8Array(0));
  }
  if (!range) {
    const body = b.gzipAll ? gzipSync(data) : data;
    const headers: Record<string, string> = {
      ...common,
      ...b.headers200,
      "content-length": String(body.length),
    };
    if (b.gzipAll) headers["content-encoding"] = "gzip";
    return reply(200, headers, body);
  }
  const small = b.hangSmall;
  if (
    small && small.times > 0 && rangeHeader !== "bytes=0-0" &&
    range.end - range.start + 1 <= small.bytes
  ) {
    small.times--;
    log.status = -1;
    return; // the socket stays open, with no answer
  }
  if (
    b.failStarts?.has(range.start) && rangeHeader !== "bytes=0-0" && (b.failLeft ?? 1) > 0
  ) {
    if (b.failLeft !== undefined) b.failLeft--;
    return reply(500, { "content-length": "0" }, new Uint8Array(0));
  }
  let body = data.subarray(range.start, range.end + 1);
  const headers: Record<string, string> = {
    ...common,
    "content-range": `bytes ${range.start}-${range.end}/${size}`,
  };
  if (b.gzipRanges || b.gzipAll) {
    body = gzipSync(body);
    headers["content-encoding"] = "gzip";
  }
  if (b.junk && b.junk.times > 0 && rangeHeader !== "bytes=0-0") {
    b.junk.times--;
    const longer = new Uint8Array(body.length + b.junk.bytes);
    longer.set(body);
    longer.fill(0x5a, body.length);
    body = longer;
  } else {
    headers["content-length"] = String(body.length);
  }
  reply(206, headers, body);
}
