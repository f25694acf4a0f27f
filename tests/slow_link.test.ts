/**
 * Slow links lose at most about a second (issue 11 item 5): against a 1 KB/s server, a
 * download killed with SIGKILL after a few seconds has committed all but about the last
 * second of what it received, and the next run resumes from there. Asserted on bytes (what
 * the server sent before the kill against where the resumed request starts), not on time.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ResumableDownloadStore, resumableDownloadUrl } from "../mod.ts";
import { startServer, type TestServer } from "./adversarial_server.ts";
import { fileBytes, randomBytes, runScript, sameBytes, tempDir, waitFor } from "./helpers.ts";

describe("slow links", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: TestServer;
  const data = randomBytes(64 * 1024, 41);
  before(async () => {
    dir = await tempDir();
    // 128 bytes every 125 ms: 1 KB/s.
    server = await startServer(data, { etag: '"slow"', drip: { bytes: 128, ms: 125 } });
  });
  after(async () => {
    await server.close();
    await dir.cleanup();
  });

  it("a download killed after a few seconds at 1 KB/s resumes from within ~1 s of data", {
    timeout: 60_000,
  }, async () => {
    const target = join(dir.path, "slow.bin");
    const storeDir = join(dir.path, "store");
    const script = new URL("./fixtures/download_url.ts", import.meta.url).pathname;
    const args = [server.url, target, storeDir, "1", String(data.length)];
    const first = runScript(script, args);
    // About four seconds of data, counted on the server.
    await waitFor(() => server.sent >= 4 * 1024 + 1, 40_000, "4 KiB sent");
    first.child.kill("SIGKILL");
    const sentBeforeKill = server.sent;
    assert.equal((await first.exited).signal, "SIGKILL");
    const start = server.log.length;
    server.behaviour.drip = undefined;
    const result = await resumableDownloadUrl(server.url, target, {
      store: new ResumableDownloadStore({ root: storeDir, dir: "checkpoints" }),
      partSize: data.length,
      multigetThreshold: 1,
    });
    assert.ok(sameBytes(await fileBytes(target), data));
    assert.equal(result.resumed, true);
    // The resumed request for the rest of the part starts where the saved bytes end.
    const rest = server.log.slice(start).find((r) => /-65535$/.test(r.range ?? ""));
    const saved = Number(/^bytes=(\d+)-/.exec(rest!.range!)![1]);
    const lost = sentBeforeKill - saved;
    console.log(`1 KB/s: ${sentBeforeKill} bytes sent before the kill, ${saved} saved`);
    assert.ok(saved > 0, "progress was committed before the buffer filled");
    // One commit interval (1 s = 1 KiB here) plus one chunk and generous slack for a busy
    // machine; a 1 MiB buffer without the time rule would lose all of it.
    assert.ok(lost <= 3 * 1024, `lost ${lost} bytes`);
    assert.equal(result.bytesFetched, data.length - saved);
  });
});
