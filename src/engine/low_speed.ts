/**
 * The speed floor of a response body, with curl's semantics (`--speed-limit` /
 * `--speed-time`, `CURLOPT_LOW_SPEED_LIMIT` / `CURLOPT_LOW_SPEED_TIME`): a body that
 * delivers fewer than `lowSpeedLimit` bytes per second on average over `lowSpeedTime`
 * seconds is treated as stalled; the engine aborts the request and retries it from its last
 * byte. This catches a tarpit that sends one byte every few seconds, which the idle timeout
 * (no byte at all for `idleTimeout`) never does.
 *
 * Time is counted only while the body is being waited for: while a transfer holds back
 * because its previous buffer is still being written (a slow disk), the server is not to
 * blame and the clock stands still.
 *
 * @module
 */
import { NetworkError } from "../errors.ts";

/** The floor: bytes per second, over a window of seconds. `limit` 0 turns it off. */
export interface SpeedFloor {
  /** Bytes per second. */
  limit: number;
  /** Seconds the average must stay below `limit` before the body counts as stalled. */
  time: number;
}

/**
 * Decides, from samples of (waiting time, bytes received) totals, whether the average speed
 * over the last `time` seconds of waiting fell below `limit`. Pure: the caller supplies the
 * clock, so it is tested without timers.
 *
 * @example
 * ```ts
 * const m = new LowSpeedMonitor({ limit: 1000, time: 2 });
 * m.stalled(1000, 5000); // false: not 2 s yet
 * m.stalled(2000, 5100); // false: 5100 bytes in 2 s
 * m.stalled(3000, 5200); // true: 200 bytes in the last 2 s
 * ```
 */
export class LowSpeedMonitor {
  readonly #limit: number;
  readonly #windowMs: number;
  /** Samples, oldest first; the first is the newest one older than the window. */
  readonly #samples: { at: number; bytes: number }[] = [{ at: 0, bytes: 0 }];

  constructor(floor: SpeedFloor) {
    this.#limit = floor.limit;
    this.#windowMs = floor.time * 1000;
  }

  /** Records the totals at waiting time `at` ms; true when the window's average is below the floor. */
  stalled(at: number, bytes: number): boolean {
    if (this.#limit === 0) return false;
    const from = at - this.#windowMs;
    const s = this.#samples;
    while (s.length > 1 && s[1]!.at <= from) s.shift();
    s.push({ at, bytes });
    const base = s[0]!;
    if (base.at > from) return false;
    return (bytes - base.bytes) * 1000 < this.#limit * (at - base.at);
  }
}

/**
 * Watches one body: the reader reports when a read starts and what it returned; a timer
 * samples the totals and calls `onStall` with a {@linkcode NetworkError} once the body is
 * below the floor. Samples are taken every second (more often for windows under 4 s), so a
 * stall is noticed at most that long after the window ends.
 */
export class SpeedWatch {
  readonly #monitor: LowSpeedMonitor;
  readonly #floor: SpeedFloor;
  readonly #onStall: (error: NetworkError) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Waiting time of finished reads, in ms. */
  #waited = 0;
  #readingSince: number | undefined;
  #bytes = 0;

  constructor(floor: SpeedFloor, onStall: (error: NetworkError) => void) {
    this.#floor = floor;
    this.#monitor = new LowSpeedMonitor(floor);
    this.#onStall = onStall;
  }

  /** A read of the body is now pending. */
  started(now: number = Date.now()): void {
    this.#readingSince = now;
    if (this.#timer === undefined && this.#floor.limit > 0) {
      const every = Math.min(1000, Math.max(10, (this.#floor.time * 1000) / 4));
      this.#timer = setInterval(this.#tick, every);
    }
  }

  /** The pending read settled. */
  ended(now: number = Date.now()): void {
    if (this.#readingSince !== undefined) this.#waited += now - this.#readingSince;
    this.#readingSince = undefined;
  }

  /** `bytes` bytes of the body arrived. */
  received(bytes: number): void {
    this.#bytes += bytes;
  }

  #tick = () => {
    const now = Date.now();
    const at = this.#waited + (this.#readingSince === undefined ? 0 : now - this.#readingSince);
    if (!this.#monitor.stalled(at, this.#bytes)) return;
    this.close();
    const { limit, time } = this.#floor;
    this.#onStall(
      new NetworkError(
        `transfer slower than ${limit} bytes/s for ${time} s (retry.lowSpeedLimit / retry.lowSpeedTime)`,
      ),
    );
  };

  /** Stops the timer. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
