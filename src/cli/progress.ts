/**
 * Progress for people and for programs: a redrawn bar on stderr when it is a terminal,
 * plain periodic lines when it is not, NDJSON events on stdout with `--json`, and the
 * one-line summary at the end.
 *
 * @module
 */
import { jsonLine, printable } from "./escape.ts";
import { formatBytes, formatDuration, formatRate } from "./size.ts";

/** Where text goes: `process.stderr`, `process.stdout`, or a test's collector. */
export interface TextSink {
  /** Writes `text` (no newline is added). */
  write(text: string): unknown;
}

/** How long rates are averaged over. */
const RATE_WINDOW_MS = 5_000;

/**
 * Follows one download: bytes done of the total, how much was already on disk from a
 * previous run (the first report), and the rate over the last five seconds.
 *
 * @example
 * ```ts
 * import { TransferTracker } from "./progress.ts";
 * const t = new TransferTracker(0);
 * t.update(40, 100, 0); // 40 bytes were on disk already
 * t.update(70, 100, 1000);
 * console.log(t.initial, t.rate(1000), t.etaMs(1000)); // 40 30 1000
 * ```
 */
export class TransferTracker {
  /** When the run started (ms). */
  readonly startedAt: number;
  /** Bytes on disk at the first report: what a previous run left. `undefined` before it. */
  initial: number | undefined;
  /** Bytes on disk now. */
  done = 0;
  /** Size of the object (0 until the first report). */
  total = 0;
  #samples: [number, number][] = [];

  constructor(now: number = Date.now()) {
    this.startedAt = now;
  }

  /** Records a progress report; returns whether it was the first one. */
  update(done: number, total: number, now: number = Date.now()): boolean {
    const first = this.initial === undefined;
    if (first) this.initial = done;
    if (done < this.done) this.#samples = []; // the object changed and the run started over
    this.done = done;
    this.total = total;
    this.#samples.push([now, done]);
    while (this.#samples.length > 2 && this.#samples[1]![0] <= now - RATE_WINDOW_MS) {
      this.#samples.shift();
    }
    return first;
  }

  /** Bytes per second over the last few seconds (0 until there are two reports). */
  rate(now: number = Date.now()): number {
    const first = this.#samples[0];
    if (!first) return 0;
    const elapsed = now - first[0];
    return elapsed > 0 ? Math.max(0, (this.done - first[1]) / (elapsed / 1000)) : 0;
  }

  /** Milliseconds left at the current rate, or `undefined` when unknown. */
  etaMs(now: number = Date.now()): number | undefined {
    const rate = this.rate(now);
    if (rate <= 0) return this.done >= this.total && this.total > 0 ? 0 : undefined;
    return ((this.total - this.done) / rate) * 1000;
  }

  /** Fraction done, 0 to 1 (1 for an empty object). */
  get fraction(): number {
    return this.total > 0
      ? Math.min(1, this.done / this.total)
      : this.initial === undefined
      ? 0
      : 1;
  }

  /** Percent of the object a previous run had saved, floored; 0 when nothing. */
  get resumedPercent(): number {
    return this.total > 0 && this.initial ? Math.floor((this.initial / this.total) * 100) : 0;
  }
}

function percent(fraction: number): string {
  // Never print 100.0% before the end: floor to one decimal.
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}

/**
 * One progress line: the bar (when `width` leaves room for it; `0` means no bar and no
 * limit), percent, bytes done of the total, rate, ETA and how much a previous run had saved.
 *
 * @example
 * ```ts
 * import { renderProgressLine, TransferTracker } from "./progress.ts";
 * const t = new TransferTracker(0);
 * t.update(0, 1024 * 1024, 0);
 * t.update(512 * 1024, 1024 * 1024, 1000);
 * console.log(renderProgressLine(t, 1000, 80));
 * ```
 */
export function renderProgressLine(t: TransferTracker, now: number, width: number): string {
  const eta = t.etaMs(now);
  const parts = [
    percent(t.fraction).padStart(6),
    `${formatBytes(t.done)} / ${formatBytes(t.total)}`,
    formatRate(t.rate(now)).padStart(11),
    `ETA ${eta === undefined ? "--" : eta < 1000 ? (eta > 0 ? "<1s" : "0s") : formatDuration(eta)}`,
  ];
  if (t.initial) parts.push(`resumed from ${t.resumedPercent}%`);
  const text = parts.join("  ");
  if (width <= 0) return text;
  const room = width - text.length - 4;
  if (room < 10) return text.slice(0, Math.max(0, width - 1));
  const barWidth = Math.min(40, room);
  const filled = Math.round(t.fraction * barWidth);
  const saved = t.total > 0
    ? Math.min(filled, Math.round(((t.initial ?? 0) / t.total) * barWidth))
    : 0;
  // "+" marks what a previous run saved, "=" what this run fetched.
  const bar = "+".repeat(saved) + "=".repeat(filled - saved) +
    (filled < barWidth ? ">" + " ".repeat(barWidth - filled - 1) : "");
  return `[${bar}] ${text}`;
}

/** Options of {@linkcode ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** Redraw a bar in place (a terminal) instead of printing lines. */
  tty: boolean;
  /** Terminal width. @default {80} */
  columns?: number;
  /** Milliseconds between redraws (bar) or lines (not a terminal). @default {200} / {3000} */
  interval?: number;
  /** The clock. @default {Date.now} */
  now?: () => number;
}

/**
 * The human progress output on stderr: a bar redrawn in place at most every 200 ms on a
 * terminal, or a plain line every 3 s otherwise; notes (retries) and the summary are
 * printed on their own lines.
 *
 * @example
 * ```ts
 * import { ProgressDisplay, TransferTracker } from "./progress.ts";
 * let out = "";
 * const display = new ProgressDisplay({ write: (s: string) => (out += s) }, { tty: false });
 * const t = new TransferTracker();
 * t.update(0, 100);
 * display.update(t, true);
 * display.finish("done");
 * console.log(out);
 * ```
 */
export class ProgressDisplay {
  readonly #out: TextSink;
  readonly #tty: boolean;
  readonly #columns: number;
  readonly #interval: number;
  readonly #now: () => number;
  #last = -Infinity;
  #drawn = false;
  #tracker: TransferTracker | undefined;

  constructor(out: TextSink, options: ProgressDisplayOptions) {
    this.#out = out;
    this.#tty = options.tty;
    this.#columns = Math.max(20, options.columns ?? 80);
    this.#interval = options.interval ?? (options.tty ? 200 : 3000);
    this.#now = options.now ?? Date.now;
    // Plain lines start one interval in: the start line has just said the size.
    if (!this.#tty) this.#last = this.#now();
  }

  /** Shows the tracker's state, unless the last redraw was too recent (or `force`). */
  update(tracker: TransferTracker, force = false): void {
    this.#tracker = tracker;
    const now = this.#now();
    if (!force && now - this.#last < this.#interval) return;
    this.#last = now;
    if (this.#tty) {
      this.#out.write(`\r${renderProgressLine(tracker, now, this.#columns)}\x1b[K`);
      this.#drawn = true;
    } else {
      this.#out.write(`progress ${renderProgressLine(tracker, now, 0)}\n`);
    }
  }

  /** Prints a line of its own (the bar, if any, is redrawn below it). */
  note(line: string): void {
    if (this.#drawn) this.#out.write("\r\x1b[K");
    this.#out.write(`${printable(line)}\n`);
    if (this.#drawn && this.#tracker) {
      this.#out.write(
        `\r${renderProgressLine(this.#tracker, this.#now(), this.#columns)}\x1b[K`,
      );
    }
  }

  /** Removes the bar and prints `line` (the summary or the error) in its place. */
  finish(line?: string): void {
    if (this.#drawn) this.#out.write("\r\x1b[K");
    this.#drawn = false;
    if (line !== undefined) this.#out.write(`${printable(line)}\n`);
  }
}

/**
 * NDJSON events for `--json`: one JSON object per line, each with an `event` field
 * (`start`, `progress`, `retry`, `done`, `error`) and a `time` in ISO 8601; `progress`
 * events are throttled to one every 200 ms.
 *
 * @example
 * ```ts
 * import { JsonEvents } from "./progress.ts";
 * const events = new JsonEvents({ write: (s: string) => console.log(s.trim()) });
 * events.emit("done", { size: 3 }); // {"event":"done","time":"...","size":3}
 * ```
 */
export class JsonEvents {
  readonly #out: TextSink;
  readonly #interval: number;
  readonly #now: () => number;
  #lastProgress = -Infinity;

  constructor(out: TextSink, options: { interval?: number; now?: () => number } = {}) {
    this.#out = out;
    this.#interval = options.interval ?? 200;
    this.#now = options.now ?? Date.now;
  }

  /** Writes one event line. */
  emit(event: string, fields: Record<string, unknown> = {}): void {
    // Strings redacted, control characters escaped (escape.ts).
    this.#out.write(
      `${jsonLine({ event, time: new Date(this.#now()).toISOString(), ...fields })}\n`,
    );
  }

  /** Writes a `progress` event unless the last one was too recent (or `force`). */
  progress(tracker: TransferTracker, force = false): void {
    const now = this.#now();
    if (!force && now - this.#lastProgress < this.#interval) return;
    this.#lastProgress = now;
    const eta = tracker.etaMs(now);
    this.emit("progress", {
      bytes: tracker.done,
      total: tracker.total,
      percent: Math.floor(tracker.fraction * 1000) / 10,
      bytesPerSecond: Math.round(tracker.rate(now)),
      etaSeconds: eta === undefined ? null : Math.round(eta / 1000),
    });
  }
}

/** What the summary line reports. */
export interface SummaryFacts {
  /** Where the file is. */
  destination: string;
  size: number;
  elapsedMs: number;
  /** Bytes this run read from the network. */
  bytesFetched: number;
  /** `"verified"`, `"not sent by the server"` or `"not checked"`. */
  crc64: "verified" | "absent" | "skipped";
  sha256Verified: boolean;
  /** What the file was checked against (`DownloadResult.verifiedBy`). */
  verifiedBy?: string[];
  /** Percent of the object a previous run had saved (0: a fresh download). */
  resumedPercent: number;
}

/**
 * The one-line summary: size, time, average speed, checksum result and whether (and from
 * where) the download resumed.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./progress.ts";
 * console.log(summaryLine({
 *   destination: "big.bin", size: 256 * 2 ** 20, elapsedMs: 8000, bytesFetched: 150 * 2 ** 20,
 *   crc64: "verified", sha256Verified: false, resumedPercent: 41,
 * }));
 * // done: big.bin, 256 MiB in 8.0s (18.8 MiB/s), CRC-64 verified, resumed from 41% (fetched 150 MiB)
 * ```
 */
export function summaryLine(f: SummaryFacts): string {
  const seconds = Math.max(f.elapsedMs, 1) / 1000;
  const parts = [
    `done: ${f.destination}, ${formatBytes(f.size)} in ${formatDuration(f.elapsedMs)} (${
      formatRate(f.bytesFetched / seconds)
    })`,
  ];
  const others = (f.verifiedBy ?? []).filter((n) =>
    n !== "crc64" && !(n === "sha256" && f.sha256Verified)
  );
  if (f.crc64 === "verified") parts.push("CRC-64 verified");
  else if (f.crc64 === "skipped") parts.push("not checked (--no-verify)");
  if (others.length) parts.push(`verified against the server's ${others.join(", ")}`);
  if (f.sha256Verified) parts.push("SHA-256 verified");
  if (f.crc64 === "absent" && others.length === 0 && !f.sha256Verified) {
    // Nothing was compared: say so, never "verified".
    parts.push("not verified (the server sent no checksum)");
  }
  parts.push(
    f.resumedPercent > 0 || f.bytesFetched < f.size
      ? `resumed from ${f.resumedPercent}% (fetched ${formatBytes(f.bytesFetched)})`
      : "not resumed",
  );
  return parts.join(", ");
}
