#!/usr/bin/env node
// Runs examples/ the way a user would: packs the package (`npm pack`, which builds dist/),
// installs the tarball into a fresh project in a temp directory, copies the examples there
// and runs each on its runtime: node.mjs and commonjs.cjs on Node.js, bun.ts on Bun, deno.ts
// on Deno (which resolves `resumable-download` from that project's package.json and
// node_modules), web.mjs (the ./web entry) on all three, and oss.ts and many.ts (the README's
// OSS and many-objects examples) on Deno and Bun against the mock OSS.
// Prints "examples: N passed, N failed" last; exits 1 on a failure.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runtimeBin } from "./tools.mjs";

const root = resolve(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "rd-examples-"));
const results = [];

/** Runs a command to the end (output shown), with a deadline; resolves to its exit code. */
function run(cmd, args, { cwd = work, env = {}, timeoutMs = 120_000 } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", ...env },
    });
    const timer = setTimeout(() => {
      console.error(`examples: ${cmd} ${args.join(" ")} took over ${timeoutMs} ms; killing it`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done(code ?? 1);
    });
  });
}

async function example(name, cmd, args, options) {
  console.log(`\nexamples: ${name}`);
  const ok = (await run(cmd, args, options)) === 0;
  console.log(`examples: ${ok ? "ok  " : "FAIL"} ${name}`);
  results.push(ok);
}

/** Starts the mock OSS with the README example's object; resolves to its URL and a stop(). */
async function startMockOss() {
  const child = spawn(
    runtimeBin("deno"),
    [
      "run",
      "-A",
      join(root, "tests", "mock_oss", "main.ts"),
      "--bucket",
      "examplebucket",
      "--random",
      "exampledir/exampleobject.txt=3MiB",
    ],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  const line = await new Promise((ok, fail) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) ok(out.split("\n")[0]);
    });
    child.on("close", () => fail(new Error("the mock OSS exited before listening")));
  });
  return { url: JSON.parse(line).url, stop: () => child.kill("SIGTERM") };
}

let mock;
try {
  // 1. The tarball, as `npm pack` makes it for the registry.
  if ((await run(npm, ["pack", "--pack-destination", work], { cwd: root })) !== 0) {
    throw new Error("npm pack failed");
  }
  const tarball = join(work, readdirSync(work).find((name) => name.endsWith(".tgz")));

  // 2. A fresh project that installs it.
  const project = join(work, "project");
  spawnSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "example-project", private: true, type: "module" }, null, 2),
  );
  const installed = await run(
    npm,
    ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball],
    { cwd: project },
  );
  if (installed !== 0) throw new Error("npm install of the tarball failed");
  for (const name of readdirSync(join(root, "examples"))) {
    copyFileSync(join(root, "examples", name), join(project, name));
  }

  // 3. The examples.
  const opts = { cwd: project };
  await example("node.mjs on Node.js", process.execPath, ["node.mjs"], opts);
  await example("commonjs.cjs on Node.js", process.execPath, ["commonjs.cjs"], opts);
  await example("bun.ts on Bun", runtimeBin("bun"), ["bun.ts"], opts);
  await example("deno.ts on Deno", runtimeBin("deno"), ["run", "-A", "deno.ts"], opts);
  await example("web.mjs on Node.js", process.execPath, ["web.mjs"], opts);
  await example("web.mjs on Deno", runtimeBin("deno"), ["run", "-A", "web.mjs"], opts);
  await example("web.mjs on Bun", runtimeBin("bun"), ["web.mjs"], opts);
  mock = await startMockOss();
  const env = { OSS_ENDPOINT: mock.url };
  await example("oss.ts on Deno", runtimeBin("deno"), ["run", "-A", "oss.ts"], { ...opts, env });
  await example("oss.ts on Bun", runtimeBin("bun"), ["oss.ts"], { ...opts, env });
  await example("many.ts on Deno", runtimeBin("deno"), ["run", "-A", "many.ts"], { ...opts, env });
  await example("many.ts on Bun", runtimeBin("bun"), ["many.ts"], { ...opts, env });
} catch (e) {
  console.error("examples:", e);
  results.push(false);
} finally {
  mock?.stop();
  rmSync(work, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log(`examples: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
