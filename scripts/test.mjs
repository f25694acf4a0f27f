#!/usr/bin/env node
// Runs the one test suite on Deno and on Bun (both from node_modules/.bin), then builds the
// npm package and smoke-tests it on Node.js; streams their output and ends with one summary
// line: "total: N passed, N failed".
// Usage: node scripts/test.mjs [deno|bun|node] [extra args passed to the runners]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = ["deno", "bun", "node"].includes(process.argv[2]) ? process.argv[2] : undefined;
const extra = process.argv.slice(only ? 3 : 2);
const scratch = mkdtempSync(join(tmpdir(), "rd-test-"));

function run(cmd, args, { capture = false } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
      env: { ...process.env, NO_COLOR: "1" },
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

let passed = 0, failed = 0, exit = 0;
if (!only || only === "deno") {
  const junit = join(scratch, "deno.xml");
  const r = await run(bin("deno"), ["test", "-A", `--junit-path=${junit}`, ...extra, "tests/"]);
  let c = { passed: 0, failed: 1 };
  try {
    c = denoCounts(junit);
  } catch { /* no report: the run failed before any test */ }
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  console.log(`deno: ${c.passed} passed, ${c.failed} failed`);
  passed += c.passed, failed += c.failed, exit ||= r.code;
}
if (!only || only === "bun") {
  const r = await run(bin("bun"), ["test", ...extra, "tests/"], { capture: true });
  const p = Number(/^\s*(\d+) pass$/m.exec(r.out)?.[1] ?? 0);
  let f = Number(/^\s*(\d+) fail$/m.exec(r.out)?.[1] ?? 0);
  if (r.code !== 0 && f === 0) f = 1;
  console.log(`bun: ${p} passed, ${f} failed`);
  passed += p, failed += f, exit ||= r.code;
}
if (!only || only === "node") {
  const r = await run(process.execPath, [join(root, "scripts", "node_smoke.mjs")], {
    capture: true,
  });
  const ok = r.code === 0 && /node: 1 passed/.test(r.out);
  passed += ok ? 1 : 0, failed += ok ? 0 : 1, exit ||= r.code;
}
rmSync(scratch, { recursive: true, force: true });
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(exit || (failed ? 1 : 0));
