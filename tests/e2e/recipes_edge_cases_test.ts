/**
 * End-to-end tests of built-in recipe behaviour found by probing them as a
 * user migrating configurations would: what a failure may remove, paths
 * with spaces, and messages naming what the user wrote.
 */
import assert from "node:assert/strict";
import { existsSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { expectError } from "./_recipes.ts";
import { sampleBuildout, startServer } from "./harness.ts";
import { pack, runOk, writeTree } from "./recipe_fixtures.ts";

Deno.test("command: a failing command leaves a location that existed before it", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("data");
  sample.write("data", "db", "precious\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = run

[run]
recipe = command
command = mkdir made && cp /nonexistent-qa data/
location = data
  made
`,
  );
  await expectError(
    sample,
    "Non zero exit code (1) while running command " +
      "'mkdir made && cp /nonexistent-qa data/' in /sample-buildout.",
  );
  assert.equal(sample.cat("data/db"), "precious\n");
  assert.ok(!existsSync(sample.path("made")));
});

Deno.test("zc.recipe.cmmi: the default --prefix is quoted, so a location with a space works", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  writeTree(join(files, "src"), {
    "spaced-1.0/configure*": `#!/bin/sh
for arg in "$@"; do echo "arg[$arg]"; done
for arg in "$@"; do
  case "$arg" in --prefix=*) printf 'PREFIX = %s\\n' "\${arg#--prefix=}" > config.mk;; esac
done
`,
    "spaced-1.0/Makefile": `include config.mk
all:
install:
\tmkdir -p "$(PREFIX)/bin" && echo built > "$(PREFIX)/bin/done"
`,
  });
  pack(join(files, "src"), ["spaced-1.0"], join(files, "spaced-1.0.tar.gz"));
  const server = await startServer(files);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = x

[x]
recipe = zc.recipe.cmmi
url = ${server.url}spaced-1.0.tar.gz
location = \${buildout:directory}/my parts
`,
    );
    const result = await runOk(sample);
    assert.match(
      result.stdout,
      /^arg\[--prefix=\/sample-buildout\/my parts\/x\]$/m,
    );
    assert.equal(sample.cat("my parts/x/bin/done"), "built\n");
    assert.ok(!existsSync(sample.path("my")));
  } finally {
    await server.close();
  }
});

Deno.test("download: an archive error of a temporary download names its URL", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  writeTree(join(files, "src"), { "a": "a\n", "b": "b\n" });
  pack(join(files, "src"), ["a", "b"], join(files, "two.tar.gz"));
  const server = await startServer(files);
  try {
    for (const recipe of ["hexagonit.recipe.download", "gocept.download"]) {
      sample.write(
        "buildout.cfg",
        `[buildout]
parts = x

[x]
recipe = ${recipe}
url = ${server.url}two.tar.gz
strip-top-level-dir = true
`,
      );
      await expectError(
        sample,
        `Couldn't extract ${server.url}two.tar.gz: no single top-level ` +
          "directory to strip (it has 2 top-level entries)",
      );
      assert.deepEqual(sample.ls("parts"), []);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a local directory as url is copied, as setuptools' unpack_archive copies it", async () => {
  using sample = await sampleBuildout();
  const src = sample.tmpdir("src");
  writeTree(src, {
    "pkg-1.0/bin/run*": "#!/bin/sh\necho run\n",
    "pkg-1.0/README": "readme\n",
    "pkg-1.0/docs/index.txt": "docs\n",
  });
  symlinkSync("README", join(src, "pkg-1.0", "LINK"));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = whole stripped

[whole]
recipe = hexagonit.recipe.download
url = ${src}

[stripped]
recipe = hexagonit.recipe.download
url = file://${src}
strip-top-level-dir = true
excludes = pkg-1.0/docs*
`,
  );
  await runOk(sample);
  assert.equal(sample.cat("parts/whole/pkg-1.0/README"), "readme\n");
  assert.equal(sample.cat("parts/whole/pkg-1.0/docs/index.txt"), "docs\n");
  assert.equal(sample.cat("parts/stripped/README"), "readme\n");
  assert.equal(readlinkSync(sample.path("parts/stripped/LINK")), "README");
  assert.equal(
    statSync(sample.path("parts/stripped/bin/run")).mode & 0o111,
    0o111 & ~process.umask(),
  );
  assert.ok(!existsSync(sample.path("parts/stripped/docs")));
  // The source is left as it was.
  assert.ok(existsSync(join(src, "pkg-1.0", "docs", "index.txt")));
});
