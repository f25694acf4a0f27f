/**
 * Checking bytes on disk: the saved parts against their recorded CRCs, the whole file
 * against the digests the server stated and the caller supplied.
 *
 * @module
 */
import { IntegrityError } from "../errors.ts";
import type { RandomAccessFile } from "../fs/types.ts";
import { crc64Combine, createCrc64 } from "../integrity/crc64.ts";
import { createHasher, type DigestName, type Hasher } from "../integrity/hashers.ts";
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

/** A digest the finished file must have, and who stated it. */
export interface ExpectedDigest {
  name: DigestName;
  /** Lowercase hex. */
  hex: string;
  /** Who stated it, for the error message: `server` or `caller`. */
  from: "server" | "caller";
}

/**
 * Hashes the file once for every digest in `expected` and compares. Resolves the names
 * that were checked (a digest this runtime cannot compute is skipped: see `hashers.ts`);
 * throws `IntegrityError` for the first mismatch.
 */
export async function verifyFileDigests(
  file: RandomAccessFile,
  size: number,
  expected: readonly ExpectedDigest[],
): Promise<DigestName[]> {
  const hashers = new Map<DigestName, Hasher>();
  for (const { name } of expected) {
    if (hashers.has(name)) continue;
    const h = await createHasher(name);
    if (h) hashers.set(name, h);
  }
  if (hashers.size === 0) return [];
  await readRange(file, 0, size, (c) => {
    for (const h of hashers.values()) h.update(c);
  });
  const actual = new Map([...hashers].map(([name, h]) => [name, h.digest()]));
  const checked: DigestName[] = [];
  for (const e of expected) {
    const got = actual.get(e.name);
    if (got === undefined) continue;
    if (got !== e.hex) {
      throw new IntegrityError(
        e.name,
        e.hex,
        got,
        `${e.name} mismatch: the ${e.from} stated ${e.hex}, the file has ${got}`,
      );
    }
    if (!checked.includes(e.name)) checked.push(e.name);
  }
  return checked;
}
