/**
 * The `Range` header as OSS reads it (docs/oss-wire.md §1), with and without
 * `x-oss-range-behavior: standard`.
 *
 * @module
 */

import type { RequestRange } from "./types.ts";

/** One byte-range-spec: `a-b`, `a-` or `-n`. */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

/** A parsed `Range` header: none, ignored (bad syntax, RFC 7233 §3.1), or its specs. */
export type ParsedRange =
  | { kind: "none" }
  | { kind: "ignored" }
  | { kind: "ranges"; specs: RangeSpec[] };

/** What to send: the whole object (200), one range (206), or 416 `InvalidRange`. */
export type RangeDecision =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const SPEC = /^(?:(\d+)-(\d*)|-(\d+))$/;

/** Parses a `Range` header. Any invalid spec makes the whole header ignored. */
export function parseRange(header: string | null): ParsedRange {
  if (header === null) return { kind: "none" };
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return { kind: "ignored" };
  const specs: RangeSpec[] = [];
  for (const raw of m[1]!.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const s = SPEC.exec(part);
    if (!s) return { kind: "ignored" };
    if (s[3] !== undefined) {
      specs.push({ suffix: Number(s[3]) });
      continue;
    }
    const start = Number(s[1]);
    const end = s[2] === "" ? undefined : Number(s[2]);
    if (end !== undefined && end < start) return { kind: "ignored" };
    specs.push(end === undefined ? { start } : { start, end });
  }
  return specs.length ? { kind: "ranges", specs } : { kind: "ignored" };
}

/**
 * Applies the §1 table. Without `standard`, a range OSS cannot serve exactly gives the
 * whole object (200); with it, an end past EOF is clamped, a start at or past EOF is 416,
 * and a suffix longer than the object is the whole object as a 206 (RFC 7233; a guess).
 */
export function resolveRange(
  parsed: ParsedRange,
  size: number,
  options: { standard: boolean; multiRange: "416" | "first" },
): RangeDecision {
  if (parsed.kind !== "ranges") return { kind: "full" };
  if (parsed.specs.length > 1 && options.multiRange === "416") return { kind: "unsatisfiable" };
  const spec = parsed.specs[0]!;
  const fallback: RangeDecision = options.standard ? { kind: "unsatisfiable" } : { kind: "full" };
  if ("suffix" in spec) {
    if (spec.suffix === 0 || size === 0) return fallback;
    if (spec.suffix > size) {
      return options.standard ? { kind: "partial", start: 0, end: size - 1 } : { kind: "full" };
    }
    return { kind: "partial", start: size - spec.suffix, end: size - 1 };
  }
  if (spec.start >= size) return fallback;
  if (spec.end === undefined) return { kind: "partial", start: spec.start, end: size - 1 };
  if (spec.end >= size) {
    return options.standard
      ? { kind: "partial", start: spec.start, end: size - 1 }
      : { kind: "full" };
  }
  return { kind: "partial", start: spec.start, end: spec.end };
}

/** The request's first range for fault filters; a suffix's `start` uses the current size. */
export function describeRange(parsed: ParsedRange, size: number): RequestRange | undefined {
  if (parsed.kind !== "ranges") return undefined;
  const spec = parsed.specs[0]!;
  if ("suffix" in spec) return { start: Math.max(0, size - spec.suffix), suffix: spec.suffix };
  return spec.end === undefined ? { start: spec.start } : { start: spec.start, end: spec.end };
}
