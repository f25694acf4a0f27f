/**
 * The command line says what a file was checked against: `--json`'s `done` carries
 * `verifiedBy` and `verified`, and the summary never says "verified" when nothing was
 * compared. Retries and restarts come from the engine's `onEvent`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runCli } from "../src/cli/main.ts";
import { startServer, type TestServer } from "./adversarial_server.ts";
import { fileBytes, randomBytes, sameBytes, tempDir } from "./helpers.ts";

describe("command line: what was verified", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: TestServer;
  const data = randomBytes(300 * 1024, 51);
  before(async () => {
    dir = await tempDir();
    server = await startServer(data, { etag: '"cli"' });
  });
  after(async () => {
    await server.close();
    await dir.cleanup();
  });

  async function run(args: string[]) {
    let out = "", err = "";
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      isTTY: false,
    };
    const code = await runCli(args, io);
    const events = out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    return { code, err, events };
  }

  it("a server with no checksum: exit 0, 'not verified', verifiedBy []", async () => {
    server.behaviour.headers = {};
    const target = join(dir.path, "plain.bin");
    const r = await run([
      "--json",
      "--threshold",
      "64K",
      "--store",
      join(dir.path, "s"),
      server.url,
      target,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.ok(sameBytes(await fileBytes(target), data));
    const done = r.events.find((e) => e.event === "done");
    assert.deepEqual(done.verifiedBy, []);
    assert.equal(done.verified, false);
    assert.match(r.err, /done: .*not verified \(the server sent no checksum\)/);
    assert.doesNotMatch(
      r.err.split("\n").find((l) => l.startsWith("done:"))!,
      /\bverified\b(?! \()/,
    );
  });

  it("a server stating an MD5: 'verified against the server's md5'", async () => {
    server.behaviour.headers = {
      "repr-digest": `md5=:${createHash("md5").update(data).digest("base64")}:`,
    };
    const target = join(dir.path, "md5.bin");
    const r = await run([
      "--json",
      "--threshold",
      "64K",
      "--store",
      join(dir.path, "s"),
      server.url,
      target,
    ]);
    assert.equal(r.code, 0, r.err);
    const done = r.events.find((e) => e.event === "done");
    assert.deepEqual(done.verifiedBy, ["md5"]);
    assert.equal(done.verified, true);
    assert.match(r.err, /done: .*verified against the server's md5/);
  });

  it("retries are reported from the engine's events, on stderr and in --json", async () => {
    server.behaviour.headers = {};
    server.behaviour.failStarts = new Set([0]);
    server.behaviour.failLeft = 2;
    const target = join(dir.path, "retry.bin");
    const r = await run([
      "--json",
      "--threshold",
      "64K",
      "--part-size",
      "64K",
      "--store",
      join(dir.path, "s"),
      server.url,
      target,
    ]);
    server.behaviour.failStarts = undefined;
    assert.equal(r.code, 0, r.err);
    assert.ok(sameBytes(await fileBytes(target), data));
    const retries = r.events.filter((e) => e.event === "retry");
    assert.ok(retries.length >= 1, JSON.stringify(r.events));
    assert.match(retries[0].reason, /500/);
    assert.match(r.err, /retry: .*500/);
  });
});
