import assert from "node:assert/strict";
import {
  parseArchiveName,
  parseDistName,
} from "../../lib/dists/archive_name.ts";

Deno.test("archive names of every supported format", () => {
  for (const ext of [".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".zip"]) {
    assert.deepEqual(parseArchiveName(`demoneeded-1.2c1${ext}`), {
      name: "demoneeded",
      key: "demoneeded",
      version: "1.2c1",
    });
  }
  assert.equal(parseArchiveName("spam-1.egg"), undefined);
  assert.equal(parseArchiveName("index.html"), undefined);
  assert.equal(parseArchiveName("spam.tgz"), undefined);
});

Deno.test("names with dashes and digits split at the version", () => {
  assert.deepEqual(parseArchiveName("my-recipe-2-1.0.0-beta.1.tgz"), {
    name: "my-recipe-2",
    key: "my-recipe-2",
    version: "1.0.0-beta.1",
  });
  assert.deepEqual(parseDistName("Zc.Recipe_Egg-2.0"), {
    name: "Zc.Recipe_Egg",
    key: "zc-recipe-egg",
    version: "2.0",
  });
  assert.equal(parseDistName("no-version-here"), undefined);
  assert.equal(parseDistName("-1.0"), undefined);
});
