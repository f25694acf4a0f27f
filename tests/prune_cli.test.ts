/** `resumable-download prune [--older-than AGE] [--store DIR] [--json]`. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAge, runCli } from "../src/cli/main.ts";
import { ResumableDownloadStore } from "../src/stores/file.ts";
import { tempDir } from "./helpers.ts";

function io() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: { write: (s: string) => void (out.stdout += s) },
      stderr: { write: (s: string) => void (out.stderr += s) },
      env: {},
      isTTY: false,
    },
  };
}

describe("resumable-download prune", () => {
  it("parses ages with units; rejects the rest", () => {
    assert.equal(parseAge("7d"), 7 * 86400_000);
    assert.equal(parseAge("12h"), 12 * 3600_000);
    assert.equal(parseAge("1.5m"), 90_000);
    assert.equal(parseAge("0s"), 0);
    for (const bad of ["7", "d", "-1d", "7 days", ""]) assert.throws(() => parseAge(bad));
  });

  it("removes records older than --older-than and their temp files; --json reports it", async () => {
    const dir = await tempDir();
    try {
      const storeDir = join(dir.path, "store");
      const store = new ResumableDownloadStore({ root: storeDir, dir: "." });
      const target = join(dir.path, "a.iso");
      await writeFile(`${target}.tmp-00ff`, "partial");
      await store.put("old", { target, tempFile: `${target}.tmp-00ff` });
      await store.put("new", { target: join(dir.path, "b.iso"), tempFile: "x" });
      const old = new Date(Date.now() - 3 * 86400_000);
      const slot = await store.pathOf("old");
      await utimes(slot, old, old);

      const kept = io();
      assert.equal(await runCli(["prune", "--store", storeDir, "--older-than=4d"], kept.io), 0);
      assert.match(kept.out.stderr, /removed 0 record\(s\) and 0 temp file\(s\)/);

      const { out, io: sink } = io();
      const code = await runCli(
        ["prune", "--older-than", "2d", "--store", storeDir, "--json"],
        sink,
      );
      assert.equal(code, 0, out.stderr);
      const event = JSON.parse(out.stdout);
      assert.deepEqual([event.event, event.records, event.tempFiles], ["pruned", 1, 1]);
      assert.deepEqual((await readdir(dir.path)).sort(), ["store"]);
      assert.deepEqual(await store.get("new"), { target: join(dir.path, "b.iso"), tempFile: "x" });
    } finally {
      await dir.cleanup();
    }
  });

  it("usage errors exit 2; --help prints the usage", async () => {
    const bad = io();
    assert.equal(await runCli(["prune", "--older-than", "soon"], bad.io), 2);
    assert.match(bad.out.stderr, /--older-than/);
    assert.equal(await runCli(["prune", "--bogus"], io().io), 2);
    const help = io();
    assert.equal(await runCli(["prune", "--help"], help.io), 0);
    assert.match(help.out.stdout, /Usage: resumable-download prune/);
  });
});
