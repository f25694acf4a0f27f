/**
 * {@linkcode ProcessInfo} for Deno, Bun and Node, on `node:` built-ins all three have. On
 * Linux, liveness and start times come from `/proc/<pid>/stat` (a zombie is dead, a pid
 * whose start time differs was reused); elsewhere from signal 0. On Deno, nothing is asked
 * for that the permissions do not already grant (no prompt): without `--allow-sys=hostname`
 * the host is unknown, without `--allow-run` or read access to `/proc` every owner counts
 * as alive, so a stale lock is never taken over wrongly.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import type { ProcessInfo } from "./types.ts";

type Query = { name: string; path?: string; kind?: string; command?: string };
const deno = (globalThis as {
  Deno?: { permissions: { querySync(d: Query): { state: string } } };
}).Deno;

/** Whether Deno (when this is Deno) already grants `what`. */
function granted(what: Query): boolean {
  try {
    return !deno || deno.permissions.querySync(what).state === "granted";
  } catch {
    return false;
  }
}

/** State letter and start time (field 22, clock ticks since boot) of `/proc/<pid>/stat`. */
function procStat(pid: number | "self"): { state: string; start: string } | null | undefined {
  const path = `/proc/${pid}/stat`;
  if (process.platform !== "linux" || !granted({ name: "read", path })) return undefined;
  try {
    const text = readFileSync(path, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, start: fields[19]! };
  } catch (e) {
    return (e as { code?: string }).code === "ENOENT" ? null : undefined;
  }
}

/** The running process, as a lock file names it. */
export class RuntimeProcessInfo implements ProcessInfo {
  /** This process's id. */
  readonly pid: number = process.pid;
  /** This machine's host name, when it may be read. */
  readonly host: string | undefined = granted({ name: "sys", kind: "hostname" })
    ? hostname()
    : undefined;
  /** This process's start time, on Linux. */
  readonly start: string | undefined = procStat("self")?.start;

  /** See {@linkcode ProcessInfo.isAlive}. */
  isAlive(pid: number, start?: string): boolean {
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    const stat = procStat(pid);
    if (stat === null) return false; // no such process
    if (stat) return stat.state !== "Z" && stat.state !== "X" && (!start || stat.start === start);
    if (!granted({ name: "run" })) return true;
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as { code?: unknown }).code !== "ESRCH"; // EPERM: someone else's, alive
    }
  }
}
