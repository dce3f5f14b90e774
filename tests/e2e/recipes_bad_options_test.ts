/**
 * End-to-end tests of built-in recipes given hostile option values (found
 * by fuzzing their options): paths that are files, directories or dangling
 * links where the recipe expects something else are one-line errors naming
 * the path, never an internal error, and leave nothing behind.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { dirname } from "node:path";
import { expectError } from "./_recipes.ts";
import { sampleBuildout } from "./harness.ts";

Deno.test("mkdir: a path that is a dangling symbolic link is an error", async () => {
  using sample = await sampleBuildout();
  symlinkSync("nowhere", sample.path("data"));
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\nrecipe = z3c.recipe.mkdir\npaths = data\n",
  );
  await expectError(
    sample,
    "Cannot create directory: /sample-buildout/data. " +
      "It's a broken symbolic link.",
  );
});

Deno.test("mkdir: a directory the file system refuses to create is an error naming it", async () => {
  using sample = await sampleBuildout();
  // procfs answers ENOENT although the parent is there: no permission or
  // space problem, the case refusals did not cover.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\nrecipe = mkdir\npaths = /proc/self/x\n",
  );
  const result = await expectError(
    sample,
    "Cannot create directory: /proc/self/x: no such file or directory",
  );
  assert.doesNotMatch(result.output, /internal error/);
  assert.equal(existsSync(sample.path(".installed.cfg")), false);
});

Deno.test("a checksum of a local directory given as url is an error naming it", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  sample.write("src", "configure", "");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x

[x]
recipe = gocept.download
url = \${buildout:directory}/src
md5sum = 37e8986d0638a625f3f9bd045e211edf
`,
  );
  await expectError(
    sample,
    "Couldn't read /sample-buildout/src: is a directory",
  );
  assert.deepEqual(sample.ls("parts"), []);
});

Deno.test("slapos.recipe.build:download: a destination that is a directory is an error", async () => {
  using sample = await sampleBuildout();
  sample.write("file.txt", "text\n");
  sample.mkdir("data");
  sample.write("data", "keep", "keep\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x

[x]
recipe = slapos.recipe.build:download
url = \${buildout:directory}/file.txt
destination = data
`,
  );
  await expectError(
    sample,
    "Couldn't write '/sample-buildout/data': is a directory",
  );
  assert.equal(sample.cat("data/keep"), "keep\n");
});

Deno.test("download recipes: a file or dangling link where a directory goes is an error", async () => {
  using sample = await sampleBuildout();
  sample.write("file.txt", "text\n");
  sample.write("afile", "");
  symlinkSync("nowhere", sample.path("dangling"));
  const cases: Array<[string, string]> = [
    [
      "recipe = gocept.download\ndownload-directory = dangling",
      "Couldn't create directory /sample-buildout/dangling: it is a symbolic link to 'nowhere', which does not exist",
    ],
    [
      "recipe = hexagonit.recipe.download\ndownload-only = true\n" +
      "destination = afile/sub",
      "Couldn't create directory /sample-buildout/afile/sub: " +
      "/sample-buildout/afile is a file, not a directory",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\n${options}\n` +
        "url = ${buildout:directory}/file.txt\n",
    );
    await expectError(sample, message);
    assert.deepEqual(sample.ls("parts"), []);
  }
});

Deno.test("download recipes: a file as destination, or a location left by a broken install, is an error that changes nothing", async () => {
  using sample = await sampleBuildout();
  sample.write("file.txt", "text\n");
  sample.write("afile", "mine\n");
  sample.mkdir("parts", "x");
  sample.write("parts", "x", "left", "");
  const cases: Array<[string, string]> = [
    [
      "recipe = hexagonit.recipe.download\ndownload-only = true\n" +
      "destination = afile",
      "The destination /sample-buildout/afile is not a directory",
    ],
    [
      "recipe = gocept.download",
      "/sample-buildout/parts/x already exists (left over from a broken " +
      "install?): remove it and run buildout again",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\n${options}\n` +
        "url = ${buildout:directory}/file.txt\n",
    );
    await expectError(sample, message);
    assert.equal(sample.cat("afile"), "mine\n");
    assert.deepEqual(sample.ls("parts", "x"), ["-  left"]);
  }
});

Deno.test("cmmi recipes: a path that is not a directory is an error naming it", async () => {
  using sample = await sampleBuildout();
  sample.write("afile", "");
  for (const recipe of ["slapos.recipe.cmmi", "hexagonit.recipe.cmmi"]) {
    for (const path of ["afile", "missing"]) {
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = x\n\n[x]\nrecipe = ${recipe}\npath = ${path}\n`,
      );
      const result = await expectError(
        sample,
        `The path /sample-buildout/${path} of [x] is not a directory`,
      );
      assert.doesNotMatch(result.output, /Using local source/);
      assert.deepEqual(sample.ls("parts"), []);
    }
  }
});

Deno.test("download-unpacked: a destination holding the buildout is refused, not emptied", async () => {
  using sample = await sampleBuildout();
  sample.write("file.txt", "text\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x

[x]
recipe = slapos.recipe.build:download-unpacked
url = \${buildout:directory}/file.txt
destination = .
`,
  );
  await expectError(
    sample,
    "Not installing into /sample-buildout: it holds the buildout " +
      "directory, which would be removed first",
  );
  assert.equal(sample.cat("file.txt"), "text\n");
});

Deno.test("command: a failing command with a location under a file is reported as such", async () => {
  using sample = await sampleBuildout();
  sample.write("afile", "");
  symlinkSync("nowhere", sample.path("dangling"));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x

[x]
recipe = command
command = false
location = afile/sub
  dangling
`,
  );
  await expectError(
    sample,
    "Non zero exit code (1) while running command 'false' in /sample-buildout.",
  );
  assert.equal(readlinkSync(sample.path("dangling")), "nowhere");
});

Deno.test("template: an output that is the buildout directory is an error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\nrecipe = template\ninline = hi\noutput = .\n",
  );
  await expectError(sample, "Couldn't write .: it is a directory");
  assert.deepEqual(
    readdirSync(dirname(sample.path("."))).filter((name) =>
      name.includes(".buildout-")
    ),
    [],
  );
});

Deno.test("download-only recipes: a local directory as url is an error", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  for (
    const options of [
      "recipe = hexagonit.recipe.download\ndownload-only = true",
      "recipe = gocept.download",
    ]
  ) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\n${options}\nurl = src\n`,
    );
    await expectError(sample, "src is a directory, not a file to place");
    assert.deepEqual(sample.ls("parts"), []);
  }
});

Deno.test("template and download recipes: a mode with the digit 8 or 9 is not octal, as for mkdir", async () => {
  using sample = await sampleBuildout();
  for (
    const [options, mode] of [
      ["recipe = template\ninline = hi\noutput = out", "0o789"],
      ["recipe = slapos.recipe.template\ninline = hi\noutput = out", "648"],
      [
        "recipe = download\nurl = http://127.0.0.1:9/notes.txt\n" +
        "download-only = true",
        "759",
      ],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\n${options}\nmode = ${mode}\n`,
    );
    await expectError(sample, `'mode' must be an octal number: ${mode}`);
    assert.equal(existsSync(sample.path("out")), false);
  }
});
