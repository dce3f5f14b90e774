/**
 * End-to-end tests of the script recipe (`script`, alias
 * `collective.recipe.scriptgen`): the generated script runs its command
 * with arguments and environment, follows the part through install,
 * update, reinstall and uninstall, and with `relative-paths` survives a
 * move of the whole buildout.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join, relative } from "node:path";
import {
  expectError,
  expectOk,
  installed,
  modeOf,
  scriptMode,
  tree,
} from "./_recipes.ts";
import { sampleBuildout } from "./harness.ts";

function runScript(path: string, ...args: string[]): string {
  return execFileSync(path, args, { encoding: "utf8" });
}

for (const recipe of ["script", "collective.recipe.scriptgen"]) {
  Deno.test(`${recipe}: install, update, reinstall, uninstall`, async () => {
    using sample = await sampleBuildout();
    sample.write("show.sh", 'echo "$GREETING:$PORT:$*"\n');
    const before = tree(sample.dir);
    const cfg = (args: string) =>
      `[buildout]
parts = tika-server

[tika-server]
recipe = ${recipe}
cmd = sh
arguments = \${buildout:directory}/show.sh ${args}
environment = GREETING=hello PORT=9998
`;
    sample.write("buildout.cfg", cfg("--port 1"));
    await expectOk(
      sample,
      "Installing tika-server.\n" +
        "Generated script '/sample-buildout/bin/tika-server'.\n",
    );
    const script = sample.path("bin", "tika-server");
    assert.equal(modeOf(script), scriptMode());
    assert.equal(runScript(script, "extra"), "hello:9998:--port 1 extra\n");
    assert.match(
      installed(sample),
      /__buildout_installed__ = \/sample-buildout\/bin\/tika-server\n/,
    );

    await expectOk(sample, "Updating tika-server.\n");
    // A damaged script is written again on update, and logged as
    // zc.buildout logs a script it writes.
    sample.write("bin/tika-server", "broken");
    chmodSync(script, 0o644);
    await expectOk(
      sample,
      "Updating tika-server.\nGenerated script '/sample-buildout/bin/tika-server'.\n",
    );
    assert.equal(modeOf(script), scriptMode());
    assert.equal(runScript(script, "x"), "hello:9998:--port 1 x\n");

    sample.write("buildout.cfg", cfg("--port 2"));
    await expectOk(
      sample,
      "Uninstalling tika-server.\nInstalling tika-server.\n" +
        "Generated script '/sample-buildout/bin/tika-server'.\n",
    );
    assert.equal(runScript(script), "hello:9998:--port 2\n");

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(sample, "Uninstalling tika-server.\n");
    assert.deepEqual(tree(sample.dir), before);
  });
}

Deno.test("script: one written to a new bin-directory goes on uninstall", async () => {
  using sample = await sampleBuildout();
  const cfg = `[buildout]
parts = show

[show]
recipe = script
cmd = true
`;
  sample.write("buildout.cfg", cfg);
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/bin/show'.\n",
  );
  sample.write(
    "buildout.cfg",
    cfg.replace("\n\n", "\nbin-directory = tools\n\n"),
  );
  await expectOk(
    sample,
    "Creating directory '/sample-buildout/tools'.\nUpdating show.\n" +
      "Generated script '/sample-buildout/tools/show'.\n",
  );
  assert.ok(existsSync(sample.path("tools", "show")));
  sample.write("buildout.cfg", "[buildout]\nparts =\nbin-directory = tools\n");
  await expectOk(sample, "Uninstalling show.\n");
  assert.deepEqual(sample.ls("tools"), []);
  assert.deepEqual(sample.ls("bin"), []);
});

Deno.test("script: an update keeps an unchanged script as it is, its mode included, as zc.buildout keeps the scripts it generates", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = show\n\n[show]\nrecipe = script\ncmd = true\n" +
      "environment = TOKEN=secret\n",
  );
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/bin/show'.\n",
  );
  const script = sample.path("bin", "show");
  // Made private: its environment holds a secret.
  chmodSync(script, 0o700);
  const before = statSync(script);
  await expectOk(sample, "Updating show.\n");
  const after = statSync(script);
  assert.equal(modeOf(script), "700");
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeMs, before.mtimeMs);
});

Deno.test("script: a script written is executable as far as the umask allows, as zc.buildout's generated scripts are", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = show\n\n[show]\nrecipe = script\ncmd = true\n" +
      "environment = TOKEN=secret\n",
  );
  const umask = (mask: string) => ({
    through: ["sh", "-c", `umask ${mask} && exec "$0" "$@"`],
  });
  const first = await sample.system([], umask("077"));
  assert.equal(first.code, 0, first.output);
  const script = sample.path("bin", "show");
  assert.equal(modeOf(script), "700");
  // A damaged script written again on update gets the same mode.
  sample.write("bin/show", "broken");
  const second = await sample.system([], umask("027"));
  assert.equal(second.code, 0, second.output);
  assert.match(second.stdout, /Generated script/);
  assert.equal(modeOf(script), "750");
});

Deno.test("script: output elsewhere, arguments and values with quotes", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = show

[show]
recipe = script
command = printf
arguments = [%s|%s|%s]\\n it's $HOME "q"
env = X=a'b
output = \${buildout:parts-directory}/tools/bin/show
`,
  );
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/parts/tools/bin/show'.\n",
  );
  const script = sample.path("parts/tools/bin/show");
  assert.equal(runScript(script), `[it's|$HOME|"q"]\n`);
  assert.match(sample.cat("parts/tools/bin/show"), /^export X='a'\\''b'$/m);
  // The directories it made are recorded, so uninstall removes them.
  assert.match(
    installed(sample),
    /__buildout_installed__ = \/sample-buildout\/parts\/tools\n\t\/sample-buildout\/parts\/tools\/bin\n\t\/sample-buildout\/parts\/tools\/bin\/show\n/,
  );
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "Uninstalling show.\n");
  assert.ok(!existsSync(sample.path("parts/tools")));
});

Deno.test("script: relative-paths keeps a moved buildout working", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("tools");
  sample.write(
    "tools/hello.sh",
    '#!/bin/sh\necho "hello from $(dirname "$0") with $DATA and $1 $2"\n',
  );
  chmodSync(sample.path("tools/hello.sh"), 0o755);
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = hello
relative-paths = true

[hello]
recipe = script
cmd = \${buildout:directory}/tools/hello.sh
arguments = \${buildout:directory}/data
environment = DATA=\${buildout:directory}/data:/usr/share
`,
  );
  await expectOk(
    sample,
    "Installing hello.\nGenerated script '/sample-buildout/bin/hello'.\n",
  );
  const text = sample.cat("bin/hello");
  assert.ok(!text.includes(sample.dir), text);
  const moved = join(sample.testDir, "moved");
  renameSync(sample.dir, moved);
  try {
    assert.equal(
      runScript(join(moved, "bin", "hello"), "now"),
      `hello from ${moved}/tools with ${moved}/data:/usr/share and ${moved}/data now\n`,
    );
  } finally {
    renameSync(moved, sample.dir);
  }

  // Absolute paths without it.
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace("relative-paths = true", ""),
  );
  await expectOk(
    sample,
    "Updating hello.\nGenerated script '/sample-buildout/bin/hello'.\n",
  );
  assert.ok(sample.cat("bin/hello").includes(`${sample.dir}/tools/hello.sh`));
});

Deno.test("script: a relative-paths script run through a link finds its buildout, as zc.buildout's realpath does", async () => {
  using sample = await sampleBuildout();
  sample.write("data.txt", "data\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = show
relative-paths = true

[show]
recipe = script
cmd = cat
arguments = \${buildout:directory}/data.txt
`,
  );
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/bin/show'.\n",
  );
  // As deployed: a link in a directory on PATH, absolute or relative, and
  // a link to that link.
  const links = sample.tmpdir("usr-local-bin");
  symlinkSync(sample.path("bin", "show"), join(links, "show"));
  symlinkSync(
    relative(links, sample.path("bin", "show")),
    join(links, "show-relative"),
  );
  symlinkSync("show-relative", join(links, "show-chained"));
  for (const name of ["show", "show-relative", "show-chained"]) {
    assert.equal(runScript(join(links, name)), "data\n", name);
  }
  // Run as bin/show, with a CDPATH under which `cd bin/..` would go to /.
  assert.equal(
    execFileSync("bin/show", [], {
      encoding: "utf8",
      cwd: sample.dir,
      env: { PATH: "/usr/bin:/bin", CDPATH: "/" },
    }),
    "data\n",
  );
});

Deno.test("script: a relative-paths script run through a linked directory finds its buildout, as zc.buildout's realpath does", async () => {
  using sample = await sampleBuildout();
  sample.write("data.txt", "data\n");
  // The bin directory itself a link to a directory outside the buildout.
  const outside = sample.tmpdir("outside-bin");
  sample.remove("bin");
  symlinkSync(outside, sample.path("bin"));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = show
relative-paths = true

[show]
recipe = script
cmd = cat
arguments = \${buildout:directory}/data.txt
`,
  );
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/bin/show'.\n",
  );
  // As GNU stow deploys it: ~/bin a link to dotfiles/bin, which holds a
  // link to the script relative to where dotfiles/bin really is, so its
  // `..` must be read as the kernel reads them, not textually from ~/bin.
  const dotfiles = sample.tmpdir("dotfiles-bin");
  mkdirSync(join(dotfiles, "a", "b"), { recursive: true });
  const real = join(dotfiles, "a", "b");
  symlinkSync(relative(real, join(outside, "show")), join(real, "show"));
  const home = sample.tmpdir("home-bin");
  symlinkSync(real, join(home, "bin"));
  for (
    const path of [
      sample.path("bin", "show"),
      join(outside, "show"),
      join(home, "bin", "show"),
    ]
  ) {
    assert.equal(runScript(path), "data\n", path);
  }
});

Deno.test("script: bad options are user errors", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    ["arguments = x", "No command specified in [s]: set the option 'cmd'"],
    [
      "cmd = env\nenvironment = A=1 B",
      "Invalid environment entry 'B' in [s]: expected NAME=VALUE with NAME a shell variable name",
    ],
    [
      "cmd = env\nenvironment = 1X=2",
      "Invalid environment entry '1X=2' in [s]: expected NAME=VALUE with NAME a shell variable name",
    ],
    // Its arguments on the next lines, as if cmd were a command line.
    [
      "cmd = cat\n  -n",
      "The cmd of [s], cat\\n-n, holds a line break: name one command, and put its arguments in 'arguments'",
    ],
    [
      "command = java\n  -jar x.jar",
      "The command of [s], java\\n-jar x.jar, holds a line break: name one command, and put its arguments in 'arguments'",
    ],
    // Not taken as false, which would write the absolute paths it was
    // meant to avoid.
    [
      "cmd = true\nrelative-paths = yes",
      "Invalid value for relative-paths option: yes",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = s\n\n[s]\nrecipe = script\n${options}\n`,
    );
    await expectError(sample, message);
  }
  assert.ok(!existsSync(sample.path(".installed.cfg")));
  assert.ok(!existsSync(sample.path("bin/s")));
});

Deno.test("script: an output written over two lines is an error before anything is written", async () => {
  using sample = await sampleBuildout();
  const before = tree(sample.dir);
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = s\n\n[s]\nrecipe = script\ncmd = true\n" +
      "output = one\n  two\n",
  );
  await expectError(
    sample,
    "The output of [s], one\\ntwo, holds a line break: name one path",
  );
  assert.deepEqual(tree(sample.dir), before);
});

Deno.test("script: an output that is empty or ends in '/' names no file, and is an error before anything is written", async () => {
  using sample = await sampleBuildout();
  const before = tree(sample.dir);
  const cases: Array<[string, string]> = [
    [
      "",
      "The output of [s] is empty: name the file to write, or leave the " +
      "option out for /sample-buildout/bin/s",
    ],
    [
      "tools/",
      "The output of [s], tools/, ends with '/': name the file to write",
    ],
  ];
  for (const [output, message] of cases) {
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = s\n\n[s]\nrecipe = script\ncmd = true\n" +
        `output = ${output}\n`,
    );
    await expectError(sample, message);
    assert.deepEqual(tree(sample.dir), before, output);
  }
});

Deno.test("script: relative-paths rewrites the buildout directory only at a path boundary, not a sibling that starts with its name", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = show
relative-paths = true

[show]
recipe = script
cmd = echo
arguments = \${buildout:directory}-data/file \${buildout:directory}/file
`,
  );
  await expectOk(
    sample,
    "Installing show.\nGenerated script '/sample-buildout/bin/show'.\n",
  );
  assert.ok(sample.cat("bin/show").includes(`${sample.dir}-data/file`));
  const moved = join(sample.testDir, "moved");
  renameSync(sample.dir, moved);
  try {
    assert.equal(
      runScript(join(moved, "bin", "show")),
      `${sample.dir}-data/file ${moved}/file\n`,
    );
  } finally {
    renameSync(moved, sample.dir);
  }
});
