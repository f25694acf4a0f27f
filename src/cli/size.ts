/**
 * Byte sizes for people: parsing `8MiB`, `64M`, `1G` or plain bytes, and formatting byte
 * counts, rates and durations. Units are binary throughout (1 KiB = 1024 bytes), also when
 * written `K`, `KB` or `M`: transfer sizes are powers of two, and a part size of `64M` that
 * meant 64,000,000 bytes would surprise everyone.
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
const PREFIXES = "KMGTP";

/**
 * Parses a size: a whole number of bytes (`1048576`), or a number with a binary unit:
 * `K`, `M`, `G`, `T`, `P`, each optionally followed by `iB` or `B` (`8MiB`, `64M`, `64MB`,
 * `1.5G`, `512 KiB`). Case-insensitive. Throws `RangeError` naming the text otherwise.
 *
 * @example
 * ```ts
 * import { parseSize } from "./size.ts";
 * console.log(parseSize("8MiB"), parseSize("64M"), parseSize("1G"), parseSize("4096"));
 * // 8388608 67108864 1073741824 4096
 * ```
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtp])(?:i?b)?|b)?\s*$/i.exec(String(text));
  if (!m) {
    throw new RangeError(
      `not a size: ${JSON.stringify(text)} (use e.g. 8MiB, 64M, 1G or a number of bytes)`,
    );
  }
  const power = m[2] ? PREFIXES.indexOf(m[2].toUpperCase()) + 1 : 0;
  const exact = Number(m[1]) * 1024 ** power;
  if (power === 0 && !Number.isInteger(exact)) {
    throw new RangeError(`not a whole number of bytes: ${JSON.stringify(text)}`);
  }
  const value = Math.round(exact);
  if (!Number.isSafeInteger(value)) throw new RangeError(`size too large: ${JSON.stringify(text)}`);
  return value;
}

/**
 * Formats a byte count with a binary unit and three significant digits: `512 B`,
 * `1.50 KiB`, `95.4 MiB`, `256 MiB`, `1.00 GiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./size.ts";
 * console.log(formatBytes(1536), formatBytes(256 * 1024 * 1024), formatBytes(0));
 * // 1.50 KiB 256 MiB 0 B
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "? B";
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  let digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  // Rounding may carry into the next unit (1023.96 KiB prints as "1024 KiB" otherwise).
  if (Number(value.toFixed(digits)) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
    digits = 2;
  }
  return `${sign}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/**
 * Formats a rate in bytes per second: `12.3 MiB/s`.
 *
 * @example
 * ```ts
 * import { formatRate } from "./size.ts";
 * console.log(formatRate(12.3 * 1024 * 1024)); // 12.3 MiB/s
 * ```
 */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * Formats a duration for a progress line or a summary: `850ms`, `4.2s`, `42s`, `4m05s`,
 * `2h03m`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./size.ts";
 * console.log(formatDuration(4200), formatDuration(245_000), formatDuration(7_380_000));
 * // 4.2s 4m05s 2h03m
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
