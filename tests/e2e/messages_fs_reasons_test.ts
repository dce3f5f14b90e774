/**
 * End-to-end tests of file-system errors in messages: the reason is in
 * words (`is a directory`, `too many levels of symbolic links`), not the
 * runtime's text naming the error code and quoting the path again
 * (`EISDIR: illegal operation on a directory, read`).
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { type Sample, sampleBuildout } from "./harness.ts";
import { pack } from "./recipe_fixtures.ts";

/** Runs the sample and returns its normalised standard error. */
async function failure(sample: Sample): Promise<string> {
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  return result.stderr;
}

Deno.test("a develop package whose package.json is a directory", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("rp");
  sample.mkdir("rp", "package.json");
  sample.write("buildout.cfg", "[buildout]\ndevelop = rp\nparts =\n");
  assert.equal(
    await failure(sample),
    "While:\n  Installing.\n" +
      "  Processing directories listed in the develop option\n" +
      "  Processing develop directory '/sample-buildout/rp'.\n" +
      "Error: Couldn't read /sample-buildout/rp/package.json: is a directory\n",
  );
});

Deno.test("a distribution whose package.json is a directory", async () => {
  using sample = await sampleBuildout();
  const src = sample.tmpdir("src");
  mkdirSync(`${src}/package/package.json`, { recursive: true });
  pack(src, ["package"], sample.path("dl", "spam-1.0.tgz"));
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = a\nfind-links = dl\n[a]\nrecipe = spam\n",
  );
  assert.match(
    await failure(sample),
    /\nError: Couldn't read the package\.json of the distribution \/sample-buildout\/dl\/spam-1\.0\.tgz: is a directory\n$/,
  );
});

Deno.test("a condition opening a file that is not there", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n[x:open('nope').read() == '']\na = 1\n",
  );
  assert.equal(
    await failure(sample),
    "While:\n  Initializing.\n" +
      "Error: /sample-buildout/buildout.cfg, line 3: invalid condition in " +
      "[x:open('nope').read() == '']: cannot open 'nope': " +
      "no such file or directory\n",
  );
});

Deno.test("a symbolic link to itself is too many levels of links", async () => {
  using sample = await sampleBuildout();
  symlinkSync("loop", sample.path("loop"));
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = a\n[a]\nrecipe = hexagonit.recipe.download\n" +
      "url = ${buildout:directory}/loop\n",
  );
  assert.equal(
    await failure(sample),
    "While:\n  Installing a.\n" +
      "Error: Couldn't extract /sample-buildout/loop into " +
      "/sample-buildout/parts/a: too many levels of symbolic links\n",
  );
  sample.write("buildout.cfg", "[buildout]\nparts =\nbin-directory = loop/x\n");
  assert.equal(
    await failure(sample),
    "While:\n  Installing.\n  Setting up buildout directories\n" +
      "Error: Couldn't create directory /sample-buildout/loop/x: " +
      "too many levels of symbolic links\n",
  );
});
