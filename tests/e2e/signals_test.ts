/**
 * End-to-end tests of signals as a process environment hands them over:
 * a signal ignored when the run starts (SIGHUP under `nohup`, SIGINT of a
 * shell's background job) stays ignored, and a run that is a container's
 * first process (PID 1 of a PID namespace, where the kernel drops a signal
 * left at its default action) still ends when interrupted.
 */
import assert from "node:assert/strict";
import {
  type ChildProcess,
  execFileSync,
  spawn,
  spawnSync,
} from "node:child_process";
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { constants } from "node:os";
import process from "node:process";
import { inPidNamespace, pidNamespaceSkipReason } from "./chroot.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import {
  BUILDOUT,
  ensureBinary,
  type Sample,
  sampleBuildout,
} from "./harness.ts";

/**
 * A part whose command marks that it started, then waits for the file `go`
 * (20 seconds at most, so that nothing outlives a failed test) before
 * marking that it finished.
 */
const WAITING_PART = "[buildout]\nparts = wait\n\n[wait]\nrecipe = command\n" +
  "command = touch started && i=0 && " +
  "while [ ! -e go ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done " +
  "&& touch finished\n";

function env(sample: Sample): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) vars[key] = value;
  }
  return { ...vars, HOME: sample.home, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" };
}

/** Resolves with the exit status and signal once `child` has exited. */
function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done) =>
    child.on("exit", (code, signal) => done({ code, signal }))
  );
}

async function until(what: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((wait) => setTimeout(wait, 10));
  }
}

/** The kernel function process `pid`'s main thread waits in, or "". */
function waitChannel(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, "utf8");
  } catch {
    return ""; // Gone already.
  }
}

/**
 * Resolves once process `pid` waits in a kernel function matching `where`
 * (`wait_for_partner`: opening a FIFO with no writer; `pipe_read`,
 * `pipe_write`: an empty or full pipe). A signal sent before would meet a
 * run still starting, and prove nothing: no fixed pause is long enough
 * on a loaded machine.
 */
async function untilWaitingIn(
  pid: number,
  where: RegExp,
  ended: () => boolean,
): Promise<void> {
  await until(() => ended() || where.test(waitChannel(pid)), 60_000);
  assert.ok(!ended(), `the run ended before it waited in ${where}`);
}

/**
 * Sends `signal` to `child` once it waits in the kernel function `where`
 * and asserts the run dies of it within 5 s (SIGKILLed otherwise, so a
 * failing test cannot hang the suite).
 */
async function assertEndedBy(
  child: ChildProcess,
  where: RegExp,
  signal: NodeJS.Signals,
): Promise<void> {
  const status = exited(child);
  let ended = false;
  status.then(() => ended = true);
  try {
    await untilWaitingIn(child.pid!, where, () => ended);
    process.kill(child.pid!, signal);
    await until(() => ended, 5_000).catch(() => {});
  } finally {
    if (!ended) process.kill(child.pid!, "SIGKILL");
  }
  assert.ok(ended, `the run went on after ${signal}`);
  assert.deepEqual(await status, { code: null, signal });
}

/** `pid` and the processes under it, read from /proc. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      const children = readFileSync(
        `/proc/${tree[i]}/task/${tree[i]}/children`,
        "utf8",
      );
      for (const child of children.split(" ")) {
        if (child.trim()) tree.push(Number(child));
      }
    } catch { /* gone already */ }
  }
  return tree;
}

for (
  const [signal, how] of [
    ["SIGHUP", "under nohup"],
    ["SIGINT", "as a background job"],
  ] as const
) {
  Deno.test(`${signal} ignored ${how} does not stop the run`, async () => {
    ensureBinary();
    using sample = await sampleBuildout();
    sample.write("buildout.cfg", WAITING_PART);
    // As nohup and a non-interactive shell's `&` leave it: ignored, which
    // exec keeps.
    const trap = signal.slice(3);
    const child = spawn(
      "/bin/sh",
      ["-c", `trap '' ${trap} && exec "$0"`, BUILDOUT],
      { cwd: sample.dir, env: env(sample), stdio: "ignore" },
    );
    const status = exited(child);
    try {
      await until(() => existsSync(sample.path("started")));
      // Not child.kill: Deno then reports that signal as the cause of any
      // exit.
      process.kill(child.pid!, signal);
      // Time for the signal to act, before the part may finish.
      await new Promise((wait) => setTimeout(wait, 300));
    } finally {
      writeFileSync(sample.path("go"), "");
    }
    assert.deepEqual(await status, { code: 0, signal: null });
    assert.ok(existsSync(sample.path("finished")));
    assert.match(sample.cat(".installed.cfg"), /^\[wait\]$/m);
  });
}

Deno.test("SIGINT ignored as a background job stays ignored while a FIFO named by -c is read", async () => {
  ensureBinary();
  using sample = await sampleBuildout();
  execFileSync("mkfifo", [sample.path("fifo.cfg")]);
  const child = spawn(
    "/bin/sh",
    ["-c", `trap '' INT && exec "$0" -c fifo.cfg annotate`, BUILDOUT],
    { cwd: sample.dir, env: env(sample), stdio: "ignore" },
  );
  const status = exited(child);
  let ended = false;
  status.then(() => ended = true);
  try {
    await untilWaitingIn(child.pid!, /wait_for_partner/, () => ended);
    process.kill(child.pid!, "SIGINT");
    await new Promise((wait) => setTimeout(wait, 300));
  } finally {
    // Ends the wait, whether the run is still there or not.
    const fd = openSync(sample.path("fifo.cfg"), fsConstants.O_RDWR);
    writeSync(fd, "[buildout]\nparts =\n");
    closeSync(fd);
  }
  await until(() => ended, 60_000).catch(() => {});
  if (!ended) process.kill(child.pid!, "SIGKILL");
  assert.deepEqual(await status, { code: 0, signal: null });
});

/**
 * Runs the waiting part as the first process of a PID namespace
 * (`command` runs `unshare`), sends `signal` to it once the part started,
 * and waits up to `ms` for the run to end: the run's exit status, or
 * undefined when it went on (it is then killed).
 */
async function signalNamespaced(
  sample: Sample,
  command: [string, string[]],
  signal: NodeJS.Signals,
  ms: number,
): Promise<{ code: number | null; signal: string | null } | undefined> {
  sample.write("buildout.cfg", WAITING_PART);
  const unshare = spawn(...command, {
    cwd: sample.dir,
    env: env(sample),
    stdio: "ignore",
  });
  const status = exited(unshare);
  let ended = false;
  status.then(() => ended = true);
  let pid = 0;
  try {
    await until(() => existsSync(sample.path("started")));
    const children = `/proc/${unshare.pid}/task/${unshare.pid}/children`;
    pid = Number(readFileSync(children, "utf8").trim());
    assert.ok(pid > 0, `no child of unshare in ${children}`);
    process.kill(pid, signal);
    await until(() => ended, ms).catch(() => {});
  } finally {
    // A run that went on goes, with all its namespace's processes.
    if (!ended && pid > 0) process.kill(pid, "SIGKILL");
    writeFileSync(sample.path("go"), "");
  }
  return ended ? await status : undefined;
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test({
    name: `as a container's PID 1, ${signal} ends the run` +
      (pidNamespaceSkipReason ? ` (skipped: ${pidNamespaceSkipReason})` : ""),
    ignore: pidNamespaceSkipReason !== null,
    async fn() {
      ensureBinary();
      using sample = await sampleBuildout();
      // `docker stop` signals the container's first process only.
      const status = await signalNamespaced(
        sample,
        inPidNamespace(BUILDOUT),
        signal,
        5_000,
      );
      assert.ok(status, `the run went on after ${signal}`);
      // The status a shell reports for a process killed by the signal.
      assert.deepEqual(status, {
        code: 128 + constants.signals[signal],
        signal: null,
      });
      assert.ok(!existsSync(sample.path("finished")));
      assert.ok(!existsSync(sample.path(".installed.cfg")));
    },
  });
}

Deno.test({
  name: "as PID 1 of a namespace showing the host's /proc, SIGTERM ends " +
    "the run without taking the host's processes for its own" +
    (pidNamespaceSkipReason ? ` (skipped: ${pidNamespaceSkipReason})` : ""),
  ignore: pidNamespaceSkipReason !== null,
  async fn() {
    ensureBinary();
    using sample = await sampleBuildout();
    // No --mount-proc: /proc numbers the host's processes, whose orphans
    // have the parent 1, this run's pid in its namespace. Taking them for
    // its own, the run waited out their 3 s grace and more.
    const [unshare] = inPidNamespace(BUILDOUT);
    const status = await signalNamespaced(
      sample,
      [unshare, ["-p", "-f", BUILDOUT]],
      "SIGTERM",
      2_000,
    );
    assert.ok(status, "the run was still ending 2 s after SIGTERM");
    assert.deepEqual(status, { code: 143, signal: null });
    assert.ok(!existsSync(sample.path("finished")));
  },
});

if (pidNamespaceSkipReason) {
  console.error(
    `signals_test.ts: PID 1 tests ignored: ${pidNamespaceSkipReason}`,
  );
}

// `-c` naming a FIFO (or `/dev/stdin` on a terminal) waits for a writer in
// open(2), or for text in read(2): the run must still end on a signal, as
// `cat` does, rather than wait for a SIGKILL.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  for (
    const [waiting, script, where] of [
      ["a writer", 'exec "$0" -c fifo.cfg annotate', /wait_for_partner/],
      [
        "text",
        'exec 3<>fifo.cfg && exec "$0" -c fifo.cfg annotate',
        /pipe_read/,
      ],
    ] as const
  ) {
    Deno.test(`${signal} ends a run waiting for ${waiting} of a FIFO named by -c`, async () => {
      ensureBinary();
      using sample = await sampleBuildout();
      execFileSync("mkfifo", [sample.path("fifo.cfg")]);
      const child = spawn("/bin/sh", ["-c", script, BUILDOUT], {
        cwd: sample.dir,
        env: env(sample),
        stdio: "ignore",
      });
      await assertEndedBy(child, where, signal);
    });
  }
}

// `update-versions-file` naming a FIFO nobody reads: appending waits in the
// open for a reader, and Ctrl-C must still end the run.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} ends a run waiting for a reader of the FIFO update-versions-file names`, async () => {
    ensureBinary();
    using sample = await sampleBuildout();
    await writeDist(
      sample.path("links", "spam-1.tgz"),
      recipeDist("spam", "1", "recipe v1"),
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = foo\nfind-links = links\n" +
        "update-versions-file = versions.cfg\n[foo]\nrecipe = spam\n",
    );
    execFileSync("mkfifo", [sample.path("versions.cfg")]);
    const child = spawn(BUILDOUT, [], {
      cwd: sample.dir,
      env: env(sample),
      stdio: "ignore",
    });
    await assertEndedBy(child, /wait_for_partner/, signal);
  });
}

// Appending the picked versions gives the signals their default action for a
// moment: the run's own handlers must be back for what follows.
Deno.test("SIGINT after the picked versions are written, during an unload entry point, still ends the run as interrupted", async () => {
  using sample = await sampleBuildout();
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: { unload: { default: "./ext.js:unload" } },
    }),
    // Waits 20 seconds at most, so that nothing outlives a failed test.
    "ext.js": `import { writeFileSync } from "node:fs";
import process from "node:process";
export async function unload() {
  writeFileSync("unloading", process.pid + "\\n");
  await new Promise((wait) => setTimeout(wait, 20000));
}
`,
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = dist\nextensions = ext\nparts =\n" +
      "update-versions-file = versions.cfg\n",
  );
  const run = sample.run("");
  let ended = false;
  run.then(() => ended = true);
  await until(() => ended || existsSync(sample.path("unloading")));
  assert.ok(!ended, "the run ended before its unload entry point");
  await until(() => sample.cat("unloading").endsWith("\n"));
  process.kill(Number(sample.cat("unloading")), "SIGINT");
  const result = await run;
  assert.equal(result.signal, "SIGINT", result.output);
  assert.equal(result.stderr, "Error: Interrupted by SIGINT\n");
  assert.equal(sample.cat("versions.cfg"), "[versions]\next = 1.0\n");
});

// `buildout | less` left on a page, or a log collector that stopped reading:
// the write to the full pipe waits in write(2), and the run must still end
// on a signal, as `cat` does, rather than wait for a SIGKILL.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test(`${signal} ends a run whose output pipe nobody reads`, async () => {
    ensureBinary();
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts =\n" +
        Array.from({ length: 3000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join(""),
    );
    execFileSync("mkfifo", [sample.path("out")]);
    // Both ends open here and never read: the pipe fills and stays full.
    const pipe = openSync(sample.path("out"), fsConstants.O_RDWR);
    const child = spawn(BUILDOUT, ["annotate"], {
      cwd: sample.dir,
      env: env(sample),
      stdio: ["ignore", pipe, "ignore"],
    });
    try {
      await assertEndedBy(child, /pipe_write/, signal);
    } finally {
      closeSync(pipe);
    }
  });
}

// `docker stop` with the log driver behind: SIGTERM reaches buildout alone
// while its command waits on the full pipe that stdout and stderr share.
// The run's last words must not wait for that reader either: the command
// is ended and the run ends.
Deno.test("SIGTERM ends a run whose command waits on a full output pipe", async () => {
  ensureBinary();
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = fill\n[fill]\nrecipe = command\n" +
      "command = touch started && head -c 200000 /dev/zero && touch finished\n",
  );
  execFileSync("mkfifo", [sample.path("out")]);
  const pipe = openSync(sample.path("out"), fsConstants.O_RDWR);
  const child = spawn(BUILDOUT, [], {
    cwd: sample.dir,
    env: env(sample),
    stdio: ["ignore", pipe, pipe],
  });
  const status = exited(child);
  let ended = false;
  status.then(() => ended = true);
  try {
    // The command has filled the pipe: the run's last words cannot fit.
    await until(() =>
      ended ||
      processTree(child.pid!).slice(1).some((pid) =>
        /pipe_write/.test(waitChannel(pid))
      ), 60_000);
    assert.ok(!ended, "the run ended before its command filled the pipe");
    process.kill(child.pid!, "SIGTERM");
    await until(() => ended, 8_000).catch(() => {});
  } finally {
    if (!ended) process.kill(child.pid!, "SIGKILL");
    closeSync(pipe);
  }
  assert.ok(ended, "the run went on after SIGTERM");
  assert.deepEqual(await status, { code: null, signal: "SIGTERM" });
  assert.ok(!existsSync(sample.path("finished")));
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

/** Why `env` cannot start a program with a signal ignored, or null. */
const ignoreSignalSkip = spawnSync("env", ["--ignore-signal=CHLD", "true"])
    .status === 0
  ? null
  : "needs env --ignore-signal (GNU coreutils 8.31)";

Deno.test({
  name: "SIGCHLD ignored by what starts the run (a supervisor) leaves each " +
    "command's exit status to the run" +
    (ignoreSignalSkip ? ` (skipped: ${ignoreSignalSkip})` : ""),
  ignore: ignoreSignalSkip !== null,
}, async () => {
  using sample = await sampleBuildout();
  // Ignored, which exec keeps: the kernel reaps such a process's children.
  const ignoringChld = { through: ["env", "--ignore-signal=CHLD"] };
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = ok\n[ok]\nrecipe = command\n" +
      "command = echo made > made\n",
  );
  const ok = await sample.run("", ignoringChld);
  assert.equal(ok.stderr, "");
  assert.equal(ok.code, 0);
  assert.equal(sample.cat("made"), "made\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = ok failing\n[ok]\nrecipe = command\n" +
      "command = echo made > made\n" +
      "[failing]\nrecipe = command\ncommand = exit 3\n",
  );
  const failing = await sample.run("", ignoringChld);
  assert.equal(
    failing.stderr,
    "While:\n  Installing failing.\nError: Non zero exit code (3) while " +
      "running command 'exit 3' in /sample-buildout.\n",
  );
  assert.equal(failing.code, 1);
});

Deno.test({
  name: "SIGHUP ignored under nohup is ignored by the build commands too, " +
    "as zc.buildout's inherit it" +
    (ignoreSignalSkip ? ` (skipped: ${ignoreSignalSkip})` : ""),
  ignore: ignoreSignalSkip !== null,
}, async () => {
  using sample = await sampleBuildout();
  const nohup = { through: ["env", "--ignore-signal=HUP"] };
  // A hang-up reaching a command's own process: as when the terminal a
  // `nohup buildout` was started from closes.
  const hangUp = "sh -c 'kill -HUP $$; echo survived > $0' ";
  sample.mkdir("src");
  writeFileSync(
    sample.path("src", "configure"),
    `#!/bin/sh\n${hangUp}configured\n` +
      "printf 'all:\\ninstall:\\n' > Makefile\n",
    { mode: 0o755 },
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = command build\n" +
      `[command]\nrecipe = command\ncommand = ${hangUp}commanded\n` +
      "[build]\nrecipe = cmmi\npath = src\n",
  );
  const result = await sample.run("", nohup);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(sample.cat("commanded"), "survived\n");
  assert.equal(sample.cat("src", "configured"), "survived\n");
});

Deno.test({
  name: "under nohup, the shell's errors number a build command's lines " +
    "as written" +
    (ignoreSignalSkip ? ` (skipped: ${ignoreSignalSkip})` : ""),
  ignore: ignoreSignalSkip !== null,
}, async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = command\n" +
      "[command]\nrecipe = command\ncommand = no-such-program-here\n",
  );
  const result = await sample.run("", {
    through: ["env", "--ignore-signal=HUP"],
  });
  assert.equal(result.code, 1);
  // dash says 'sh: 1: NAME: not found', bash 'sh: line 1: NAME: ...'.
  assert.match(result.stderr, /\b1: no-such-program-here: /);
});
