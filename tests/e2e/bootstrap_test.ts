/**
 * `buildout init` and `buildout bootstrap`, after the reference's "Creating
 * new buildouts and bootstrapping": the directories, the messages, and a
 * `bin/buildout` that is the executable itself and keeps working when the
 * original is gone.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import {
  BUILDOUT,
  exec,
  execSync,
  ROOT,
  type RunResult,
  type Sample,
  sampleBuildout,
} from "./harness.ts";
import { giveToNobody, NOBODY } from "./as_nobody.ts";
import { KILLED_AT_FIRST_CHMOD, straceNote, straceSkip } from "./strace.ts";

/** Runs `command` (init, bootstrap) with `-c DIR/setup.cfg`. */
function withSetupCfg(
  sample: Sample,
  dir: string,
  command: string,
): Promise<RunResult> {
  return sample.system(["-c", join(dir, "setup.cfg"), command]);
}

const notRoot = process.getuid?.() !== 0;

/** Marks a test's name as skipped, and why, where it cannot run. */
function rootSuffix(why: string): string {
  return notRoot ? ` (skipped: ${why})` : "";
}

Deno.test("init writes setup.cfg, creates the directories and bin/buildout", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("sample-bootstrapped");
  const result = await withSetupCfg(sample, dir, "init");
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.normalize(result.stdout),
    `Creating '/sample-bootstrapped/setup.cfg'.
Creating directory '/sample-bootstrapped/bin'.
Creating directory '/sample-bootstrapped/parts'.
Creating directory '/sample-bootstrapped/eggs'.
Creating directory '/sample-bootstrapped/develop-eggs'.
Generated script '/sample-bootstrapped/bin/buildout'.
`,
  );
  assert.deepEqual(sample.ls(dir), [
    "d  bin",
    "d  develop-eggs",
    "d  eggs",
    "d  parts",
    "-  setup.cfg",
  ]);
  // zc.buildout writes '[buildout]\nparts = \n', the space included.
  assert.equal(sample.cat(dir, "setup.cfg"), "[buildout]\nparts = \n");
  assert.equal(statSync(join(dir, "bin", "buildout")).mode & 0o777, 0o755);

  // With relative-paths, bootstrap only generates the script again.
  sample.write(
    dir,
    "setup.cfg",
    "\n[buildout]\nrelative-paths = true\nparts =\n",
  );
  const again = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(again.code, 0, again.output);
  assert.equal(
    sample.normalize(again.output),
    "Generated script '/sample-bootstrapped/bin/buildout'.\n",
  );
  assert.deepEqual(sample.ls(dir, "bin"), ["-  buildout"]);
});

Deno.test("init refuses to overwrite an existing configuration", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n# mine\n");
  const result = await sample.system("init");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: /sample-buildout/buildout.cfg already exists; init never overwrites a configuration: use 'buildout bootstrap'\n",
  );
  assert.equal(sample.cat("buildout.cfg"), "[buildout]\nparts =\n# mine\n");
  assert.equal(sample.ls("bin").length, 0);
});

Deno.test("init where a dangling link or a directory stands says so, and creates nothing", async () => {
  using sample = await sampleBuildout();
  // A checkout whose buildout.cfg links to a profile not there yet.
  sample.remove("buildout.cfg");
  symlinkSync("profiles/dev.cfg", sample.path("buildout.cfg"));
  const dangling = await sample.system("init");
  assert.equal(dangling.code, 1, dangling.output);
  assert.equal(
    sample.normalize(dangling.stderr),
    "Error: Couldn't create /sample-buildout/buildout.cfg: it is a symbolic link to 'profiles/dev.cfg', which does not exist\n",
  );
  assert.equal(readlinkSync(sample.path("buildout.cfg")), "profiles/dev.cfg");
  assert.equal(sample.ls("bin").length, 0);

  sample.mkdir("setup.cfg");
  const directory = await sample.system(["-c", "setup.cfg", "init"]);
  assert.equal(directory.code, 1, directory.output);
  assert.equal(
    sample.normalize(directory.stderr),
    "Error: Couldn't create /sample-buildout/setup.cfg: it is a directory, not a file\n",
  );
  assert.deepEqual(sample.ls("setup.cfg"), []);
});

Deno.test("an assignment after bootstrap or init goes before it; init's requirements are refused saying why", async () => {
  using sample = await sampleBuildout();
  // zc.buildout ignores it: bin/buildout would land in bin, not tools.
  const bootstrap = await sample.run(["bootstrap", "bin-directory=tools"]);
  assert.equal(bootstrap.code, 1, bootstrap.output);
  assert.equal(
    bootstrap.stderr,
    "Error: Options go before the command: buildout bin-directory=tools bootstrap\n",
  );
  assert.deepEqual(sample.ls("bin"), []);

  sample.remove("buildout.cfg");
  const init = await sample.run(["init", "parts="]);
  assert.equal(
    init.stderr,
    "Error: Options go before the command: buildout parts= init\n",
  );
  // zc.buildout 2 and later make these a Python interpreter part.
  const requirements = await sample.run(["init", "zope.interface"]);
  assert.equal(requirements.code, 1, requirements.output);
  assert.equal(
    requirements.stderr,
    "Error: The init command takes no arguments: zope.interface (zc.buildout's init writes requirements into a zc.recipe.egg part, and Python recipes do not run here)\n",
  );
  assert.equal(sample.ls(".").includes("-  buildout.cfg"), false);
  // The file to write, named where zc.buildout 2 reads requirements.
  const file = await sample.run(["init", "prod.cfg"]);
  assert.equal(file.code, 1, file.output);
  assert.equal(
    file.stderr,
    "Error: The init command takes no arguments: prod.cfg (a configuration file is named with -c: buildout -c prod.cfg init)\n",
  );
  assert.equal(sample.ls(".").includes("-  prod.cfg"), false);
});

Deno.test("init -c with a URL is an error: it only writes local files", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("sample-init-url");
  const result = await sample.system(
    ["-c", "http://127.0.0.1:9/buildout.cfg", "init"],
    { cwd: dir },
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "Error: init needs a local file, not http://127.0.0.1:9/buildout.cfg\n",
  );
  assert.equal(result.stdout, "");
  assert.deepEqual(sample.ls(dir), []);
  // Not advised as `-c URL init`, refused above.
  const named = await sample.system(
    ["init", "http://127.0.0.1:9/buildout.cfg"],
    { cwd: dir },
  );
  assert.equal(named.code, 1);
  assert.equal(
    named.stderr,
    "Error: The init command takes no arguments: http://127.0.0.1:9/buildout.cfg (init writes a local file only, named with -c)\n",
  );
  assert.deepEqual(sample.ls(dir), []);
});

Deno.test("bootstrap without a configuration is the reference's error", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("sample-bootstrapped2");
  const result = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "While:\n  Initializing.\nError: Couldn't open /sample-bootstrapped2/setup.cfg\n",
  );
  assert.deepEqual(sample.ls(dir), []);

  // Given one, bootstrap creates what init does, except the configuration.
  sample.write(dir, "setup.cfg", "\n[buildout]\nparts =\n");
  const made = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(made.code, 0, made.output);
  assert.equal(
    sample.normalize(made.output),
    `Creating directory '/sample-bootstrapped2/bin'.
Creating directory '/sample-bootstrapped2/parts'.
Creating directory '/sample-bootstrapped2/eggs'.
Creating directory '/sample-bootstrapped2/develop-eggs'.
Generated script '/sample-bootstrapped2/bin/buildout'.
`,
  );
  assert.equal(sample.cat(dir, "setup.cfg"), "\n[buildout]\nparts =\n");
});

// zc.buildout's test_bootstrap_with_extension: bootstrap loads no
// extension, so one not installable yet does not stop it.
Deno.test("bootstrap does not load extensions", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("sample-bootstrap");
  sample.write(
    dir,
    "setup.cfg",
    "[buildout]\nextensions = some_awsome_extension\nparts =\n",
  );
  const result = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(result.stderr, "");
  assert.equal(
    sample.normalize(result.stdout),
    `Creating directory '/sample-bootstrap/bin'.
Creating directory '/sample-bootstrap/parts'.
Creating directory '/sample-bootstrap/eggs'.
Creating directory '/sample-bootstrap/develop-eggs'.
Generated script '/sample-bootstrap/bin/buildout'.
`,
  );
  assert.equal(result.code, 0);
});

Deno.test("bootstrap respects configured directories", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("b");
  sample.write(
    dir,
    "setup.cfg",
    "[buildout]\nparts =\nbin-directory = tools\neggs-directory = ${buildout:directory}/cache/eggs\n",
  );
  const result = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.normalize(result.stdout),
    `Creating directory '/b/tools'.
Creating directory '/b/parts'.
Creating directory '/b/cache/eggs'.
Creating directory '/b/develop-eggs'.
Generated script '/b/tools/buildout'.
`,
  );
  // A second run only regenerates the script.
  const again = await withSetupCfg(sample, dir, "bootstrap");
  assert.equal(
    sample.normalize(again.stdout),
    "Generated script '/b/tools/buildout'.\n",
  );
});

Deno.test("bin/buildout runs with the original executable gone", async () => {
  using sample = await sampleBuildout();
  const carried = join(sample.tmpdir("usb"), "buildout");
  copyFileSync(BUILDOUT, carried);
  const dir = sample.tmpdir("server");
  const init = await exec(carried, ["init"], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  assert.equal(init.code, 0, init.output);
  sample.remove(carried);
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = data\n[data]\nrecipe = mkdir\npaths = var/data\n",
  );
  const run = await exec(join(dir, "bin", "buildout"), [], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  assert.equal(run.code, 0, run.output);
  assert.match(run.stdout, /Installing data\.\n/);
  assert.ok(statSync(join(dir, "var", "data")).isDirectory());
  const version = await exec(join(dir, "bin", "buildout"), ["--version"]);
  assert.match(version.stdout, /^buildout version /);
});

Deno.test({
  name: "bootstrap into a read-only directory is a clear error" +
    rootSuffix("needs root for a read-only bind mount (unshare -m)"),
  ignore: notRoot,
  async fn() {
    using sample = await sampleBuildout();
    const dir = sample.tmpdir("ro");
    sample.write(dir, "buildout.cfg", "[buildout]\nparts =\n");
    const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" ` +
      `&& cd "$1" && exec "$2" bootstrap`;
    const result = await exec("unshare", [
      "-m",
      "sh",
      "-c",
      script,
      "sh",
      dir,
      BUILDOUT,
    ], { env: { HOME: sample.home } });
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr),
      "Error: Couldn't create directory /ro/bin: read-only file system\n",
    );
    assert.deepEqual(sample.ls(dir), ["-  buildout.cfg"]);
  },
});

Deno.test("bootstrap leaves the executable's own mode alone", async () => {
  using sample = await sampleBuildout();
  const carried = join(sample.tmpdir("usb"), "buildout");
  copyFileSync(BUILDOUT, carried);
  chmodSync(carried, 0o700);
  const dir = sample.tmpdir("server");
  const init = await exec(carried, ["init"], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  assert.equal(init.code, 0, init.output);
  assert.equal(statSync(carried).mode & 0o777, 0o700);
  const version = await exec(join(dir, "bin", "buildout"), ["--version"]);
  assert.match(version.stdout, /^buildout version /);
});

/** A copy of the executable that belongs to nobody (uid 65534); needs root. */
function nobodysExecutable(sample: Sample): string {
  const carried = join(sample.tmpdir("home-of-nobody"), "buildout");
  // Copied by cp, not in this process: a process that another test module
  // starts meanwhile would inherit the copy open for writing, and starting
  // the copy (under strace or sh, with no retry) fail with "Text file busy".
  const copied = execSync("cp", [BUILDOUT, carried]);
  assert.equal(copied.code, 0, copied.output);
  chownSync(carried, 65534, 65534);
  return carried;
}

Deno.test({
  name:
    "bin/buildout belongs to who bootstraps, not to the executable's owner" +
    rootSuffix("needs root to give the executable to another user"),
  ignore: notRoot,
  async fn() {
    using sample = await sampleBuildout();
    const carried = nobodysExecutable(sample);
    const dir = sample.tmpdir("server");
    const init = await exec(carried, ["init"], {
      cwd: dir,
      env: { HOME: sample.home },
    });
    assert.equal(init.code, 0, init.output);
    const script = statSync(join(dir, "bin", "buildout"));
    assert.equal(script.uid, 0);
    assert.equal(script.mode & 0o777, 0o755);
    assert.equal(statSync(carried).nlink, 1);
  },
});

Deno.test({
  name:
    "bootstrap by a user who may run the executable but not read it says so" +
    rootSuffix("needs root to run as another user"),
  ignore: notRoot,
  async fn() {
    using sample = await sampleBuildout();
    // Installed `install -m 711`: another user's, so copied, not linked.
    const carried = join(sample.tmpdir("tools"), "buildout");
    const copied = execSync("cp", [BUILDOUT, carried]);
    assert.equal(copied.code, 0, copied.output);
    chmodSync(carried, 0o711);
    giveToNobody(sample);
    const result = await exec(
      "setpriv",
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        "--clear-groups",
        carried,
        "bootstrap",
      ],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr),
      "Error: Couldn't write /sample-buildout/bin/buildout: it is a copy of /tools/buildout, which this user may run but not read (make it readable: chmod a+r)\n",
    );
    assert.deepEqual(readdirSync(sample.path("bin")), []);
  },
});

Deno.test({
  name:
    "bootstrap copying the executable past a file-size limit says so in words" +
    rootSuffix("needs root to give the executable to another user"),
  ignore: notRoot,
  async fn() {
    using sample = await sampleBuildout();
    // Another user's executable is copied, not linked.
    const carried = nobodysExecutable(sample);
    // Half the executable, in ulimit's 512-byte blocks.
    const limit = String(Math.floor(statSync(carried).size / 1024));
    const result = await exec(
      "sh",
      ["-c", 'ulimit -f "$1" && exec "$2" bootstrap', "sh", limit, carried],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr).split("\n").at(-2),
      "Error: Couldn't write /sample-buildout/bin/buildout: file too large",
    );
    assert.deepEqual(sample.ls("bin"), []);
  },
});

Deno.test("bootstrap over a bin/buildout directory is a clear error", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("bin", "buildout");
  const result = await sample.system("bootstrap");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: Couldn't write /sample-buildout/bin/buildout: is a directory\n",
  );
  assert.deepEqual(sample.ls("bin"), ["d  buildout"]);
});

Deno.test("bootstrap with a file where bin should be is a clear error", async () => {
  using sample = await sampleBuildout();
  sample.remove("bin");
  sample.write("bin", "not a directory\n");
  const result = await sample.system("bootstrap");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: Couldn't write /sample-buildout/bin/buildout: /sample-buildout/bin is a file, not a directory\n",
  );
  assert.equal(readFileSync(sample.path("bin"), "utf8"), "not a directory\n");
});

Deno.test("a file where a directory's parent should be is named, not 'not a directory'", async () => {
  using sample = await sampleBuildout();
  sample.write("tools", "a file\n");
  const nested = await sample.system(["bin-directory=tools/bin", "bootstrap"]);
  assert.equal(nested.code, 1, nested.output);
  assert.equal(
    sample.normalize(nested.stderr),
    "Error: Couldn't create directory /sample-buildout/tools/bin: /sample-buildout/tools is a file, not a directory\n",
  );

  const init = await sample.system(["-c", "tools/buildout.cfg", "init"]);
  assert.equal(init.code, 1, init.output);
  assert.equal(
    sample.normalize(init.stderr),
    "Error: Couldn't create /sample-buildout/tools/buildout.cfg: /sample-buildout/tools is a file, not a directory\n",
  );
  assert.equal(sample.cat("tools"), "a file\n");
});

Deno.test("bootstrap with bin a dangling link names the link, not 'file exists'", async () => {
  using sample = await sampleBuildout();
  // The bin directory on a disk that is not mounted.
  sample.remove("bin");
  symlinkSync("/nonexistent-disk/bin", sample.path("bin"));
  const result = await sample.system("bootstrap");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: Couldn't create directory /sample-buildout/bin: it is a symbolic link to '/nonexistent-disk/bin', which does not exist\n",
  );
  assert.equal(readlinkSync(sample.path("bin")), "/nonexistent-disk/bin");

  // A relocated bin-directory under such a link names the link too.
  sample.remove("bin");
  symlinkSync("/nonexistent-disk/tools", sample.path("tools"));
  const nested = await sample.system(["bin-directory=tools/bin", "bootstrap"]);
  assert.equal(nested.code, 1, nested.output);
  assert.equal(
    sample.normalize(nested.stderr),
    "Error: Couldn't create directory /sample-buildout/tools/bin: /sample-buildout/tools is a symbolic link to '/nonexistent-disk/tools', which does not exist\n",
  );
});

const SOURCE_RUNS: [string, string[]][] = [
  ["deno", ["run", "-A"]],
  ["bun", ["run"]],
];

for (const [runtime, args] of SOURCE_RUNS) {
  Deno.test(`bootstrap under ${runtime} run main.ts writes a script running it`, async () => {
    using sample = await sampleBuildout();
    const main = join(ROOT, "main.ts");
    const binary = join(ROOT, "node_modules", ".bin", runtime);
    const result = await exec(binary, [...args, main, "bootstrap"], {
      cwd: sample.dir,
      env: { HOME: sample.home },
    });
    assert.equal(result.code, 0, result.output);
    const script = sample.cat("bin", "buildout");
    assert.ok(script.startsWith("#!/bin/sh\n"), "bin/buildout is no script");
    assert.match(script, /^#!\/bin\/sh\nexec .*main\.ts "\$@"\n$/);
    // The sample's HOME again: bun keeps an install cache in ~/.bun.
    const version = await exec(sample.path("bin", "buildout"), ["--version"], {
      env: { HOME: sample.home },
    });
    assert.match(version.stdout, /^buildout version /);
  });
}

Deno.test({
  name:
    "a copy of the executable a killed bootstrap left in bin goes with the next bootstrap" +
    (notRoot
      ? rootSuffix("needs root to give the executable to another user")
      : straceNote),
  ignore: notRoot || straceSkip !== null,
  async fn() {
    using sample = await sampleBuildout();
    // Another user's executable is copied, not linked; the copy is made
    // mode 755 by name before it is renamed into place.
    const carried = nobodysExecutable(sample);
    const [tracer, ...traced] = KILLED_AT_FIRST_CHMOD;
    const killed = await exec(tracer, [...traced, carried, "bootstrap"], {
      cwd: sample.dir,
      env: { HOME: sample.home, TMPDIR: sample.runTmpdir },
    });
    assert.equal(killed.signal, "SIGKILL", killed.output);
    const bin = sample.path("bin");
    const left = readdirSync(bin);
    assert.equal(left.length, 1, "killed after copying");
    assert.ok(left[0].startsWith(".buildout-"), left[0]);
    const again = await exec(carried, ["bootstrap"], {
      cwd: sample.dir,
      env: { HOME: sample.home },
    });
    assert.equal(again.code, 0, again.output);
    assert.deepEqual(readdirSync(bin), ["buildout"]);
  },
});
