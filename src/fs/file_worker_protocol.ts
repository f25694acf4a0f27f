/**
 * The messages between file_worker.ts and its thread (file_worker_main.ts).
 *
 * @module
 */

/** A request to the file worker. */
export type OffloadRequest =
  | {
    op: "write";
    id: number;
    path: string;
    position: number;
    buffer: ArrayBuffer;
    offset: number;
    length: number;
  }
  | { op: "release"; id: number; path: string };

/** A reply (id -1 with `ready`: the worker has started). */
export interface OffloadReply {
  id: number;
  ready?: boolean;
  buffer?: ArrayBuffer;
  crc?: bigint;
  error?: { message: string; code?: string };
}
