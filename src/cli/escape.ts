/**
 * What the command prints is made safe here: secrets removed (`redact`) and control
 * characters escaped, so that a key, a URL, a server's message or a runtime's error text
 * can neither leak a signature or token nor drive the terminal (ESC sequences, BEL, a
 * carriage return that hides the rest of the line, a newline that forges a line).
 *
 * @module
 */
import { redact } from "../redact.ts";
import type { TextSink } from "./progress.ts";

/**
 * Characters that are never printed raw: C0 controls, DEL, C1 controls, and the Unicode
 * bidirectional overrides and isolates (which reorder what a terminal shows).
 */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e" };

/** `\xNN` for one byte's worth, `\u{NNNN}` beyond. */
function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every control character written as an escape (`\e`, `\n`, `\x07`, `\u{202e}`).
 *
 * @example
 * ```ts
 * import { escapeControl } from "./escape.ts";
 * console.log(escapeControl("a\x1b[31mred\x07.bin")); // a\e[31mred\x07.bin
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/**
 * `text` as the command prints it: secrets redacted, control characters escaped. One line
 * in, one line out.
 *
 * @example
 * ```ts
 * import { printable } from "./escape.ts";
 * console.log(printable("GET http://h/k?x-oss-signature=abc\nforged line"));
 * // GET http://h/k?x-oss-signature=<redacted>\nforged line
 * ```
 */
export function printable(text: string): string {
  return escapeControl(redact(text));
}

/**
 * Writes each of `lines` through {@linkcode printable}, each ended by a newline.
 *
 * @example
 * ```ts
 * import { writeLines } from "./escape.ts";
 * let out = "";
 * writeLines({ write: (s: string) => (out += s) }, ["error: bad\x07", "  hint"]);
 * console.log(JSON.stringify(out)); // "error: bad\\x07\n  hint\n"
 * ```
 */
export function writeLines(sink: TextSink, lines: readonly string[]): void {
  sink.write(lines.map((l) => `${printable(l)}\n`).join(""));
}

/** Characters JSON.stringify leaves raw that a terminal may still act on. */
const JSON_RAW_CONTROL = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One NDJSON line for `value`: every string in it redacted, and no raw control character
 * in the text (JSON escapes C0; DEL, C1 and the bidi controls are written as `\uNNNN` too).
 *
 * @example
 * ```ts
 * import { jsonLine } from "./escape.ts";
 * console.log(jsonLine({ url: "http://h/k?Signature=abc", key: "a\u009bb" }));
 * // {"url":"http://h/k?Signature=<redacted>","key":"a\u009bb"}
 * ```
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "string" ? redact(v) : v))
    .replace(JSON_RAW_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Characters refused in a file name the command derives from a key or URL. */
// deno-lint-ignore no-control-regex
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A file name derived from a key or URL with each control character replaced by `_`.
 *
 * @example
 * ```ts
 * import { safeFileName } from "./escape.ts";
 * console.log(safeFileName("report\x1b[2J\n.pdf")); // report_[2J_.pdf
 * ```
 */
export function safeFileName(name: string): string {
  return name.replace(NAME_CONTROL, "_");
}
