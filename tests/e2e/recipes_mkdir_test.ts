/**
 * End-to-end tests of the mkdir recipe's defaults and option readings that
 * other tests leave open: the order directories are made in, what an
 * uninstall takes (nothing, unless `remove-on-update` says so, in any
 * case), and a `mode` that is not octal.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { expectError, expectOk } from "./_recipes.ts";
import { sampleBuildout } from "./harness.ts";

Deno.test("mkdir: paths are made in sorted order, and an uninstall keeps them unless remove-on-update (any case) is true", async () => {
  using sample = await sampleBuildout();
  const config = (parts: string) =>
    `[buildout]\nparts = ${parts}\n\n` +
    "[kept]\nrecipe = mkdir\npaths = var/b\n    var/a\n\n" +
    "[removed]\nrecipe = z3c.recipe.mkdir\npaths = tmp/x\n" +
    "remove-on-update = True\n";
  sample.write("buildout.cfg", config("kept removed"));
  await expectOk(
    sample,
    `Installing kept.
kept: created path: /sample-buildout/var
kept: created path: /sample-buildout/var/a
kept: created path: /sample-buildout/var/b
Installing removed.
removed: created path: /sample-buildout/tmp
removed: created path: /sample-buildout/tmp/x
`,
  );

  sample.write("buildout.cfg", config(""));
  await expectOk(sample, "Uninstalling removed.\nUninstalling kept.\n");
  // By default a directory may hold data: it outlives its part.
  assert.ok(existsSync(sample.path("var", "a")));
  assert.ok(existsSync(sample.path("var", "b")));
  assert.ok(!existsSync(sample.path("tmp")));
});

Deno.test("mkdir: a mode that is not an octal number is an error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\nrecipe = mkdir\npaths = d\nmode = 0o789\n",
  );
  await expectError(sample, "'mode' must be an octal number: 0o789");
  assert.ok(!existsSync(sample.path("d")));
});
