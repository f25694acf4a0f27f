/**
 * Saves the checkpoint in the background: a request while a save runs is folded into one
 * more save after it, so saving never blocks the writers and the store sees at most one
 * write at a time.
 *
 * @module
 */
import type { CheckpointStore } from "../stores/store.ts";

/** Background, coalescing checkpoint writer. */
export class CheckpointSaver {
  #running: Promise<void> | undefined;
  #dirty = false;
  /** The first error a save hit; later requests are ignored once set. */
  error: unknown;

  constructor(
    private readonly store: CheckpointStore | undefined,
    private readonly key: string,
    private readonly snapshot: () => unknown,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a save of the current state. */
  request(): void {
    if (!this.store || this.error !== undefined) return;
    this.#dirty = true;
    // Cleared in a callback (never synchronously inside #loop): a store whose put throws
    // at once would otherwise finish #loop before #running is assigned, leaving a settled
    // promise there for flush() to spin on forever.
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        await this.store!.put(this.key, this.snapshot());
      }
    } catch (e) {
      this.error = e;
      this.onError(e);
    }
  }

  /** Saves now (after any save under way) and waits for it; rethrows a save error. */
  async flush(): Promise<void> {
    if (!this.store) return;
    if (this.error === undefined) this.request();
    while (this.#running) await this.#running;
    if (this.error !== undefined) throw this.error;
  }
}
