/**
 * End-to-end tests of durability: `.installed.cfg` is brought up to date
 * after every part (a new or removed part is appended, zc.buildout style),
 * so a run killed (SIGKILL, or SIGINT as from Ctrl-C) while a part installs
 * leaves a database holding the parts that finished, and the next run
 * installs only what is missing and leaves the file in the plain format.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { hostname } from "node:os";
import process from "node:process";
import {
  BUILDOUT,
  exec,
  type RunResult,
  type Sample,
  sampleBuildout,
  untilWhileRunning,
} from "./harness.ts";
import { giveToNobody, NOBODY } from "./as_nobody.ts";
import { mountSkipReason } from "./chroot.ts";
import { killedAt, straceNote, straceSkip } from "./strace.ts";
import { hostTag } from "../../lib/fetch/hidden_temp.ts";

// With the option `hold`, a recipe's install writes the process id to
// `<part>.pid` and then waits while the file named by `hold` exists: the
// test kills the run there.
const HOLD = `    const hold = this.options.get("hold");
    if (hold) {
      writeFileSync(this.name + ".pid", String(process.pid));
      while (existsSync(hold)) await new Promise((r) => setTimeout(r, 10));
    }
`;

// A part creating one directory; it holds (see HOLD).
const DIR_RECIPE = `
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

export default class Dir {
  constructor(buildout, name, options) {
    this.name = name;
    this.options = options;
  }
  async install() {
    const path = this.options.require("path");
    mkdirSync(path, { recursive: true });
${HOLD}    return path;
  }
  update() {}
}
`;

// Like `dir`, but as the download recipe does: an existing path is an
// error, and the path is registered with created() before it is made.
const MADE_RECIPE = `
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

export default class Made {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.name = name;
    this.options = options;
  }
  async install() {
    const path = this.options.require("path");
    if (existsSync(path)) {
      throw new this.buildout.UserError("Target " + path + " already exists.");
    }
    this.options.created(path);
    mkdirSync(path);
    writeFileSync(path + "/data", "made\\n");
${HOLD}    return path;
  }
  update() {}
}
`;

function setUp(sample: Sample): void {
  sample.mkdir("recipes");
  sample.write("recipes", "dir.ts", DIR_RECIPE);
  sample.write("recipes", "made.ts", MADE_RECIPE);
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { dir: "./dir.ts", made: "./made.ts" } },
    }),
  );
}

/** `one` (a dir part), then `slow`, a made part holding on `hold`. */
const MADE_CONFIG = `[buildout]
develop = recipes
parts = one slow

[one]
recipe = recipes:dir
path = one

[slow]
recipe = recipes:made
path = slow
hold = hold
`;

/** A buildout of `parts`, each a `dir` part; `slow` waits on `hold`. */
function config(...parts: string[]): string {
  const sections = parts.map((part) =>
    `[${part}]\nrecipe = recipes:dir\npath = ${part}\n` +
    (part === "slow" ? "hold = hold\n" : "")
  );
  return `[buildout]\ndevelop = recipes\nparts = ${parts.join(" ")}\n\n` +
    sections.join("\n");
}

/** The database record of a finished `dir` part. */
function record(part: string): string {
  return `[${part}]
__buildout_installed__ = ${part}
__buildout_signature__ = recipes-SIG
${part === "slow" ? "hold = hold\n" : ""}path = ${part}
recipe = recipes:dir
`;
}

/** The expected `.installed.cfg` holding `parts`. */
function database(...parts: string[]): string {
  return [
    `[buildout]
installed_develop_eggs = /sample-buildout/develop-eggs/recipes.egg-link
parts = ${parts.join(" ")}
`,
    ...parts.map(record),
  ].join("\n");
}

/** What appending records `parts` as installed, after new `sections`. */
function appended(parts: string[], ...sections: string[]): string {
  return sections.map((part) => "\n" + record(part)).join("") +
    `\n[buildout]\nparts = ${parts.join(" ")}\n`;
}

/** `.installed.cfg`, normalised, signatures replaced by `SIG`. */
function installed(sample: Sample): string {
  return sample.normalize(sample.cat(".installed.cfg")).replace(
    /recipes-[A-Za-z0-9+/]{22}==/g,
    "recipes-SIG",
  );
}

/**
 * Starts buildout (holding `hold`), by `run` if given, and waits until the
 * `slow` part is installing; returns the run and the pid of the process
 * installing it.
 */
async function untilSlow(
  sample: Sample,
  run: () => Promise<RunResult> = () => sample.system(""),
): Promise<{ running: Promise<RunResult>; pid: number }> {
  sample.write("hold", "");
  let finished: RunResult | undefined;
  const running = run().then((result) => finished = result);
  const pidFile = sample.path("slow.pid");
  while (!existsSync(pidFile) || !readFileSync(pidFile, "utf8")) {
    if (finished) {
      assert.fail(`buildout ended before the slow part:\n${finished.output}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { running, pid: Number(readFileSync(pidFile, "utf8")) };
}

/**
 * Runs buildout, waits until the `slow` part is installing, sends `signal`
 * to the process and returns what it printed.
 */
async function killWhileSlow(
  sample: Sample,
  signal: NodeJS.Signals,
): Promise<RunResult> {
  const { running, pid } = await untilSlow(sample);
  process.kill(pid, signal);
  const result = await running;
  sample.remove("hold");
  sample.remove("slow.pid");
  return {
    ...result,
    stdout: sample.normalize(result.stdout),
    stderr: sample.normalize(result.stderr),
  };
}

/** What a run says when the process `pid` is installing the buildout. */
function anotherRun(pid: number): string {
  return "While:\n  Installing.\nError: Another buildout run (process " +
    `${pid}) is installing with /sample-buildout/.installed.cfg\n`;
}

/** Runs buildout to completion; returns its normalised stdout. */
async function runOk(sample: Sample): Promise<string> {
  const result = await sample.system("");
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.code, 0);
  return sample.normalize(result.stdout);
}

/** The lock and the lock's drafts in the buildout directory. */
function lockFiles(sample: Sample): string[] {
  return readdirSync(sample.dir)
    .filter((name) => name.startsWith(".installed.cfg.lock")).sort();
}

function tempFiles(sample: Sample): string[] {
  return sample.ls().filter((entry) => entry.endsWith(".tmp"));
}

for (const signal of ["SIGKILL", "SIGINT"] as const) {
  Deno.test(`a run ended by ${signal} keeps the finished parts; the rerun installs the rest`, async () => {
    using sample = await sampleBuildout();
    setUp(sample);
    sample.write("buildout.cfg", config("one", "two", "slow", "three"));

    const killed = await killWhileSlow(sample, signal);
    assert.equal(killed.signal, signal, killed.output);
    assert.equal(
      killed.stdout,
      `Develop: '/sample-buildout/recipes'
Installing one.
Installing two.
Installing slow.
`,
    );
    assert.equal(
      installed(sample),
      database("one") + appended(["one", "two"], "two"),
    );
    assert.deepEqual(tempFiles(sample), []);

    assert.equal(
      await runOk(sample),
      `Develop: '/sample-buildout/recipes'
Updating one.
Updating two.
Installing slow.
Installing three.
`,
    );
    assert.equal(installed(sample), database("one", "two", "slow", "three"));
  });
}

Deno.test("a run killed after uninstalling a part does not uninstall it again", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  assert.equal(installed(sample), database("one", "two"));

  sample.write("buildout.cfg", config("one", "slow"));
  const killed = await killWhileSlow(sample, "SIGKILL");
  assert.equal(
    killed.stdout,
    `Develop: '/sample-buildout/recipes'
Uninstalling two.
Updating one.
Installing slow.
`,
  );
  assert.equal(
    installed(sample),
    database("one", "two") + appended(["one"]),
  );
  assert.ok(!existsSync(sample.path("two")), "two's files are removed");

  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Updating one.
Installing slow.
`,
  );
  assert.equal(installed(sample), database("one", "slow"));
});

Deno.test("a second run of a buildout that is installing is refused and changes nothing", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "slow", "two"));
  const { running, pid } = await untilSlow(sample);
  const before = sample.cat(".installed.cfg");
  // The lock's draft is gone once it is linked into place.
  assert.deepEqual(
    lockFiles(sample),
    [".installed.cfg.lock"],
  );

  const second = await sample.system("");
  assert.equal(second.code, 1, second.output);
  assert.equal(
    sample.normalize(second.stderr),
    anotherRun(pid),
  );
  assert.equal(sample.cat(".installed.cfg"), before);

  sample.remove("hold");
  const first = await running;
  assert.equal(first.code, 0, first.output);
  assert.equal(installed(sample), database("one", "slow", "two"));
  assert.ok(!existsSync(sample.path(".installed.cfg.lock")));
});

Deno.test("a second run of a buildout that is installing does not run its extensions", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write(
    "recipes",
    "ext.ts",
    `import { appendFileSync } from "node:fs";
export default function ext() { appendFileSync("extension.log", "ran\\n"); }
`,
  );
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: {
        recipes: { dir: "./dir.ts" },
        extensions: { default: "./ext.ts" },
      },
    }),
  );
  // Extensions load before develop packages are linked.
  sample.write("buildout.cfg", config("one"));
  await runOk(sample);
  sample.write(
    "buildout.cfg",
    config("one", "slow").replace(
      "[buildout]\n",
      "[buildout]\nextensions = recipes\n",
    ),
  );
  const { running } = await untilSlow(sample);
  assert.equal(sample.cat("extension.log"), "ran\n");

  const second = await sample.system("");
  assert.equal(second.code, 1, second.output);
  assert.match(second.stderr, /Error: Another buildout run \(process \d+\)/);
  assert.equal(sample.cat("extension.log"), "ran\n");

  sample.remove("hold");
  assert.equal((await running).code, 0);
});

Deno.test("the lock of a run that is gone is taken over", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  // A killed run's pid, and a live pid started at another time (a pid
  // reused after a container restart).
  const dead = spawnSync("true").pid;
  // And damaged ones: what names no process cannot hold the lock.
  for (
    const owner of [
      `${dead} ${hostname()} 1`,
      `${process.pid} ${hostname()} 1`,
      `abc ${hostname()} -`,
      `4294967296 ${hostname()} -`,
      `0 ${hostname()} -`,
    ]
  ) {
    sample.write(".installed.cfg.lock", owner + "\n");
    await runOk(sample);
    assert.ok(!existsSync(sample.path(".installed.cfg.lock")), owner);
  }
});

Deno.test("the lock of a killed run its parent has not reaped yet (a zombie) is taken over", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "slow"));
  sample.write("hold", "");
  // The shell becomes `sleep`, which never waits for its child: buildout,
  // once killed, stays a zombie until the sleep ends, as under a deploy
  // tool that kills a run and starts the next one before reaping.
  const parent = spawn(
    "sh",
    ["-c", `"${BUILDOUT}" >/dev/null 2>&1 & exec sleep 60`],
    {
      cwd: sample.dir,
      env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
      stdio: "ignore",
    },
  );
  const parentExited = new Promise((done) => parent.on("close", done));
  try {
    const pidFile = sample.path("slow.pid");
    await untilWhileRunning(
      parentExited,
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "",
      "the slow part",
    );
    const pid = Number(readFileSync(pidFile, "utf8"));
    process.kill(pid, "SIGKILL");
    const state = () => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    };
    while (state() !== "Z") await new Promise((r) => setTimeout(r, 10));
    sample.remove("hold");
    sample.remove("slow.pid");

    assert.equal(
      await runOk(sample),
      `Develop: '/sample-buildout/recipes'
Updating one.
Installing slow.
`,
    );
    assert.ok(!existsSync(sample.path(".installed.cfg.lock")));
  } finally {
    parent.kill("SIGKILL");
  }
});

/** The draft name of the lock by process `pid` of this host and namespace. */
function lockDraft(pid: number | string): string {
  const namespace = readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
  return `.installed.cfg.lock.${hostname()}.${namespace}.${pid}`;
}

Deno.test("the lock's draft a killed run left is removed by the next run; others' are kept", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  // Killed between writing its lock under this name and linking it.
  const dead = lockDraft(999999999);
  // Process 1 lives; a host of another name may share the directory.
  const live = lockDraft(1);
  const elsewhere = ".installed.cfg.lock.elsewhere.example.1.999999999";
  // Named like a draft, but no run's: no pid ends it.
  const copy = lockDraft("999999999.bak");
  for (const name of [dead, live, elsewhere, copy]) sample.write(name, "");
  await runOk(sample);
  assert.ok(!existsSync(sample.path(dead)));
  assert.ok(existsSync(sample.path(live)));
  assert.ok(existsSync(sample.path(elsewhere)));
  assert.ok(existsSync(sample.path(copy)));
  assert.ok(!existsSync(sample.path(".installed.cfg.lock")));
  assert.ok(!existsSync(sample.path(lockDraft(process.pid))));
});

// Runs a command with link(2) and linkat(2) failing with EPERM, as on a
// file system without hard links (FAT, some network file systems): a
// seccomp filter, which the command inherits. Exit 77 when it cannot be
// installed here (not x86-64, seccomp unavailable).
const WITHOUT_LINKS = `
import ctypes, os, platform, struct, sys
if platform.machine() != "x86_64": sys.exit(77)
def op(code, jt, jf, k): return struct.pack("HBBI", code, jt, jf, k)
ALLOW, EPERM = 0x7FFF0000, 0x00050000 | 1
prog = b"".join([
    op(0x20, 0, 0, 4), op(0x15, 1, 0, 0xC000003E), op(0x06, 0, 0, ALLOW),
    op(0x20, 0, 0, 0), op(0x15, 2, 0, 86), op(0x15, 1, 0, 265),
    op(0x06, 0, 0, ALLOW), op(0x06, 0, 0, EPERM),
])
buf = ctypes.create_string_buffer(prog)
fprog = struct.pack("HxxxxxxQ", len(prog) // 8, ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0):
    sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])
`;

const noLinksSkip = (() => {
  const probe = spawnSync(
    "python3",
    ["-c", WITHOUT_LINKS, "/bin/sh", "-c", "exit 0"],
  );
  if (probe.error) return "python3 is not installed";
  return probe.status === 0 ? null : "no seccomp filter here";
})();

Deno.test({
  name: "where hard links fail, the lock is created in place and still " +
    `keeps a second run out${noLinksSkip ? ` (skipped: ${noLinksSkip})` : ""}`,
  ignore: noLinksSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    setUp(sample);
    sample.write("buildout.cfg", config("one", "slow"));
    const run = () =>
      sample.system("", { through: ["python3", "-c", WITHOUT_LINKS] });
    sample.write("probe", "");
    const linked = await exec("python3", [
      "-c",
      WITHOUT_LINKS,
      "/bin/ln",
      sample.path("probe"),
      sample.path("probe-link"),
    ]);
    assert.match(linked.stderr, /Operation not permitted/);

    const { running, pid } = await untilSlow(sample, run);
    assert.match(sample.cat(".installed.cfg.lock"), new RegExp(`^${pid} `));
    assert.deepEqual(lockFiles(sample), [".installed.cfg.lock"]);
    const second = await run();
    assert.equal(second.code, 1, second.output);
    assert.equal(
      sample.normalize(second.stderr),
      anotherRun(pid),
    );

    sample.remove("hold");
    const first = await running;
    assert.equal(first.code, 0, first.output);
    assert.equal(installed(sample), database("one", "slow"));
    assert.ok(!existsSync(sample.path(".installed.cfg.lock")));
  },
});

const notRoot = process.getuid?.() !== 0;

Deno.test({
  name: "a run that may not write the buildout directory is refused while " +
    "another run holds the lock" +
    (notRoot ? " (skipped: needs root to run as another user)" : ""),
  ignore: notRoot,
  fn: async () => {
    using sample = await sampleBuildout();
    setUp(sample);
    sample.write("buildout.cfg", config("one", "slow"));
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    const { running, pid } = await untilSlow(sample);
    const before = sample.cat(".installed.cfg");
    // The service user of a hardened deployment: the directory is root's.
    const second = await sample.system("", {
      through: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    });
    assert.equal(second.code, 1, second.output);
    assert.equal(sample.normalize(second.stderr), anotherRun(pid));
    assert.equal(sample.cat(".installed.cfg"), before);

    sample.remove("hold");
    assert.equal((await running).code, 0);
  },
});

Deno.test({
  name: "a run that may not write the buildout directory goes on past a " +
    "killed run's lock it cannot remove" +
    (notRoot ? " (skipped: needs root to run as another user)" : ""),
  ignore: notRoot,
  fn: async () => {
    using sample = await sampleBuildout();
    setUp(sample);
    sample.write("buildout.cfg", config("one"));
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    await runOk(sample);
    const dead = `${spawnSync("true").pid} ${hostname()} 1\n`;
    sample.write(".installed.cfg.lock", dead);
    // The service user of a hardened deployment: the directory is root's.
    const result = await sample.system("", {
      through: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    });
    assert.equal(result.code, 0, result.output);
    assert.equal(
      sample.normalize(result.stdout),
      "Develop: '/sample-buildout/recipes'\nUpdating one.\n",
    );
    assert.equal(sample.cat(".installed.cfg.lock"), dead);
  },
});

Deno.test({
  name: "a run that /proc hides the lock's live owner from (hidepid=2) is " +
    "refused" + (mountSkipReason ? ` (skipped: ${mountSkipReason})` : ""),
  ignore: mountSkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    setUp(sample);
    sample.write("buildout.cfg", config("one", "slow"));
    giveToNobody(sample);
    const { running, pid } = await untilSlow(sample);
    const before = sample.cat(".installed.cfg");
    // Root's run, seen by the service user of a hardened host.
    const second = await sample.system("", {
      through: [
        "unshare",
        "-m",
        "sh",
        "-c",
        'mount -t proc -o hidepid=2 proc /proc && exec "$@"',
        "sh",
        "setpriv",
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        "--clear-groups",
      ],
    });
    assert.equal(second.code, 1, second.output);
    assert.equal(sample.normalize(second.stderr), anotherRun(pid));
    assert.equal(sample.cat(".installed.cfg"), before);

    sample.remove("hold");
    assert.equal((await running).code, 0);
  },
});

Deno.test("the lock of a run on another host is reported, not taken, and says nothing of PID namespaces, whichever it names", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  for (
    const lock of [
      "123 elsewhere.example 456\n",
      "123 elsewhere.example 456 pid:[1]\n",
    ]
  ) {
    sample.write(".installed.cfg.lock", lock);
    const result = await sample.system("");
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing.\nError: A buildout run on elsewhere.example " +
        "(process 123) is installing with /sample-buildout/.installed.cfg; " +
        "remove /sample-buildout/.installed.cfg.lock if it has ended\n",
    );
    assert.ok(!existsSync(sample.path(".installed.cfg")));
    assert.equal(sample.cat(".installed.cfg.lock"), lock);
  }
});

Deno.test("a damaged lock naming no host is reported, not taken", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  for (const [owner, shown] of [["123", "123"], ["12\x1b3", "12\\x1b3"]]) {
    sample.write(".installed.cfg.lock", owner + "\n");
    const result = await sample.run("");
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      "While:\n  Installing.\nError: A buildout run on an unknown host " +
        `(process ${shown}) is installing with /sample-buildout/.installed.cfg; ` +
        "remove /sample-buildout/.installed.cfg.lock if it has ended\n",
    );
  }
});

Deno.test("an empty lock, as one created in place before its pid is written, holds for a minute either side of now", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  const lock = sample.path(".installed.cfg.lock");
  sample.write(".installed.cfg.lock", "");
  const held = await sample.system("");
  assert.equal(held.code, 1, held.output);
  assert.equal(
    sample.normalize(held.stderr),
    "While:\n  Installing.\nError: Another buildout run is installing " +
      "with /sample-buildout/.installed.cfg\n",
  );
  assert.equal(sample.cat(".installed.cfg.lock"), "");
  // Left by a killed run two minutes ago, or, after the clock was set
  // back, two minutes ahead.
  for (const minutes of [-2, 2]) {
    sample.write(".installed.cfg.lock", "");
    const when = new Date(Date.now() + minutes * 60_000);
    utimesSync(lock, when, when);
    await runOk(sample);
    assert.ok(!existsSync(lock), `${minutes} minutes`);
  }
});

Deno.test("a lock naming a live process of this host is not taken, though it names no start time", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  // Written where there was no /proc to read the start time from.
  const live = spawn("sleep", ["60"], { stdio: "ignore" });
  try {
    const owner = `${live.pid} ${hostname()} -\n`;
    sample.write(".installed.cfg.lock", owner);
    const result = await sample.system("");
    assert.equal(result.code, 1, result.output);
    assert.equal(sample.normalize(result.stderr), anotherRun(live.pid!));
    assert.equal(sample.cat(".installed.cfg.lock"), owner);
  } finally {
    live.kill("SIGKILL");
  }
});

Deno.test("a lock or a draft of it left under the pid this run has now is a dead run's, and taken over", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  // The shell writes under its own pid, then becomes buildout, as a pid
  // is reused after a container restart. The lock names no start time.
  for (
    const left of [
      `printf '%s ${hostname()}\\n' $$ > .installed.cfg.lock`,
      `: > '${lockDraft("")}'$$`,
    ]
  ) {
    const result = await sample.system("", {
      through: ["sh", "-c", `${left} && exec "$@"`, "sh"],
    });
    assert.equal(result.code, 0, `${left}\n${result.output}`);
    assert.deepEqual(lockFiles(sample), [], left);
  }
});

Deno.test("a FIFO in the lock's place is an error naming it, and is kept", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  execFileSync("mkfifo", [sample.path(".installed.cfg.lock")]);
  const result = await sample.system("");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    sample.normalize(result.stderr),
    "While:\n  Installing.\nError: Couldn't lock " +
      "/sample-buildout/.installed.cfg.lock: it is a FIFO, not a file\n",
  );
  assert.ok(lstatSync(sample.path(".installed.cfg.lock")).isFIFO());
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("a no-op run leaves .installed.cfg untouched", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  const before = statSync(sample.path(".installed.cfg"));
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating one.\nUpdating two.\n",
  );
  const after = statSync(sample.path(".installed.cfg"));
  assert.equal(after.ino, before.ino, "the file was not replaced");
  assert.deepEqual(after.mtime, before.mtime);
});

Deno.test("a run whose uninstall fails leaves .installed.cfg in the plain format, without the parts it uninstalled", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  // The uninstall recipe of dir parts fails for part two.
  sample.write(
    "recipes",
    "refuse.ts",
    `export default function (name) {
  if (name === "two") throw new Error("cannot uninstall " + name);
}
`,
  );
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: {
        recipes: { dir: "./dir.ts" },
        uninstall: { dir: "./refuse.ts" },
      },
    }),
  );
  sample.write("buildout.cfg", config("one", "two", "three"));
  await runOk(sample);

  sample.write("buildout.cfg", config());
  const result = await sample.system("");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    sample.normalize(result.stdout),
    `Develop: '/sample-buildout/recipes'
Uninstalling three.
Running uninstall recipe.
Uninstalling two.
Running uninstall recipe.
`,
  );
  assert.equal(installed(sample), database("one", "two"));
});

Deno.test("an append cut short by a crash is ignored", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  // As if the run installing "three" died within its append, in the middle
  // of the parts list: "two" must not be lost.
  const complete = sample.cat(".installed.cfg");
  const torn = "\n[three]\n__buildout_installed__ = three\n" +
    "recipe = recipes:dir\n\n[buildout]\nparts = one";
  sample.write(".installed.cfg", complete + torn);
  sample.write("buildout.cfg", config("one", "two", "three"));
  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Updating one.
Updating two.
Installing three.
`,
  );
  assert.equal(installed(sample), database("one", "two", "three"));
});

Deno.test("a last line an editor saved without a newline is read, as zc.buildout reads it", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  // Edited by hand (to drop a part, say) in an editor that adds no final
  // newline: the last line of "two" is whole.
  sample.write(".installed.cfg", sample.cat(".installed.cfg").trimEnd());
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating one.\nUpdating two.\n",
  );
  sample.write("buildout.cfg", config("one", "two", "three"));
  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Updating one.
Updating two.
Installing three.
`,
  );
  assert.equal(installed(sample), database("one", "two", "three"));
});

Deno.test("Ctrl-C while an archive unpacks leaves nothing in the parts directory", async () => {
  using sample = await sampleBuildout();
  // 200 MB of zeros: unpacking takes long enough to be interrupted.
  execFileSync("sh", [
    "-c",
    "mkdir big && truncate -s 200M big/zeros && tar cf - big | gzip -1 > big.tar.gz",
  ], { cwd: sample.testDir });
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = big\n\n[big]\nrecipe = download\n` +
      `url = ${sample.testDir}/big.tar.gz\n`,
  );
  const child = spawn(BUILDOUT, [], {
    cwd: sample.dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  const parts = sample.path("parts");
  await untilWhileRunning(
    exited,
    () => readdirSync(parts).some((name) => name.startsWith(".buildout-")),
    "unpacking",
  );
  child.kill("SIGINT");
  await exited;
  assert.equal(child.signalCode, "SIGINT");
  assert.deepEqual(readdirSync(parts), []);
});

Deno.test("what a run killed while an archive unpacked left is removed by the next run", async () => {
  using sample = await sampleBuildout();
  execFileSync("sh", [
    "-c",
    "mkdir big small && truncate -s 200M big/zeros && echo hi > small/hi && " +
    "tar cf - big | gzip -1 > big.tar.gz && tar czf small.tar.gz small",
  ], { cwd: sample.testDir });
  const part = (name: string) =>
    `[buildout]\nparts = ${name}\n\n[${name}]\nrecipe = download\n` +
    `url = ${sample.testDir}/${name}.tar.gz\n`;
  sample.write("buildout.cfg", part("big"));
  const child = spawn(BUILDOUT, [], {
    cwd: sample.dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  const parts = sample.path("parts");
  await untilWhileRunning(
    exited,
    () => readdirSync(parts).some((name) => name.startsWith(".")),
    "unpacking",
  );
  child.kill("SIGKILL");
  await exited;
  assert.equal(readdirSync(parts).length, 1);

  sample.write("buildout.cfg", part("small"));
  await runOk(sample);
  assert.deepEqual(readdirSync(parts), ["small"]);
});

const mountSkip = mountSkipReason;

/**
 * Runs the shell `script` in a private mount namespace (root only), with
 * the sample's directory as `$1` and the executable as `$2`.
 */
function inMountNamespace(sample: Sample, script: string): Promise<RunResult> {
  return exec(
    "unshare",
    ["-m", "sh", "-c", script, "sh", sample.dir, BUILDOUT],
    { env: { HOME: sample.home } },
  );
}

/** Mounts a 64 KB file system on the sample's directory and enters it. */
const ON_SMALL_DISK = 'mount -t tmpfs -o size=64k tmpfs "$1" && cd "$1" && ';

/** Runs the buildout with its directory mounted read-only (root only). */
function runReadOnly(sample: Sample): Promise<RunResult> {
  return inMountNamespace(
    sample,
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$1" && ' +
      'exec "$2"',
  );
}

Deno.test({
  name: "a full disk when .installed.cfg is written is a user error that " +
    `leaves no temporary file${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    // The buildout directory on a small file system, filled up once the
    // configuration is written: directories can still be made, files not.
    const script = ON_SMALL_DISK +
      'printf "[buildout]\\nparts = a\\n[a]\\nrecipe = mkdir\\npaths = var\\n" ' +
      "> buildout.cfg && (dd if=/dev/zero of=fill bs=4k 2>/dev/null; " +
      '"$2"; echo "exit $?"; ls -A)';
    const result = await inMountNamespace(sample, script);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing a.\n" +
        "Error: Couldn't write '/sample-buildout/.installed.cfg': " +
        "no space left on device\n",
    );
    assert.match(
      result.stdout,
      /exit 1\nbin\nbuildout.cfg\ndevelop-eggs\neggs\nfill\nparts\nvar\n$/,
    );
  },
});

Deno.test({
  name: "a part whose record a full disk cuts short is named in While:, " +
    "and .installed.cfg keeps the records before it" +
    (mountSkip ? ` (skipped: ${mountSkip})` : ""),
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    // The second run appends part b's record, longer than what is left of
    // the file's last page, to a file system filled meanwhile.
    const script = ON_SMALL_DISK +
      'printf "[buildout]\\nparts = a\\n[a]\\nrecipe = mkdir\\n' +
      'paths = var\\n" > buildout.cfg && "$2" >/dev/null && ' +
      'printf "[buildout]\\nparts = a b\\n[a]\\nrecipe = mkdir\\n' +
      "paths = var\\n[b]\\nrecipe = mkdir\\npaths = var2\\n" +
      `long = ${"x".repeat(6000)}\\n" > buildout.cfg && ` +
      '(dd if=/dev/zero of=fill bs=4k 2>/dev/null; "$2" >/dev/null; ' +
      'echo "exit $?"; cat .installed.cfg)';
    const result = await inMountNamespace(sample, script);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing b.\n" +
        "Error: Couldn't write '/sample-buildout/.installed.cfg': " +
        "no space left on device\n",
    );
    assert.match(result.stdout, /^exit 1\n\[buildout\]\nparts = a\n\n\[a\]\n/);
    assert.doesNotMatch(result.stdout, /\[b\]/);
  },
});

Deno.test({
  name: "a journal a full disk refuses leaves no empty file behind" +
    (mountSkip ? ` (skipped: ${mountSkip})` : ""),
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    // The second run's part b registers its directory (made on the full
    // disk) for the journal, whose file is created but refuses its line;
    // b's record fits in what is left of the database's last page, and the
    // run ends rewriting the database whole, which the disk refuses.
    const script = ON_SMALL_DISK +
      'printf "[buildout]\\nparts = a\\n[a]\\nrecipe = mkdir\\n' +
      'paths = var\\n" > buildout.cfg && "$2" >/dev/null && ' +
      'printf "[buildout]\\nparts = a b\\n[a]\\nrecipe = mkdir\\n' +
      "paths = var\\n[b]\\nrecipe = mkdir\\npaths = var2\\n" +
      'remove-on-update = true\\n" > buildout.cfg && ' +
      '(dd if=/dev/zero of=fill bs=4k 2>/dev/null; "$2" >/dev/null; ' +
      'echo "exit $?"; ls -A; cat .installed.cfg)';
    const result = await inMountNamespace(sample, script);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing.\n" +
        "Error: Couldn't write '/sample-buildout/.installed.cfg': " +
        "no space left on device\n",
    );
    assert.match(
      result.stdout,
      /^exit 1\n\.installed\.cfg\nbin\nbuildout\.cfg\ndevelop-eggs\neggs\nfill\nparts\nvar\nvar2\n/,
    );
    assert.match(result.stdout, /\[buildout\]\nparts = a b\n$/);
  },
});

Deno.test({
  name: "develop links that cannot be recorded in .installed.cfg fail " +
    `While: Installing.${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const nobody = 65534;
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\n[a]\nrecipe = debug\n",
    );
    assert.equal((await sample.run()).code, 0);
    // The database and the buildout directory are root's; what the run
    // writes elsewhere (the develop link) is the user's.
    sample.mkdir("rp");
    sample.write("rp", "package.json", '{"name": "rp"}\n');
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = rp\nparts = a\n[a]\nrecipe = debug\n",
    );
    for (const dir of ["develop-eggs", "bin", "eggs", "parts"]) {
      chownSync(sample.path(dir), nobody, nobody);
    }
    const result = await exec(
      "setpriv",
      [`--reuid=${nobody}`, `--regid=${nobody}`, "--clear-groups", BUILDOUT],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing.\n" +
        "Error: Couldn't write '/sample-buildout/.installed.cfg': " +
        "permission denied\n",
    );
    assert.equal(result.code, 1);
  },
});

Deno.test({
  name: "a read-only buildout directory gives one-line errors naming the " +
    `file${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  ignore: mountSkip !== null,
  fn: async () => {
    for (
      const [part, error] of [
        ["recipe = mkdir\npaths = var", "/sample-buildout/var"],
        [
          "recipe = template\ninput = inline:hi\noutput = out.txt",
          "out.txt",
        ],
      ]
    ) {
      using sample = await sampleBuildout();
      sample.write("buildout.cfg", `[buildout]\nparts = a\n[a]\n${part}\n`);
      const result = await runReadOnly(sample);
      assert.equal(result.code, 1, result.output);
      assert.equal(
        sample.normalize(result.stderr),
        `While:\n  Installing a.\nError: Couldn't write ${error}: ` +
          "read-only file system\n",
      );
    }
  },
});

Deno.test("what a part killed by SIGKILL had registered is removed by the next run, which installs it again", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", MADE_CONFIG);
  const killed = await killWhileSlow(sample, "SIGKILL");
  assert.equal(killed.signal, "SIGKILL", killed.output);
  assert.ok(existsSync(sample.path("slow", "data")));
  assert.equal(
    sample.cat(".installed.cfg.pending"),
    `"slow"\n"slow"\n`,
  );

  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Removing what the interrupted install of slow created.
Updating one.
Installing slow.
`,
  );
  assert.equal(sample.cat("slow", "data"), "made\n");
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating one.\nUpdating slow.\n",
  );
});

Deno.test("what a part killed by SIGKILL had registered is removed once it is no longer configured", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", MADE_CONFIG);
  await killWhileSlow(sample, "SIGKILL");
  assert.ok(existsSync(sample.path("slow")));

  sample.write("buildout.cfg", config("one"));
  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Removing what the interrupted install of slow created.
Updating one.
`,
  );
  assert.ok(!existsSync(sample.path("slow")));
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
});

Deno.test("the journal names the part once, then each path it registered, however many calls register them", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  // Like made, registering a second path in a call of its own.
  sample.write(
    "recipes",
    "made.ts",
    MADE_RECIPE.replace(
      HOLD,
      `    this.options.created(path + "-log");
    writeFileSync(path + "-log", "log\\n");
${HOLD}`,
    ),
  );
  sample.write("buildout.cfg", MADE_CONFIG);
  const killed = await killWhileSlow(sample, "SIGKILL");
  assert.equal(killed.signal, "SIGKILL", killed.output);
  assert.equal(
    sample.cat(".installed.cfg.pending"),
    `"slow"\n"slow"\n"slow-log"\n`,
  );

  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Removing what the interrupted install of slow created.
Updating one.
Installing slow.
`,
  );
  assert.equal(sample.cat("slow-log"), "log\n");
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
});

for (
  const [kind, part, made] of [
    [
      "a mkdir part",
      "recipe = mkdir\npaths = var/log\nremove-on-update = true\n",
      "var",
    ],
    [
      "a template",
      "recipe = template\ninput = inline:hi\noutput = etc/app/t.conf\n",
      "etc",
    ],
  ]
) {
  Deno.test({
    name: `a directory ${kind} was making when killed is still removed ` +
      `with the part, as after an uninterrupted run${straceNote}`,
    ignore: straceSkip !== null,
    fn: async () => {
      using sample = await sampleBuildout();
      sample.write("buildout.cfg", `[buildout]\nparts = a\n[a]\n${part}`);
      // Killed at the journal's second opening (the first looks for one a
      // killed run left): as the part registers its first directory.
      const journal = sample.path(".installed.cfg.pending");
      const killed = await sample.system("", {
        through: killedAt("openat", journal, 2),
      });
      assert.notEqual(killed.code, 0, killed.output);
      assert.equal((await sample.system("")).code, 0);
      assert.ok(existsSync(sample.path(made)));

      sample.write("buildout.cfg", "[buildout]\nparts =\n");
      const result = await sample.run("");
      assert.equal(result.output, "Uninstalling a.\n");
      assert.ok(!existsSync(sample.path(made)), `${made} is left`);
    },
  });
}

Deno.test({
  name: "a part whose directory a killed run was removing is installed " +
    `whole again, not taken for installed${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    execFileSync("sh", [
      "-c",
      "mkdir pkg && echo a > pkg/a && echo b > pkg/b && tar czf pkg.tgz pkg",
    ], { cwd: sample.testDir });
    const config = (extra: string) =>
      `[buildout]\nparts = x\n[x]\nrecipe = download\n` +
      `url = ${sample.testDir}/pkg.tgz\n${extra}`;
    sample.write("buildout.cfg", config(""));
    assert.equal((await sample.system("")).code, 0);
    // A change uninstalls x, killed as its emptied directory is removed
    // (the first call naming it only finds it is a directory).
    sample.write("buildout.cfg", config("excludes = none\n"));
    await sample.system("", {
      through: killedAt(
        "unlink,unlinkat,rename,renameat,renameat2",
        sample.path("parts", "x"),
        2,
      ),
    });

    sample.write("buildout.cfg", config(""));
    const result = await sample.run("");
    assert.equal(result.code, 0, result.output);
    assert.equal(sample.cat("parts", "x", "pkg", "b"), "b\n");
  },
});

Deno.test("a journal left behind removes only what no record names, up to a line cut short", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  sample.mkdir("left");
  sample.mkdir("cut");
  // Killed after two's record was saved, then again while writing a line.
  sample.write(
    ".installed.cfg.pending",
    `"two"\n"two"\n"left"\n"${sample.path("gone")}"\n"cut`,
  );

  assert.equal(
    await runOk(sample),
    `Develop: '/sample-buildout/recipes'
Removing what the interrupted install of two created.
Updating one.
Updating two.
`,
  );
  assert.ok(existsSync(sample.path("two")), "two's recorded path stays");
  assert.ok(!existsSync(sample.path("left")));
  assert.ok(existsSync(sample.path("cut")), "a line cut short is not read");
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
});

Deno.test("a journal is read up to its first line that is not a JSON string", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "two"));
  await runOk(sample);
  // A damaged line (a write torn, then appended to) ends it, as a number
  // or a list, which no run writes, does.
  for (const damaged of [`"ab"c"`, "7", `["x"]`]) {
    sample.mkdir("left");
    sample.mkdir("after");
    sample.write(
      ".installed.cfg.pending",
      `"two"\n"left"\n${damaged}\n"after"\n`,
    );
    assert.equal(
      await runOk(sample),
      `Develop: '/sample-buildout/recipes'
Removing what the interrupted install of two created.
Updating one.
Updating two.
`,
      damaged,
    );
    assert.ok(!existsSync(sample.path("left")), damaged);
    assert.ok(existsSync(sample.path("after")), damaged);
    sample.remove("after");
  }
});

Deno.test("a symbolic link in the journal's place is neither read nor written through", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", MADE_CONFIG.replace("hold = hold\n", ""));
  sample.mkdir("victim");
  sample.mkdir("keep");
  const journal = `"one"\n"victim"\n`;
  sample.write("keep", "journal.txt", journal);
  symlinkSync(
    sample.path("keep", "journal.txt"),
    sample.path(".installed.cfg.pending"),
  );

  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling one.\nInstalling slow.\n",
  );
  assert.ok(existsSync(sample.path("victim")), "the linked journal not read");
  assert.equal(sample.cat("keep", "journal.txt"), journal);
  assert.equal(
    lstatSync(sample.path(".installed.cfg.pending"), { throwIfNoEntry: false }),
    undefined,
  );
  assert.equal(sample.cat("slow", "data"), "made\n");
});

Deno.test("a FIFO in the journal's place is an error naming it, before any part", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  execFileSync("mkfifo", [sample.path(".installed.cfg.pending")]);
  const result = await sample.system("");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    sample.normalize(result.stderr),
    "While:\n  Installing.\nError: Couldn't read " +
      "/sample-buildout/.installed.cfg.pending: it is a FIFO, not a file\n",
  );
  assert.ok(!existsSync(sample.path("one")));
});

Deno.test("a part that registers nothing, and a buildout without a database, write no journal", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one", "slow"));
  const { running } = await untilSlow(sample);
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
  sample.remove("hold");
  assert.equal((await running).code, 0);
  sample.remove("slow.pid");

  sample.write(
    "buildout.cfg",
    MADE_CONFIG.replace("[buildout]\n", "[buildout]\ninstalled =\n")
      .replace("path = slow\n", "path = fresh\n"),
  );
  const { running: again } = await untilSlow(sample);
  assert.deepEqual(
    sample.ls().filter((entry) => entry.includes(".pending")),
    [],
  );
  sample.remove("hold");
  assert.equal((await again).code, 0);
});

Deno.test("a copy of a relocatable buildout killed by SIGKILL removes its own copy of what the part had registered, not the original's", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  // Registered absolute, as the download recipes register their target.
  sample.write(
    "buildout.cfg",
    MADE_CONFIG.replace("[buildout]\n", "[buildout]\nrelative-paths = true\n")
      .replace("path = slow\n", "path = ${buildout:directory}/slow\n"),
  );
  await killWhileSlow(sample, "SIGKILL");
  assert.ok(existsSync(sample.path("slow", "data")));
  const copy = sample.path("..", "copy");
  cpSync(sample.dir, copy, { recursive: true });

  const result = await sample.run("", { cwd: copy });
  assert.equal(result.code, 0, result.output);
  assert.equal(
    result.stdout,
    `Develop: '/copy/recipes'
Removing what the interrupted install of slow created.
Updating one.
Installing slow.
`,
  );
  assert.ok(existsSync(sample.path("slow", "data")), "the original's stays");
  assert.ok(!existsSync(join(copy, ".installed.cfg.pending")));
});

Deno.test({
  name: "a read-only buildout directory still updates a part writing " +
    `elsewhere, with no journal${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const out = sample.tmpdir("out");
    sample.write(out, "in.txt", "v1\n");
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = t\n[t]\nrecipe = slapos.recipe.template\n` +
        `url = ${out}/in.txt\noutput = ${out}/out.txt\n`,
    );
    assert.equal((await sample.run()).code, 0);
    sample.write(out, "in.txt", "v2\n");
    const result = await runReadOnly(sample);
    assert.equal(result.code, 0, result.output);
    assert.equal(readFileSync(join(out, "out.txt"), "utf8"), "v2\n");
  },
});

Deno.test({
  name: "uninstalling a part with a file system mounted in it is a one-line " +
    "error naming the part's path, and the part stays recorded" +
    (mountSkip ? ` (skipped: ${mountSkip})` : ""),
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\n[a]\nrecipe = mkdir\npaths = var\n" +
        "remove-on-update = true\n",
    );
    await runOk(sample);
    const before = readFileSync(sample.path(".installed.cfg"), "utf8");
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    // A volume mounted on the directory the part made.
    const script = 'mount -t tmpfs tmpfs "$1/var" && cd "$1" && "$2"';
    const result = await inMountNamespace(sample, script);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing.\n  Uninstalling a.\n" +
        "Error: Device or resource busy: /sample-buildout/var " +
        "(is something mounted there?)\n",
    );
    assert.equal(result.code, 1);
    assert.equal(readFileSync(sample.path(".installed.cfg"), "utf8"), before);
  },
});

Deno.test({
  name: "a buildout directory the user may not write, holding a " +
    ".installed.cfg they may, gets its changes recorded in place, as " +
    `zc.buildout writes it${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const nobody = 65534;
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    const config = (mode: string, parts = "a") =>
      `[buildout]\nparts = ${parts}\n[a]\nrecipe = mkdir\n` +
      `paths = \${buildout:parts-directory}/a\nmode = ${mode}\n` +
      "[b]\nrecipe = mkdir\npaths = ${buildout:parts-directory}/b\n";
    const run = () =>
      exec(
        "setpriv",
        [`--reuid=${nobody}`, `--regid=${nobody}`, "--clear-groups", BUILDOUT],
        { cwd: sample.dir, env: { HOME: sample.home } },
      );
    sample.write("buildout.cfg", config("0755"));
    for (const dir of [sample.home, sample.dir]) {
      execFileSync("chown", ["-R", `${nobody}:${nobody}`, dir]);
    }
    assert.equal((await run()).code, 0);
    // Only the directory itself becomes root's, as deployments harden it.
    chownSync(sample.dir, 0, 0);
    const installed = sample.path(".installed.cfg");
    const entries = readdirSync(sample.dir).sort();
    for (
      const [mode, parts, recorded] of [
        ["0700", "a", /^mode = 0o700$/m],
        ["0700", "b a", /^parts = b a$/m],
        ["0750", "b", /^parts = b$/m],
      ] as const
    ) {
      sample.write("buildout.cfg", config(mode, parts));
      const result = await run();
      assert.equal(result.code, 0, result.output);
      assert.match(readFileSync(installed, "utf8"), recorded);
    }
    assert.doesNotMatch(readFileSync(installed, "utf8"), /^\[a\]$/m);
    assert.equal(statSync(installed).uid, nobody);
    assert.deepEqual(readdirSync(sample.dir).sort(), entries);
  },
});

Deno.test("a killed run's temporary in the parts directory goes with the next run, whatever it installs", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write("buildout.cfg", config("one"));
  await runOk(sample);
  // What a run killed while unpacking into parts/ leaves, that part then
  // dropped from the configuration; and a live run's, which stays.
  const dead = spawnSync("true").pid;
  const left = `.buildout-${hostTag()}-${dead}-0badf00d-slow`;
  const live = `.buildout-${hostTag()}-${process.pid}-0badf00d-other`;
  sample.mkdir("parts", left);
  sample.write("parts", left, "member", "half\n");
  sample.mkdir("parts", live);

  await runOk(sample);
  assert.deepEqual(readdirSync(sample.path("parts")), [live]);
});
