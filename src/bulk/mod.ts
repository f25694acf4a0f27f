/**
 * Many objects at once: {@linkcode downloadPrefix} (a prefix of an OSS bucket into a
 * directory) and {@linkcode downloadMany} (URLs or sources to files), with skip-unchanged,
 * include/exclude globs, shards, per-object events and a shared rate limit.
 *
 * @module
 */
export { downloadPrefix } from "./prefix.ts";
export { downloadMany } from "./many.ts";
export type { BulkItem } from "./many.ts";
export type { BulkEvent, BulkOptions, BulkResult } from "./options.ts";
export type { Shard } from "./shard.ts";
export { RateLimitedSource, RateLimiter } from "./rate_limit.ts";
