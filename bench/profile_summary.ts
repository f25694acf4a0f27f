/**
 * Summarises a `.cpuprofile` (Chrome DevTools format, as written by `deno run --cpu-prof`
 * and `bun --cpu-prof`): self time per function and the inclusive time of a few frames.
 *
 *     deno run -A --cpu-prof --cpu-prof-dir=bench/data/prof bench/download.ts <url> <out> 4
 *     bun --cpu-prof --cpu-prof-dir=bench/data/prof bench/download.ts <url> <out> 4
 *     deno run -A bench/profile_summary.ts bench/data/prof/<file>.cpuprofile [top]
 *
 * @module
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, topText = "25"] = Deno.args;
if (!file) {
  console.error("usage: profile_summary.ts <file.cpuprofile> [top]");
  Deno.exit(2);
}
const profile: Profile = JSON.parse(Deno.readTextFileSync(file));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the delta that follows it.
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
}
const total = (profile.endTime - profile.startTime) / 1000;

const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^.*\/(src|bench|node_modules|ext)\//, "$1/");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}${
    url ? `:${n.callFrame.lineNumber + 1}` : ""
  }`;
};

const selfByLabel = new Map<string, number>();
for (const [id, us] of self) {
  const l = label(byId.get(id)!);
  selfByLabel.set(l, (selfByLabel.get(l) ?? 0) + us);
}
// Inclusive: a sample counts once for every distinct label on its stack.
const incl = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + us);
  }
}

const top = Number(topText);
const ms = (us: number) => (us / 1000).toFixed(0).padStart(6);
const pct = (us: number) => ((us / 1000 / total) * 100).toFixed(1).padStart(5);
console.log(`profile: ${total.toFixed(0)} ms wall\n\nself time:`);
for (const [l, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ms ${pct(us)} %  ${l}`);
}
console.log("\ninclusive time:");
for (const [l, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ms ${pct(us)} %  ${l}`);
}
