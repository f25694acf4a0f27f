/**
 * The checkpoint record: what a run saves so the next run fetches only what is missing.
 * Anything read back is validated here; a record that is not ours or does not add up is
 * treated as absent.
 *
 * @module
 */
import type { Checksums } from "../integrity/server_checksums.ts";
import type { ObjectInfo } from "../sources/source.ts";
import type { Part } from "./plan.ts";

/** The record's format tag; bump when the shape changes. */
export const CHECKPOINT_KIND = "resumable-download/checkpoint@1";

/** What is saved in the {@linkcode CheckpointStore}. */
export interface CheckpointRecord {
  kind: typeof CHECKPOINT_KIND;
  /** `ObjectSource.id` of the download. */
  source: string;
  /** Absolute path of the target file. */
  target: string;
  /** Absolute path of the temp file next to it. */
  tempFile: string;
  /** The object as it was when the download began. */
  object: ObjectInfo;
  /** Part size the download was planned with. */
  partSize: number;
  /** Parts in order, contiguous from 0 to size; `crc` as unsigned decimal. */
  parts: { start: number; end: number; done: number; crc: string }[];
  /** When the record was last written (ISO 8601). */
  updatedAt: string;
}

/** Store key of a download: the source and the target, hashed so any store can hold it. */
export async function checkpointKey(sourceId: string, target: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${sourceId}\n${target}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the record from the running state. */
export function toRecord(
  state: {
    source: string;
    target: string;
    tempFile: string;
    object: ObjectInfo;
    partSize: number;
    parts: readonly Part[];
  },
): CheckpointRecord {
  return {
    kind: CHECKPOINT_KIND,
    source: state.source,
    target: state.target,
    tempFile: state.tempFile,
    object: { ...state.object },
    partSize: state.partSize,
    parts: state.parts.map((p) => ({
      start: p.start,
      end: p.end,
      done: p.done,
      crc: p.crc.toString(),
    })),
    updatedAt: new Date().toISOString(),
  };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isOptString = (v: unknown) => v === undefined || typeof v === "string";
const isChecksums = (v: unknown) =>
  v === undefined ||
  (typeof v === "object" && v !== null &&
    Object.values(v).every((x) => typeof x === "string" && /^[0-9a-f]+$/.test(x)));

/**
 * Reads a stored value back as a record for this `source` and `target`, or `undefined`
 * when it is absent, foreign, or does not add up (parts not contiguous, counts off).
 */
export function parseRecord(
  value: unknown,
  source: string,
  target: string,
): { record: CheckpointRecord; parts: Part[] } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<CheckpointRecord>;
  if (r.kind !== CHECKPOINT_KIND || r.source !== source || r.target !== target) return undefined;
  if (typeof r.tempFile !== "string" || !isInt(r.partSize) || r.partSize === 0) return undefined;
  const o = r.object;
  if (typeof o !== "object" || o === null || !isInt(o.size)) return undefined;
  if (!isOptString(o.etag) || !isOptString(o.lastModified) || !isOptString(o.crc64)) {
    return undefined;
  }
  if (!isOptString(o.contentEncoding) || !isChecksums(o.checksums)) return undefined;
  if (!Array.isArray(r.parts)) return undefined;
  const parts: Part[] = [];
  let next = 0;
  for (const p of r.parts as unknown[]) {
    if (typeof p !== "object" || p === null) return undefined;
    const { start, end, done, crc } = p as Record<string, unknown>;
    if (!isInt(start) || !isInt(end) || !isInt(done) || typeof crc !== "string") return undefined;
    if (start !== next || end <= start || done > end - start) return undefined;
    if (!/^(0|[1-9]\d{0,19})$/.test(crc) || BigInt(crc) >= 2n ** 64n) return undefined;
    if (done === 0 && crc !== "0") return undefined;
    parts.push({ start, end, done, crc: BigInt(crc) });
    next = end;
  }
  if (next !== o.size) return undefined;
  return { record: r as CheckpointRecord, parts };
}

/** Whether the object the record was made for is the one the server has now. */
export function sameObject(saved: ObjectInfo, now: ObjectInfo): boolean {
  return saved.size === now.size && saved.etag === now.etag &&
    saved.lastModified === now.lastModified &&
    (saved.crc64 === undefined || now.crc64 === undefined || saved.crc64 === now.crc64) &&
    saved.versionId === now.versionId && saved.contentEncoding === now.contentEncoding &&
    sameChecksums(saved.checksums, now.checksums);
}

/** No checksum named in both differs. */
function sameChecksums(a: Checksums | undefined, b: Checksums | undefined): boolean {
  if (!a || !b) return true;
  return Object.entries(a).every(([name, hex]) => {
    const other = b[name as keyof Checksums];
    return other === undefined || other === hex;
  });
}
