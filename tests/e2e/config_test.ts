/**
 * End-to-end tests of the configuration engine of `dist/buildout`, seen
 * through `annotate`, `annotate --json` and the `-vv` configuration dump.
 * The sessions are transcribed from the zc.buildout 1.5.2 documentation
 * ("Annotated sections", "Adding and removing options", "Multiple
 * configuration files", "Loading Configuration from URLs", "User defaults",
 * "Command-line usage", "Predefined buildout options"), with `annotate`
 * standing in for installing parts. Errors in values, which only the
 * initialization of `[buildout]` finds, are provoked with the default command.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { join } from "node:path";
import {
  mkdir,
  type RunOptions,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  write,
} from "./harness.ts";

/** Asserts a successful run with nothing on stderr. */
function assertOk(result: RunResult): void {
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.code, 0, result.output);
}

interface Origin {
  operation: string;
  source: string;
}

interface AnnotatedValue {
  value: string;
  origins: Origin[];
}

type AnnotatedJson = {
  sections: Record<string, Record<string, AnnotatedValue>>;
};

/** `annotate --json SECTIONS...`, parsed; fails unless the run succeeded. */
async function annotateJson(
  sample: Sample,
  args: string,
  opts: RunOptions = {},
): Promise<AnnotatedJson["sections"]> {
  const result = await sample.run(`${args} annotate --json`.trim(), opts);
  assertOk(result);
  return (JSON.parse(result.stdout) as AnnotatedJson).sections;
}

/** The values of one section of an `annotate --json` answer. */
function valuesOf(
  section: Record<string, AnnotatedValue> | undefined,
): Record<string, string> {
  assert.ok(section, "section missing from annotate --json");
  return Object.fromEntries(
    Object.entries(section).map(([name, { value }]) => [name, value]),
  );
}

/** `origins` as `"= /file"`, `"+= COMMAND_LINE_VALUE"`, ... */
function originsOf(value: AnnotatedValue | undefined): string[] {
  assert.ok(value, "option missing from annotate --json");
  return value.origins.map((o) => `${o.operation} ${o.source}`);
}

/**
 * Asserts a failed run as a user should see it: exit 1, stderr ends with
 * exactly one `Error: ...` line (returned, without the prefix), no stack
 * trace.
 */
function assertCleanError(result: RunResult): string {
  assert.equal(result.code, 1, result.output);
  const lines = result.stderr.split("\n");
  assert.equal(
    lines.pop(),
    "",
    `stderr does not end with a newline:\n${result.stderr}`,
  );
  const errors = lines.filter((line) => line.startsWith("Error:"));
  assert.equal(
    errors.length,
    1,
    `not exactly one Error line:\n${result.stderr}`,
  );
  const last = lines[lines.length - 1];
  assert.ok(
    last.startsWith("Error: "),
    `last line is not the error:\n${result.stderr}`,
  );
  assert.doesNotMatch(result.stderr, /^\s+at /m, "stack trace on stderr");
  assert.doesNotMatch(result.stderr, /internal error/i);
  return last.slice("Error: ".length);
}

/** Everything from `Configuration data:` up to the blank line ending it. */
function configurationData(stdout: string): string {
  const start = stdout.indexOf("\nConfiguration data:\n");
  assert.ok(start >= 0, `no Configuration data in:\n${stdout}`);
  const block = stdout.slice(start + 1);
  const end = block.indexOf("\n\n");
  assert.ok(
    end >= 0,
    `Configuration data is not ended by a blank line:\n${stdout}`,
  );
  return block.slice(0, end + 2);
}

// --- Annotated sections ------------------------------------------------------

Deno.test("annotate lists every section and option with its origin", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts = data-dir

[data-dir]
recipe = recipes:mkdir
path = foo bins
`,
  );
  const result = await sample.run("annotate");
  assertOk(result);
  const executable = /^executable= (.+)$/m.exec(result.stdout);
  assert.ok(executable, `no executable line:\n${result.stdout}`);
  assert.equal(
    result.stdout.replace(/^executable= .+$/m, "executable= ..."),
    `
Annotated sections
==================

[buildout]
accept-buildout-test-releases= false
    DEFAULT_VALUE
allow-hosts= *
    DEFAULT_VALUE
allow-picked-versions= true
    DEFAULT_VALUE
allowed-eggs-from-site-packages= *
    DEFAULT_VALUE
bin-directory= bin
    DEFAULT_VALUE
develop= recipes
    /sample-buildout/buildout.cfg
develop-eggs-directory= develop-eggs
    DEFAULT_VALUE
directory= /sample-buildout
    COMPUTED_VALUE
eggs-directory= eggs
    DEFAULT_VALUE
exec-sitecustomize= true
    DEFAULT_VALUE
executable= ...
    DEFAULT_VALUE
find-links= 
    DEFAULT_VALUE
include-site-packages= true
    DEFAULT_VALUE
install-from-cache= false
    DEFAULT_VALUE
installed= .installed.cfg
    DEFAULT_VALUE
log-format= 
    DEFAULT_VALUE
log-level= INFO
    DEFAULT_VALUE
newest= true
    DEFAULT_VALUE
offline= false
    DEFAULT_VALUE
parts= data-dir
    /sample-buildout/buildout.cfg
parts-directory= parts
    DEFAULT_VALUE
prefer-final= true
    DEFAULT_VALUE
python= buildout
    DEFAULT_VALUE
relative-paths= false
    DEFAULT_VALUE
socket-timeout= 
    DEFAULT_VALUE
unzip= false
    DEFAULT_VALUE
use-dependency-links= true
    DEFAULT_VALUE

[data-dir]
path= foo bins
    /sample-buildout/buildout.cfg
recipe= recipes:mkdir
    /sample-buildout/buildout.cfg

`,
  );
});

Deno.test("annotate SECTION shows only that section", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\n" +
      "path = foo bins\n\n[other]\nx = 1\n",
  );
  const result = await sample.run("annotate data-dir");
  assertOk(result);
  assert.equal(
    result.stdout,
    `
Annotated sections
==================

[data-dir]
path= foo bins
    /sample-buildout/buildout.cfg
recipe= recipes:mkdir
    /sample-buildout/buildout.cfg

`,
  );
});

Deno.test("annotate sorts sections and options by code point, as zc.buildout", async () => {
  using sample = await sampleBuildout();
  // UTF-16 order would put U+1F600 (a surrogate pair) before U+FF21.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n[s\u{1f600}]\nx = 1\n[s\uff21]\nx = 2\n" +
      "[s]\n\u{1f600} = a\n\uff21 = b\nz = c\n",
  );
  const result = await sample.run(["annotate", "s", "s\u{1f600}", "s\uff21"]);
  assertOk(result);
  assert.deepEqual(
    result.stdout.split("\n").filter((l) => /^(\[|\S+= )/.test(l)),
    ["[s]", "z= c", "\uff21= b", "\u{1f600}= a", "[s\uff21]", "x= 2"]
      .concat("[s\u{1f600}]", "x= 1"),
  );
  const sections = await annotateJson(sample, "");
  assert.deepEqual(Object.keys(sections).slice(-2), ["s\uff21", "s\u{1f600}"]);
  assert.deepEqual(Object.keys(sections.s), ["z", "\uff21", "\u{1f600}"]);
});

Deno.test("annotate SECTION names on stderr the sections there are none of", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n\n[data]\nx = 1\n");
  for (const args of ["annotate dta data", "annotate --json dta data"]) {
    const result = await sample.run(args);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.stderr, "annotate: no section named dta\n");
    assert.match(result.stdout, /^\[data\]$|"data"/m);
  }
  assert.equal((await sample.run("annotate data")).stderr, "");
});

// --- Adding and removing options ---------------------------------------------

function writeExtensions(sample: Sample): void {
  sample.write(
    "base.cfg",
    `
[buildout]
parts = part1 part2 part3

[part1]
recipe =
option = a1 a2

[part2]
recipe =
option = b1 b2 b3 b4

[part3]
recipe =
option = c1 c2

`,
  );
  sample.write(
    "extension1.cfg",
    `
[buildout]
extends = base.cfg

# appending values
[part1]
option += a3 a4

# removing values
[part2]
option -= b1 b2

# alt. spelling
[part3]
option+=c3 c4 c5

# normal assignment
[part4]
option = h1 h2

`,
  );
  sample.write(
    "extension2.cfg",
    `
[buildout]
extends = extension1.cfg

# appending values
[part1]
option += a5

# removing values
[part2]
option -= b1 b2 b3

`,
  );
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = demo
extensions = demo
extends = extension2.cfg
`,
  );
}

Deno.test("annotate shows the += and -= chain of each value", async () => {
  using sample = await sampleBuildout();
  writeExtensions(sample);
  const result = await sample.run("annotate");
  assertOk(result);
  const start = result.stdout.indexOf("\n[part1]\n");
  assert.ok(start >= 0, result.stdout);
  assert.equal(
    result.stdout.slice(start),
    `
[part1]
option= a1 a2
a3 a4
a5
    /sample-buildout/base.cfg
+=  /sample-buildout/extension1.cfg
+=  /sample-buildout/extension2.cfg
recipe= 
    /sample-buildout/base.cfg

[part2]
option= b1 b2 b3 b4
    /sample-buildout/base.cfg
-=  /sample-buildout/extension1.cfg
-=  /sample-buildout/extension2.cfg
recipe= 
    /sample-buildout/base.cfg

[part3]
option= c1 c2
c3 c4 c5
    /sample-buildout/base.cfg
+=  /sample-buildout/extension1.cfg
recipe= 
    /sample-buildout/base.cfg

[part4]
option= h1 h2
    /sample-buildout/extension1.cfg

`,
  );
});

Deno.test("-= removes lines exactly as written, indentation included, repeated blocks in one file too", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "base.cfg",
    "[s]\nx =\n  a\n    b\n  c\ny =\n  keep\n  gone\n  also\n",
  );
  // Two `[s]` headers in one file (as conditional sections make them): the
  // second block of `y -=` adds to the first, both indented alike.
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\nparts =\n\n" +
      "[s]\nx -=\n  a\n    b\ny -=\n  gone\n\n[s]\ny -=\n  also\n",
  );
  const sections = await annotateJson(sample, "");
  // `    b` is the line `  b` of the block, which x holds.
  assert.deepEqual(valuesOf(sections.s), { x: "c", y: "keep" });
  assert.deepEqual(originsOf(sections.s?.y), [
    "= /sample-buildout/base.cfg",
    "-= /sample-buildout/buildout.cfg",
  ]);
});

Deno.test("-= removes many lines from a long value in linear time", async () => {
  using sample = await sampleBuildout();
  const lines = Array.from({ length: 200_000 }, (_, i) => `  line${i}`);
  sample.write(
    "base.cfg",
    ["[buildout]", "parts =", "[x]", "a =", ...lines, ""].join("\n"),
  );
  sample.write(
    "buildout.cfg",
    ["[buildout]", "extends = base.cfg", "[x]", "a -="]
      .concat(lines.filter((_, i) => i % 2 === 0), "").join("\n"),
  );
  // Comparing every line with every removed one took minutes.
  const result = await sample.run("annotate --json x", { timeoutMs: 20_000 });
  assertOk(result);
  const value = JSON.parse(result.stdout).sections.x.a.value as string;
  const kept = value.split("\n");
  assert.equal(kept.length, 100_000);
  assert.deepEqual(kept.slice(0, 2), ["line1", "line3"]);
});

Deno.test("annotate --json gives the same values and chains", async () => {
  using sample = await sampleBuildout();
  writeExtensions(sample);
  const sections = await annotateJson(sample, "");
  // The values the reference's demo extension printed.
  assert.deepEqual(
    ["part1", "part2", "part3", "part4"].map((p) => sections[p]?.option?.value),
    ["a1 a2\na3 a4\na5", "b1 b2 b3 b4", "c1 c2\nc3 c4 c5", "h1 h2"],
  );
  assert.deepEqual(originsOf(sections.part1?.option), [
    "= /sample-buildout/base.cfg",
    "+= /sample-buildout/extension1.cfg",
    "+= /sample-buildout/extension2.cfg",
  ]);
  assert.deepEqual(originsOf(sections.part2?.option), [
    "= /sample-buildout/base.cfg",
    "-= /sample-buildout/extension1.cfg",
    "-= /sample-buildout/extension2.cfg",
  ]);
  // `extends` is consumed while reading, not an option of the result.
  assert.equal(sections.buildout?.extends, undefined);
  assert.equal(sections.buildout?.parts?.value, "part1 part2 part3");
});

// --- Multiple configuration files --------------------------------------------

function writeMultipleFiles(sample: Sample): void {
  const other = sample.tmpdir("other");
  sample.write(
    "buildout.cfg",
    `
[buildout]
extends = b1.cfg b2.cfg ${other}/b3.cfg

[debug]
op = buildout
`,
  );
  sample.write(
    "b1.cfg",
    "\n[buildout]\nextends = base.cfg\n\n[debug]\nop1 = b1 1\nop2 = b1 2\n",
  );
  sample.write(
    "b2.cfg",
    "\n[buildout]\nextends = base.cfg\n\n[debug]\nop2 = b2 2\nop3 = b2 3\n",
  );
  write(
    other,
    "b3.cfg",
    "\n[buildout]\nextends = b3base.cfg\n\n[debug]\nop4 = b3 4\n",
  );
  write(other, "b3base.cfg", "\n[debug]\nop5 = b3base 5\n");
  sample.write(
    "base.cfg",
    `
[buildout]
develop = recipes
parts = debug

[debug]
recipe = recipes:debug
name = base
`,
  );
}

const MULTIPLE_FILES_DEBUG = {
  name: "base",
  op: "buildout",
  op1: "b1 1",
  op2: "b2 2",
  op3: "b2 3",
  op4: "b3 4",
  op5: "b3base 5",
  recipe: "recipes:debug",
};

Deno.test("extends reads several files, recursively and relatively", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  const sections = await annotateJson(sample, "-U", {});
  assert.deepEqual(valuesOf(sections.debug), MULTIPLE_FILES_DEBUG);
  const debug = sections.debug!;
  assert.deepEqual(originsOf(debug.op), ["= /sample-buildout/buildout.cfg"]);
  assert.deepEqual(originsOf(debug.op2), ["= /sample-buildout/b2.cfg"]);
  assert.deepEqual(originsOf(debug.op4), ["= /other/b3.cfg"]);
  assert.deepEqual(originsOf(debug.op5), ["= /other/b3base.cfg"]);
  assert.equal(sections.buildout?.parts?.value, "debug");
  assert.equal(sections.buildout?.develop?.value, "recipes");
});

// extending.txt (zc.buildout 2 and later): files named by
// buildout:extends=... on the command line extend the configuration, as
// real deployments pin a release with buildout:extends=URL/versions.cfg.
Deno.test("buildout:extends=FILES on the command line extends the configuration", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  sample.write(
    "buildout.cfg",
    "\n[buildout]\nextends = b1.cfg\n\n[debug]\nop = buildout\n",
  );
  sample.write(
    "base.cfg",
    "\n[buildout]\nparts = debug\n\n[debug]\nrecipe = debug\nname = base\n",
  );
  const debugOutput = (more: string) =>
    "Installing debug.\n  name='base'\n  op='buildout'\n  op1='b1 1'\n" +
    `  op2='b2 2'\n  op3='b2 3'\n${more}  recipe='debug'\n`;
  let result = await sample.run("-U buildout:extends=b2.cfg");
  assertOk(result);
  assert.equal(result.stdout, debugOutput(""));

  // Several files, one by its absolute path; relative ones are read from
  // the current directory.
  sample.remove(".installed.cfg");
  const b3 = join(sample.testDir, "other", "b3.cfg");
  result = await sample.run(["-U", `buildout:extends=b2.cfg ${b3}`]);
  assertOk(result);
  assert.equal(
    result.stdout,
    debugOutput("  op4='b3 4'\n  op5='b3base 5'\n"),
  );

  // It is no option, and what the files set is shown with their names.
  const sections = await annotateJson(sample, "-U buildout:extends=b2.cfg");
  assert.equal(sections.buildout?.extends, undefined);
  assert.deepEqual(originsOf(sections.debug?.op3), [
    "= /sample-buildout/b2.cfg",
  ]);
});

// A file extended from the command line adds to the configuration's values
// with +=, as prod.cfg's "parts += monitor" adds to buildout.cfg's.
Deno.test("a += in a file extended from the command line adds to the configuration", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts = a\n");
  sample.write("monitor.cfg", "[buildout]\nparts += monitor\n");
  const sections = await annotateJson(
    sample,
    "buildout:extends=monitor.cfg parts+=more",
  );
  assert.equal(sections.buildout?.parts?.value, "a\nmonitor\nmore");
  assert.deepEqual(originsOf(sections.buildout?.parts), [
    "= /sample-buildout/buildout.cfg",
    "+= /sample-buildout/monitor.cfg",
    "+= COMMAND_LINE_VALUE",
  ]);
});

Deno.test("a URL extended from the command line goes through the configuration's extends-cache", async () => {
  using sample = await sampleBuildout();
  const serverData = sample.tmpdir("server_data");
  write(serverData, "versions.cfg", "[versions]\nfoo = 1.0\n");
  sample.mkdir("cache");
  sample.write("buildout.cfg", "[buildout]\nparts =\nextends-cache = cache\n");
  const server = await startServer(serverData);
  try {
    const args = `buildout:extends=${server.url}versions.cfg`;
    let sections = await annotateJson(sample, args);
    assert.equal(sections.versions?.foo?.value, "1.0");
    assert.deepEqual(server.requests.splice(0), ["/versions.cfg"]);
    // Offline, the copy the first run cached is read.
    sections = await annotateJson(sample, `-o ${args}`);
    assert.equal(sections.versions?.foo?.value, "1.0");
    assert.deepEqual(originsOf(sections.versions?.foo), [
      `= ${server.url}versions.cfg`,
    ]);
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

Deno.test("error: a missing file extended from the command line", async () => {
  const { error } = await configError(
    "[buildout]\nparts =\n",
    "buildout:extends=nope.cfg",
  );
  assert.equal(error, "Couldn't open /sample-buildout/nope.cfg");
  const substituted = await configError(
    "[buildout]\nparts =\n",
    "buildout:extends=${x}.cfg",
  );
  assert.equal(
    substituted.error,
    "Couldn't open /sample-buildout/${x}.cfg: extends cannot use ${...} " +
      "substitutions (they are resolved only after all files are read)",
  );
});

Deno.test("buildout:extends=FILE on the command line reads the files over the configuration", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  const other = sample.path("..", "other");
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = b1.cfg\n\n[debug]\nop = buildout\n",
  );
  const { op4: _, op5: __, ...withoutB3 } = MULTIPLE_FILES_DEBUG;
  let sections = await annotateJson(sample, "-U buildout:extends=b2.cfg");
  assert.deepEqual(valuesOf(sections.debug), withoutB3);
  assert.deepEqual(originsOf(sections.debug?.op2), [
    "= /sample-buildout/b2.cfg",
  ]);
  assert.equal(sections.buildout?.extends, undefined);
  const both = await sample.run([
    "-U",
    `buildout:extends=b2.cfg ${other}/b3.cfg`,
    "annotate",
    "--json",
  ]);
  assertOk(both);
  sections = (JSON.parse(both.stdout) as AnnotatedJson).sections;
  assert.deepEqual(valuesOf(sections.debug), MULTIPLE_FILES_DEBUG);

  // A run reads it too, and finds no unused option in it.
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  sample.write("dev.cfg", "[buildout]\nparts = d\n[d]\nrecipe = debug\n");
  const result = await sample.run("buildout:extends=dev.cfg");
  assertOk(result);
  assert.match(result.stdout, /^Installing d\.$/m);
  assert.doesNotMatch(result.stdout, /Unused options/);
});

Deno.test("annotate --json SECTION limits the answer to that section", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  const result = await sample.run("annotate --json debug");
  assertOk(result);
  const sections = (JSON.parse(result.stdout) as AnnotatedJson).sections;
  assert.deepEqual(Object.keys(sections), ["debug"]);
  assert.deepEqual(valuesOf(sections.debug), MULTIPLE_FILES_DEBUG);
});

Deno.test("annotate --json keeps integer-like names in the text's sorted order", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n[2]\n9 = b\n10 = a\n[10]\nx = 1\n",
  );
  const text = await sample.run("annotate 2 10");
  assertOk(text);
  assert.deepEqual(
    text.stdout.split("\n").filter((l) => /^(\[|\S+= )/.test(l)),
    ["[10]", "x= 1", "[2]", "10= a", "9= b"],
  );
  const result = await sample.run("annotate --json 2 10");
  assertOk(result);
  // JSON.parse would put integer-like keys first again: read the text.
  const names = [...result.stdout.matchAll(/^ {4}(?: {2})?"([^"]*)": \{/gm)]
    .map((m) => m[1]);
  assert.deepEqual(names, ["10", "x", "2", "10", "9"]);
  assert.equal(JSON.parse(result.stdout).sections["2"]["10"].value, "a");
});

Deno.test("annotate --json keeps a section or option named __proto__", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n[__proto__]\n__proto__ = a\nconstructor = b\n",
  );
  const result = await sample.run("annotate --json __proto__");
  assertOk(result);
  const sections = JSON.parse(result.stdout).sections;
  assert.deepEqual(Object.keys(sections), ["__proto__"]);
  const options = Object.getOwnPropertyDescriptor(sections, "__proto__")!.value;
  assert.deepEqual(
    Object.entries(options).map(([key, option]) => [
      key,
      (option as { value: string }).value,
    ]),
    [["__proto__", "a"], ["constructor", "b"]],
  );
});

// --- Loading configuration from URLs -----------------------------------------

Deno.test("configuration files are loaded from URLs", async () => {
  using sample = await sampleBuildout();
  const serverData = sample.tmpdir("server_data");
  write(serverData, "r1.cfg", "\n[debug]\nop1 = r1 1\nop2 = r1 2\n");
  write(
    serverData,
    "r2.cfg",
    "\n[buildout]\nextends = r1.cfg\n\n[debug]\nop2 = r2 2\nop3 = r2 3\n",
  );
  write(
    serverData,
    "remote.cfg",
    `
[buildout]
develop = recipes
parts = debug
extends = r2.cfg

[debug]
recipe = recipes:debug
name = remote
`,
  );
  const server = await startServer(serverData);
  try {
    const url = server.url;
    sample.write(
      "client.cfg",
      `
[buildout]
develop = recipes
parts = debug
extends = ${url}r2.cfg

[debug]
recipe = recipes:debug
name = base
`,
    );

    // A local file extending a URL, which extends a relative URL.
    let sections = await annotateJson(sample, "-c client.cfg");
    assert.deepEqual(valuesOf(sections.debug), {
      name: "base",
      op1: "r1 1",
      op2: "r2 2",
      op3: "r2 3",
      recipe: "recipes:debug",
    });
    assert.deepEqual(originsOf(sections.debug?.op1), [`= ${url}r1.cfg`]);
    assert.deepEqual(originsOf(sections.debug?.op3), [`= ${url}r2.cfg`]);
    assert.equal(sections.buildout?.directory?.value, "/sample-buildout");
    assert.deepEqual(server.requests.splice(0), ["/r2.cfg", "/r1.cfg"]);

    // A URL as the configuration file: no directory to default to. As in
    // the reference, the default command reports it (annotate shows the
    // configuration without initializing [buildout]).
    const failed = await sample.run(["-c", `${url}remote.cfg`]);
    assert.equal(
      failed.stderr,
      "While:\n  Initializing.\nError: Missing option: buildout:directory\n",
    );
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, "");
    assert.deepEqual(server.requests.splice(0), [
      "/remote.cfg",
      "/r2.cfg",
      "/r1.cfg",
    ]);

    // ... so it is given on the command line.
    sections = await annotateJson(
      sample,
      `-c ${url}remote.cfg buildout:directory=${sample.dir}`,
    );
    assert.deepEqual(valuesOf(sections.debug), {
      name: "remote",
      op1: "r1 1",
      op2: "r2 2",
      op3: "r2 3",
      recipe: "recipes:debug",
    });
    assert.deepEqual(originsOf(sections.debug?.name), [`= ${url}remote.cfg`]);
    assert.equal(sections.buildout?.directory?.value, "/sample-buildout");
    assert.deepEqual(originsOf(sections.buildout?.directory), [
      "= COMMAND_LINE_VALUE",
    ]);
    assert.deepEqual(server.requests.splice(0), [
      "/remote.cfg",
      "/r2.cfg",
      "/r1.cfg",
    ]);
  } finally {
    await server.close();
  }
});

// --- User defaults -------------------------------------------------------------

Deno.test("HOME/.buildout/default.cfg is read first, -U skips it", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  mkdir(sample.home, ".buildout");
  write(
    sample.home,
    ".buildout",
    "default.cfg",
    "\n[debug]\nop1 = 1\nop7 = 7\n",
  );

  let sections = await annotateJson(sample, "");
  assert.deepEqual(valuesOf(sections.debug), {
    ...MULTIPLE_FILES_DEBUG,
    op7: "7",
  });
  assert.deepEqual(originsOf(sections.debug?.op7), [
    "= /home/.buildout/default.cfg",
  ]);

  sections = await annotateJson(sample, "-U");
  assert.deepEqual(valuesOf(sections.debug), MULTIPLE_FILES_DEBUG);
});

Deno.test("BUILDOUT_HOME/default.cfg wins over HOME", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  mkdir(sample.home, ".buildout");
  write(sample.home, ".buildout", "default.cfg", "[debug]\nop7 = home\n");
  const buildoutHome = sample.tmpdir("buildout-home");
  write(buildoutHome, "default.cfg", "[debug]\nop7 = buildout-home\n");

  const sections = await annotateJson(sample, "", {
    env: { BUILDOUT_HOME: buildoutHome },
  });
  assert.equal(sections.debug?.op7?.value, "buildout-home");
  assert.deepEqual(originsOf(sections.debug?.op7), [
    "= /buildout-home/default.cfg",
  ]);
});

// "$HOME/.buildout/default.cfg, [if it] exists, is read": a relative HOME
// (or BUILDOUT_HOME) names it from the current directory, where it exists.
Deno.test("a relative HOME or BUILDOUT_HOME reads the user defaults from the current directory", async () => {
  using sample = await sampleBuildout();
  writeMultipleFiles(sample);
  mkdir(sample.dir, "home", ".buildout");
  write(
    sample.dir,
    "home",
    ".buildout",
    "default.cfg",
    "[debug]\nop7 = home\n",
  );
  mkdir(sample.dir, "bh");
  write(sample.dir, "bh", "default.cfg", "[debug]\nop7 = buildout-home\n");

  let sections = await annotateJson(sample, "", { env: { HOME: "home" } });
  assert.equal(sections.debug?.op7?.value, "home");
  assert.deepEqual(originsOf(sections.debug?.op7), [
    "= /sample-buildout/home/.buildout/default.cfg",
  ]);
  sections = await annotateJson(sample, "", { env: { BUILDOUT_HOME: "bh" } });
  assert.equal(sections.debug?.op7?.value, "buildout-home");
  assert.deepEqual(originsOf(sections.debug?.op7), [
    "= /sample-buildout/bh/default.cfg",
  ]);
});

// zc.buildout 3.0.0b1: "Fix issue with incrementing options from
// `.buildout/default.cfg`" (test_increment.py); the user defaults are the
// base of the first file that extends nothing.
Deno.test("+= and -= in a file that extends apply to the user defaults", async () => {
  using sample = await sampleBuildout();
  mkdir(sample.home, ".buildout");
  write(
    sample.home,
    ".buildout",
    "default.cfg",
    "[buildout]\nextensions = demo\n[debug]\ndec = 1\n      2\ninc = 1\n",
  );
  write(sample.dir, "base.cfg", "[buildout]\n");
  write(sample.dir, "base2.cfg", "[buildout]\nextensions += demo2\n");
  write(
    sample.dir,
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\n          base2.cfg\nparts =\n" +
      "extensions += demo3\n[debug]\ndec -= 2\ninc += 2\n",
  );

  const sections = await annotateJson(sample, "");
  assert.equal(sections.debug?.inc?.value, "1\n2");
  assert.deepEqual(originsOf(sections.debug?.inc), [
    "= /home/.buildout/default.cfg",
    "+= /sample-buildout/buildout.cfg",
  ]);
  assert.equal(sections.debug?.dec?.value, "1");
  assert.equal(sections.buildout?.extensions?.value, "demo\ndemo2\ndemo3");
  assert.deepEqual(originsOf(sections.buildout?.extensions), [
    "= /home/.buildout/default.cfg",
    "+= /sample-buildout/base2.cfg",
    "+= /sample-buildout/buildout.cfg",
  ]);
});

// zc.buildout merges the files in the order they are read, each extended
// file before the file extending it: a += applies to what was read before
// it, and an = read after it replaces the value.
Deno.test("a value set by the file extending a += is not added to by it", async () => {
  using sample = await sampleBuildout();
  sample.write("base.cfg", "[debug]\nop = 1\nop += 2\nother += 3\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\nparts =\n[debug]\nop = 4\nother = 5\n",
  );

  const sections = await annotateJson(sample, "");
  assert.deepEqual(valuesOf(sections.debug), { op: "4", other: "5" });
  assert.deepEqual(originsOf(sections.debug?.other), [
    "= /sample-buildout/buildout.cfg",
  ]);
});

Deno.test("a += in a file that extends others adds to what an earlier extended file set", async () => {
  using sample = await sampleBuildout();
  sample.write("a.cfg", "[debug]\nop = a\n");
  sample.write("q.cfg", "[other]\nx = 1\n");
  sample.write("p.cfg", "[buildout]\nextends = q.cfg\n[debug]\nop += p\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = a.cfg p.cfg\nparts =\n",
  );

  const sections = await annotateJson(sample, "");
  assert.equal(sections.debug?.op?.value, "a\np");
  assert.deepEqual(originsOf(sections.debug?.op), [
    "= /sample-buildout/a.cfg",
    "+= /sample-buildout/p.cfg",
  ]);
});

Deno.test("a += no file sets a value for replaces the default, whether its file extends or not", async () => {
  using sample = await sampleBuildout();
  sample.write("base.cfg", "[other]\nx = 1\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nallow-hosts += pypi.org\n",
  );
  let sections = await annotateJson(sample, "");
  assert.equal(sections.buildout?.["allow-hosts"]?.value, "pypi.org");

  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\nparts =\nallow-hosts += pypi.org\n",
  );
  sections = await annotateJson(sample, "");
  assert.equal(sections.buildout?.["allow-hosts"]?.value, "pypi.org");
});

Deno.test("a file extended twice adds its += lines once", async () => {
  using sample = await sampleBuildout();
  sample.write("c.cfg", "[debug]\nop += c\n");
  sample.write("a.cfg", "[buildout]\nextends = c.cfg\n");
  sample.write("b.cfg", "[buildout]\nextends = c.cfg\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = a.cfg b.cfg c.cfg\nparts =\n",
  );
  const sections = await annotateJson(sample, "");
  assert.equal(sections.debug?.op?.value, "c");
});

Deno.test("a file extended twice adds its += lines once to what the user defaults set", async () => {
  using sample = await sampleBuildout();
  mkdir(sample.home, ".buildout");
  sample.write(
    sample.home,
    ".buildout",
    "default.cfg",
    "[buildout]\nfind-links = /home-links\n[debug]\nop = home\n  gone\n",
  );
  sample.write(
    "c.cfg",
    "[buildout]\nfind-links += /c\n[debug]\nop -= gone\nop += c\n",
  );
  sample.write("a.cfg", "[buildout]\nextends = c.cfg\n[debug]\nop += a\n");
  sample.write("b.cfg", "[buildout]\nextends = c.cfg\n[debug]\nop += b\n");
  sample.write("buildout.cfg", "[buildout]\nextends = a.cfg b.cfg\nparts =\n");
  const sections = await annotateJson(sample, "");
  assert.equal(sections.buildout?.["find-links"]?.value, "/home-links\n/c");
  assert.equal(sections.debug?.op?.value, "home\nc\na\nb");
});
// --- Command-line usage ----------------------------------------------------

const OTHER_CFG = `
[buildout]
develop = recipes
parts = debug
installed = .other.cfg
log-level = WARNING

[debug]
name = other
recipe = recipes:debug
`;

const OTHER_DEBUG = `
Annotated sections
==================

[debug]
name= other
    /sample-buildout/other.cfg
op1= foo
    COMMAND_LINE_VALUE
recipe= recipes:debug
    /sample-buildout/other.cfg

`;

Deno.test("-c other.cfg with an assignment and -v", async () => {
  using sample = await sampleBuildout();
  sample.write("other.cfg", OTHER_CFG);
  let result = await sample.run(
    "-c other.cfg debug:op1=foo -v annotate debug",
  );
  assertOk(result);
  assert.equal(result.stdout, OTHER_DEBUG);

  const sections = await annotateJson(sample, "-c other.cfg -v");
  const buildout = valuesOf(sections.buildout);
  assert.equal(buildout.installed, ".other.cfg");
  assert.equal(buildout["log-level"], "WARNING");
  assert.equal(buildout.verbosity, "10");
  assert.deepEqual(originsOf(sections.buildout?.verbosity), [
    "= COMMAND_LINE_VALUE",
  ]);

  // Options combined the Unix way, -c last with its argument attached.
  result = await sample.run("-vcother.cfg debug:op1=foo annotate debug");
  assertOk(result);
  assert.equal(result.stdout, OTHER_DEBUG);
});

Deno.test("section:option+=value appends to a file's value", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n\n[debug]\nx = base\n");
  const result = await sample.run("debug:x+=more annotate debug");
  assertOk(result);
  assert.equal(
    result.stdout,
    `
Annotated sections
==================

[debug]
x= base
more
    /sample-buildout/buildout.cfg
+=  COMMAND_LINE_VALUE

`,
  );
  const sections = await annotateJson(sample, "debug:x+=more");
  assert.equal(sections.debug?.x?.value, "base\nmore");
  assert.deepEqual(originsOf(sections.debug?.x), [
    "= /sample-buildout/buildout.cfg",
    "+= COMMAND_LINE_VALUE",
  ]);
});

Deno.test("section:option+=value reaches the sections that copy it with <=, and buildout:parts+= adds one", async () => {
  // zc.buildout's increment_on_command_line.
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = p1\nx = 1\ny = a\n    b\n\n" +
      "[p1]\nrecipe = zc.buildout:debug\nfoo = ${buildout:x} ${buildout:y}\n\n" +
      "[p2]\n<= p1\n",
  );
  const result = await sample.run("buildout:parts+=p2 p1:foo+=bar");
  assertOk(result);
  assert.equal(
    result.stdout,
    `Installing p1.
  foo='1 a\\nb\\nbar'
  recipe='zc.buildout:debug'
Installing p2.
  foo='1 a\\nb\\nbar'
  recipe='zc.buildout:debug'
`,
  );
});

Deno.test("an assignment creates a section no file defines", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("newsec:a=1 annotate newsec");
  assertOk(result);
  assert.equal(
    result.stdout,
    `
Annotated sections
==================

[newsec]
a= 1
    COMMAND_LINE_VALUE

`,
  );
});

Deno.test("-o is buildout:offline=true from the command line", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("-o annotate buildout");
  assertOk(result);
  assert.match(result.stdout, /^offline= true\n {4}COMMAND_LINE_VALUE$/m);
  const sections = await annotateJson(sample, "-o");
  assert.equal(sections.buildout?.offline?.value, "true");
  assert.deepEqual(originsOf(sections.buildout?.offline), [
    "= COMMAND_LINE_VALUE",
  ]);
});

Deno.test("-O, -n and -N set offline and newest from the command line; the last flag wins", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\noffline = true\nnewest = false\n",
  );
  const sections = await annotateJson(sample, "-O -n");
  assert.equal(sections.buildout?.offline?.value, "false");
  assert.equal(sections.buildout?.newest?.value, "true");
  for (const option of ["offline", "newest"]) {
    assert.deepEqual(originsOf(sections.buildout?.[option]).slice(-1), [
      "= COMMAND_LINE_VALUE",
    ]);
  }
  const last = await annotateJson(sample, "-nN -Oo");
  assert.equal(last.buildout?.newest?.value, "false");
  assert.equal(last.buildout?.offline?.value, "true");
});

Deno.test("-t without a value is an error naming the option", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("-t");
  assert.equal(
    assertCleanError(result),
    "No timeout value specified for option -t",
  );
  assert.equal(result.stdout, "");
});

Deno.test("-t 5 announces and sets the socket timeout", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("-t 5 annotate buildout");
  assertOk(result);
  assert.ok(
    result.stdout.startsWith("Setting socket time out to 5 seconds\n"),
    result.stdout,
  );
  assert.match(result.stdout, /^socket-timeout= 5\n {4}COMMAND_LINE_VALUE$/m);
  const padded = await sample.run("-t 05 annotate buildout");
  assertOk(padded);
  assert.ok(
    padded.stdout.startsWith("Setting socket time out to 5 seconds\n"),
    padded.stdout,
  );
  assert.match(padded.stdout, /^socket-timeout= 5\n {4}COMMAND_LINE_VALUE$/m);
});

Deno.test("-t +5 is 5 seconds, as Python's int() reads it", async () => {
  using sample = await sampleBuildout();
  const signed = await sample.run(["-t", "+5", "annotate", "buildout"]);
  assertOk(signed);
  assert.ok(
    signed.stdout.startsWith("Setting socket time out to 5 seconds\n"),
    signed.stdout,
  );
  assert.match(signed.stdout, /^socket-timeout= 5\n {4}COMMAND_LINE_VALUE$/m);
  const zero = await sample.run(["-t", "+0", "annotate"]);
  assert.equal(
    zero.output,
    "Error: Timeout value must be at least 1 second: -t +0\n",
  );
  assert.equal(zero.code, 1);
});

Deno.test("-t 5 annotate --json announces on stderr: stdout stays JSON", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("-t 5 annotate --json buildout");
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stderr, "Setting socket time out to 5 seconds\n");
  const sections = (JSON.parse(result.stdout) as AnnotatedJson).sections;
  assert.equal(sections.buildout?.["socket-timeout"]?.value, "5");
});

Deno.test("-t longer than timers can wait (24.8 days) still downloads, and is shown whole", async () => {
  using sample = await sampleBuildout();
  const serverData = sample.tmpdir("server_data");
  write(serverData, "base.cfg", "[buildout]\nparts =\n[x]\na = 1\n");
  const server = await startServer(serverData);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${server.url}base.cfg\n`,
    );
    for (const seconds of ["2592000", "99999999999999999999999"]) {
      const result = await sample.run(`-t ${seconds} annotate x`);
      assertOk(result);
      assert.ok(
        result.stdout.startsWith(
          `Setting socket time out to ${seconds} seconds\n`,
        ),
        result.stdout,
      );
      assert.match(result.stdout, /^a= 1$/m);
    }
  } finally {
    await server.close();
  }
});

// --- Predefined buildout options (-vv) ----------------------------------------

Deno.test("-vv prints the configuration data of a minimal buildout", async () => {
  using sample = await sampleBuildout();
  const result = await sample.run("-vv");
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  const data = configurationData(result.stdout);
  const executable = /^executable = (.+)$/m.exec(data);
  assert.ok(executable, data);
  assert.equal(
    data.replace(/^executable = .+$/m, "executable = ..."),
    `Configuration data:
[buildout]
accept-buildout-test-releases = false
allow-hosts = *
allow-picked-versions = true
allowed-eggs-from-site-packages = *
bin-directory = /sample-buildout/bin
develop-eggs-directory = /sample-buildout/develop-eggs
directory = /sample-buildout
eggs-directory = /sample-buildout/eggs
exec-sitecustomize = true
executable = ...
find-links = 
include-site-packages = true
install-from-cache = false
installed = /sample-buildout/.installed.cfg
log-format = 
log-level = INFO
newest = true
offline = false
parts = 
parts-directory = /sample-buildout/parts
prefer-final = true
python = buildout
relative-paths = false
socket-timeout = 
unzip = false
use-dependency-links = true
verbosity = 20

`,
  );
});

Deno.test("-vv prints the sections sorted by name, as zc.buildout does", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = zeta alpha\n\n" +
      "[zeta]\nrecipe = debug\nport = ${mid:port}\n\n" +
      "[alpha]\nrecipe = debug\n\n[mid]\nport = 1\n",
  );
  const result = await sample.run("-vv");
  const data = configurationData(result.stdout);
  const headers = data.match(/^\[[^\]]+\]$/gm);
  assert.deepEqual(headers, [
    "[alpha]",
    "[buildout]",
    "[mid]",
    "[zeta]",
  ], data);
});

// --- Extending sections (macros) ------------------------------------------------

Deno.test("<= copies options before substitution (macros)", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `
[buildout]
parts =
files = \${myfiles:file1} \${myfiles:file2}

[debug]
recipe = zc.buildout:debug

[with_file1]
<= debug
file1 = \${:path}/file1
color = red

[with_file2]
<= debug
file2 = \${:path}/file2
color = blue

[myfiles]
<= with_file1
   with_file2
path = mydata
`,
  );
  const result = await sample.run("-vv");
  const data = configurationData(result.stdout);
  assert.match(data, /^files = mydata\/file1 mydata\/file2$/m);
  const start = data.indexOf("[myfiles]\n");
  assert.ok(start >= 0, data);
  assert.equal(
    data.slice(start),
    `[myfiles]
color = blue
file1 = mydata/file1
file2 = mydata/file2
path = mydata
recipe = zc.buildout:debug

`,
  );
});

Deno.test("<= of two sections extending the same macro, += applied before -=", async () => {
  using sample = await sampleBuildout();
  // The names are the lines of the value, however indented.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nx = ${s:x}\n\n[base]\nx = a\n\n[c]\n<= base\n\n[a]\n<= c\ny = 1\n\n[b]\n<= c\nz = 2\n\n" +
      "[s]\n<=\n  a\n    b\nx -= tmp\nx += tmp\n  b\n",
  );
  const result = await sample.run("-vv");
  assertOk(result);
  const data = configurationData(result.stdout);
  assert.equal(
    data.slice(data.indexOf("[s]\n")),
    "[s]\nx = a\n\tb\ny = 1\nz = 2\n\n",
  );
});

// --- Errors --------------------------------------------------------------------

/**
 * Errors found while reading the files (syntax, `extends`, assignments,
 * conditions) stop `annotate` itself: runs `args annotate` on `config` and
 * checks the error output.
 */
async function configError(
  config: string,
  args = "",
  prepare: (sample: Sample) => void = () => {},
): Promise<{ error: string; result: RunResult }> {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config);
  prepare(sample);
  const result = await sample.run(`${args} annotate`.trim());
  assert.equal(result.stdout, "", result.output);
  return { error: assertCleanError(result), result };
}

/**
 * Errors in values stop the initialization of `[buildout]`, which the
 * default command does first (as zc.buildout's constructor) while `annotate`
 * shows values unresolved: runs the default command on `config` and checks
 * the error output.
 */
async function initError(
  config: string,
): Promise<{ error: string; result: RunResult }> {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", config);
  const result = await sample.run([]);
  assert.equal(result.stdout, "", result.output);
  return { error: assertCleanError(result), result };
}

// "Section names can contain any characters other than newlines and right
// square braces" (Configuration file syntax), and a substitution may name
// them: `${my section:op}`.
Deno.test("a section name may hold spaces, and a substitution name it", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = debug\n\n[my section]\nop = 2\n\n" +
      "[debug]\nrecipe = debug\ny = ${my section:op}\n",
  );
  let result = await sample.run(["annotate", "my section"]);
  assertOk(result);
  assert.equal(
    result.stdout,
    "\nAnnotated sections\n==================\n\n[my section]\nop= 2\n" +
      "    /sample-buildout/buildout.cfg\n\n",
  );
  result = await sample.run([]);
  assertOk(result);
  assert.equal(
    result.stdout,
    "Installing debug.\n  recipe='debug'\n  y='2'\n",
  );
});

Deno.test("error: a line that is no option, header or continuation", async () => {
  const { error } = await configError("[buildout]\nparts =\n[x]\nhehe\n");
  assert.match(error, /^\/sample-buildout\/buildout\.cfg, line 4\b.*'hehe'/);
});

Deno.test("error: text before the first section header", async () => {
  const { error } = await configError("junk\n[buildout]\nparts =\n");
  assert.match(error, /^\/sample-buildout\/buildout\.cfg, line 1\b.*'junk'/);
});

Deno.test("error: an unterminated ${ in a [buildout] option", async () => {
  const { error, result } = await initError(
    "[buildout]\nparts =\nfoo = ${bar\n",
  );
  assert.match(result.stderr, /^ {2}Getting option buildout:foo\.$/m);
  assert.equal(error, "The substitution, ${bar, is not terminated by '}'.");
});

Deno.test("error: a reference to an undefined section", async () => {
  const { result } = await initError(
    "[buildout]\nparts =\nfoo = ${nope:x}\n",
  );
  assert.equal(
    result.stderr,
    `While:
  Initializing.
  Getting section buildout.
  Initializing section buildout.
  Getting option buildout:foo.
  Getting section nope.
Error: The referenced section, 'nope', was not defined.
`,
  );
});

Deno.test("error: a reference to an undefined option", async () => {
  const { error, result } = await initError(
    "[buildout]\nparts =\nfoo = ${x:y}\n\n[x]\na = 1\n",
  );
  assert.match(result.stderr, /^ {2}Getting option buildout:foo\.$/m);
  assert.match(error, /\bx:y\b/);
});

Deno.test("error: a missing extends file", async () => {
  const { error } = await configError(
    "[buildout]\nextends = missing.cfg\nparts =\n",
  );
  assert.equal(
    error,
    "Couldn't open /sample-buildout/missing.cfg, " +
      "extended by /sample-buildout/buildout.cfg",
  );
  // Named by the file that extends it, not by the first file of the chain.
  const nested = await configError(
    "[buildout]\nextends = base/a.cfg\nparts =\n",
    "",
    (sample) => {
      sample.mkdir("base");
      sample.write("base/a.cfg", "[buildout]\nextends = missing.cfg\n");
    },
  );
  assert.equal(
    nested.error,
    "Couldn't open /sample-buildout/base/missing.cfg, " +
      "extended by /sample-buildout/base/a.cfg",
  );
});

Deno.test("error: an unreadable extends file", async () => {
  const asRoot = process.getuid?.() === 0;
  const { error } = await configError(
    "[buildout]\nextends = x.cfg\nparts =\n",
    "",
    (sample) => {
      if (asRoot) {
        // root reads anything: a directory stands in for an unreadable file.
        sample.mkdir("x.cfg");
      } else {
        sample.write("x.cfg", "[x]\na = 1\n");
        Deno.chmodSync(sample.path("x.cfg"), 0o000);
      }
    },
  );
  assert.match(error, /^Couldn't (open|read) \/sample-buildout\/x\.cfg\b/);
});

Deno.test("error: an extends cycle", async () => {
  const { error } = await configError(
    "[buildout]\nextends = a.cfg\nparts =\n",
    "",
    (sample) => {
      sample.write("a.cfg", "[buildout]\nextends = b.cfg\n");
      sample.write("b.cfg", "[buildout]\nextends = a.cfg\n");
    },
  );
  assert.equal(
    error,
    "Recursive file include: /sample-buildout/buildout.cfg -> " +
      "/sample-buildout/a.cfg -> /sample-buildout/b.cfg -> " +
      "/sample-buildout/a.cfg",
  );
});

// zc.buildout 2.0: "Raise a UserError if the [extended-by] option is
// encountered instead of ignoring it", in any file read, extended ones too.
Deno.test("error: extended-by, which zc.buildout 2 dropped, names its file", async () => {
  // Written with += or -=, it would be as silently ignored.
  for (const op of ["=", "+=", "-="]) {
    const { error } = await configError(
      "[buildout]\nextends = base.cfg\nparts =\n",
      "",
      (sample) => {
        sample.write(
          "base.cfg",
          `[buildout]\nextended-by ${op} local.cfg\n[x]\na = 1\n`,
        );
        sample.write("local.cfg", "[x]\na = 2\n");
      },
    );
    assert.equal(
      error,
      'No-longer supported "extended-by" option found in ' +
        "/sample-buildout/base.cfg (remove it, and name this file and the " +
        "files it lists, in that order, in the extends of a file of your own)",
      op,
    );
  }
});

Deno.test("error: a substitution cycle in [buildout]", async () => {
  const { error } = await initError(
    "[buildout]\nparts =\na = ${buildout:b}\nb = ${:a}\n",
  );
  assert.match(error, /^Circular reference in substitutions: /);
  assert.match(error, /\$\{buildout:a\}/);
  assert.match(error, /\$\{buildout:b\}/);
});

// zc.buildout 2.0 on: "The section defaults to the buildout section."
Deno.test("an assignment without a section sets [buildout]'s option", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = a\n\n[a]\nrecipe = debug\nx = 1\n",
  );
  const set = await sample.run("parts= annotate buildout");
  assert.equal(set.code, 0, set.output);
  assert.ok(set.stdout.includes("\nparts= \n    COMMAND_LINE_VALUE\n"));
  const added = await sample.run("parts+=b annotate buildout");
  assert.ok(
    sample.normalize(added.stdout).includes(
      "\nparts= a\nb\n    /sample-buildout/buildout.cfg\n+=  COMMAND_LINE_VALUE\n",
    ),
    added.stdout,
  );
  const run = await sample.run("foo=bar");
  assert.equal(run.code, 0, run.output);
  assert.match(run.stdout, /^Unused options for buildout: 'foo'\.\n/m);
});

Deno.test("error: an assignment without an option name", async () => {
  for (const arg of ["=bar", ":x=1", "a:=1"]) {
    const { error } = await configError("[buildout]\nparts =\n", arg);
    assert.equal(
      error,
      `Invalid option: ${arg} (assignments are [section:]option=value)`,
    );
  }
});

Deno.test("error: an assignment with two colons", async () => {
  const { error } = await configError("[buildout]\nparts =\n", "a:b:c=1");
  assert.match(error, /^Invalid option: a:b:c\b/);
});

Deno.test("error: an invalid log-level", async () => {
  const { error } = await initError(
    "[buildout]\nparts =\nlog-level = LOUD\n",
  );
  assert.equal(error, "Invalid logging level LOUD");
});

Deno.test("error: a log-level naming no level but a property every object has", async () => {
  for (const name of ["constructor", "toString", "__proto__"]) {
    const { error } = await initError(
      `[buildout]\nparts =\nlog-level = ${name}\n`,
    );
    assert.equal(error, `Invalid logging level ${name}`);
  }
});

Deno.test("error: an invalid offline value", async () => {
  const { error } = await initError("[buildout]\nparts =\noffline = maybe\n");
  assert.equal(error, "Invalid value for offline option: maybe");
});

Deno.test("error: an unknown name in a condition", async () => {
  const { error } = await configError(
    "[buildout]\nparts =\n\n[x:nosuchname]\na = 1\n",
  );
  assert.match(error, /^\/sample-buildout\/buildout\.cfg, line 4\b/);
  assert.match(error, /nosuchname/);
});

// zc.buildout's configparser.test: arithmetic in a header, true and false.
Deno.test("a condition may compute: [s2 : 2 + 2 == 5] is dropped, [s2 : 41 + 1 == 42] kept", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n\n[s1: 2 + 2 == 4] # true\na = 1\n\n" +
      "[   s2 : 2 + 2 == 5  ]   # false\nlong = a\n\n" +
      "[   s2 : 41 + 1 == 42  ]  # true\nlong = b\n",
  );
  const sections = await annotateJson(sample, "");
  assert.deepEqual(valuesOf(sections.s1), { a: "1" });
  assert.deepEqual(valuesOf(sections.s2), { long: "b" });
});

// zc.buildout's configparser strips the expression and evaluates it only
// when something is left.
Deno.test("a header with an empty condition, [s:] or [s: ], is the section's", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n\n[s:]\na = 1\n\n[s:  ]\nb = 2\n",
  );
  const sections = await annotateJson(sample, "");
  assert.deepEqual(valuesOf(sections.s), { a: "1", b: "2" });
});

Deno.test("a file whose first header has a false condition loses only that section", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "pins.cfg",
    "[versions:windows]\npywin32 = 306\n\n[versions]\nsix = 1.16\n",
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = pins.cfg\nparts =\n",
  );
  const sections = await annotateJson(sample, "");
  assert.deepEqual(valuesOf(sections.versions), {
    six: "1.16",
    ...(process.platform === "win32" ? { pywin32: "306" } : {}),
  });
});

Deno.test("error: a part whose only header has a false condition says so", async () => {
  const { error } = await initError(
    "[buildout]\nparts = a\n\n[a:sys.platform == 1]\nrecipe = debug\n",
  );
  assert.equal(
    error,
    "The referenced section, 'a', was not defined. Its header " +
      "[a:sys.platform == 1] at /sample-buildout/buildout.cfg, line 4 has " +
      "a false condition.",
  );
  // Of two false headers, the first is named.
  const twice = await initError(
    "[buildout]\nparts = a\n\n[a:sys.platform == 1]\nx = 1\n\n" +
      "[a:sys.platform == 2]\nrecipe = debug\n",
  );
  assert.equal(
    twice.error,
    "The referenced section, 'a', was not defined. Its header " +
      "[a:sys.platform == 1] at /sample-buildout/buildout.cfg, line 4 has " +
      "a false condition.",
  );
});

Deno.test("error: parts separated by commas says how to list them", async () => {
  const { error } = await initError(
    "[buildout]\nparts = a, b\n\n[a]\nrecipe = debug\n\n[b]\nrecipe = debug\n",
  );
  assert.equal(
    error,
    "The referenced section, 'a,', was not defined. Names in a list are " +
      "separated by white space, not commas: [a] is defined.",
  );
  // Without a section of the name less the comma, only zc.buildout's words.
  const other = await initError("[buildout]\nparts = c, b\n\n[b]\n");
  assert.equal(
    other.error,
    "The referenced section, 'c,', was not defined.",
  );
});

Deno.test("error: a division by zero in a condition", async () => {
  const { error } = await configError(
    "[buildout]\nparts =\n\n[x:1 / 0]\na = 1\n",
  );
  assert.equal(
    error,
    "/sample-buildout/buildout.cfg, line 4: invalid condition in " +
      "[x:1 / 0]: division by zero",
  );
});

Deno.test("error: <= naming a section that does not exist", async () => {
  const { error, result } = await initError(
    "[buildout]\nparts =\nfoo = ${x:y}\n\n[x]\n<= nosuch\n",
  );
  assert.match(result.stderr, /^ {2}Initializing section x\.$/m);
  assert.match(error, /^No section named 'nosuch'/);
});

Deno.test("error: <= extending in a loop", async () => {
  const { error } = await initError(
    "[buildout]\nparts =\nfoo = ${x:y}\n\n[x]\n<= z\n\n[z]\n<= x\n",
  );
  assert.match(error, /^Infinite extending loop 'x'/);
});

// --- Conditional sections, optional-extends, _profile_base_location_ ---------

Deno.test("conditional sections apply on this platform only", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts =

[s]
a = common
b = default

[s:linux]
b = linux

[s:windows]
b = windows
c = windows only

[t:windows]
x = 1
`,
  );
  const sections = await annotateJson(sample, "");
  if (process.platform === "linux") {
    assert.deepEqual(valuesOf(sections.s), { a: "common", b: "linux" });
    assert.equal(sections.t, undefined);
  }
  assert.deepEqual(originsOf(sections.s?.a), [
    "= /sample-buildout/buildout.cfg",
  ]);
});

Deno.test("optional-extends reads only the files that exist", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\noptional-extends = absent.cfg present.cfg\n" +
      "\n[s]\na = main\n",
  );
  sample.write("present.cfg", "[s]\na = present\nb = present\n");
  const result = await sample.run("annotate --json");
  assert.equal(result.code, 0, result.output);
  // zc.buildout's notice, on stderr: stdout stays JSON.
  assert.equal(result.stderr, "optional-extends file not found: absent.cfg\n");
  const sections = (JSON.parse(result.stdout) as AnnotatedJson).sections;
  assert.deepEqual(valuesOf(sections.s), { a: "main", b: "present" });
  assert.deepEqual(originsOf(sections.s?.b), [
    "= /sample-buildout/present.cfg",
  ]);
  assert.equal(sections.buildout?.["optional-extends"], undefined);
});

Deno.test("optional-extends skips a URL the server does not have (or, offline, not cached), and nothing else", async () => {
  using sample = await sampleBuildout();
  const serverData = sample.tmpdir("server");
  write(serverData, "present.cfg", "[s]\nb = present\n");
  write(serverData, "broken.cfg", "[buildout]\nextends = gone.cfg\n");
  const server = await startServer(serverData, {
    handlers: {
      "/failing.cfg": (_req, res) => res.writeHead(403).end(),
      "/removed.cfg": (_req, res) => res.writeHead(410).end(),
    },
  });
  try {
    const url = server.url;
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts =\n" +
        `optional-extends = ${url}absent.cfg ${url}present.cfg\n` +
        "\n[s]\na = main\n",
    );
    const online = await sample.run("annotate --json");
    assert.equal(online.code, 0, online.output);
    assert.equal(
      online.stderr,
      `optional-extends file not found: ${url}absent.cfg\n`,
    );
    const sections = (JSON.parse(online.stdout) as AnnotatedJson).sections;
    assert.deepEqual(valuesOf(sections.s), { a: "main", b: "present" });
    assert.deepEqual(originsOf(sections.s?.b), [`= ${url}present.cfg`]);

    // Offline, an optional URL not cached is as missing.
    const offline = await sample.run("-o annotate --json");
    assert.equal(offline.code, 0, offline.output);
    assert.equal(
      offline.stderr,
      `optional-extends file not found: ${url}absent.cfg\n` +
        `optional-extends file not found: ${url}present.cfg\n`,
    );
    const alone = (JSON.parse(offline.stdout) as AnnotatedJson).sections;
    assert.deepEqual(valuesOf(alone.s), { a: "main" });

    // A file the server says is gone for good (410) is as missing.
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts =\noptional-extends = ${url}removed.cfg\n`,
    );
    const gone = await sample.run("");
    assert.equal(gone.code, 0, gone.output);
    assert.equal(
      gone.stderr,
      `optional-extends file not found: ${url}removed.cfg\n`,
    );

    // An optional file that is there must be whole; other refusals fail.
    for (
      const [name, reason] of [
        ["broken.cfg", `${url}gone.cfg: HTTP Error 404: Not Found`],
        ["failing.cfg", `${url}failing.cfg: HTTP Error 403: Forbidden`],
      ]
    ) {
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts =\noptional-extends = ${url}${name}\n`,
      );
      assert.equal(
        assertCleanError(await sample.run("")),
        `Error downloading extends for URL ${reason}`,
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("${:_profile_base_location_} is the directory of its file", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("profiles");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nextends = profiles/inc.cfg\n\n" +
      "[main]\nhere = ${:_profile_base_location_}\n",
  );
  sample.write(
    "profiles/inc.cfg",
    "[inc]\ndata = ${:_profile_base_location_}/data.txt\n" +
      "escaped = $${:_profile_base_location_}\n",
  );
  const sections = await annotateJson(sample, "");
  assert.equal(sections.main?.here?.value, "/sample-buildout");
  assert.equal(sections.inc?.data?.value, "/sample-buildout/profiles/data.txt");
  assert.deepEqual(originsOf(sections.inc?.data), [
    "= /sample-buildout/profiles/inc.cfg",
  ]);
  assert.equal(
    sections.inc?.escaped?.value,
    "$${:_profile_base_location_}",
  );
});
