/**
 * End-to-end tests of a run interrupted while a recipe's command runs: by
 * SIGTERM, SIGHUP or SIGINT sent to buildout alone (`docker stop`,
 * systemd, CI time-outs), or by SIGINT to its whole process group
 * (Ctrl-C). The run says it was interrupted and dies of the signal, the
 * processes it started end with it, and the next run finishes. As a
 * container's first process: signals_test.ts.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import {
  BUILDOUT,
  type RunResult,
  type Sample,
  sampleBuildout,
} from "./harness.ts";
import { pack, writePackage } from "./recipe_fixtures.ts";

/**
 * A `command` part whose shell writes buildout's pid to `buildout.pid` and
 * starts a second shell that writes its own to `inner.pid` and then keeps
 * appending to `ticks` (as a `make` writing into `parts/` would); with
 * `ignoring`, that shell ignores the signal given. Neither holds buildout's
 * output: a process left running must not keep the test waiting for it.
 */
function config(ignoring = ""): string {
  const trap = ignoring ? `trap "" ${ignoring}; ` : "";
  return `[buildout]
parts = run

[run]
recipe = command
command = echo $PPID > buildout.pid; exec >/dev/null 2>&1; sh -c '${trap}echo $$ > inner.pid; while true; do echo >> ticks; sleep 0.05; done'
`;
}

/** Whether process `pid` still runs (not gone, not a zombie). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** Fails if process `pid` still runs, after killing it. */
function assertEnded(pid: number): void {
  if (!running(pid)) return;
  process.kill(pid, "SIGKILL");
  assert.fail(`the command's process ${pid} was left running`);
}

/** The number in file `name` of the sample, once written. */
async function pidIn(
  sample: Sample,
  name: string,
  ended: () => RunResult | undefined,
): Promise<number> {
  const path = sample.path(name);
  while (!existsSync(path) || !readFileSync(path, "utf8").endsWith("\n")) {
    const result = ended();
    if (result) assert.fail(`buildout ended before ${name}:\n${result.output}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Number(readFileSync(path, "utf8"));
}

/**
 * Runs buildout in `sample` (with `env` added) until the process that
 * writes `inner.pid` runs, then sends SIGTERM to buildout alone; checks
 * that the run died of it and that process ended with it.
 */
async function terminatedInInner(
  sample: Sample,
  env?: Record<string, string>,
): Promise<void> {
  const run = sample.run("", env ? { env } : {});
  let finished: RunResult | undefined;
  run.then((result) => finished = result);
  const sleeping = await pidIn(sample, "inner.pid", () => finished);
  process.kill(buildoutAbove(sleeping), "SIGTERM");
  const result = await run;
  assertEnded(sleeping);
  assert.equal(result.signal, "SIGTERM", result.output);
}

/** Runs buildout until the inner shell runs; returns the run and pids. */
async function untilInner(sample: Sample, running: Promise<RunResult>) {
  let finished: RunResult | undefined;
  running.then((result) => finished = result);
  const buildout = await pidIn(sample, "buildout.pid", () => finished);
  const inner = await pidIn(sample, "inner.pid", () => finished);
  return { buildout, inner };
}

/** The next run, with a command that ends, installs the part. */
async function assertRerunFinishes(sample: Sample): Promise<void> {
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = run\n\n[run]\nrecipe = command\ncommand = true\n",
  );
  const rerun = await sample.run("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.equal(rerun.stdout, "Installing run.\nrun: Running 'true'\n");
}

for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
  Deno.test(`${signal} to buildout alone ends the processes its command started`, async () => {
    using sample = await sampleBuildout();
    sample.write("buildout.cfg", config());
    const run = sample.run("");
    const { buildout, inner } = await untilInner(sample, run);
    process.kill(buildout, signal);
    const result = await run;
    assertEnded(inner);
    assert.equal(result.signal, signal, result.output);
    assert.equal(result.stderr, `Error: Interrupted by ${signal}\n`);
    assert.ok(!existsSync(sample.path(".installed.cfg")));
    await assertRerunFinishes(sample);
  });
}

Deno.test("a process that ignores SIGTERM is killed when the interrupted run ends", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config("TERM"));
  const run = sample.run("");
  const { buildout, inner } = await untilInner(sample, run);
  process.kill(buildout, "SIGTERM");
  const result = await run;
  assertEnded(inner);
  assert.equal(result.signal, "SIGTERM", result.output);
});

Deno.test("Ctrl-C (SIGINT to the process group) during a command is reported once, as an interruption", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config());
  // In a process group of its own, as a shell starts a job.
  const child = spawn(BUILDOUT, [], {
    cwd: sample.dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => stderr += chunk);
  let finished: RunResult | undefined;
  const run = new Promise<RunResult>((done) =>
    child.on("close", (code, signal) => {
      const result = { stdout: "", stderr, output: stderr, code, signal };
      done(finished = result);
    })
  );
  const inner = await pidIn(sample, "inner.pid", () => finished);
  process.kill(-child.pid!, "SIGINT");
  const result = await run;
  assertEnded(inner);
  assert.equal(result.signal, "SIGINT", result.output);
  assert.equal(sample.normalize(stderr), "Error: Interrupted by SIGINT\n");
  await assertRerunFinishes(sample);
});

Deno.test("a command killed by SIGTERM when buildout was not is a failed command", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = run\n\n[run]\nrecipe = command\ncommand = kill $$\n",
  );
  const result = await sample.run("");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr,
    "While:\n  Installing run.\nError: Killed by signal SIGTERM while " +
      "running command 'kill $$' in /sample-buildout.\n",
  );
});

Deno.test("what an interrupted command made of its location is removed; the next run makes it again", async () => {
  using sample = await sampleBuildout();
  // As `git clone URL parts/src` would: the command fails when its
  // location is there.
  const part = (command: string) =>
    `[buildout]\nparts = src\n\n[src]\nrecipe = command\n` +
    `location = parts/src\ncommand = mkdir parts/src && ${command}\n`;
  sample.write(
    "buildout.cfg",
    part(
      "touch parts/src/half && echo $PPID > buildout.pid && " +
        "exec >/dev/null 2>&1 && sh -c 'echo $$ > inner.pid; sleep 60'",
    ),
  );
  const run = sample.run("");
  const { buildout, inner } = await untilInner(sample, run);
  process.kill(buildout, "SIGTERM");
  const result = await run;
  assertEnded(inner);
  assert.equal(result.signal, "SIGTERM", result.output);
  assert.ok(!existsSync(sample.path("parts", "src")), "parts/src was left");

  sample.write("buildout.cfg", part("touch parts/src/done"));
  const rerun = await sample.run("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.deepEqual(readdirSync(sample.path("parts", "src")), ["done"]);
});

/** The nearest ancestor of process `pid` running the buildout executable. */
function buildoutAbove(pid: number): number {
  const name = basename(BUILDOUT).slice(0, 15);
  for (let current = pid; current > 1;) {
    const stat = readFileSync(`/proc/${current}/stat`, "utf8");
    current = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (readFileSync(`/proc/${current}/comm`, "utf8").trim() === name) {
      return current;
    }
  }
  throw new Error(`no buildout above process ${pid}`);
}

/**
 * A `zc.recipe.cmmi` part shared in `shared`, built from the package
 * `slow` (whose make install runs `install`) or `quick`: its configuration.
 */
function sharedCmmi(
  sample: Sample,
  shared: string,
  install: string,
): (name: "slow" | "quick") => string {
  const sources = sample.tmpdir("sources");
  writePackage(join(sources, "slow"), {
    top: "hello-1.0",
    program: "hello",
    install: [install],
  });
  writePackage(join(sources, "quick"), { top: "hello-1.0", program: "hello" });
  return (name) =>
    `[buildout]\nparts = x\n\n[x]\nrecipe = zc.recipe.cmmi\n` +
    `url = ${
      pack(join(sources, name), ["hello-1.0"], `${sources}/${name}.tar.gz`)
    }\n` +
    `shared = ${shared}\n`;
}

Deno.test("zc.recipe.cmmi: a shared build interrupted in make install is built again, not reused", async () => {
  using sample = await sampleBuildout();
  const tmp = sample.tmpdir("tmp");
  const shared = sample.tmpdir("shared");
  const inner = sample.path("inner.pid");
  const part = sharedCmmi(
    sample,
    shared,
    `echo $$$$ > ${inner}; exec sleep 20 >/dev/null 2>&1`,
  );
  sample.write("buildout.cfg", part("slow"));
  await terminatedInInner(sample, { TMPDIR: tmp });
  assert.deepEqual(readdirSync(shared), [], "the half build was left");
  assert.deepEqual(readdirSync(tmp), [], "the build directory was left");

  sample.write("buildout.cfg", part("quick"));
  const rerun = await sample.run("", { env: { TMPDIR: tmp } });
  assert.equal(rerun.code, 0, rerun.output);
  assert.doesNotMatch(rerun.stdout, /using existing shared build/);
  assert.ok(existsSync(join(shared, "cmmi", "bin", "hello")));
});

Deno.test("zc.recipe.cmmi: a shared build whose run was killed (SIGKILL) in make install is built again, not reused", async () => {
  using sample = await sampleBuildout();
  const shared = sample.tmpdir("shared");
  const part = sharedCmmi(
    sample,
    shared,
    `echo $$$$ > ${sample.path("inner.pid")}; exec sleep 20`,
  );
  sample.write("buildout.cfg", part("slow"));
  const run = sample.run("");
  let finished: RunResult | undefined;
  run.then((result) => finished = result);
  const sleeping = await pidIn(sample, "inner.pid", () => finished);
  // The half build (bin/hello is installed) and the lock stay behind.
  process.kill(buildoutAbove(sleeping), "SIGKILL");
  process.kill(sleeping, "SIGKILL");
  assert.equal((await run).signal, "SIGKILL");
  assert.ok(existsSync(join(shared, "cmmi.lock")));

  sample.write("buildout.cfg", part("quick"));
  const rerun = await sample.run("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.doesNotMatch(rerun.stdout, /using existing shared build/);
  assert.match(rerun.stdout, /^configuring hello /m);
  assert.deepEqual(readdirSync(shared), ["cmmi"]);
});

for (const recipe of ["cmmi", "slapos.recipe.cmmi", "hexagonit.recipe.cmmi"]) {
  Deno.test(`${recipe}: a build interrupted in make install leaves nothing in parts, even once the part is dropped`, async () => {
    using sample = await sampleBuildout();
    const sources = sample.tmpdir("sources");
    writePackage(sources, {
      top: "hello-1.0",
      program: "hello",
      install: [
        `echo $$$$ > ${
          sample.path("inner.pid")
        }; exec sleep 20 >/dev/null 2>&1`,
      ],
    });
    const archive = pack(sources, ["hello-1.0"], `${sources}/hello.tar.gz`);
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\nrecipe = ${recipe}\nurl = ${archive}\n`,
    );
    await terminatedInInner(sample);
    assert.deepEqual(readdirSync(sample.path("parts")), [], "a half build");

    // Nothing recorded the half build: no later run would remove it.
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    const rerun = await sample.run("");
    assert.equal(rerun.code, 0, rerun.output);
    assert.deepEqual(readdirSync(sample.path("parts")), []);
  });
}

Deno.test("collective.recipe.cmd: an interrupted run removes the temporary directory of the script it was running", async () => {
  using sample = await sampleBuildout();
  const tmp = sample.tmpdir("tmp");
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = x\n\n[x]\nrecipe = collective.recipe.cmd\n` +
      `on_install = true\ncmds = echo $$ > ${sample.path("inner.pid")}\n` +
      `  exec sleep 20 >/dev/null 2>&1\n`,
  );
  await terminatedInInner(sample, { TMPDIR: tmp });
  assert.deepEqual(readdirSync(tmp), []);
});
