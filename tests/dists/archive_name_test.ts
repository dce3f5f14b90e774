import assert from "node:assert/strict";
import {
  parseArchiveName,
  parseDistName,
  parseEggFragment,
  pythonDistKey,
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

Deno.test("Python wheels and eggs are known by their project key, nothing else is", () => {
  assert.equal(
    pythonDistKey("zc.recipe.egg-2.0.7-py2.py3-none-any.whl"),
    "zc-recipe-egg",
  );
  assert.equal(
    pythonDistKey("Zc_Recipe_Egg-2.0-1-cp39-cp39-linux_x86_64.WHL"),
    "zc-recipe-egg",
  );
  assert.equal(pythonDistKey("spam-1.0-py2.7.egg"), "spam");
  assert.equal(pythonDistKey("spam-1.0.tgz"), undefined);
  assert.equal(pythonDistKey("spam.whl"), undefined);
  assert.equal(pythonDistKey("spam-dev-py2.7.egg"), undefined);
});

Deno.test("an #egg= fragment gives a name and version only when it holds both", () => {
  assert.deepEqual(parseEggFragment("#egg=zc.recipe.egg-2.0.1dev"), {
    name: "zc.recipe.egg",
    key: "zc-recipe-egg",
    version: "2.0.1dev",
  });
  assert.equal(parseEggFragment("#egg=spam"), undefined);
  assert.equal(parseEggFragment("#egg=spam-dev"), undefined);
  assert.equal(parseEggFragment("#md5=0123"), undefined);
  assert.equal(parseEggFragment("#egg=spam-1.0&subdirectory=x"), undefined);
});
