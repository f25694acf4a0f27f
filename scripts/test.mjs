#!/usr/bin/env node
// Runs the one test suite on Deno and on Bun (the binaries npm installed, found by
// scripts/tools.mjs even when install scripts were off), then builds the npm package and
// smoke-tests it on Node.js, then runs examples/ on all three; streams their output and ends
// with one summary line: "total: N passed, N failed".
// Usage: node scripts/test.mjs [deno|bun|node|examples] [extra args passed to the runners]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runtimeBin } from "./tools.mjs";

const root = resolve(import.meta.dirname, "..");
/**
 * Bun stops a test after 5 s by default and reads no timeout from bunfig.toml; a busy machine
 * needs more. Tests that run child processes set their own, longer, timeout.
 */
const BUN_TEST_TIMEOUT_MS = 120_000;
const parts = ["deno", "bun", "node", "examples"];
const only = parts.includes(process.argv[2]) ? process.argv[2] : undefined;
const extra = process.argv.slice(only ? 3 : 2);
const scratch = mkdtempSync(join(tmpdir(), "rd-test-"));

function run(cmd, args, { capture = false } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
      // No update check: Deno's runs in the background and reaches for the network.
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    let out = "";
    if (capture) {
      for (const s of [child.stdout, child.stderr]) {
        s.on("data", (d) => {
          out += d;
          process.stdout.write(d);
        });
      }
    }
    child.on("close", (code) => done({ code: code ?? 1, out }));
  });
}

/** Leaf test cases from Deno's JUnit report (a describe() block is not counted). */
function denoCounts(xmlPath) {
  const xml = readFileSync(xmlPath, "utf8");
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)]
    .map(([, name, body]) => ({ name, failed: body.includes("<failure") }));
  const leaves = cases.filter((c) => !cases.some((o) => o.name.startsWith(`${c.name} &gt; `)));
  return {
    passed: leaves.filter((c) => !c.failed).length,
    failed: leaves.filter((c) => c.failed).length,
  };
}

/** Counts from a "<label>: N passed, N failed" line that a script prints last. */
function lineCounts(label, r) {
  const m = new RegExp(`^${label}: (\\d+) passed, (\\d+) failed$`, "m").exec(r.out);
  const c = { passed: Number(m?.[1] ?? 0), failed: Number(m?.[2] ?? 0) };
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  return c;
}

let passed = 0, failed = 0, exit = 0;
if (!only || only === "deno") {
  const junit = join(scratch, "deno.xml");
  const r = await run(runtimeBin("deno"), [
    "test",
    "-A",
    `--junit-path=${junit}`,
    ...extra,
    "tests/",
  ]);
  let c = { passed: 0, failed: 1 };
  try {
    c = denoCounts(junit);
  } catch { /* no report: the run failed before any test */ }
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  console.log(`deno: ${c.passed} passed, ${c.failed} failed`);
  passed += c.passed, failed += c.failed, exit ||= r.code;
}
if (!only || only === "bun") {
  const r = await run(
    runtimeBin("bun"),
    ["test", `--timeout=${BUN_TEST_TIMEOUT_MS}`, ...extra, "tests/"],
    { capture: true },
  );
  const p = Number(/^\s*(\d+) pass$/m.exec(r.out)?.[1] ?? 0);
  let f = Number(/^\s*(\d+) fail$/m.exec(r.out)?.[1] ?? 0);
  if (r.code !== 0 && f === 0) f = 1;
  console.log(`bun: ${p} passed, ${f} failed`);
  passed += p, failed += f, exit ||= r.code;
}
for (
  const [part, script, label] of [
    ["node", "node_smoke.mjs", "node"],
    ["examples", "examples.mjs", "examples"],
  ]
) {
  if (only && only !== part) continue;
  if (!existsSync(join(root, "scripts", script))) continue;
  const r = await run(process.execPath, [join(root, "scripts", script)], { capture: true });
  const c = lineCounts(label, r);
  passed += c.passed, failed += c.failed, exit ||= r.code;
}
rmSync(scratch, { recursive: true, force: true });
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(exit || (failed ? 1 : 0));
