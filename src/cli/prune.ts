/**
 * `resumable-download prune [--older-than 7d] [--store DIR] [--json]`: removes checkpoint
 * records not written for a while, and the temp files they name.
 *
 * @module
 */
import { ResumableDownloadStore } from "../stores/file.ts";
import { ExitCode, exitCodeFor, type ExitCodeValue, UsageError } from "./exit_codes.ts";
import { JsonEvents, type TextSink } from "./progress.ts";

/** The usage of `prune`. */
export const PRUNE_USAGE =
  `Usage: resumable-download prune [--older-than AGE] [--store DIR] [--json]

Removes checkpoints not written for AGE (default 7d) from the store, and the temp files
(next to their targets) they name. AGE is a number with a unit: s, m, h, d or w.

  --older-than AGE   e.g. 12h, 7d, 2w; 0s removes every record (default 7d)
  --store DIR        the checkpoint directory (default ~/.resumable-download)
  --json             print one JSON line: {"event":"pruned","records":N,"tempFiles":N}
`;

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** `7d`, `12h`, `90m`, `30s`, `2w` as milliseconds; a `UsageError` otherwise. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `--older-than must be a number with a unit (s, m, h, d, w): got ${JSON.stringify(text)}`,
    );
  }
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/**
 * Runs `prune` with the arguments after the word `prune`; resolves the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await runPrune(["--older-than", "7d"], { stdout, stderr });
 * ```
 */
export async function runPrune(
  argv: readonly string[],
  io: { stdout: TextSink; stderr: TextSink },
): Promise<ExitCodeValue> {
  const json = argv.includes("--json");
  let olderThan = UNIT_MS.d! * 7;
  let storeDir: string | undefined;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const [name, inline] = arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
      const value = () => {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        return v;
      };
      if (name === "--help" || name === "-h") {
        io.stdout.write(PRUNE_USAGE);
        return ExitCode.Ok;
      } else if (name === "--json") continue;
      else if (name === "--older-than") olderThan = parseAge(value());
      else if (name === "--store") storeDir = value();
      else throw new UsageError(`prune: unknown argument ${JSON.stringify(arg)}`);
    }
  } catch (e) {
    io.stderr.write(`error: ${(e as Error).message}\nRun with prune --help for usage.\n`);
    return ExitCode.Usage;
  }
  try {
    const store = new ResumableDownloadStore(
      storeDir === undefined ? {} : { root: storeDir, dir: "." },
    );
    const { records, tempFiles } = await store.prune({ olderThan });
    if (json) {
      new JsonEvents(io.stdout).emit("pruned", { records, tempFiles, directory: store.directory });
    }
    io.stderr.write(
      `removed ${records} record(s) and ${tempFiles} temp file(s) from ${store.directory}\n`,
    );
    return ExitCode.Ok;
  } catch (e) {
    const code = exitCodeFor(e);
    io.stderr.write(`error: ${(e as Error).message}\n`);
    if (json) {
      new JsonEvents(io.stdout).emit("error", {
        exitCode: code,
        name: (e as Error).name,
        message: (e as Error).message,
      });
    }
    return code;
  }
}
