/**
 * End-to-end tests of inputs far larger than usual, whose cost must grow
 * linearly: each input is large enough that a quadratic step would need
 * far more CPU time than the run is given, which the linear one meets many
 * times over. The limit is on CPU time (`ulimit -St`), not on the clock: a
 * loaded machine stretches a run's wall time tenfold, not its CPU time.
 * Only the run under test is limited: one that merely creates the many files
 * it needs is not (see `setUp`).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type RunResult, type Sample, sampleBuildout } from "./harness.ts";

/**
 * CPU seconds: each run takes about 1 s of CPU, a quadratic step took 25 s
 * and more.
 */
const CPU_LIMIT_S = 10;

/** Only against a run that hangs: the CPU limit is what the tests assert. */
const WALL_LIMIT_MS = 600_000;

/**
 * A develop package `recipes` whose default recipe is the class body
 * `code`, used by part `x`.
 */
function recipe(sample: Sample, code: string): void {
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "recipe.js",
    `import { mkdirSync, writeFileSync } from "node:fs";
export default class Recipe {
  constructor(buildout, name, options) { this.options = options; }
  ${code}
}
`,
  );
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { default: "./recipe.js" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = recipes\n",
  );
}

/** Runs the executable with `args`, within the CPU limit, and expects success. */
async function runOk(
  sample: Sample,
  args: string[] | string = "-q",
): Promise<RunResult> {
  const result = await sample.run(args, {
    through: ["/bin/sh", "-c", `ulimit -St ${CPU_LIMIT_S} && exec "$0" "$@"`],
    timeoutMs: WALL_LIMIT_MS,
  });
  assert.equal(
    result.signal,
    null,
    `killed by ${result.signal} (SIGXCPU: over ${CPU_LIMIT_S} s of CPU)`,
  );
  assert.equal(result.code, 0, result.output.slice(-2000));
  return result;
}

/**
 * A run that only prepares the one under test by creating many files: not
 * bounded in CPU time, as the kernel's share of creating a file is not ours
 * to bound. Right after other runs have deleted many files, ext4 without a
 * journal (as on the test machine) passes over each inode freed in the last
 * 30 s for every new one: 100,000 empty files took 18 s of system time
 * instead of 2.
 */
async function setUp(sample: Sample): Promise<void> {
  const result = await sample.run("-q", { timeoutMs: WALL_LIMIT_MS });
  assert.equal(result.code, 0, result.output.slice(-2000));
}

Deno.test("an update returning 100,000 installed files again stays linear", async () => {
  using sample = await sampleBuildout();
  recipe(
    sample,
    `install() {
    mkdirSync("out");
    const paths = [];
    for (let i = 0; i < 100000; i++) paths.push("out/f" + i);
    for (const path of paths) writeFileSync(path, "");
    return paths;
  }
  update() {
    const paths = [];
    for (let i = 0; i < 100000; i++) paths.push("out/f" + i);
    return paths.concat(["out/new"]);
  }`,
  );
  await setUp(sample);
  await runOk(sample);
  const files = sample.cat(".installed.cfg").split("\n").filter((line) =>
    line.startsWith("\tout/")
  );
  assert.equal(files.length, 100000, "the first path shares the option line");
  assert.equal(files.at(-1), "\tout/new");
});

Deno.test("registering 200,000 created paths one at a time stays linear", async () => {
  using sample = await sampleBuildout();
  recipe(
    sample,
    `install() {
    mkdirSync("out");
    for (let i = 0; i < 200000; i++) this.options.created("out/f" + i);
    return this.options.created();
  }`,
  );
  await runOk(sample);
  const files = sample.cat(".installed.cfg").split("\n").filter((line) =>
    line.startsWith("\tout/")
  );
  assert.equal(files.length, 199999, "the first path shares the option line");
});

Deno.test("mkdir checks each of 200,000 paths in constant time", async () => {
  using sample = await sampleBuildout();
  // Each `b` was looked for past all the `a`s: two directories suffice.
  const paths = ["a", "b"].flatMap((name) => Array(100000).fill(`d/${name}`));
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = x\n\n[x]\nrecipe = mkdir\n` +
      `paths =\n    ${paths.join("\n    ")}\n`,
  );
  await runOk(sample);
  assert.ok(existsSync(sample.path("d", "b")));
});

Deno.test("a chain of 12,000 sections each extending the next with <= stays linear", async () => {
  using sample = await sampleBuildout();
  const depth = 12000;
  const sections = [];
  for (let i = 0; i < depth; i++) {
    const next = i < depth - 1 ? `<= s${i + 1}\n` : "";
    sections.push(`[s${i}]\n${next}x${i} = ${i}\n`);
  }
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = p\n\n[p]\nrecipe = debug\n<= s0\n\n" +
      sections.join("\n"),
  );
  // Each level copied all the options below it: 44 s.
  const result = await runOk(sample, "-U");
  assert.match(result.stdout, /^ {2}x0='0'$/m);
  assert.match(result.stdout, /^ {2}x11999='11999'$/m);
});

/** The `parts` line of the sample's `.installed.cfg`. */
function recordedParts(sample: Sample): string | undefined {
  return sample.cat(".installed.cfg").split("\n").find((line) =>
    line.startsWith("parts =")
  );
}

/** `count` parts named `p0`, `p1`, ... with the recipe `recipe`. */
function manyParts(count: number, recipe: string, head = ""): string {
  const names = Array.from({ length: count }, (_, i) => `p${i.toString(36)}`);
  return `[buildout]\n${head}parts = ${names.join(" ")}\n\n` +
    names.map((name) => `[${name}]\nrecipe = ${recipe}\n`).join("\n");
}

Deno.test("uninstalling 8,000 parts that each installed a directory stays linear", async () => {
  using sample = await sampleBuildout();
  recipe(
    sample,
    `install() {
    const dir = "out/" + this.options.name;
    mkdirSync(dir, { recursive: true });
    return dir;
  }`,
  );
  sample.write(
    "buildout.cfg",
    manyParts(8000, "recipes", "develop = recipes\n"),
  );
  await setUp(sample);
  assert.equal(sample.ls("out").length, 8000);
  // Each directory was checked against every other part's paths: 20 s.
  await runOk(sample, "-q buildout:parts=");
  assert.deepEqual(sample.ls("out"), []);
  assert.equal(recordedParts(sample), "parts = ");
});

Deno.test("uninstalling 40,000 parts at once stays linear", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", manyParts(40000, "debug"));
  await runOk(sample);
  // Each part's save built the list of the parts left anew: 19 s.
  await runOk(sample, "-q buildout:parts=p0");
  assert.equal(recordedParts(sample), "parts = p0");
});

Deno.test("an option given 300,000 += lines in one section stays linear", async () => {
  using sample = await sampleBuildout();
  const count = 300000;
  const added = Array.from({ length: count }, (_, i) => `x += v${i}\n`);
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts =\n\n[s]\nx = a\n${added.join("")}`,
  );
  // Each repeat stripped the whole value built so far: 32 s.
  const result = await runOk(sample, "annotate --json s");
  const value = JSON.parse(result.stdout).sections.s.x.value as string;
  const lines = value.split("\n");
  assert.equal(lines.length, count + 1);
  assert.deepEqual([lines[0], lines[1], lines.at(-1)], ["a", "v0", "v299999"]);
});

Deno.test("annotate naming 100,000 sections stays linear", async () => {
  using sample = await sampleBuildout();
  const names = Array.from({ length: 100000 }, (_, i) => `s${i}`);
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n\n[left-out]\nx = 1\n\n" +
      names.map((name) => `[${name}]\nx = ${name}\n`).join("\n"),
  );
  // Each section was looked for in the list of names: 13 s.
  const result = await runOk(sample, ["annotate", ...names]);
  const headers = result.stdout.split("\n").filter((l) => l.startsWith("["));
  assert.equal(headers.length, names.length);
  assert.ok(headers.includes("[s99999]"));
  assert.ok(!headers.includes("[left-out]"));
});
