/**
 * Benchmarks archive extraction inside the compiled executable
 * `dist/buildout` against GNU `tar xzf` and `unzip -q`, in the same run, on
 * the same files.
 *
 * Generates (once, under `.bench/archive/`, kept between runs) a tree of
 * 30,000 small text files (1–16 kB) in 300 directories plus four 30 MB
 * random files, and packs it as `bench.tar.gz` and `bench.zip` (about
 * 200 MB each) with the GNU tools. Our side runs the executable on a
 * buildout whose develop recipe calls `buildout.extract` on the archive
 * (so the figures include start-up and loading the configuration). Each
 * side extracts RUNS times into an empty directory on the same file system;
 * the median wall time and the largest peak RSS (`/usr/bin/time`) are
 * printed with the ratio and the targets (within 1.5x, under 150 MB). Exits
 * 0 whatever the figures (1 only when something is missing or fails).
 *
 *   deno task bench:archive
 *   ./node_modules/.bin/deno run -A scripts/bench-archive.ts [--runs N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const work = join(root, ".bench", "archive");
const src = join(work, "src");
const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
const SMALL = 30_000, DIRS = 300, LARGE = 4, LARGE_SIZE = 30 << 20;
const GENERATION = `${SMALL}-${DIRS}-${LARGE}-${LARGE_SIZE}-v1`;

for (const tool of [exe, "/usr/bin/time", "/usr/bin/tar", "/usr/bin/unzip"]) {
  if (!fs.existsSync(tool)) {
    console.error(
      `${tool} not found` +
        (tool === exe ? ": run `deno task compile` first." : "."),
    );
    process.exit(1);
  }
}

function run(command: string, args: string[], cwd = work): void {
  const result = spawnSync(command, args, {
    cwd,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    console.error(`failed: ${command} ${args.join(" ")}`);
    process.exit(1);
  }
}

/** A seeded generator, so every run benchmarks the same bytes. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function generate(): void {
  const stamp = join(work, "generation");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === GENERATION) {
    return;
  }
  console.log("generating the test tree and archives (once)...");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(src, { recursive: true });
  const next = random(42);
  const words = Array.from(
    { length: 2000 },
    () =>
      Array.from(
        { length: 3 + Math.floor(next() * 8) },
        () => String.fromCharCode(97 + Math.floor(next() * 26)),
      ).join(""),
  );
  for (let d = 0; d < DIRS; d++) {
    const dir = join(src, "project", `module${d % 10}`, `package${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < SMALL / DIRS; f++) {
      const size = 1024 + Math.floor(next() * 15 * 1024);
      let text = "";
      while (text.length < size) {
        text += words[Math.floor(next() * words.length)] +
          (next() < 0.1 ? "\n" : " ");
      }
      const file = join(dir, `file${f}.${f % 3 === 0 ? "sh" : "txt"}`);
      fs.writeFileSync(file, text.slice(0, size), {
        mode: f % 3 === 0 ? 0o755 : 0o644,
      });
    }
  }
  const data = join(src, "project", "data");
  fs.mkdirSync(data);
  const block = new Uint8Array(1 << 20);
  for (let l = 0; l < LARGE; l++) {
    const fd = fs.openSync(join(data, `blob${l}.bin`), "w");
    for (let written = 0; written < LARGE_SIZE; written += block.length) {
      for (let i = 0; i < block.length; i += 4) {
        const v = (next() * 2 ** 32) >>> 0;
        block[i] = v;
        block[i + 1] = v >>> 8;
        block[i + 2] = v >>> 16;
        block[i + 3] = v >>> 24;
      }
      fs.writeSync(fd, block);
    }
    fs.closeSync(fd);
  }
  run("tar", ["czf", join(work, "bench.tar.gz"), "project"], src);
  run("zip", ["-qr", join(work, "bench.zip"), "project"], src);
  fs.writeFileSync(stamp, GENERATION);
}

/** A buildout whose develop recipe extracts `archive` into `out`. */
function writeBuildout(archive: string, out: string): string {
  const dir = join(work, "buildout");
  fs.mkdirSync(join(dir, "recipe"), { recursive: true });
  fs.writeFileSync(
    join(dir, "recipe", "package.json"),
    JSON.stringify({
      name: "bench",
      buildout: { recipes: { default: "./extract.js" } },
    }),
  );
  fs.writeFileSync(
    join(dir, "recipe", "extract.js"),
    `export default class Extract {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
  }
  install() {
    return this.buildout.extract(this.options.require("archive"), this.options.require("out"));
  }
}
`,
  );
  fs.writeFileSync(
    join(dir, "buildout.cfg"),
    `[buildout]\ndevelop = recipe\nparts = x\n\n[x]\nrecipe = bench\narchive = ${archive}\nout = ${out}\n`,
  );
  return dir;
}

interface Measure {
  seconds: number;
  rssMB: number;
}

/** Runs `command` under /usr/bin/time into an empty `out`. */
function measure(
  command: string[],
  out: string,
  cwd: string,
  reset?: () => void,
): Measure {
  fs.rmSync(out, { recursive: true, force: true });
  reset?.();
  const timeFile = join(work, "time.txt");
  const result = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %M", "-o", timeFile, ...command],
    {
      cwd,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        HOME: work,
      },
    },
  );
  if (result.status !== 0) {
    console.error(`failed: ${command.join(" ")}`);
    process.exit(1);
  }
  const [seconds, kb] = fs.readFileSync(timeFile, "utf8").trim().split(/\s+/)
    .map(Number);
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds, rssMB: kb / 1024 };
}

function summary(measures: Measure[]): Measure {
  const times = measures.map((m) => m.seconds).sort((a, b) => a - b);
  return {
    seconds: times[Math.floor(times.length / 2)],
    rssMB: Math.max(...measures.map((m) => m.rssMB)),
  };
}

generate();
const mb = (file: string) =>
  (fs.statSync(join(work, file)).size / 2 ** 20).toFixed(0);
console.log(
  `archives: bench.tar.gz ${mb("bench.tar.gz")} MB, bench.zip ${
    mb("bench.zip")
  } MB ` +
    `(${SMALL} small files, ${LARGE} x ${
      LARGE_SIZE >> 20
    } MB); ${RUNS} runs each, median time, max RSS`,
);
console.log("ours: dist/buildout, develop recipe calling buildout.extract");
console.log("");
const rows: string[] = [];
for (
  const [archive, reference] of [
    [
      "bench.tar.gz",
      (out: string) => ["tar", "xzf", join(work, "bench.tar.gz"), "-C", out],
    ],
    [
      "bench.zip",
      (out: string) => ["unzip", "-q", join(work, "bench.zip"), "-d", out],
    ],
  ] as const
) {
  const refOut = join(work, "out-reference");
  const oursOut = join(work, "out-ours");
  const dir = writeBuildout(join(work, archive), oursOut);
  const resetBuildout = () =>
    fs.rmSync(join(dir, ".installed.cfg"), { force: true });
  const ours: Measure[] = [], ref: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    ref.push(
      measure(reference(refOut), refOut, work, () => fs.mkdirSync(refOut)),
    );
    ours.push(measure([exe, "-q"], oursOut, dir, resetBuildout));
  }
  const o = summary(ours), r = summary(ref);
  const tool = reference("").slice(0, 2).join(" ");
  rows.push(
    `${archive.padEnd(13)} ours ${o.seconds.toFixed(2)} s  ${
      o.rssMB.toFixed(0)
    } MB | ` +
      `${tool.padEnd(9)} ${r.seconds.toFixed(2)} s  ${
        r.rssMB.toFixed(0)
      } MB | ` +
      `ratio ${(o.seconds / r.seconds).toFixed(2)}x (target <= 1.5x), ` +
      `peak ${o.rssMB.toFixed(0)} MB (target < 150 MB)`,
  );
  console.log(rows[rows.length - 1]);
}
