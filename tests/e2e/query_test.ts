/**
 * End-to-end tests of `buildout query [section:]option`, transcribed from
 * zc.buildout's buildout.txt ("Query values") and doc/reference.rst.
 */
import assert from "node:assert/strict";
import { sampleBuildout } from "./harness.ts";

const CONFIG = `[buildout]
develop = .

[values]
host = buildout.org
multiline =
  first
  second
`;

Deno.test("query prints an option's value, [buildout]'s without a section", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", CONFIG);
  const cases: Array<[string, string]> = [
    ["query buildout:develop", ".\n"],
    ["query values:host", "buildout.org\n"],
    ["query values:multiline", "first\nsecond\n"],
    ["query develop", ".\n"],
    ["-v query develop", "${buildout:develop}\n.\n"],
    ["-v query values:host", "${values:host}\nbuildout.org\n"],
  ];
  for (const [args, stdout] of cases) {
    const result = await sample.run(args);
    assert.equal(result.stdout, stdout, args);
    assert.equal(result.stderr, "", args);
    assert.equal(result.code, 0, args);
  }
});

Deno.test("query names what it cannot find, or a malformed argument", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", CONFIG);
  const single = "The query command requires a single argument.";
  const cases: Array<[string, string, string]> = [
    ["query versions parts", "", single],
    ["query", "", single],
    [
      "query invalid:section:key",
      "",
      "Invalid option: invalid:section:key (query takes [section:]option)",
    ],
    ["-v query values:port", "${values:port}\n", "Key not found: port"],
    ["-v query versionx", "${buildout:versionx}\n", "Key not found: versionx"],
    [
      "-v query specific:port",
      "${specific:port}\n",
      "Section not found: specific",
    ],
  ];
  for (const [args, stdout, error] of cases) {
    const result = await sample.run(args);
    assert.equal(result.stdout, stdout, args);
    assert.equal(result.stderr, `Error: ${error}\n`, args);
    assert.equal(result.code, 1, args);
  }
});

Deno.test("query shows values as written, [buildout]'s paths absolute, and -t's notice on stderr", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = app\nbin-directory = scripts\n" +
      "[app]\nrecipe = debug\nport = ${ports:app}\n",
  );
  const port = await sample.run("query app:port");
  assert.equal(port.output, "${ports:app}\n");
  assert.equal(port.code, 0);
  const bin = await sample.run("query bin-directory");
  assert.equal(bin.output, "/sample-buildout/scripts\n");
  const assigned = await sample.run("-t 5 parts=other query parts");
  assert.equal(assigned.stdout, "other\n");
  assert.equal(assigned.stderr, "Setting socket time out to 5 seconds\n");
});

Deno.test("query prints a relative buildout directory absolute, as its paths", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  const directory = await sample.run("buildout:directory=srv query directory");
  assert.equal(directory.output, "/sample-buildout/srv\n");
  assert.equal(directory.code, 0);
  const parts = await sample.run(
    "buildout:directory=srv query parts-directory",
  );
  assert.equal(parts.output, "/sample-buildout/srv/parts\n");
});

Deno.test("query makes only [buildout]'s written paths absolute: both caches, an empty cache staying empty, a substitution and another section's directory as written", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nextends-cache = confs\ndownload-cache =\n" +
      "parts-directory = ${buildout:directory}/p\n" +
      "[app]\ndirectory = srv\nbin-directory = tools\n",
  );
  const cases: Array<[string, string]> = [
    ["query extends-cache", "/sample-buildout/confs\n"],
    // An empty cache is none, not the buildout directory.
    ["query download-cache", "\n"],
    // As written: a substitution is no relative path.
    ["query parts-directory", "${buildout:directory}/p\n"],
    ["query app:directory", "srv\n"],
    ["query app:bin-directory", "tools\n"],
  ];
  for (const [args, stdout] of cases) {
    const result = await sample.run(args);
    assert.equal(result.stdout, stdout, args);
    assert.equal(result.stderr, "", args);
    assert.equal(result.code, 0, args);
  }
});

Deno.test("query with an empty section or option name is refused as malformed, not looked up", async () => {
  using sample = await sampleBuildout();
  for (const target of [":parts", "buildout:", ":"]) {
    const result = await sample.run(["query", target]);
    assert.equal(
      result.stderr,
      `Error: Invalid option: ${target} (query takes [section:]option)\n`,
      target,
    );
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});
