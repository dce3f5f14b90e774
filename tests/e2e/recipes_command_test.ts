/**
 * End-to-end tests of the command recipes: `command`, `plone.recipe.command`
 * and `collective.recipe.cmd` (entry points `default` and `sh`), each
 * through install, no-op update, reinstall on an option change and
 * uninstall, plus failing and missing commands.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync } from "node:fs";
import { expectError, expectOk, installed, tree } from "./_recipes.ts";
import { type Sample, sampleBuildout } from "./harness.ts";

function config(recipe: string, options: string): string {
  return `[buildout]
parts = run

[run]
recipe = ${recipe}
${options}
`;
}

/**
 * The lifecycle of a command part creating `out.txt` (recorded through
 * `location`): install, update, reinstall, uninstall back to `before`.
 */
async function locationLifecycle(sample: Sample, recipe: string) {
  const before = tree(sample.dir);
  const options = (text: string) =>
    `command = echo ${text} > out.txt && echo wrote ${text}
location = out.txt
update-command = echo updating`;
  sample.write("buildout.cfg", config(recipe, options("one")));
  await expectOk(
    sample,
    `Installing run.
run: Running 'echo one > out.txt && echo wrote one'
wrote one
`,
  );
  assert.equal(sample.cat("out.txt"), "one\n");
  assert.match(installed(sample), /__buildout_installed__ = out\.txt\n/);

  await expectOk(
    sample,
    `Updating run.
run: Running echo updating
updating
`,
  );
  assert.equal(sample.cat("out.txt"), "one\n");

  sample.write("buildout.cfg", config(recipe, options("two")));
  await expectOk(
    sample,
    `Uninstalling run.
Installing run.
run: Running 'echo two > out.txt && echo wrote two'
wrote two
`,
  );
  assert.equal(sample.cat("out.txt"), "two\n");

  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "Uninstalling run.\n");
  assert.deepEqual(tree(sample.dir), before);
}

Deno.test("command: install, update, reinstall, uninstall", async () => {
  using sample = await sampleBuildout();
  await locationLifecycle(sample, "command");
});

Deno.test("plone.recipe.command: install, update, reinstall, uninstall", async () => {
  using sample = await sampleBuildout();
  await locationLifecycle(sample, "plone.recipe.command");
});

Deno.test("plone.recipe.command pinned to a release, as zc.buildout allows, is the built-in", async () => {
  using sample = await sampleBuildout();
  await locationLifecycle(sample, "plone.recipe.command == 1.1");
});

Deno.test("command: no update-command means a silent update; an empty one is run, as the original runs it", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config("command", "command = true"));
  await expectOk(sample, "Installing run.\nrun: Running 'true'\n");
  await expectOk(sample, "Updating run.\n");
  assert.equal(
    installed(sample),
    `[buildout]
parts = run

[run]
__buildout_installed__ = 
__buildout_signature__ = SIG
command = true
recipe = command
`,
  );

  // An empty one is still one, as plone.recipe.command tests `is not None`.
  sample.write(
    "buildout.cfg",
    config("command", "command = true\nupdate-command ="),
  );
  await expectOk(
    sample,
    "Uninstalling run.\nInstalling run.\nrun: Running 'true'\n",
  );
  await expectOk(sample, "Updating run.\nrun: Running \n");
});

Deno.test("plone.recipe.command: a block of shell lines indented by tabs is only updated on the next run", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    config(
      "plone.recipe.command",
      "command =\n    for f in a; do\n    \techo built $f\n    done",
    ),
  );
  await expectOk(
    sample,
    "Installing run.\nrun: Running 'for f in a; do\n\techo built $f\ndone'\nbuilt a\n",
  );
  // Read back without its tab, the value had changed: the command ran again.
  await expectOk(sample, "Updating run.\n");
});

Deno.test("command: a failing command stops the buildout by default", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config("command", "command = exit 3"));
  const result = await expectError(
    sample,
    "Non zero exit code (3) while running command 'exit 3' in /sample-buildout.",
  );
  assert.equal(
    result.stdout,
    `Installing run.
run: Running 'exit 3'
run: Non zero exit code (3) while running command 'exit 3' in /sample-buildout.
`,
  );
  assert.equal(
    result.stderr,
    `While:
  Installing run.
Error: Non zero exit code (3) while running command 'exit 3' in /sample-buildout.
`,
  );
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("command: a command not found is a user error, nothing is left", async () => {
  using sample = await sampleBuildout();
  const before = tree(sample.dir);
  sample.write(
    "buildout.cfg",
    config(
      "command",
      `command = mkdir made && no-such-command-here --flag
location = made`,
    ),
  );
  const result = await expectError(
    sample,
    "Non zero exit code (127) while running command " +
      "'mkdir made && no-such-command-here --flag' in /sample-buildout.",
  );
  // The shell's own complaint streams through to the user.
  assert.match(result.stderr, /no-such-command-here: (command )?not found/);
  assert.deepEqual(tree(sample.dir), before);
});

Deno.test("command: a command over the system's 128 KiB argument limit is a user error, not an internal one", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    config("command", `command = echo ${"x".repeat(200_000)}`),
  );
  const result = await sample.run("");
  assert.equal(result.code, 1, result.output.slice(0, 2000));
  const lines = result.stderr.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 2), ["While:", "  Installing run."]);
  assert.match(
    lines[2],
    /^Error: Couldn't start \/bin\/sh to run 'echo x+'\.\.\.'x+' \(200005 characters\): argument list too long \(over 128 KiB in the command/,
  );
  assert.equal(lines.length, 3, result.stderr.slice(0, 2000));
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("plone.recipe.command: a failing command is ignored unless stop-on-error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    config("plone.recipe.command", "command = exit 3"),
  );
  await expectOk(
    sample,
    `Installing run.
run: Running 'exit 3'
run: Non zero exit code (3) while running command 'exit 3' in /sample-buildout. Ignored: stop-on-error is off.
`,
  );

  sample.write(
    "buildout.cfg",
    config("plone.recipe.command", "command = exit 3\nstop-on-error = On"),
  );
  await expectError(
    sample,
    "Non zero exit code (3) while running command 'exit 3' in /sample-buildout.",
  );
  // The old part was uninstalled, the new one failed: nothing is recorded.
  assert.equal(installed(sample), "[buildout]\nparts = \n");

  sample.write(
    "buildout.cfg",
    config("plone.recipe.command", "command = true\nstop-on-error = maybe"),
  );
  const result = await expectError(
    sample,
    "Invalid value 'maybe' for 'stop-on-error' in [run], use 'yes', 'on', " +
      "'true', 'no', 'off' or 'false'.",
  );
  assert.match(result.stderr, /^While:\n {2}Installing\.\n/);
});

Deno.test("command: a missing command option is a user error", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config("plone.recipe.command", "location = x"));
  const result = await expectError(sample, "No command specified");
  assert.equal(result.stdout, "Installing run.\nrun: No command specified\n");
});

Deno.test("command: runs in the buildout directory with the environment", async () => {
  using sample = await sampleBuildout();
  const other = sample.tmpdir("elsewhere");
  sample.write(
    "buildout.cfg",
    config("command", 'command = echo "$PWD $GREETING"'),
  );
  await expectOk(
    sample,
    `Installing run.
run: Running 'echo "$PWD $GREETING"'
/sample-buildout hello
`,
    ["-c", sample.path("buildout.cfg")].join(" "),
    { cwd: other, env: { GREETING: "hello" } },
  );
});

Deno.test("commands get environment values that are not UTF-8 as they came, unless the part sets them", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  // od shows the bytes: a runtime would pass U+FFFD (ef bf bd) or nothing.
  const show =
    'printf %s "$LATIN" | od -An -tx1; printf %s "$SET" | od -An -tx1';
  // The harness passes text: a shell puts the bytes in place.
  const through = [
    "/bin/sh",
    "-c",
    "LATIN=$(printf 'caf\\351\\n_'); LATIN=${LATIN%_}; " +
    'SET=$(printf \'\\377\'); export LATIN SET; exec "$0" "$@"',
  ];
  const cases: Array<[string, string]> = [
    ["recipe = command\ncommand = " + show, " 63 61 66 e9 0a\n ff\n"],
    [
      "recipe = collective.recipe.cmd\non_install = true\ncmds = " + show,
      " 63 61 66 e9 0a\n ff\n",
    ],
    [
      "recipe = cmmi\npath = src\nenvironment = SET=mine\nmake-binary = true\n" +
      "configure-command = " + show.replaceAll("%", "%%"),
      " 63 61 66 e9 0a\n 6d 69 6e 65\n",
    ],
  ];
  for (const [options, bytes] of cases) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = run\n[run]\n${options}\n`,
    );
    const result = await sample.run("", { through });
    assert.equal(result.code, 0, result.output);
    assert.ok(result.stdout.endsWith(bytes), result.stdout);
    sample.remove(".installed.cfg");
  }
});

function cmdConfig(recipe: string, options: string): string {
  return `[buildout]
parts = cmds

[cmds]
recipe = ${recipe}
${options}
`;
}

for (const recipe of ["collective.recipe.cmd", "collective.recipe.cmd:sh"]) {
  Deno.test(`${recipe}: install, update, reinstall, uninstall commands`, async () => {
    using sample = await sampleBuildout();
    const before = tree(sample.dir);
    const options = (file: string) =>
      `on_install = true
on_update = true
cmds =
    echo "bouh" > ${file}
    echo ran
uninstall_cmds = rm -f ${file}`;
    sample.write("buildout.cfg", cmdConfig(recipe, options("test.txt")));
    await expectOk(sample, "Installing cmds.\nran\n");
    assert.equal(sample.cat("test.txt"), "bouh\n");
    // Nothing is recorded: the commands own what they create.
    assert.match(installed(sample), /__buildout_installed__ = \n/);

    await expectOk(sample, "Updating cmds.\nran\n");

    sample.write("buildout.cfg", cmdConfig(recipe, options("other.txt")));
    await expectOk(
      sample,
      "Uninstalling cmds.\nRunning uninstall recipe.\nInstalling cmds.\nran\n",
    );
    assert.ok(!existsSync(sample.path("test.txt")));
    assert.equal(sample.cat("other.txt"), "bouh\n");

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(sample, "Uninstalling cmds.\nRunning uninstall recipe.\n");
    assert.deepEqual(tree(sample.dir), before);
  });
}

Deno.test("collective.recipe.cmd: on_install and on_update default to false", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    cmdConfig("collective.recipe.cmd", "cmds = touch x"),
  );
  await expectOk(sample, "Installing cmds.\n");
  await expectOk(sample, "Updating cmds.\n");
  assert.ok(!existsSync(sample.path("x")));
  // Only 1 and true count as true.
  sample.write(
    "buildout.cfg",
    cmdConfig("collective.recipe.cmd", "cmds = touch x\non_install = yes"),
  );
  await expectOk(
    sample,
    "Uninstalling cmds.\nRunning uninstall recipe.\nInstalling cmds.\n",
  );
  assert.ok(!existsSync(sample.path("x")));
});

Deno.test("collective.recipe.cmd: a missing TMPDIR is passed over for /tmp, as Python's tempfile does", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    cmdConfig("collective.recipe.cmd", "on_install = true\ncmds = touch x"),
  );
  const result = await sample.run("", {
    env: { TMPDIR: sample.path("no-such-dir") },
  });
  assert.equal(result.code, 0, result.output);
  assert.ok(existsSync(sample.path("x")));
});

Deno.test("collective.recipe.cmd: shell and a failing line", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    cmdConfig(
      "collective.recipe.cmd",
      `on_install = 1
shell = bash
cmds =
    echo "$BASH_VERSION" | cut -c1 > shell.txt
    no-such-command-here`,
    ),
  );
  const result = await expectError(
    sample,
    "Non zero exit code (127) while running the commands " +
      "'echo \"$BASH_VERSION\" | cut -c1 > shell.txt\\nno-such-command-here' " +
      "with bash in /sample-buildout.",
  );
  assert.match(result.stderr, /no-such-command-here: (command )?not found/);
  assert.match(sample.cat("shell.txt"), /^[0-9]\n$/);
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("collective.recipe.cmd: each line of cmds is stripped, and uninstall_cmds run with the part's shell", async () => {
  using sample = await sampleBuildout();
  // A shell that says it ran: the commands alone would run the same in sh.
  sample.write(
    "loud-sh",
    '#!/bin/sh\necho "loud-sh runs $(basename "$1")"\nexec /bin/sh "$@"\n',
  );
  chmodSync(sample.path("loud-sh"), 0o755);
  sample.write(
    "buildout.cfg",
    cmdConfig(
      "collective.recipe.cmd",
      `on_install = true
shell = ./loud-sh
cmds =
    cat > out.txt <<EOF
        indented
    EOF
uninstall_cmds = echo uninstalled`,
    ),
  );
  await expectOk(sample, "Installing cmds.\nloud-sh runs run\n");
  // As the original strips each line, the here-document's line too.
  assert.equal(sample.cat("out.txt"), "indented\n");

  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(
    sample,
    "Uninstalling cmds.\nRunning uninstall recipe.\nloud-sh runs run\n" +
      "uninstalled\n",
  );
});

Deno.test("collective.recipe.cmd: a long failing block is quoted cut, on one line", async () => {
  using sample = await sampleBuildout();
  const lines = Array.from({ length: 60 }, (_, i) => `    echo line ${i}`);
  sample.write(
    "buildout.cfg",
    cmdConfig(
      "collective.recipe.cmd",
      `on_install = true\ncmds =\n${lines.join("\n")}\n    exit 2`,
    ),
  );
  const result = await expectError(
    sample,
    "Non zero exit code (2) while running the commands 'echo line 0\\n" +
      "echo line 1\\necho line 2\\necho line 3\\necho line 4\\necho line 5\\n" +
      "echo line 6\\necho line 7\\necho line 8\\necho line 9\\necho line 10\\n" +
      "echo li'...'5\\necho line 56\\necho line 57\\necho line 58\\n" +
      "echo line 59\\nexit 2' (776 characters) with sh in /sample-buildout.",
  );
  assert.match(
    result.stderr,
    /^While:\n {2}Installing cmds\.\nError: [^\n]+\n$/,
  );
});

Deno.test("collective.recipe.cmd: a shell refused a start names the commands, not its temporary file", async () => {
  using sample = await sampleBuildout();
  // A variable over the kernel's 128 KiB for one string: no child starts.
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = env cmds

[env]
recipe = environment
BIG = ${"x".repeat(200_000)}

[cmds]
recipe = collective.recipe.cmd
on_install = true
cmds = echo hi
`,
  );
  await expectError(
    sample,
    "Couldn't start /bin/sh to run 'echo hi': argument list too long " +
      "(over 128 KiB in the command or in one environment variable, " +
      "or over getconf ARG_MAX in all)",
  );
});

Deno.test("a variable no shell can name, with a value that is not UTF-8, is passed over: the command runs as without it", async () => {
  using sample = await sampleBuildout();
  // Only env can put such a name in the environment.
  const through = [
    "/bin/sh",
    "-c",
    'exec env "$(printf \'ODD-NAME=\\377\')" "$0" "$@"',
  ];
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = run\n[run]\nrecipe = command\ncommand = echo ran\n",
  );
  const result = await sample.run("", { through });
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stderr, "");
  assert.equal(
    result.stdout,
    "Installing run.\nrun: Running 'echo ran'\nran\n",
  );
});
