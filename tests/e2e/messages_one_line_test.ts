/**
 * End-to-end tests of error messages quoting what the user wrote (a
 * command-line argument, a multi-line option value): the value is escaped
 * (`\n`, `\x1b`), so the message stays the one line after `Error:`.
 */
import assert from "node:assert/strict";
import { sampleBuildout } from "./harness.ts";

const EMPTY = "[buildout]\nparts =\n";

function part(options: string): string {
  return `[buildout]\nparts = a\n\n[a]\n${options}`;
}

const CASES: { config: string; args: string[]; error: string }[] = [
  {
    config: EMPTY,
    args: ["a:b\nc:d=1"],
    error:
      "Invalid option: a:b\\nc:d=1 (assignments are [section:]option=value)",
  },
  {
    config: EMPTY,
    args: ["-t", "1\n2"],
    error: "Timeout value must be numeric: -t 1\\n2",
  },
  { config: EMPTY, args: ["-\x1b"], error: "Invalid option -\\x1b" },
  { config: EMPTY, args: ["fr\nob"], error: "invalid command: fr\\nob" },
  {
    config: EMPTY,
    args: ["bootstrap", "a\nb"],
    error: "The bootstrap command takes no arguments: a\\nb",
  },
  {
    config: EMPTY,
    args: ["-c", "no\npe.cfg"],
    error: "Couldn't open /sample-buildout/no\\npe.cfg",
  },
  {
    config: part("recipe = z3c.recipe.mkdir\npaths = x\nmode =\n  7\n  z\n"),
    args: [],
    error: "'mode' must be an octal number: 7\\nz",
  },
  {
    config: part("recipe = z3c.recipe.mkdir\npaths = x\nuser =\n  no\n  one\n"),
    args: [],
    error: "Unknown user: no\\none",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.download\nurl = x\nmode =\n  7\n  z\n",
    ),
    args: [],
    error: "'mode' must be an octal number: 7\\nz",
  },
  {
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        "output = ${buildout:directory}/out\nmode =\n  7\n  z\n",
    ),
    args: [],
    error: "'mode' must be an octal number: 7\\nz",
  },
  {
    config: part(
      "recipe = plone.recipe.command\ncommand = true\n" +
        "stop-on-error =\n  ma\n  ybe\n",
    ),
    args: [],
    error: "Invalid value 'ma\\nybe' for 'stop-on-error' in [a], " +
      "use 'yes', 'on', 'true', 'no', 'off' or 'false'.",
  },
  {
    config: part("recipe = cmmi\nurl = x\nshared =\n  ma\n  ybe\n"),
    args: [],
    error: "Invalid value for shared option: ma\\nybe (expected true or false)",
  },
  {
    config: part(
      "recipe = download\nurl =\n  http://h/\n  x/\n" +
        "download-only = true\n",
    ),
    args: [],
    error: "The URL http://h/\\nx/ names no file",
  },
  {
    config: part("recipe = z3c.recipe.cmmi:nothere\n"),
    args: [],
    error: "Couldn't find recipe z3c.recipe.cmmi:nothere: 'z3c.recipe.cmmi' " +
      "is neither a built-in recipe",
  },
  {
    config: part("recipe =\n  no\n  there\n"),
    args: [],
    error: "Couldn't find recipe no\\nthere: the recipe option holds more " +
      "than one line",
  },
  {
    config: "[buildout]\nparts = a\nfind-links = dists\n\n" +
      "[versions]\nspam = 1.0\n  2\n\n[a]\nrecipe = spam\n",
    args: [],
    error: "Invalid version pin in [versions]: spam = 1.0\\n2 " +
      "(expected a version such as 1.0)",
  },
  {
    config: "[buildout]\nparts =\n[x:a \x1b]\n",
    args: [],
    error: "/sample-buildout/buildout.cfg, line 3: invalid condition in " +
      "[x:a \\x1b]: invalid syntax in condition: a \\x1b",
  },
  {
    config: "[buildout]\nparts =\nbin-directory = buildout.cfg/x\x1by\n",
    args: [],
    error: "Couldn't create directory /sample-buildout/buildout.cfg/x\\x1by: " +
      "/sample-buildout/buildout.cfg is a file, not a directory",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.download\nurl =\n  /no/such\n  x\n",
    ),
    args: [],
    error: "Error downloading /no/such\\nx: no such file or directory",
  },
  {
    config: part(
      "recipe = collective.recipe.template\ninput = no\x1bpe\n" +
        "output = ${buildout:directory}/out\n",
    ),
    args: [],
    error: "Input file 'no\\x1bpe' does not exist.",
  },
  {
    config: part("recipe = hexagonit.recipe.cmmi\npath = no\x1bpe\n"),
    args: [],
    error: "The path /sample-buildout/no\\x1bpe of [a] is not a directory",
  },
  {
    config: part("recipe = z3c.recipe.mkdir\npaths = f\x1bile\n"),
    args: [],
    error: "Cannot create directory: /sample-buildout/f\\x1bile. It's a file.",
  },
  {
    config: "[buildout]\nparts = a\nfind-links = no\x1bpe\n\n" +
      "[a]\nrecipe = spam\n",
    args: [],
    error: "Couldn't find a distribution for 'spam' (looked in " +
      "/sample-buildout/no\\x1bpe (not found)).",
  },
  {
    config: "[buildout]\nparts = a\nfind-links = f\x1bile\n\n" +
      "[a]\nrecipe = spam\n",
    args: [],
    error: "The find-links location /sample-buildout/f\\x1bile is neither",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.download\n" +
        "url = ${buildout:directory}/d\x1bir\ndownload-only = true\n",
    ),
    args: [],
    error: "/sample-buildout/d\\x1bir is a directory, not a file to place",
  },
  {
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        "output = ${buildout:directory}/d\x1bir\n",
    ),
    args: [],
    error: "Couldn't write /sample-buildout/d\\x1bir: it is a directory",
  },
  {
    config: "[buildout]\nparts =\ndevelop = d\x1bir\n",
    args: [],
    error: "/sample-buildout/d\\x1bir is not a develop package: " +
      "it has no package.json",
  },
  {
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        `output = \${buildout:directory}/\x1b${"x".repeat(300)}\n`,
    ),
    args: [],
    error: "File name too long: /sample-buildout/\\x1bxxxxxxxx",
  },
  {
    config: "[buildout]\nparts =\nextends = d\x1bir\n",
    args: [],
    error: "Couldn't read /sample-buildout/d\\x1bir: it is a directory",
  },
  {
    config: "[buildout]\nparts =\ninstalled = f\x1bile\n",
    args: [],
    error: "The installation database /sample-buildout/f\\x1bile is corrupt",
  },
  {
    config: "[buildout]\nparts =\ninstalled = no\x1bpe/x\n",
    args: [],
    error: "The directory of the installed file does not exist: " +
      "/sample-buildout/no\\x1bpe/x",
  },
  {
    // Its lock file, installed + ".lock", is the name too long.
    config: `[buildout]\nparts =\ninstalled = \x1b${"x".repeat(250)}\n`,
    args: [],
    error: "Couldn't create /sample-buildout/\\x1bxxxxxxxx",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.cmmi\npath = d\x1bir\n" +
        "configure-command = false\n",
    ),
    args: [],
    error: "Command 'false' failed with exit status 1 in " +
      "/sample-buildout/d\\x1bir",
  },
  {
    config: EMPTY,
    args: ["-c", "f\x1bile", "init"],
    error: "/sample-buildout/f\\x1bile already exists; init never overwrites",
  },
];

for (const { config, args, error } of CASES) {
  Deno.test(`one line: Error: ${error}`, async () => {
    using sample = await sampleBuildout();
    sample.mkdir("dists");
    sample.write("f\x1bile", "");
    sample.mkdir("d\x1bir");
    sample.write("buildout.cfg", config);
    const result = await sample.run(args);
    assert.equal(result.code, 1, result.output);
    const lines = result.stderr.trimEnd().split("\n");
    const last = lines.pop()!;
    assert.ok(last.startsWith(`Error: ${error}`), result.output);
    // Nothing of the message spilled onto lines of its own above it.
    assert.ok(
      lines.every((line) => line === "While:" || line.startsWith("  ")),
      result.output,
    );
  });
}

/** Configuration files whose name holds a line break, each with a fault. */
const BAD_FILES: { text: string | Uint8Array; error: string }[] = [
  {
    text: "junk\n[buildout]\nparts =\n",
    error: "/sample-buildout/a\\nb.cfg, line 1: text before the first " +
      "section header: 'junk'",
  },
  {
    text: "[buildout]\nparts =\n  x\nbad line\n",
    error: "/sample-buildout/a\\nb.cfg, line 4: 'bad line': not an option",
  },
  {
    text: new Uint8Array([...new TextEncoder().encode("[buildout]\n"), 0xff]),
    error: "/sample-buildout/a\\nb.cfg, line 2: not UTF-8 text",
  },
];

for (const { text, error } of BAD_FILES) {
  Deno.test(`one line: Error: ${error}`, async () => {
    using sample = await sampleBuildout();
    Deno.writeFileSync(
      `${sample.dir}/a\nb.cfg`,
      typeof text === "string" ? new TextEncoder().encode(text) : text,
    );
    const result = await sample.run(["-c", "a\nb.cfg"]);
    assert.equal(result.code, 1, result.output);
    const last = result.stderr.trimEnd().split("\n").pop()!;
    assert.ok(last.startsWith(`Error: ${error}`), result.output);
  });
}

Deno.test("a socket-timeout that is no number is quoted on its line", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nsocket-timeout =\n  a\n  b\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.ok(
    result.output.includes(
      "Default socket timeout is used !\n" +
        "Value in configuration is not numeric: [a\\nb].\n",
    ),
    result.output,
  );
});
