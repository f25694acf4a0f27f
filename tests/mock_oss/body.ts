/**
 * The response body: a pull-based stream of views into the object (no copies), counting
 * bytes as the connection pulls them, with throttling and the body faults (drop, stall,
 * corrupt, replace after N bytes).
 *
 * @module
 */

import type { Fault } from "./types.ts";

/** The error a dropped body fails with (the runtime then aborts the connection). */
export class DroppedConnection extends Error {
  constructor(message = "mock OSS dropped the connection") {
    super(message);
    this.name = "DroppedConnection";
  }
}

/** What to stream and how. */
export interface BodyPlan {
  /** The object's data (a snapshot: a later replace does not change this response). */
  data: Uint8Array;
  /** Absolute offset of the first byte. */
  start: number;
  /** Bytes to send before a clean end. */
  length: number;
  chunkSize: number;
  bytesPerSecond?: number;
  /** A body fault: drop, stall, corrupt or replace (others are ignored here). */
  fault?: Fault;
  /** Called with each chunk's size as it is pulled. */
  onBytes: (n: number) => void;
  /** Called once for a `replace` fault with `afterBytes`. */
  onReplace?: () => Promise<void>;
  /** Aborted when the server closes: the stream then fails like a drop. */
  closing?: AbortSignal;
  /** Fail with `undefined` rather than a DroppedConnection (Bun.serve logs any other reason). */
  quiet?: boolean;
}

/** How long a drop waits after the last chunk, so the runtime writes it before the reset. */
const DROP_FLUSH_MS = 15;

/** A pull-based body stream (highWaterMark 0: nothing is read ahead of the connection). */
export function bodyStream(plan: BodyPlan): ReadableStream<Uint8Array> {
  const { data, start, length, fault } = plan;
  const chunkSize = plan.bytesPerSecond
    ? Math.max(1024, Math.min(plan.chunkSize, Math.ceil(plan.bytesPerSecond / 50)))
    : plan.chunkSize;
  let sent = 0;
  let nextAt = 0;
  let stalled = false;
  let replaced = false;
  const threshold = fault && "afterBytes" in fault ? fault.afterBytes ?? 0 : undefined;
  const failure = (message?: string) => plan.quiet ? undefined : new DroppedConnection(message);
  // Aborted when the connection cancels the body or the server closes: ends any wait at once.
  const stop = new AbortController();
  const stopped = () => stop.signal.aborted;
  const unwatch = () => plan.closing?.removeEventListener("abort", onClosing);
  let onClosing = () => {};

  return new ReadableStream<Uint8Array>({
    start(controller) {
      // A closing server fails the body even while the connection is not pulling.
      onClosing = () => {
        stop.abort();
        controller.error(failure("server closed"));
      };
      if (plan.closing?.aborted) return onClosing();
      plan.closing?.addEventListener("abort", onClosing, { once: true });
    },
    async pull(controller) {
      if (stopped()) return;
      const at = (afterBytes: number) => sent >= Math.min(afterBytes, length);
      if (fault?.kind === "drop" && at(fault.afterBytes)) {
        await sleep(DROP_FLUSH_MS, stop.signal);
        unwatch();
        return controller.error(failure());
      }
      if (fault?.kind === "stall" && !stalled && at(fault.afterBytes)) {
        stalled = true;
        await sleep(fault.ms, stop.signal);
      }
      if (fault?.kind === "replace" && !replaced && at(fault.afterBytes ?? 0)) {
        replaced = true;
        await plan.onReplace?.();
      }
      if (stopped()) return;
      if (sent >= length) {
        unwatch();
        return controller.close();
      }
      let n = Math.min(chunkSize, length - sent);
      if (threshold !== undefined && sent < threshold) n = Math.min(n, threshold - sent);
      if (plan.bytesPerSecond) {
        await sleep(nextAt - Date.now(), stop.signal);
        if (stopped()) return;
        nextAt = Math.max(nextAt, Date.now()) + (n / plan.bytesPerSecond) * 1000;
      }
      const from = start + sent;
      let chunk = data.subarray(from, from + n);
      if (fault?.kind === "corrupt" && fault.atOffset >= from && fault.atOffset < from + n) {
        chunk = chunk.slice();
        chunk[fault.atOffset - from]! ^= 0xff;
      }
      controller.enqueue(chunk);
      sent += n;
      plan.onBytes(n);
    },
    cancel() {
      stop.abort();
      unwatch();
    },
  }, { highWaterMark: 0 });
}

/** Resolves after `ms` (at once if not positive), or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
