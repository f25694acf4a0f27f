/**
 * Checking bytes on disk: the saved parts against their recorded CRCs, the whole file
 * against caller-supplied digests.
 *
 * @module
 */
import { createMD5, createSHA256 } from "hash-wasm";
import { IntegrityError } from "../errors.ts";
import type { RandomAccessFile } from "../fs/types.ts";
import { crc64Combine, createCrc64 } from "../integrity/crc64.ts";
import type { ExpectedDigests } from "./options.ts";
import type { Part } from "./plan.ts";
import { MiB } from "./options.ts";

const READ_SIZE = 4 * MiB;

/** CRC-64 of the whole object from its parts' CRCs (all parts must be complete). */
export function combineParts(parts: readonly Part[]): bigint {
  let crc = 0n;
  for (const p of parts) crc = crc64Combine(crc, p.crc, p.done);
  return crc;
}

/** Feeds bytes [start, end) of `file` to `sink`; throws if the file is shorter. */
export async function readRange(
  file: RandomAccessFile,
  start: number,
  end: number,
  sink: (chunk: Uint8Array) => void,
  buffer: Uint8Array = new Uint8Array(Math.min(READ_SIZE, Math.max(end - start, 1))),
): Promise<boolean> {
  let pos = start;
  while (pos < end) {
    const want = Math.min(buffer.length, end - pos);
    const n = await file.read(buffer.subarray(0, want), pos);
    if (n === 0) return false;
    sink(buffer.subarray(0, n));
    pos += n;
  }
  return true;
}

/** The parts whose saved bytes do not match their recorded CRC (or are missing). */
export async function verifySavedParts(
  file: RandomAccessFile,
  parts: readonly Part[],
): Promise<Part[]> {
  const bad: Part[] = [];
  const buffer = new Uint8Array(READ_SIZE);
  for (const p of parts) {
    if (p.done === 0) continue;
    const hasher = await createCrc64();
    const complete = await readRange(
      file,
      p.start,
      p.start + p.done,
      (c) => hasher.update(c),
      buffer,
    );
    if (!complete || hasher.digest() !== p.crc) bad.push(p);
  }
  return bad;
}

/** Checks the file's SHA-256 / MD5 against what the caller expects. */
export async function verifyDigests(
  file: RandomAccessFile,
  size: number,
  digests: ExpectedDigests,
): Promise<void> {
  const wanted = (["sha256", "md5"] as const).filter((k) => digests[k] !== undefined);
  if (wanted.length === 0) return;
  const hashers = await Promise.all(
    wanted.map(async (k) => ({ k, h: k === "sha256" ? await createSHA256() : await createMD5() })),
  );
  await readRange(file, 0, size, (c) => {
    for (const { h } of hashers) h.update(c);
  });
  for (const { k, h } of hashers) {
    const actual = h.digest("hex");
    if (actual !== digests[k]) throw new IntegrityError(k, digests[k]!, actual);
  }
}
