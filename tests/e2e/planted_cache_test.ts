/**
 * End-to-end tests of a download cache other users can write: a file
 * planted there with the content a checksum expects is used, as zc.buildout
 * uses it, but its setuid or world-writable mode is not copied along.
 */
import assert from "node:assert/strict";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILDOUT, exec, sampleBuildout } from "./harness.ts";
import { md5Text } from "./recipe_fixtures.ts";

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
  const result = await exec(
    "sh",
    ["-c", 'umask 022 && exec "$0"', BUILDOUT],
    { cwd: sample.dir, env: { HOME: sample.home } },
  );
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  for (const file of ["parts/a/tool", "parts/b/tool", "parts/c/c"]) {
    assert.equal(statSync(sample.path(file)).mode & 0o7777, 0o755, file);
  }
});
