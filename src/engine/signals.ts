/**
 * Internal control flow of a run, thrown and caught inside the engine (never seen by
 * callers).
 *
 * @module
 */

/**
 * The object changed, or the bytes on disk proved not to be the server's: the run's temp
 * file and record are discarded and the download starts over.
 */
export class ObjectChangedSignal extends Error {}

/** The server ignored Range (or kept answering ranges unusably): go on as one stream. */
export class RangeIgnoredSignal extends Error {}
