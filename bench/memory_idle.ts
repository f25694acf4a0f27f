/**
 * The floor for bench/memory.ts: the runtime with the library loaded, downloading nothing.
 *
 * @module
 */
import { resumableDownloadUrl } from "../mod.ts";

if (typeof resumableDownloadUrl !== "function") throw new Error("library not loaded");
await new Promise((r) => setTimeout(r, 200));
