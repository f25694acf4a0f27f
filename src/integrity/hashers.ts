/**
 * One streaming hasher per checksum name, for checking a finished file against what the
 * server (or the caller) stated. `hash-wasm` (already a dependency, for CRC-64 on Bun) is
 * used where WebAssembly can be compiled; MD5, CRC-32 and CRC-32C fall back to the small
 * plain-JS versions here (`md5.ts`, `crc32.ts`) where it cannot (Cloudflare's workerd
 * forbids run-time compilation). SHA-1/256/512 have no fallback: `crypto.subtle` cannot
 * stream a file, so without WebAssembly those checksums are not used (and not claimed in
 * `verifiedBy`). `hash-wasm` is imported on first use, so nothing loads it up front.
 *
 * @module
 */
import { Crc32, CRC32_POLY, CRC32C_POLY } from "./crc32.ts";
import { Md5 } from "./md5.ts";

/** The checksums a file can be checked against (CRC-64 is combined from the parts instead). */
export type DigestName = "md5" | "crc32c" | "crc32" | "sha1" | "sha256" | "sha512";

/** Every {@linkcode DigestName}. */
export const DIGEST_NAMES: readonly DigestName[] = [
  "md5",
  "crc32c",
  "crc32",
  "sha1",
  "sha256",
  "sha512",
];

/** A streaming hasher whose digest is lowercase hex. */
export interface Hasher {
  update(data: Uint8Array): unknown;
  digest(): string;
}

/** The `hash-wasm` hasher for `name`; the module is loaded on first use (optional, like wasm). */
async function wasm(name: DigestName) {
  const { createCRC32, createMD5, createSHA1, createSHA256, createSHA512 } = await import(
    "hash-wasm"
  );
  switch (name) {
    case "md5":
      return createMD5();
    case "crc32":
      return createCRC32(CRC32_POLY);
    case "crc32c":
      return createCRC32(CRC32C_POLY);
    case "sha1":
      return createSHA1();
    case "sha256":
      return createSHA256();
    case "sha512":
      return createSHA512();
  }
}

function js(name: DigestName): Hasher | undefined {
  if (name === "md5") return new Md5();
  if (name === "crc32") return new Crc32(CRC32_POLY);
  if (name === "crc32c") return new Crc32(CRC32C_POLY);
  return undefined;
}

/** A hasher for `name`, or `undefined` when this runtime cannot compute it. */
export async function createHasher(name: DigestName): Promise<Hasher | undefined> {
  try {
    const h = await wasm(name);
    h.init();
    return { update: (d) => h.update(d), digest: () => h.digest("hex") };
  } catch {
    return js(name);
  }
}
