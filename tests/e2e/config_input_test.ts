/**
 * End-to-end tests of bad input to the configuration engine and the command
 * line that the zc.buildout documentation does not show: each must be one
 * `Error: ...` line naming the file, line or URL, exit 1, no stack trace.
 */
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { type RunResult, sampleBuildout, startServer } from "./harness.ts";

/**
 * Asserts exit 1 with stderr ending in exactly one `Error: ...` line and no
 * stack trace; returns that line without its prefix.
 */
function cleanError(result: RunResult): string {
  assert.equal(result.code, 1, result.output);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "stack trace on stderr");
  assert.doesNotMatch(result.stderr, /internal error/i);
  const lines = result.stderr.split("\n");
  assert.equal(lines.pop(), "", `no final newline:\n${result.stderr}`);
  assert.equal(
    lines.filter((line) => line.startsWith("Error:")).length,
    1,
    result.stderr,
  );
  const last = lines[lines.length - 1];
  assert.ok(last.startsWith("Error: "), result.stderr);
  return last.slice("Error: ".length);
}

const LATIN1 = new Uint8Array([
  ...new TextEncoder().encode("[buildout]\nparts =\n\n[x]\npath = /srv/caf"),
  0xe9, // "é" in Latin-1: not UTF-8
  0x0a,
]);

Deno.test("a file that is not UTF-8 is an error naming the file and line", async () => {
  using sample = await sampleBuildout();
  writeFileSync(sample.path("buildout.cfg"), LATIN1);
  const error = cleanError(await sample.run("annotate"));
  assert.equal(
    error,
    "/sample-buildout/buildout.cfg, line 5: not UTF-8 text",
  );
});

Deno.test("an extended URL that is not UTF-8 is an error naming the URL and line", async () => {
  using sample = await sampleBuildout();
  const served = sample.tmpdir("served");
  writeFileSync(`${served}/base.cfg`, LATIN1);
  const server = await startServer(served);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${server.url}base.cfg\nparts =\n`,
    );
    const error = cleanError(await sample.run("annotate"));
    assert.equal(error, `${server.url}base.cfg, line 5: not UTF-8 text`);
  } finally {
    await server.close();
  }
});

Deno.test("a NUL character in a configuration file is an error naming the file and line", async () => {
  using sample = await sampleBuildout();
  const nul = "is binary data, not configuration text";
  sample.write("base.cfg", "[buildout]\nparts =\n\n[x]\npath = a\0b\n");
  sample.write("buildout.cfg", "[buildout]\nextends = base.cfg\n");
  assert.equal(
    cleanError(await sample.run("annotate")),
    `/sample-buildout/base.cfg, line 5: a NUL character, which ${nul}`,
  );
  // Read, the value failed only when a recipe used it as a path.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = p\n[p]\nrecipe = mkdir\npaths = a\0b\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.equal(
    cleanError(result),
    `/sample-buildout/buildout.cfg, line 5: a NUL character, which ${nul}`,
  );
  assert.deepEqual(sample.ls(), [
    "-  base.cfg",
    "d  bin",
    "-  buildout.cfg",
    "d  develop-eggs",
    "d  eggs",
    "d  parts",
  ]);
});

Deno.test("UTF-8 text is read as written", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n[x]\npath = /srv/café\n");
  const result = await sample.run("annotate --json x");
  assert.equal(result.code, 0, result.output);
  const sections = JSON.parse(result.stdout).sections;
  assert.equal(sections.x.path.value, "/srv/café");
});

Deno.test("a byte order mark before the first header is shown in the error, with what to do", async () => {
  using sample = await sampleBuildout();
  for (const first of ["[buildout]", "# saved by Notepad"]) {
    sample.write("buildout.cfg", `\ufeff${first}\n[buildout]\nparts =\n`);
    const error = cleanError(await sample.run("annotate"));
    // As Python's repr() shows it: the mark is invisible otherwise.
    assert.equal(
      error,
      "/sample-buildout/buildout.cfg, line 1: text before the first section " +
        `header: '\\ufeff${first}' (\\ufeff is a byte order mark: save ` +
        "the file as UTF-8 without one)",
    );
  }
});

Deno.test("options indented under their section header are refused, saying why", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = data\n\n[data]\n\trecipe = mkdir\n\tpaths = var\n",
  );
  assert.equal(
    cleanError(await sample.run("")),
    "/sample-buildout/buildout.cfg, line 5: '\\trecipe = mkdir'; line 6: " +
      "'\\tpaths = var': not an option, section header or continuation " +
      "line (an indented line continues the value of the option above it: " +
      "start options at the beginning of their line)",
  );
  assert.equal(existsSync(sample.path(".installed.cfg")), false);
});

Deno.test("an option indented under recipe (a tab) is named as the mistake it is", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("dists");
  for (const findLinks of ["", "find-links = dists\n"]) {
    sample.write(
      "buildout.cfg",
      `[buildout]\n${findLinks}parts = data\n\n` +
        "[data]\nrecipe = mkdir\n\tpaths = var/data\n",
    );
    const result = await sample.run("");
    assert.equal(
      cleanError(result),
      "Couldn't find recipe mkdir\\npaths = var/data: the recipe option " +
        "holds more than one line, as an indented line continues the " +
        "option above it; start each option at the beginning of its line",
    );
    assert.match(result.stderr, /^ {2}Initializing section data\.$/m);
  }
});

Deno.test("a recipe line indented under another option is named in the missing-recipe error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = data\n\n[data]\npaths = var\n  recipe = mkdir\n",
  );
  assert.equal(
    cleanError(await sample.run("")),
    "Missing option: data:recipe (the line 'recipe = mkdir' is indented, " +
      "so it continues the value of paths: start it at the beginning of " +
      "its line)",
  );
  sample.write("buildout.cfg", "[buildout]\nparts = data\n\n[data]\n");
  assert.equal(cleanError(await sample.run("")), "Missing option: data:recipe");
});

Deno.test("-D does not turn a command-line mistake into a stack trace", async () => {
  using sample = await sampleBuildout();
  for (const args of [["-Dc"], ["-D", "-t", "abc"], ["-D", "a:b:c=1"]]) {
    const result = await sample.run(args);
    assert.equal(result.stdout, "", result.output);
    assert.match(cleanError(result), /^(No file name|Timeout|Invalid option)/);
  }
});

Deno.test("an empty HOME reads no user defaults from the current directory", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  sample.mkdir(".buildout");
  sample.write(".buildout", "default.cfg", "[x]\nfrom = cwd\n");
  const result = await sample.run("annotate --json", { env: { HOME: "" } });
  assert.equal(result.code, 0, result.output);
  assert.equal(JSON.parse(result.stdout).sections.x, undefined);
});

Deno.test("a value quoted in an error keeps the error on one line", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    [
      "offline =\n  true\n  false",
      "Invalid value for offline option: true\\nfalse",
    ],
    ["log-level =\n  INFO\n  x", "Invalid logging level INFO\\nx"],
    ["verbosity =\n  1\n  2", "Invalid verbosity 1\\n2"],
    ["x = ${y\n  z", "The substitution, ${y\\nz, is not terminated by '}'."],
    [
      "x = ${buildout:a\n  b}",
      "The option name in substitution, ${buildout:a\\nb}, has invalid characters.",
    ],
  ];
  for (const [option, message] of cases) {
    sample.write("buildout.cfg", `[buildout]\nparts =\n${option}\n`);
    assert.equal(cleanError(await sample.run([])), message);
  }
});

Deno.test("installed in a directory that does not exist is an error before any part", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\ninstalled = nodir/.installed.cfg\n\n" +
      "[d]\nrecipe = debug\n",
  );
  const result = await sample.run([]);
  assert.equal(
    cleanError(result),
    "The directory of the installed file does not exist: " +
      "/sample-buildout/nodir/.installed.cfg",
  );
  assert.doesNotMatch(result.stdout, /Installing d/);
  assert.deepEqual(sample.ls().includes("nodir"), false);
});

Deno.test("installed in a standard directory a first run creates works", async () => {
  using sample = await sampleBuildout();
  rmSync(sample.path("parts"), { recursive: true });
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\ninstalled = parts/.installed.cfg\n\n" +
      "[d]\nrecipe = debug\n",
  );
  const result = await sample.run([]);
  assert.equal(result.code, 0, result.output);
  assert.match(result.stdout, /Installing d\./);
  assert.match(sample.cat("parts/.installed.cfg"), /^\[d\]$/m);
});

Deno.test("substitutions that double a value past 64 Mi characters are a user error, at once", async () => {
  using sample = await sampleBuildout();
  // v40 would be 2^40 characters: refused at v27, before the runtime
  // spends seconds and gigabytes finding out it cannot hold it.
  const doubling = Array.from(
    { length: 40 },
    (_, i) => `v${i + 1} = \${s:v${i}}\${s:v${i}}`,
  );
  sample.write(
    "buildout.cfg",
    ["[buildout]", "parts = p", "[s]", "v0 = x", ...doubling, "[p]"]
      .concat(["recipe = debug", "x = ${s:v40}", ""]).join("\n"),
  );
  const result = await sample.run();
  assert.equal(
    cleanError(result),
    "The value of ${s:v27} is too long: its substitutions make it longer " +
      "than 67108864 characters",
  );
  assert.match(result.stderr, /^ {2}Getting option s:v27\.$/m);
});

/**
 * The `While:` lines (without the header) and the error of a run whose
 * `[buildout]` starts a chain of `links` sections, each option referring
 * to the next section's, the last one missing: 4 lines for `[buildout]`,
 * then 3 per link (getting, initializing, getting the option).
 */
async function chainFailure(links: number) {
  using sample = await sampleBuildout();
  const chain = Array.from(
    { length: links },
    (_, i) => `[s${i}]\no = \${s${i + 1}:o}\n`,
  );
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts =\nx = \${s0:o}\n${chain.join("")}[s${links}]\n`,
  );
  const result = await sample.run();
  const lines = result.stderr.split("\n");
  assert.equal(lines[0], "While:", result.stderr);
  const error = cleanError(result);
  return { block: lines.slice(1, lines.indexOf("Error: " + error)), error };
}

Deno.test("a While block thousands of lines deep keeps its first and last 20 lines", async () => {
  const { block, error } = await chainFailure(3000);
  assert.equal(error, "Referenced option does not exist: s3000:o");
  assert.deepEqual(block.slice(0, 4), [
    "  Initializing.",
    "  Getting section buildout.",
    "  Initializing section buildout.",
    "  Getting option buildout:x.",
  ]);
  // 4 + 3 * 3000 lines, 40 of them shown.
  assert.equal(block[20], "  ... (8964 more lines) ...");
  assert.deepEqual(block.slice(-3), [
    "  Getting section s2999.",
    "  Initializing section s2999.",
    "  Getting option s2999:o.",
  ]);
  assert.equal(block.length, 41);
});

Deno.test("a While block of 40 lines is printed whole", async () => {
  const { block } = await chainFailure(12);
  assert.equal(block.length, 40);
  assert.equal(block[39], "  Getting option s11:o.");
  assert.ok(!block.some((line) => line.includes("more lines")), block.join());
});

Deno.test("a device read as a configuration file is an error, not all the memory", async () => {
  using sample = await sampleBuildout();
  const tooLarge = "more than 64 MiB, too large for a configuration file";
  assert.equal(
    cleanError(await sample.run("-c /dev/zero annotate")),
    `Couldn't read /dev/zero: ${tooLarge}`,
  );
  for (const name of ["/dev/zero", "file:///dev/zero"]) {
    sample.write("buildout.cfg", `[buildout]\nextends = ${name}\nparts =\n`);
    assert.equal(
      cleanError(await sample.run("annotate")),
      `Couldn't read ${name}: ${tooLarge}`,
    );
  }
});

Deno.test("a condition nested deeper than the stack is an error naming the line", async () => {
  using sample = await sampleBuildout();
  const n = 100_000;
  for (
    const expression of [
      "(".repeat(n) + "1" + ")".repeat(n),
      "not ".repeat(n) + "1",
      "-".repeat(n) + "1",
      "1" + " and 1".repeat(n),
    ]
  ) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts =\n\n[s:${expression}]\na = 1\n`,
    );
    const error = cleanError(await sample.run("annotate"));
    assert.ok(
      error.startsWith(
        "/sample-buildout/buildout.cfg, line 4: invalid condition in [s:",
      ),
      error.slice(0, 200),
    );
    // The header is quoted cut, with its length.
    assert.ok(
      error.endsWith(" characters): the expression is nested too deeply"),
      error.slice(-200),
    );
    assert.ok(error.length < 1000, error.slice(0, 2000));
  }
});
