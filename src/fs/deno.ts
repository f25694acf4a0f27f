/**
 * The file adapter for Deno: the `node:fs` adapter (Deno implements `node:fs`, `O_NOFOLLOW`
 * included, and writes a chunk per `writeSync` as fast as its own `FsFile`: see node.ts),
 * with nothing asked of Deno's permissions that they do not already grant, so no prompt
 * ever appears. A missing permission is a `LocalFileError` naming the flag (errors.ts).
 *
 * @module
 */
import { NodeFileSystem } from "./node.ts";

type Query = { name: "sys"; kind: "statfs" };

/** Whether Deno grants `statfs` (`--allow-sys`), asked without prompting. */
function statfsGranted(): boolean {
  const deno = (globalThis as {
    Deno?: { permissions: { querySync(d: Query): { state: string } } };
  }).Deno;
  try {
    return deno?.permissions.querySync({ name: "sys", kind: "statfs" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The {@linkcode FileSystem} on Deno: {@linkcode NodeFileSystem}, whose free-space check is
 * skipped (unknown) unless `--allow-sys` is granted.
 *
 * @example
 * ```ts ignore
 * import { DenoFileSystem } from "./deno.ts";
 * const fs = new DenoFileSystem();
 * const file = await fs.open("/tmp/a.bin", { create: true });
 * await file.write([new Uint8Array([1, 2, 3])], 1024);
 * await file.close();
 * ```
 */
export class DenoFileSystem extends NodeFileSystem {
  /** Bytes free where `p` lives, when `--allow-sys` is granted; else unknown. */
  override freeSpace(p: string): Promise<number | undefined> {
    return statfsGranted() ? super.freeSpace(p) : Promise.resolve(undefined);
  }
}
