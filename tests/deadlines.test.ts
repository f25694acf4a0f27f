/**
 * Deadlines and bounds: a server that never answers, one that trickles, one that claims an
 * impossible size. Each fails with the right error in bounded time and memory.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  LocalFileError,
  MemoryCheckpointStore,
  NetworkError,
  ProtocolError,
  resumableDownloadUrl,
} from "../mod.ts";
import type { DownloadOptions } from "../mod.ts";
import { runDownload } from "../src/engine/engine.ts";
import { LowSpeedMonitor } from "../src/engine/low_speed.ts";
import { withDeadline } from "../src/engine/deadline.ts";
import { resolveOptions } from "../src/engine/options.ts";
import { MAX_OBJECT_SIZE } from "../src/engine/size_limit.ts";
import { loadRuntimeFiles } from "../src/fs/mod.ts";
import { HttpSource } from "../src/sources/http.ts";
import { runScript, tempDir } from "./helpers.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on a free loopback port; `close` ends every connection. */
async function httpServer(handler: Handler) {
  const sockets = new Set<Socket>();
  const server = createHttpServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/object.bin`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Answers the first request (`bytes=0-0`) like a real server of `size` bytes. */
function statAnswer(req: IncomingMessage, res: ServerResponse, size: number | string): boolean {
  if (req.headers.range !== "bytes=0-0") return false;
  res.writeHead(206, {
    "content-range": `bytes 0-0/${size}`,
    "content-length": "1",
    "etag": '"e1"',
  });
  res.end("x");
  return true;
}

const fastRetry = { initialDelay: 5, backoffLimit: 50, limit: 2 };

describe("deadlines and bounds", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => (dir = await tempDir()));
  after(async () => await dir.cleanup());

  const options = (extra: DownloadOptions = {}): DownloadOptions => ({
    store: new MemoryCheckpointStore(),
    multigetThreshold: 1,
    partSize: 1024 * 1024,
    ...extra,
    retry: { ...fastRetry, ...extra.retry },
  });

  it("a server that accepts and never answers: NetworkError on the first request, in bounded time", async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      // Stated bound: limit × idleTimeout + backoff = 2 × 300 + ≤ 50 ms.
      await assert.rejects(
        resumableDownloadUrl(
          `http://127.0.0.1:${port}/x`,
          join(dir.path, "silent.bin"),
          options({ retry: { idleTimeout: 300 } }),
        ),
        (e) => e instanceof NetworkError && /headers deadline/.test(e.message),
      );
      const took = Date.now() - started;
      assert.ok(took < 10_000, `gave up after ${took} ms`);
      assert.ok(sockets.size >= 2, "both attempts connected");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it("a server that answers the first request, then goes silent: NetworkError", async () => {
    const srv = await httpServer((req, res) => {
      if (!statAnswer(req, res, 4096)) req.on("close", () => res.destroy());
    });
    try {
      const started = Date.now();
      await assert.rejects(
        resumableDownloadUrl(
          srv.url,
          join(dir.path, "silent2.bin"),
          options({ retry: { idleTimeout: 300 } }),
        ),
        (e) => e instanceof NetworkError && /headers deadline/.test(e.message),
      );
      assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      await srv.close();
    }
  });

  it("a body of one byte every 2 s is below the speed floor: NetworkError in bounded time", async () => {
    const size = 4096;
    let ranged = 0;
    const timers = new Set<ReturnType<typeof setInterval>>();
    const srv = await httpServer((req, res) => {
      if (statAnswer(req, res, size)) return;
      ranged++;
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "")!;
      const [start, end] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${size}`,
        "content-length": String(end - start + 1),
        "etag": '"e1"',
      });
      res.write("y");
      const t = setInterval(() => res.write("y"), 2000);
      timers.add(t);
      res.on("close", () => {
        clearInterval(t);
        timers.delete(t);
      });
    });
    try {
      const started = Date.now();
      // idleTimeout (5 s) never fires: a byte comes every 2 s. Only the floor can end it.
      // Stated bound: limit × (lowSpeedTime + 1 s sampling) + backoff ≈ 2 × 2 s + 50 ms.
      await assert.rejects(
        resumableDownloadUrl(
          srv.url,
          join(dir.path, "trickle.bin"),
          options({ retry: { idleTimeout: 5000, lowSpeedTime: 1 } }),
        ),
        (e) => e instanceof NetworkError && /slower than 1024 bytes\/s for 1 s/.test(e.message),
      );
      const took = Date.now() - started;
      assert.ok(took < 15_000, `gave up after ${took} ms`);
      assert.equal(ranged, 2, "one request per attempt: the trickled bytes were not progress");
    } finally {
      for (const t of timers) clearInterval(t);
      await srv.close();
    }
  });

  it("a slow body above the floor is not abandoned", async () => {
    const size = 6000;
    const srv = await httpServer((req, res) => {
      if (statAnswer(req, res, size)) return;
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "")!;
      const [start, end] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${size}`,
        "content-length": String(end - start + 1),
        "etag": '"e1"',
      });
      let pos = start;
      // 500 bytes every 100 ms: 5000 bytes/s, above a 1000 bytes/s floor over 0.5 s.
      const t = setInterval(() => {
        const n = Math.min(500, end + 1 - pos);
        res.write("z".repeat(n));
        pos += n;
        if (pos > end) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      res.on("close", () => clearInterval(t));
    });
    try {
      const result = await resumableDownloadUrl(
        srv.url,
        join(dir.path, "slow-ok.bin"),
        options({ retry: { lowSpeedLimit: 1000, lowSpeedTime: 0.5, limit: 1 } }),
      );
      assert.equal(result.size, size);
      assert.equal(result.bytesFetched, size, "never retried");
    } finally {
      await srv.close();
    }
  });

  it("sizes at or above 2^53, not whole, or above 10,000 × 5 GiB are refused before planning", async () => {
    for (
      const size of ["9007199254740992", "100000000000000000000000", String(2 ** 50), "1.5"]
    ) {
      const srv = await httpServer((req, res) => {
        if (!statAnswer(req, res, size)) res.destroy();
      });
      try {
        await assert.rejects(
          resumableDownloadUrl(srv.url, join(dir.path, "huge.bin"), options()),
          (e) =>
            size === "1.5"
              // Not even a Content-Range: the server's answer is unusable.
              ? e instanceof ProtocolError
              : e instanceof ProtocolError && e.message.includes(`size of ${Number(size)} bytes`),
          size,
        );
      } finally {
        await srv.close();
      }
    }
    assert.equal(MAX_OBJECT_SIZE, 10_000 * 5 * 1024 ** 3);
    const left = (await readdir(dir.path)).filter((n) => n.startsWith("huge.bin"));
    assert.deepEqual(left, [], "nothing allocated");
  });

  it("a size the disk or file system cannot hold is refused before writing, with the reason", async () => {
    // 17 TiB: within what can be planned, beyond this disk's free space (ENOSPC) and, once
    // free space is unknown, beyond ext4's file size limit (EFBIG) where the temp dir is ext4.
    const size = 17 * 1024 ** 4;
    const srv = await httpServer((req, res) => {
      if (!statAnswer(req, res, size)) res.destroy();
    });
    const files = await loadRuntimeFiles();
    const fs = files.fs;
    const noFreeSpace = Object.create(fs, {
      freeSpace: { value: () => Promise.resolve(undefined) },
    });
    try {
      const target = join(dir.path, "big.bin");
      await assert.rejects(
        resumableDownloadUrl(srv.url, target, options({ partSize: undefined })),
        (e) => e instanceof LocalFileError && ["ENOSPC", "EFBIG"].includes(e.code),
      );
      const opts = resolveOptions(options({ partSize: undefined }));
      let error: unknown;
      try {
        await runDownload(new HttpSource(srv.url), target, {
          fs: noFreeSpace,
          lock: files.lockFor(fs),
          store: new MemoryCheckpointStore(),
          options: opts,
        });
      } catch (e) {
        error = e;
      }
      if (error === undefined) return; // a file system that holds 17 TiB sparse files
      assert.ok(error instanceof LocalFileError, String(error));
      if (error.code === "EFBIG") assert.match(error.message, /cannot hold a file of/);
      const left = (await readdir(dir.path)).filter((n) => n.startsWith("big.bin"));
      assert.deepEqual(left, [], "no temp file left");
    } finally {
      await srv.close();
    }
  });

  it("a Content-Range of 1e23 bytes fails at once with the process's memory bounded", {
    timeout: 60_000,
  }, async () => {
    const srv = await httpServer((req, res) => {
      if (!statAnswer(req, res, "100000000000000000000000")) res.destroy();
    });
    try {
      const child = runScript(new URL("./fixtures/rss_download.ts", import.meta.url).pathname, [
        srv.url,
        join(dir.path, "e23.bin"),
      ]);
      const killer = setTimeout(() => child.child.kill("SIGKILL"), 45_000);
      const { code } = await child.exited;
      clearTimeout(killer);
      assert.equal(code, 0, child.stderr);
      const out = JSON.parse(child.stdout.trim().split("\n").pop()!);
      assert.equal(out.error?.name, "ProtocolError", child.stdout);
      const growth = out.peak - out.before;
      assert.ok(growth < 200 * 1024 * 1024, `RSS grew by ${growth} bytes`);
    } finally {
      await srv.close();
    }
  });

  it("abort cancels in-flight bodies at once, even through a fetch wrapper's own stream", {
    timeout: 60_000,
  }, async () => {
    // 4 ranges of 8 MiB at 640 KiB/s each: without a prompt cancel, an abort waited for
    // Deno to notice (2 s and more through a wrapper's stream).
    const size = 32 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024).fill(7);
    let open = 0;
    const srv = await httpServer((req, res) => {
      if (statAnswer(req, res, size)) return;
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "")!;
      const [start, end] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${size}`,
        "content-length": String(end - start + 1),
        "etag": '"e1"',
      });
      open++;
      let pos = start;
      const t = setInterval(() => {
        const n = Math.min(chunk.length, end + 1 - pos);
        res.write(chunk.subarray(0, n));
        pos += n;
        if (pos > end) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      res.on("close", () => {
        clearInterval(t);
        open--;
      });
    });
    // What the CLI does to watch bodies: hand the engine a stream of its own.
    const wrapping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.body) return response;
      const reader = response.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { value, done } = await reader.read();
            if (done) controller.close();
            else controller.enqueue(value);
          } catch (e) {
            controller.error(e);
          }
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    try {
      const controller = new AbortController();
      let done = 0;
      const pending = resumableDownloadUrl(
        srv.url,
        join(dir.path, "abort.bin"),
        options({
          partSize: 8 * 1024 * 1024,
          numThreads: 4,
          fetch: wrapping,
          signal: controller.signal,
          progressCallback: (d) => (done = d),
        }),
      );
      while (done < 2 * 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
      assert.equal(open, 4, "four ranges in flight");
      const reason = new Error("stopped by the test");
      const t0 = Date.now();
      controller.abort(reason);
      await assert.rejects(pending, (e) => e === reason);
      const took = Date.now() - t0;
      assert.ok(took < 1500, `took ${took} ms to stop`);
      const until = Date.now() + 5000;
      while (open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(open, 0, "every response was cancelled (the server saw its connection close)");
    } finally {
      await srv.close();
    }
  });

  it("withDeadline: fails at the deadline even when the request ignores its signal", async () => {
    let late: (r: Response) => void = () => {};
    let cancelled = false;
    const t0 = Date.now();
    await assert.rejects(
      withDeadline(200, undefined, "GET", () => new Promise<Response>((r) => (late = r))),
      (e) => e instanceof NetworkError && /no response to GET within 200 ms/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 5000);
    // What arrives after the deadline is dropped, its body cancelled.
    late(new Response(new ReadableStream({ cancel: () => void (cancelled = true) })));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(cancelled, "the late body was cancelled");
    // The caller's abort wins over the deadline and keeps its reason.
    const outer = new AbortController();
    const reason = new Error("user");
    const pending = withDeadline(
      10_000,
      outer.signal,
      "GET",
      (s) => new Promise((_, reject) => s.addEventListener("abort", () => reject(s.reason))),
    );
    outer.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
  });

  it("LowSpeedMonitor: the average over the last window decides", () => {
    const m = new LowSpeedMonitor({ limit: 1000, time: 2 });
    assert.equal(m.stalled(1000, 100), false, "the window is not full yet");
    assert.equal(m.stalled(2000, 2500), false, "2500 bytes in 2 s");
    assert.equal(m.stalled(3000, 4000), false, "3900 bytes in the last 2 s");
    assert.equal(m.stalled(4000, 4100), true, "1600 bytes in the last 2 s");
    const off = new LowSpeedMonitor({ limit: 0, time: 1 });
    assert.equal(off.stalled(10_000, 0), false, "limit 0 turns it off");
  });

  it("validates retry.lowSpeedLimit and retry.lowSpeedTime", () => {
    const bad: [Record<string, unknown>, typeof TypeError, RegExp][] = [
      [{ lowSpeedLimit: "1" }, TypeError, /'retry.lowSpeedLimit' must be an integer/],
      [{ lowSpeedLimit: -1 }, RangeError, /'retry.lowSpeedLimit'.*got -1/],
      [{ lowSpeedLimit: 1.5 }, RangeError, /'retry.lowSpeedLimit'/],
      [{ lowSpeedTime: "30" }, TypeError, /'retry.lowSpeedTime' must be a number of seconds/],
      [{ lowSpeedTime: 0 }, RangeError, /'retry.lowSpeedTime'.*got 0/],
      [{ lowSpeedTime: NaN }, RangeError, /'retry.lowSpeedTime'/],
      [{ lowSpeedTime: Infinity }, RangeError, /'retry.lowSpeedTime'/],
    ];
    for (const [retry, cls, re] of bad) {
      assert.throws(() => resolveOptions({ retry }), (e) => e instanceof cls && re.test(String(e)));
    }
    const r = resolveOptions({}).retry;
    assert.equal(r.lowSpeedLimit, 1024);
    assert.equal(r.lowSpeedTime, 30);
    assert.equal(
      resolveOptions({ retry: { lowSpeedTime: 0.5, lowSpeedLimit: 0 } }).retry.lowSpeedTime,
      0.5,
    );
  });
});
