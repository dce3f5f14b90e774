/**
 * End-to-end tests of a download cache other users can write: a file
 * planted there with the content a checksum expects is used, as zc.buildout
 * uses it, but its setuid or world-writable mode is not copied along; one
 * the user may not read is named as such.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asNobody, giveToNobody, nobodySkipReason } from "./as_nobody.ts";
import { BUILDOUT, exec, type Sample, sampleBuildout } from "./harness.ts";
import { md5Text, pack, writeTree } from "./recipe_fixtures.ts";

/** Runs buildout in `sample` with umask 022, checking it succeeds quietly. */
async function runWithUmask022(sample: Sample): Promise<void> {
  const result = await exec(
    "sh",
    ["-c", 'umask 022 && exec "$0"', BUILDOUT],
    { cwd: sample.dir, env: { HOME: sample.home } },
  );
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
}

Deno.test("copies from the download cache drop setuid bits and what the umask forbids", async () => {
  using sample = await sampleBuildout();
  const cache = sample.tmpdir("cache");
  const content = "#!/bin/sh\necho hi\n";
  const url = "http://127.0.0.1:9/tool";
  // Cached under the URL's hash and under its file name (gocept.download).
  for (const name of [md5Text(url), "tool"]) {
    writeFileSync(join(cache, name), content);
    chmodSync(join(cache, name), 0o4777);
  }
  const md5 = md5Text(content);
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = a b c\ndownload-cache = ${cache}\noffline = true\n` +
      `[a]\nrecipe = hexagonit.recipe.download\nurl = ${url}\n` +
      `md5sum = ${md5}\ndownload-only = true\n` +
      `[b]\nrecipe = gocept.download\nurl = ${url}\nmd5sum = ${md5}\n` +
      `[c]\nrecipe = slapos.recipe.build:download\nurl = ${url}\n` +
      `md5sum = ${md5}\n`,
  );
  await runWithUmask022(sample);
  for (const file of ["parts/a/tool", "parts/b/tool", "parts/c/c"]) {
    assert.equal(statSync(sample.path(file)).mode & 0o7777, 0o755, file);
  }
});

Deno.test("a local directory's copy in the download cache gives its files no setuid bits and nothing the umask forbids", async () => {
  using sample = await sampleBuildout();
  const cache = sample.tmpdir("cache");
  const source = sample.path("src");
  writeTree(source, { "tool": "#!/bin/sh\necho mine\n" });
  // Put there, as the copy of src, by another user of the cache.
  const planted = join(cache, md5Text(source));
  writeTree(planted, { "tool": "#!/bin/sh\necho planted\n" });
  chmodSync(join(planted, "tool"), 0o4777);
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = a\ndownload-cache = ${cache}\n` +
      `[a]\nrecipe = slapos.recipe.build:download\nurl = ${source}\n`,
  );
  await runWithUmask022(sample);
  // Used, as zc.buildout uses a cached copy, but not made setuid.
  const tool = sample.path("parts", "a", "a", "tool");
  assert.equal(sample.cat(tool), "#!/bin/sh\necho planted\n");
  assert.equal(statSync(tool).mode & 0o7777, 0o755);
});

Deno.test({
  name:
    "a cached archive the user may not read is named as unreadable, not the destination" +
    (nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : ""),
  ignore: nobodySkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const cache = sample.tmpdir("cache");
    const url = "http://127.0.0.1:9/pkg.tar.gz";
    writeTree(sample.path("src"), { "pkg/hello.txt": "hello\n" });
    // Filled by root, then kept from other users.
    pack(sample.path("src"), ["pkg"], join(cache, md5Text(url)));
    chmodSync(join(cache, md5Text(url)), 0o600);
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = a\ndownload-cache = ${cache}\noffline = true\n` +
        `[a]\nrecipe = download\nurl = ${url}\n`,
    );
    giveToNobody(sample);
    const result = await asNobody(sample);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing a.\nError: Couldn't read " +
        `/cache/${md5Text(url)}: permission denied\n`,
    );
    assert.equal(result.code, 1);
    assert.equal(existsSync(sample.path("parts", "a")), false);
  },
});
