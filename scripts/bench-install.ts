/**
 * Benchmarks the install engine through the compiled executable
 * `dist/buildout`.
 *
 * Generates a buildout of 1,000 `debug` parts over 5 extends files (200 parts
 * per file, each part extending its file's `<=` macro section and holding
 * `${buildout:...}`, `${:option}` and `${other-part:option}` substitutions,
 * the other part being the first of its group of ten),
 * then times, in the same run: bare start-up (`--version`), a first install
 * (no `.installed.cfg`; the database is saved after every part) and a no-op
 * rerun (every part updated, nothing changed), stdout to /dev/null, HOME an
 * empty directory; and each install's peak memory (max RSS). A first install
 * of twice as many parts shows how it scales (2x when linear, 4x when
 * quadratic). The no-op's floor is `_floor_noop.ts`, compiled as
 * dist/buildout is and timed in the same run: a minimal program doing only
 * the no-op's reads, parsing, substitutions, comparisons and output (the
 * same bytes), what an implementation on this runtime pays before doing
 * anything else buildout does; it loads the configuration anew each time,
 * as does the row "loaded anew", while the no-op rerun uses the load the
 * first run kept (lib/config/load_cache.ts). Start-up and the no-op are also timed
 * from idle (see _timing_table.ts), for comparison. Prints the figures
 * beside the targets; exits 0 whatever they
 * are (exit 1 only if dist/buildout is missing, a generated buildout
 * fails to install or the floor does not print what the no-op prints).
 *
 *   deno task bench:install
 *   ./node_modules/.bin/deno run -A scripts/bench-install.ts [--parts N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { bunCompileArgs } from "./_bun_compile.ts";
import { peakMB as measurePeak } from "./_peak_memory.ts";
import {
  printFromIdle,
  printTimings,
  type Timing,
  type TimingRow,
} from "./_timing_table.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const partsIndex = process.argv.indexOf("--parts");
const PARTS = partsIndex > 0 ? Number(process.argv[partsIndex + 1]) : 1000;
const FILES = 5;
const RUNS = 11, FIRST_RUNS = 5, WARMUPS = 2;

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}
if (!Number.isInteger(PARTS) || PARTS < FILES) {
  console.error(`--parts needs an integer of at least ${FILES}`);
  process.exit(1);
}

const work = fs.mkdtempSync(join(tmpdir(), "bench-install-"));
const home = join(work, "home"), project = join(work, "project");
const double = join(work, "double");
for (const dir of [home, project, double]) fs.mkdirSync(dir);
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
const database = join(project, ".installed.cfg");

/** Writes a buildout of `count` parts into `dir`; returns the option count. */
function generate(dir: string, count: number): number {
  const perFile = Math.ceil(count / FILES);
  const names: string[] = [];
  let options = 0;
  for (let k = 1; k <= FILES; k++) {
    const out = [
      `[base${k}]`,
      "recipe = debug",
      `file = f${k}.cfg`,
      "owner = ${buildout:user}",
      "root = ${buildout:directory}/parts",
      "",
    ];
    for (let j = 0; j < perFile && names.length < count; j++) {
      const n = names.length;
      const name = `part${n}`;
      names.push(name);
      out.push(
        `[${name}]`,
        `<= base${k}`,
        `index = ${n}`,
        "path = ${:root}/${:index}",
        `label = part number ${n} of ${count}`,
        `previous = \${part${n - (n % 10)}:index}`,
        "summary = ${:label} in ${:file}, after ${:previous}",
        "lines =\n    first ${:index}\n    second ${:owner}",
        "",
      );
      options += 10;
    }
    fs.writeFileSync(join(dir, `f${k}.cfg`), out.join("\n"));
  }
  const files = Array.from({ length: FILES }, (_, i) => `  f${i + 1}.cfg`);
  fs.writeFileSync(
    join(dir, "buildout.cfg"),
    [
      "[buildout]",
      "extends =",
      ...files,
      "user = bench",
      "parts =",
      ...names.map((n) => "  " + n),
      "",
    ].join("\n"),
  );
  return options;
}

function fail(what: string, status: number | null, stderr: string): never {
  console.error(`buildout ${what}: exit ${status}\n${stderr}`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

/**
 * Times one run of `command args` in `cwd` (wall ms), after `before` (not
 * timed).
 */
function timeOnce(
  args: string[],
  before: () => void,
  cwd: string,
  command: string,
  runEnv = env,
): number {
  before();
  const start = performance.now();
  const r = spawnSync(command, args, {
    cwd,
    env: runEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const ms = performance.now() - start;
  if (r.status !== 0) fail(args.join(" "), r.status, String(r.stderr));
  return ms;
}

/** Median and minimum of `runs` timed runs after the warm-ups. */
function time(
  args: string[],
  runs: number,
  before = () => {},
  cwd = project,
  command = exe,
  runEnv = env,
): Timing {
  for (let i = 0; i < WARMUPS; i++) {
    timeOnce(args, before, cwd, command, runEnv);
  }
  const t = Array.from(
    { length: runs },
    () => timeOnce(args, before, cwd, command, runEnv),
  ).sort((a, b) => a - b);
  return { median: t[Math.floor(runs / 2)], min: t[0] };
}

/** Peak resident memory of one run in the project, in MB. */
function peakMB(args: string[]): Promise<number> {
  return measurePeak(exe, args, { cwd: project, env, scratch: work });
}

const forget = () => fs.rmSync(database, { force: true });

const nOptions = generate(project, PARTS);
generate(double, 2 * PARTS);
const check = spawnSync(exe, [], { cwd: project, env, encoding: "utf8" });
if (check.status !== 0) {
  fail("(generated buildout)", check.status, check.stderr);
}
const saved = fs.readFileSync(database, "utf8");
const recorded = saved.match(/^\[part\d+\]$/gm)?.length ?? 0;
if (recorded !== PARTS) {
  fail("(generated buildout)", 0, `.installed.cfg holds ${recorded} parts`);
}

console.log(`install engine benchmark of ${exe}`);
console.log(
  `generated buildout: ${PARTS} debug parts, ${nOptions} options, ` +
    `${FILES} extends files; install prints ${check.stdout.length} bytes ` +
    `(to /dev/null), .installed.cfg ${saved.length} bytes`,
);
console.log(
  `wall times over ${RUNS} runs (first install: ${FIRST_RUNS}) after ` +
    `${WARMUPS} warm-ups\n`,
);

const startup = time(["--version"], RUNS);
const first = time([], FIRST_RUNS, forget);
forget();
const firstMB = await peakMB([]);
const noop = time([], RUNS);
const noopMB = await peakMB([]);
// The configuration loaded anew, as when a file changed (the rerun above
// uses the load the first run kept: lib/config/load_cache.ts).
const anew = time([], RUNS, () => {}, project, exe, {
  ...env,
  BUILDOUT_CONFIG_CACHE: "off",
});
if (fs.readFileSync(database, "utf8") !== saved) {
  fail("(no-op rerun)", 0, "the rerun changed .installed.cfg");
}
const doubled = time(
  [],
  FIRST_RUNS,
  () => fs.rmSync(join(double, ".installed.cfg"), { force: true }),
  double,
);

const floorExe = join(work, "floor");
const built = spawnSync(
  join(root, "node_modules", ".bin", "bun"),
  bunCompileArgs(join(root, "scripts", "_floor_noop.ts"), floorExe),
  { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
);
if (built.status !== 0) fail("(compiling the floor)", built.status, "");
const floorOut = spawnSync(floorExe, [], { cwd: project, encoding: "utf8" });
const noopOut = spawnSync(exe, [], { cwd: project, env, encoding: "utf8" });
if (floorOut.status !== 0 || floorOut.stdout !== noopOut.stdout) {
  fail(
    "(floor)",
    floorOut.status,
    "the floor does not print what the no-op does",
  );
}
const floorStartup = time(["--version"], RUNS, () => {}, project, floorExe);
const floor = time([], RUNS, () => {}, project, floorExe);

const rows: TimingRow[] = [
  ["--version (bare start-up)", startup, null],
  ["first install", first, firstMB],
  ["no-op rerun", noop, noopMB],
  ["no-op rerun, loaded anew", anew, null],
  [`first install, ${2 * PARTS} parts`, doubled, null],
  ["floor: --version", floorStartup, null],
  ["floor: no-op rerun", floor, null],
];
printTimings(rows, startup);

const mark = (ok: boolean) => ok ? "✓" : "✗";
const target = (ok: boolean, goal: string, figure: string) =>
  console.log(`  ${mark(ok)} ${goal.padEnd(34)} ${figure}`);
console.log("\ntargets (zc.buildout 4.2.0, 1,000 parts: 51.7 s / 9.0 s):");
target(
  first.median < 1500,
  "first install < 1.5 s",
  `${(first.median / 1000).toFixed(3)} s`,
);
target(
  noop.median < 300,
  "no-op rerun < 0.3 s",
  `${(noop.median / 1000).toFixed(3)} s`,
);
const ratio = noop.median / startup.median;
target(ratio <= 5, "no-op rerun <= 5x bare start-up", `${ratio.toFixed(2)}x`);
await printFromIdle(
  "no-op rerun",
  () => timeOnce(["--version"], () => {}, project, exe),
  () => timeOnce([], () => {}, project, exe),
  RUNS,
);
const peak = Math.max(firstMB, noopMB);
target(peak < 200, "peak memory < 200 MB", `${peak.toFixed(1)} MB`);
console.log(
  `  the no-op's floor is ${(floor.median / startup.median).toFixed(2)}x ` +
    `bare start-up (${(floor.median / floorStartup.median).toFixed(2)}x its ` +
    `own); the rest of the no-op, ` +
    `${(noop.median - floor.median).toFixed(1)} ms, is what buildout does ` +
    "beyond it",
);
const growth = doubled.median / first.median;
console.log(
  `  first install, twice the parts: ${growth.toFixed(2)}x the time ` +
    "(linear: 2x, quadratic: 4x)",
);

fs.rmSync(work, { recursive: true, force: true });
