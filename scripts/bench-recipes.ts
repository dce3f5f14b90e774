/**
 * Benchmarks archive extraction by the `download` recipe through the compiled
 * executable `dist/buildout`, against GNU `tar xzf` and `unzip -q` of the
 * same files in the same run.
 *
 * Generates (once, kept under .bench/recipes/) a source tree of many small
 * files and a few large ones, partly compressible, packed as a ~200 MB
 * `.tar.gz` and a ~200 MB `.zip`. Then, for each archive, times (median of
 * RUNS after one warm-up, fresh empty destination each time, the two run in
 * turn so machine load hits both alike) the reference tool and a buildout
 * whose only part is
 * `recipe = download / url = <archive> / strip-top-level-dir = true`, and
 * measures each one's peak memory (max RSS). Prints the figures, the ratios
 * and the targets (within 1.5x of the reference tool, under 150 MB); exits 0
 * whatever they are (1 only when a tool or a run fails).
 *
 *   deno task bench:recipes
 *   ./node_modules/.bin/deno run -A scripts/bench-recipes.ts
 */
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const bench = join(root, ".bench", "recipes");
const RUNS = 5;
const SMALL_FILES = 30_000; // 1-7 KB each, in 300 directories
const LARGE_FILES = 6; // 35 MB each
const LARGE_SIZE = 35 * 1024 * 1024;

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}
for (const tool of ["tar", "unzip", "zip", "/usr/bin/time"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is needed for this benchmark`);
    process.exit(1);
  }
}

/** File content: 60% random bytes, 40% repeated text, so gzip has work. */
function content(size: number): Buffer {
  const random = Math.floor(size * 0.6);
  const text = Buffer.from(
    "buildout parts recipes download cache offline ".repeat(
      Math.ceil((size - random) / 47),
    ),
  ).subarray(0, size - random);
  return Buffer.concat([randomBytes(random), text]);
}

/** Writes the source tree under `dir/tree` unless it is already there. */
function generateTree(dir: string): void {
  const done = join(dir, ".complete");
  if (fs.existsSync(done)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  const tree = join(dir, "tree");
  for (let i = 0; i < SMALL_FILES; i++) {
    const sub = join(tree, "src", `d${String(i % 300).padStart(3, "0")}`);
    if (i < 300) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(join(sub, `f${i}.txt`), content(1024 + (i * 97) % 6144));
  }
  fs.mkdirSync(join(tree, "data"));
  for (let i = 0; i < LARGE_FILES; i++) {
    const fd = fs.openSync(join(tree, "data", `large${i}.bin`), "w");
    for (let written = 0; written < LARGE_SIZE; written += 1024 * 1024) {
      fs.writeSync(fd, content(1024 * 1024));
    }
    fs.closeSync(fd);
  }
  fs.writeFileSync(done, "");
}

/** Runs a command, exiting with its stderr when it fails. */
function check(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) {
    console.error(
      `${command} ${args.join(" ")}: exit ${r.status}\n${r.stderr}`,
    );
    process.exit(1);
  }
}

/** Packs the tree as `name` (tar.gz or zip) unless it exists. */
function packTree(dir: string, name: string): string {
  const archive = join(dir, name);
  if (fs.existsSync(archive)) return archive;
  const temp = archive + ".tmp";
  if (name.endsWith(".zip")) check("zip", ["-q", "-r", temp, "tree"], dir);
  else check("tar", ["czf", temp, "tree"], dir);
  fs.renameSync(temp, archive);
  return archive;
}

interface Measure {
  seconds: number;
  peakMB: number;
}

/** A command to time and what to do before each run of it. */
interface Contender {
  command: string[];
  cwd: string;
  prepare: () => void;
}

/** Runs `command` once; returns wall seconds and peak RSS in MB. */
function once({ command, cwd, prepare }: Contender): [number, number] {
  prepare();
  const rss = join(bench, "rss");
  const start = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", rss, ...command], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" },
  });
  const elapsed = (performance.now() - start) / 1000;
  if (r.status !== 0) {
    console.error(
      `${command.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`,
    );
    process.exit(1);
  }
  const lines = fs.readFileSync(rss, "utf8").trim().split("\n");
  return [elapsed, parseInt(lines[lines.length - 1]) / 1024];
}

/**
 * Runs the contenders in turn, RUNS + 1 rounds (the first is a warm-up),
 * so a busy machine slows them alike; returns each one's median wall time
 * and largest peak RSS.
 */
function race(contenders: Contender[]): Measure[] {
  const times = contenders.map(() => [] as number[]);
  const peaks = contenders.map(() => 0);
  for (let round = 0; round <= RUNS; round++) {
    contenders.forEach((contender, i) => {
      const [seconds, mb] = once(contender);
      peaks[i] = Math.max(peaks[i], mb);
      if (round > 0) times[i].push(seconds);
    });
  }
  return times.map((t, i) => {
    t.sort((a, b) => a - b);
    return { seconds: t[Math.floor(t.length / 2)], peakMB: peaks[i] };
  });
}

/** Total size in bytes and number of files under `dir`. */
function treeSize(dir: string): [number, number] {
  let bytes = 0, files = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        bytes += fs.statSync(path).size;
        files++;
      }
    }
  };
  walk(dir);
  return [bytes, files];
}

fs.mkdirSync(bench, { recursive: true });
console.log(`generating the source tree under ${bench} (kept between runs)...`);
generateTree(bench);
const archives = [packTree(bench, "tree.tar.gz"), packTree(bench, "tree.zip")];
const [treeBytes, treeFiles] = treeSize(join(bench, "tree"));

const out = join(bench, "out");
const project = join(bench, "project");
const clean = () => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
};

console.log(`download recipe extraction benchmark of ${exe}`);
console.log(
  `tree: ${treeFiles} files, ${(treeBytes / 2 ** 20).toFixed(0)} MB; ` +
    `median wall time of ${RUNS} runs after a warm-up\n`,
);
const col = (s: string | number, w = 12) =>
  (typeof s === "number" ? s.toFixed(2) : s).padStart(w);
console.log(
  "archive".padEnd(14) + "MB".padStart(8) + col("tool") + col("tool s") +
    col("tool MB") + col("buildout s") + col("buildout MB") + col("ratio"),
);
const results: Array<[string, Measure, Measure]> = [];
for (const archive of archives) {
  const name = archive.slice(bench.length + 1);
  const zip = name.endsWith(".zip");
  const tool = zip
    ? ["unzip", "-q", archive, "-d", out]
    : ["tar", "xzf", archive, "-C", out];
  const [reference, ours] = race([
    {
      command: tool,
      cwd: bench,
      prepare: () => {
        clean();
        fs.mkdirSync(out);
      },
    },
    {
      command: [exe],
      cwd: project,
      prepare: () => {
        clean();
        fs.mkdirSync(project);
        fs.writeFileSync(
          join(project, "buildout.cfg"),
          `[buildout]\nparts = x\n\n[x]\nrecipe = download\nurl = ${archive}\n` +
            `destination = ${out}\nstrip-top-level-dir = true\n`,
        );
      },
    },
  ]);
  const [bytes, files] = treeSize(out);
  if (bytes !== treeBytes || files !== treeFiles) {
    console.error(
      `${name}: the recipe unpacked ${files} files, ${bytes} bytes`,
    );
    process.exit(1);
  }
  results.push([name, reference, ours]);
  const size = fs.statSync(archive).size / 2 ** 20;
  console.log(
    name.padEnd(14) + size.toFixed(0).padStart(8) + col(tool[0]) +
      col(reference.seconds) + col(reference.peakMB.toFixed(1)) +
      col(ours.seconds) + col(ours.peakMB.toFixed(1)) +
      col(`${(ours.seconds / reference.seconds).toFixed(2)}x`),
  );
}
clean();

const mark = (ok: boolean) => ok ? "✓" : "✗";
console.log("\ntargets:");
for (const [name, reference, ours] of results) {
  const ratio = ours.seconds / reference.seconds;
  console.log(
    `  ${mark(ratio <= 1.5)} ${name}: within 1.5x of the tool`.padEnd(48) +
      `${ratio.toFixed(2)}x`,
  );
  console.log(
    `  ${mark(ours.peakMB < 150)} ${name}: peak memory < 150 MB`.padEnd(48) +
      `${ours.peakMB.toFixed(1)} MB`,
  );
}
