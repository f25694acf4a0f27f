/**
 * Serving a fetch handler over a real socket: `Deno.serve` on Deno, `node:http` on Bun
 * (and Node), or `Bun.serve` on request.
 *
 * Why not `Bun.serve` by default: Bun 1.4.5 strips a handler's `Content-Length` from any
 * `ReadableStream` body and sends it chunked (oven-sh/bun#10507), so a streamed GET would
 * lack the `Content-Length` OSS always sends. Bun's `node:http` keeps it.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { DroppedConnection, sleep } from "./body.ts";

/** Which server implementation serves the socket. */
export type Backend = "deno" | "bun" | "node";

/** Where to listen. */
export interface ListenOptions {
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /** @default {0} (any free port) */
  port?: number;
  /** @default {"deno"} on Deno, {"node"} elsewhere */
  backend?: Backend;
}

/** A listening server. */
export interface Listener {
  /** `http://HOST:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly hostname: string;
  readonly backend: Backend;
  /** Fails streaming bodies (like a drop), stops the server and closes its connections. */
  close(): Promise<void>;
}

/** What a handler learns about the server serving it. */
export interface ServeContext {
  /** Aborts when the server closes. */
  closing: AbortSignal;
  /** The server logs any body-stream failure except `undefined`: fail drops with that. */
  quietDrops: boolean;
}

/** A fetch handler that is also told about the server. */
export type Handler = (req: Request, ctx: ServeContext) => Response | Promise<Response>;

/** The backend used when none is asked for. */
export function defaultBackend(): Backend {
  return typeof Deno !== "undefined" ? "deno" : "node";
}

/** Serves `handler` on a real socket. */
export async function serve(handler: Handler, options: ListenOptions = {}): Promise<Listener> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 0;
  const backend = options.backend ?? defaultBackend();
  if (!["deno", "bun", "node"].includes(backend)) {
    throw new TypeError(`backend must be "deno", "bun" or "node", got ${JSON.stringify(backend)}`);
  }
  const closing = new AbortController();
  const serveIt = backend === "deno" ? serveDeno : backend === "bun" ? serveBun : serveNode;
  const ctx: ServeContext = { closing: closing.signal, quietDrops: backend === "bun" };
  const { port: bound, stop } = await serveIt(hostname, port, (req) => handler(req, ctx));
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(hostname)}:${bound}`,
    port: bound,
    hostname,
    backend,
    close() {
      closing.abort();
      return closed ??= stop();
    },
  };
}

type Bound = { port: number; stop: () => Promise<void> };
type Fetch = (req: Request) => Response | Promise<Response>;

function reportUnexpected(error: unknown): void {
  if (error !== undefined && !(error instanceof DroppedConnection)) {
    console.error("mock OSS:", error);
  }
}

function serveDeno(hostname: string, port: number, fetch: Fetch): Promise<Bound> {
  if (typeof Deno === "undefined") throw new TypeError("the deno backend needs the Deno runtime");
  const server = Deno.serve({
    hostname,
    port,
    onListen() {},
    onError(error) {
      reportUnexpected(error);
      return new Response(null, { status: 500 });
    },
  }, fetch);
  // Shutdown is graceful: a client that stopped reading mid-body would hold it forever, so
  // after a grace period the server is only unref'd (it no longer keeps the process alive).
  const stop = async () => {
    const done = await Promise.race([
      server.shutdown().then(() => true),
      sleep(2000).then(() => false),
    ]);
    if (!done) server.unref();
  };
  return Promise.resolve({ port: server.addr.port, stop });
}

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): void | Promise<void>;
}

function serveBun(hostname: string, port: number, fetch: Fetch): Promise<Bound> {
  const bun = (globalThis as { Bun?: { serve(options: unknown): BunServer } }).Bun;
  if (!bun) throw new TypeError("the bun backend needs the Bun runtime");
  const server = bun.serve({
    hostname,
    port,
    idleTimeout: 0,
    fetch,
    error(error: unknown) {
      reportUnexpected(error);
      return new Response(null, { status: 500 });
    },
  });
  return Promise.resolve({ port: server.port, stop: async () => void await server.stop(true) });
}

async function serveNode(hostname: string, port: number, fetch: Fetch): Promise<Bound> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => void respond(req, res, fetch, hostname));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Runs one request through `fetch` and streams the answer with backpressure. */
async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  fetch: Fetch,
  hostname: string,
): Promise<void> {
  req.resume(); // the mock never reads request bodies
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const host = req.headers.host ?? urlHost(hostname);
  let response: Response;
  try {
    response = await fetch(
      new Request(`http://${host}${req.url}`, { method: req.method, headers }),
    );
  } catch (error) {
    reportUnexpected(error);
    res.writeHead(500, { "content-length": "0" }).end();
    return;
  }
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out);
  const bodiless = req.method === "HEAD" || response.status === 204 || response.status === 304;
  if (!response.body || bodiless) {
    await response.body?.cancel();
    res.end();
    return;
  }
  res.flushHeaders(); // headers go out before the body, as from OSS (and before any drop)
  const reader = response.body.getReader();
  res.on("close", () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  });
  const declared = Number(response.headers.get("content-length") ?? NaN);
  let written = 0;
  let flushed: Promise<unknown> = Promise.resolve();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      written += value.length;
      let more = true;
      flushed = new Promise((resolve) => (more = res.write(value, resolve)));
      if (!more) await drained(res);
    }
  } catch (error) {
    reportUnexpected(error);
    await Promise.race([flushed, sleep(200)]);
    res.destroy();
    return;
  }
  if (written < declared) {
    // A body shorter than its Content-Length: the connection cannot be reused, so close it.
    await Promise.race([flushed, sleep(200)]);
    res.destroy();
  } else {
    res.end();
  }
}

/** Resolves on `drain` or `close`, whichever comes first, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function urlHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
