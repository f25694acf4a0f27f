/**
 * Recognising a file that is already there without a record (downloaded by another tool,
 * or by a run killed between the rename and the record): for an object whose ETag is the
 * MD5 of its content (simple uploads: 32 hex digits, no `-N` part count), the local file's
 * MD5 is compared with it.
 *
 * @module
 */
import { createMD5 } from "hash-wasm";
import type { FileSystem } from "../fs/types.ts";

/** The MD5 (lowercase hex) an ETag stands for, when it is a plain content MD5. */
export function etagMd5(etag: string | undefined): string | undefined {
  const m = etag === undefined ? null : /^(?:W\/)?"?([0-9a-fA-F]{32})"?$/.exec(etag.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The MD5 of the file at `path` (lowercase hex), read 1 MiB at a time. */
export async function fileMd5(fs: FileSystem, path: string, size: number): Promise<string> {
  const hasher = await createMD5();
  hasher.init();
  const file = await fs.open(path, { create: false });
  try {
    const buffer = new Uint8Array(Math.min(Math.max(size, 1), 1024 * 1024));
    for (let position = 0; position < size;) {
      const n = await file.read(buffer, position);
      if (n === 0) break;
      hasher.update(buffer.subarray(0, n));
      position += n;
    }
  } finally {
    await file.close();
  }
  return hasher.digest("hex");
}
