/**
 * Benchmarks the config engine through the compiled executable `dist/buildout`.
 *
 * Generates a large buildout (1,000 sections, ~10,000 options, 20 extends files
 * in chains, `${section:option}` and `${:option}` substitutions, `<=` macros,
 * `+=`), then times (15 runs after 2 warm-ups, HOME an empty directory) bare
 * start-up (`--version`), `annotate` of that buildout, and `annotate` of
 * SlapOS's curl component from ../shared/corpus; then measures each annotate's
 * peak memory (max RSS). Also times start-up and `annotate` of the
 * generated buildout from idle (see _timing_table.ts), for comparison.
 * Prints the figures beside the targets; exits 0
 * whatever they are (exit 1 only if dist/buildout is missing or the generated
 * buildout does not annotate). Every run loads the configuration anew, as
 * a first run does, except the one row marked "kept load": a rerun's.
 *
 *   deno task bench:config
 *   ./node_modules/.bin/deno run -A scripts/bench-config.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { peakMB as measurePeak } from "./_peak_memory.ts";
import {
  printFromIdle,
  printTimings,
  type Timing,
  type TimingRow,
} from "./_timing_table.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const slapos = resolve(root, "..", "shared", "corpus", "SlapOS__slapos");
const curlCfg = join(slapos, "component", "curl", "buildout.cfg");
const RUNS = 15, WARMUPS = 2;
const FILES = 20, PER_FILE = 50, CHAIN = 5; // f01 <- f02 <- ... <- f05, ...

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}

const work = fs.mkdtempSync(join(tmpdir(), "bench-config-"));
const home = join(work, "home"), project = join(work, "project");
fs.mkdirSync(home);
fs.mkdirSync(project);
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
/**
 * Runs that load the configuration anew each time: the executable keeps a
 * load (lib/config/load_cache.ts) and reruns use it, which is not the
 * config engine's work this measures.
 */
const anew: NodeJS.ProcessEnv = { ...env, BUILDOUT_CONFIG_CACHE: "off" };

/** Writes the generated buildout into `dir`; returns [sections, options]. */
function generate(dir: string): [number, number] {
  const fname = (k: number) => `f${String(k).padStart(2, "0")}.cfg`;
  const total = FILES * PER_FILE;
  let options = 0;
  for (let k = 1; k <= FILES; k++) {
    const first = k - ((k - 1) % CHAIN); // first file of this chain
    const out = k === first ? [] : ["[buildout]", `extends = ${fname(k - 1)}`];
    for (let j = 0; j < PER_FILE; j++) {
      const n = (k - 1) * PER_FILE + j;
      out.push("", `[s${n}]`);
      // every 5th section takes defaults from one of its chain's first three
      if (j % 5 === 4) out.push(`<= s${(first - 1) * PER_FILE + (j % 3)}`);
      out.push(
        `name = s${n}`,
        `opt1 = value-${n}`,
        `opt2 = \${:name}/data`,
        `opt3 = \${s${(n + total - 1) % total}:opt1}`,
        `opt4 = \${s${(n * 7 + 13) % total}:opt1}-\${:opt1}`,
        `opt5 = \${s${(n * 31 + 5) % total}:opt2}`,
        `opt6 = \${buildout:directory}/parts/\${:name}`,
        `opt7 = plain text ${n}`,
        `opt8 = \${:opt3} \${:opt4}`,
        `opt9 =\n  first-${n}\n  second-${n}`,
      );
      options += j % 5 === 4 ? 11 : 10;
    }
    for (let j = 0; k !== first && j < PER_FILE; j += 2) { // extend file k-1
      const n = (k - 2) * PER_FILE + j;
      out.push("", `[s${n}]`, `opt9 += added-by-${k}`);
      out.push(`opt7 += \${s${n + PER_FILE}:opt1}`);
      options += 2;
    }
    fs.writeFileSync(join(dir, fname(k)), out.join("\n") + "\n");
  }
  const tops = Array.from({ length: FILES / CHAIN }, (_, i) => (i + 1) * CHAIN);
  // zc.buildout substitutes every [buildout] option on start: `all` then
  // resolves every section (macros, substitutions)
  const all = Array.from({ length: total }, (_, n) => `  \${s${n}:opt8}`);
  fs.writeFileSync(
    join(dir, "buildout.cfg"),
    ["[buildout]", "extends =", ...tops.map((k) => "  " + fname(k))]
      .concat(["parts =", "  s0", `  s${total - 1}`, "all =", ...all, ""])
      .join("\n"),
  );
  return [total, options];
}

/** One timed run of `args` (wall ms); exits with its stderr if it fails. */
function timeOnce(args: string[], runEnv = anew): number {
  const start = performance.now();
  const r = spawnSync(exe, args, {
    cwd: project,
    env: runEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (r.status === 0) return performance.now() - start;
  console.error(`buildout ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

/** Times `args` (wall ms) in a block of runs after the warm-ups. */
function time(args: string[], runEnv = anew): Timing {
  for (let i = 0; i < WARMUPS; i++) timeOnce(args, runEnv);
  const t = Array.from({ length: RUNS }, () => timeOnce(args, runEnv))
    .sort((a, b) => a - b);
  return { median: t[Math.floor(RUNS / 2)], min: t[0] };
}

/** Peak resident memory of one run in the project, in MB. */
function peakMB(args: string[]): Promise<number> {
  return measurePeak(exe, args, { cwd: project, env: anew, scratch: work });
}

const [nSections, nOptions] = generate(project);
const check = spawnSync(exe, ["annotate"], {
  cwd: project,
  env: anew,
  encoding: "utf8",
});
if (check.status !== 0) {
  console.error(`generated buildout is invalid (exit ${check.status}):`);
  console.error(check.stderr);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
}
let skipCurl = fs.existsSync(curlCfg) ? "" : `${curlCfg} not found`;
if (!skipCurl) {
  const opts = { cwd: project, env: anew, encoding: "utf8" as const };
  const r = spawnSync(exe, ["-c", curlCfg, "annotate"], opts);
  if (r.status !== 0) skipCurl = `annotate exit ${r.status}: ${r.stderr}`;
}

console.log(`config engine benchmark of ${exe}`);
console.log(
  `generated buildout: ${nSections} sections, ${nOptions} options, ` +
    `${FILES} extends files, annotate prints ${check.stdout.length} bytes`,
);
console.log(`wall times over ${RUNS} runs after ${WARMUPS} warm-ups\n`);

const startup = time(["--version"]);
const rows: TimingRow[] = [
  ["--version (bare start-up)", startup, null],
  ["annotate (generated)", time(["annotate"]), await peakMB(["annotate"])],
];
if (!skipCurl) {
  const args = ["-c", curlCfg, "annotate"];
  rows.push(["annotate (SlapOS curl)", time(args), await peakMB(args)]);
}
// For comparison: what a rerun costs a user, the load kept by the first.
rows.push(["annotate (generated), kept load", time(["annotate"], env), null]);

printTimings(rows, startup);
if (skipCurl) console.log(`(SlapOS curl skipped: ${skipCurl.trim()})`);

const mark = (ok: boolean) => ok ? "✓" : "✗";
const target = (ok: boolean, goal: string, figure: string) =>
  console.log(`  ${mark(ok)} ${goal.padEnd(30)} ${figure}`);
console.log("\ntargets:");
// The issue sets the start-up ratio for the generated buildout; the SlapOS
// file has its own target, in seconds.
const [, generated] = rows;
const ratio = generated[1].median / startup.median;
target(
  ratio <= 3,
  "annotate <= 3x bare start-up",
  `${generated[0]}: ${ratio.toFixed(2)}x`,
);
await printFromIdle(
  "annotate (generated)",
  () => timeOnce(["--version"]),
  () => timeOnce(["annotate"]),
  RUNS,
);
for (const [name, , mb] of rows.slice(1, skipCurl ? 2 : 3)) {
  target(mb! < 150, "peak memory < 150 MB", `${name}: ${mb!.toFixed(1)} MB`);
}
const slap = skipCurl ? undefined : rows[2][1];
console.log(
  `  ${slap ? mark(slap.median < 300) : "-"} SlapOS curl annotate < 0.3 s` +
    ` (zc.buildout 4.2.0: 20 s measured): ` +
    (slap ? `${(slap.median / 1000).toFixed(3)} s` : "skipped"),
);

fs.rmSync(work, { recursive: true, force: true });
