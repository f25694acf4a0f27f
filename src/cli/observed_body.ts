/**
 * A response body seen through the command's eyes (bytes received, how it broke) without
 * costing the engine its fast path: a byte stream (Deno's fetch bodies) stays a byte stream,
 * so the engine still reads it with a BYOB reader into its own buffer, and every read is
 * passed straight through to the original body (no chunk allocated per read, nothing
 * queued). Wrapping Deno's bodies in a plain stream instead cost 65 MiB of peak RSS on a
 * 1 GiB download with 4 threads (bench/RESULTS.md). Other streams (Bun's) are passed
 * through chunk by chunk.
 *
 * @module
 */

/** What the command learns about a body. */
export interface BodyObserver {
  /** `n` bytes of the body arrived. */
  bytes(n: number): void;
  /** Reading the body failed with `error` (the stream errors with it right after). */
  failed(error: unknown): void;
}

/**
 * A stream with the bytes of `body` that reports them to `observer`; cancelling it cancels
 * `body`.
 *
 * @example
 * ```ts ignore
 * const seen = observeBody(response.body!, { bytes: (n) => (total += n), failed: console.error });
 * ```
 */
export function observeBody(
  body: ReadableStream<Uint8Array>,
  observer: BodyObserver,
): ReadableStream<Uint8Array> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: chunks.
  }
  if (byob) {
    const reader = byob;
    return new ReadableStream({
      type: "bytes",
      // A default reader (not the engine's) gets chunks of this size.
      autoAllocateChunkSize: 64 * 1024,
      async pull(controller) {
        const request = controller.byobRequest!;
        const view = request.view!;
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          // Read into the caller's own memory; it comes back as `result.value`.
          result = await reader.read(
            new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
          );
        } catch (e) {
          observer.failed(e);
          controller.error(e);
          return;
        }
        if (result.done) {
          controller.close();
          if (result.value) request.respondWithNewView(result.value);
          return;
        }
        observer.bytes(result.value.byteLength);
        request.respondWithNewView(result.value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 }) as ReadableStream<Uint8Array>;
  }
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        observer.failed(e);
        controller.error(e);
        return;
      }
      if (chunk.done) controller.close();
      else {
        observer.bytes(chunk.value.byteLength);
        controller.enqueue(chunk.value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
