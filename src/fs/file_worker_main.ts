/**
 * The file worker's own script (started by file_worker.ts in a `node:worker_threads`
 * thread): writes each buffer it is sent at its offset, computes its CRC-64 and hands the
 * buffer back. A module of its own so that bundlers can follow it and a bundle never
 * re-runs the application in the worker.
 *
 * @module
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { crc64 } from "../integrity/crc64.ts";
import type { OffloadReply, OffloadRequest } from "./file_worker_protocol.ts";

/**
 * The worker writes in slices of this size. One large write() makes the kernel fill large
 * page-cache folios, and on the benchmark VM that copy was at times 10-15x slower
 * (`copy_folio_from_iter_atomic` at 40 % of all CPU, bench/RESULTS.md); 64 KiB writes never
 * were, and cost ~16 syscalls per MiB on a thread that has time for them.
 */
const WRITE_SLICE = 64 * 1024;

/** Writes all of `bytes` at `position`, `WRITE_SLICE` bytes per call. */
function writeSliced(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) {
    const end = Math.min(bytes.length, done + WRITE_SLICE);
    const n = fs.writeSync(fd, bytes, done, end - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write wrote no bytes"), { code: "EIO" });
    done += n;
  }
}

const port = parentPort;
if (port) {
  const fds = new Map<string, number>();
  port.on("message", async (m: OffloadRequest) => {
    const reply: OffloadReply = { id: m.id };
    const transfer: ArrayBuffer[] = [];
    try {
      if (m.op === "release") {
        const fd = fds.get(m.path);
        fds.delete(m.path);
        if (fd !== undefined) fs.closeSync(fd);
      } else {
        reply.buffer = m.buffer;
        transfer.push(m.buffer);
        const bytes = new Uint8Array(m.buffer, m.offset, m.length);
        let fd = fds.get(m.path);
        // The main thread opened this path without following links; O_NOFOLLOW here too.
        const flags = fs.constants.O_RDWR | (fs.constants.O_NOFOLLOW ?? 0);
        if (fd === undefined) fds.set(m.path, fd = fs.openSync(m.path, flags));
        writeSliced(fd, bytes, m.position);
        reply.crc = await crc64(bytes);
      }
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      reply.error = {
        message: e instanceof Error ? e.message : String(e),
        ...(typeof code === "string" ? { code } : {}),
      };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ id: -1, ready: true } satisfies OffloadReply);
}
