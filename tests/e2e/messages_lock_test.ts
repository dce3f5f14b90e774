/**
 * End-to-end tests of errors met taking a run's locks (`.installed.cfg`'s,
 * a shared build's) where a file stands for a directory: one `Error:` line
 * naming the lock or the directory the configuration leads to, never the
 * lock's draft (`<lock>.<host>.<namespace>.<pid>`) or a stack.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { sampleBuildout } from "./harness.ts";

Deno.test("an installed file under a file names its lock", async () => {
  using sample = await sampleBuildout();
  sample.write("afile", "");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = a\ninstalled = afile/i.cfg\n[a]\nrecipe = debug\n",
  );
  const result = await sample.run();
  assert.equal(
    result.stderr,
    "While:\n  Installing.\n" +
      "Error: Couldn't create /sample-buildout/afile/i.cfg.lock: " +
      "not a directory\n",
  );
  assert.equal(result.code, 1);
});

Deno.test("a shared part under a file is a one-line error", async () => {
  using sample = await sampleBuildout();
  sample.write("afile", "");
  for (
    const [config, directory] of [
      [
        "shared-part-list = ${buildout:directory}/afile\n" +
        "[a]\nrecipe = slapos.recipe.build:download-unpacked\n",
        "/sample-buildout/afile/a",
      ],
      [
        "download-cache = ${buildout:directory}\n" +
        "[a]\nrecipe = zc.recipe.cmmi\n",
        // zc.recipe.cmmi keys shared builds under download-cache/cmmi/build.
        "/sample-buildout/cmmi/build",
      ],
    ]
  ) {
    sample.write("cmmi", "");
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = a\n${config}url = \${buildout:directory}/no.tgz\n` +
        "shared = true\n",
    );
    const result = await sample.run();
    assert.equal(
      result.stderr,
      "While:\n  Installing a.\n" +
        `Error: Couldn't create directory ${directory}: ${
          dirname(directory)
        } is a file, not a directory\n`,
    );
    assert.equal(result.code, 1);
  }
});
