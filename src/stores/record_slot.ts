/**
 * The text of one record slot of {@linkcode ResumableDownloadStore}: a header line, the
 * value's JSON on the next line, then spaces up to the length the slot had before (slots
 * are overwritten in place, never truncated):
 *
 *     {"key":"…","seq":42,"length":1234,"check":"9f2c01ab"}
 *     {…the value, 1234 UTF-16 code units…}
 *
 * `check` is the FNV-1a hash of the value's text: a slot torn by a kill or a power loss in
 * the middle of its write fails it, and the store falls back to the other slot.
 *
 * @module
 */

/** A record slot read back. */
export interface Slot {
  /** Higher is newer. */
  seq: number;
  value: unknown;
}

/** FNV-1a, 32 bits, over UTF-16 code units, as 8 hex digits. Detects torn writes. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The slot text for `value` under `key` (without padding). */
export function encodeSlot(key: string, seq: number, value: unknown): string {
  const text = JSON.stringify(value);
  const header = JSON.stringify({ key, seq, length: text.length, check: fnv1a(text) });
  return `${header}\n${text}\n`;
}

/**
 * The slot in `text` when it is whole and belongs to `key`, else `undefined`. Also reads
 * the single-object format of earlier versions (`{"key","value"}`) as sequence 0.
 */
export function decodeSlot(text: string, key: string): Slot | undefined {
  const nl = text.indexOf("\n");
  try {
    if (nl < 0) return legacy(JSON.parse(text), key);
    const header = JSON.parse(text.slice(0, nl));
    if (typeof header !== "object" || header === null) return undefined;
    if (!("seq" in header)) return legacy(JSON.parse(text), key);
    const { seq, length, check } = header as Record<string, unknown>;
    if (header.key !== key || !Number.isSafeInteger(seq) || !Number.isSafeInteger(length)) {
      return undefined;
    }
    const body = text.slice(nl + 1, nl + 1 + (length as number));
    if (body.length !== length || fnv1a(body) !== check) return undefined;
    if (text.slice(nl + 1 + body.length).trim() !== "") return undefined;
    return { seq: seq as number, value: JSON.parse(body) };
  } catch {
    return undefined;
  }
}

function legacy(file: unknown, key: string): Slot | undefined {
  if (typeof file !== "object" || file === null) return undefined;
  const f = file as { key?: unknown; value?: unknown };
  if (f.key !== key || !("value" in f)) return undefined;
  return { seq: 0, value: f.value };
}
