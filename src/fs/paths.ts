/**
 * The path half of {@linkcode FileSystem}, the same for every adapter (`node:path`, which
 * Deno and Bun both implement).
 *
 * @module
 */
import * as path from "node:path";
import type { FileSystem } from "./types.ts";

/** `resolve`, `dirname`, `basename` and `join` for the file adapters to extend. */
export abstract class PathOperations
  implements Pick<FileSystem, "resolve" | "dirname" | "basename" | "join"> {
  /** Absolute, normalised form of `p` (relative to the working directory). */
  resolve(p: string): string {
    return path.resolve(p);
  }

  /** Parent directory of `p`. */
  dirname(p: string): string {
    return path.dirname(p);
  }

  /** Last path segment of `p`. */
  basename(p: string): string {
    return path.basename(p);
  }

  /** Joins path segments. */
  join(...parts: string[]): string {
    return path.join(...parts);
  }
}
