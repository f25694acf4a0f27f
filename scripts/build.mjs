#!/usr/bin/env node
// Builds the npm package into dist/: Deno's type declarations for the Deno adapter, tsc
// (which rewrites ./x.ts imports to ./x.js), then the same rewrite in the .d.ts files,
// which tsc leaves alone (microsoft/TypeScript#61037). Checks that package.json and
// deno.json export the same entry points.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runtimeBin } from "./tools.mjs";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
rmSync(join(root, "dist"), { recursive: true, force: true });
mkdirSync(join(root, ".build"), { recursive: true });
writeFileSync(join(root, ".build", "deno.d.ts"), execFileSync(runtimeBin("deno"), ["types"]));
execFileSync(bin("tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}
for (const path of files(join(root, "dist"))) {
  if (!path.endsWith(".d.ts")) continue;
  const text = readFileSync(path, "utf8");
  writeFileSync(path, text.replace(/(from\s+["']\.{1,2}\/[^"']*?)\.ts(["'])/g, "$1.js$2"));
}

// The two export maps must name the same entry points.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const toDist = (p) => p.replace(/^\.\//, "./dist/").replace(/\.ts$/, ".js");
for (const [name, source] of Object.entries(deno.exports)) {
  const entry = pkg.exports?.[name];
  const target = typeof entry === "string" ? entry : entry?.import ?? entry?.default;
  if (target !== toDist(source)) {
    throw new Error(`package.json exports["${name}"] is ${target}, deno.json says ${source}`);
  }
}
for (const name of Object.keys(pkg.exports)) {
  if (!(name in deno.exports)) {
    throw new Error(`package.json exports "${name}", deno.json does not`);
  }
}
console.log("built dist/");
