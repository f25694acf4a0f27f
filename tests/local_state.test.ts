/**
 * Private local state end to end: the temp file is 0600 and a symbolic link planted at its
 * path between two runs is refused (LocalFileError ELOOP), the file it points to untouched.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lstat, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalFileError, MemoryCheckpointStore, resumableDownloadUrl } from "../mod.ts";
import { MiB, randomBytes, sameBytes, tempDir } from "./helpers.ts";
import { rangeServer } from "./range_server.ts";

describe("the temp file", () => {
  it("is 0600; a link planted at its path is refused on resume, the victim untouched", async () => {
    const dir = await tempDir();
    const data = randomBytes(6 * MiB, 41);
    const origin = await rangeServer(data);
    try {
      const target = join(dir.path, "o.bin");
      const store = new MemoryCheckpointStore();
      const base = { store, multigetThreshold: 1, partSize: MiB };
      const controller = new AbortController();
      let mode = -1;
      await assert.rejects(
        resumableDownloadUrl(origin.url, target, {
          ...base,
          signal: controller.signal,
          progressCallback: (done) => {
            if (done < 2 * MiB || controller.signal.aborted) return;
            controller.abort();
          },
        }),
      );
      const temp = (await readdir(dir.path)).find((n) => n.startsWith("o.bin.tmp-"));
      assert.ok(temp, "the temp file is kept for the resume");
      mode = (await stat(join(dir.path, temp))).mode & 0o777;
      assert.equal(mode, 0o600);

      const victim = join(dir.path, "victim.txt");
      await writeFile(victim, "precious");
      await rm(join(dir.path, temp));
      await symlink(victim, join(dir.path, temp));
      await assert.rejects(resumableDownloadUrl(origin.url, target, base), (e) => {
        assert.ok(e instanceof LocalFileError, String(e));
        assert.equal(e.code, "ELOOP");
        assert.equal(e.path, join(dir.path, temp));
        return true;
      });
      assert.equal(await readFile(victim, "utf8"), "precious");
      assert.ok((await lstat(join(dir.path, temp))).isSymbolicLink(), "the link is left alone");
      assert.equal(await stat(target).catch(() => "absent"), "absent");

      // Once the link is gone, a fresh download works.
      await rm(join(dir.path, temp));
      await resumableDownloadUrl(origin.url, target, {
        ...base,
        store: new MemoryCheckpointStore(),
      });
      assert.ok(sameBytes(new Uint8Array(await readFile(target)), data));
    } finally {
      await origin.close();
      await dir.cleanup();
    }
  });
});
