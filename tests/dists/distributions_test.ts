import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Buildout } from "../../lib/buildout.ts";
import { loadConfig } from "../../lib/config/load.ts";
import {
  Distributions,
  readDistSettings,
} from "../../lib/dists/distributions.ts";
import { UserError } from "../../lib/errors.ts";
import { configureLogging } from "../../lib/log.ts";
import { RecipeLoader } from "../../lib/recipe/load.ts";
import { fakeSource } from "../config/fake_source.ts";
import { FakeWorld, recipeFiles } from "./fake_transport.ts";

configureLogging("ERROR", "0", "");

async function buildout(config: string, files: Record<string, string> = {}) {
  const data = await loadConfig(
    {
      configFile: "buildout.cfg",
      cwd: "/b",
      assignments: [],
      executable: "/usr/bin/buildout",
    },
    fakeSource({ "/b/buildout.cfg": config, ...files }),
  );
  return new Buildout(data);
}

Deno.test("settings come from [buildout], paths from its directory", async () => {
  const settings = readDistSettings(
    await buildout(`[buildout]
find-links = dist
    http://links/
    /abs/spam-1.tgz
index = http://index/ idx
download-cache = cache
update-versions-file = versions.cfg
show-picked-versions = true
prefer-final = false
versions = release-1

[release-1]
spam = 1
Demo.Needed = ==1.0
`),
  );
  assert.deepEqual(settings.findLinks, [
    "/b/dist",
    "http://links/",
    "/abs/spam-1.tgz",
  ]);
  assert.deepEqual(settings.indexes, ["http://index/", "/b/idx"]);
  assert.equal(settings.eggsDirectory, "/b/eggs");
  assert.equal(settings.cacheDirectory, "/b/cache/dist");
  assert.equal(settings.versionsFile, "/b/versions.cfg");
  assert.equal(settings.showPicked, true);
  assert.equal(settings.preferFinal, false);
  assert.equal(settings.newest, true);
  assert.equal(settings.offline, false);
  assert.deepEqual([...settings.versions], [
    ["spam", "1"],
    ["demo-needed", "1.0"],
  ]);
});

Deno.test("an empty pin unpins, as zc.buildout's `if version:` does", async () => {
  const settings = readDistSettings(
    await buildout(
      "[buildout]\nextends = base.cfg\n[versions]\nspam =\n",
      { "/b/base.cfg": "[versions]\nspam = 1\neggs = 2\n" },
    ),
  );
  assert.deepEqual([...settings.versions], [["eggs", "2"]]);
  // Nor is it a pin that is no version, refused when spam is needed.
  assert.deepEqual([...settings.badPins], []);
});

Deno.test("defaults: [versions] when present, final releases preferred", async () => {
  const settings = readDistSettings(
    await buildout("[buildout]\n[versions]\nspam = 2\n"),
  );
  assert.deepEqual([...settings.versions], [["spam", "2"]]);
  assert.equal(settings.preferFinal, true);
  assert.equal(settings.showPicked, false);
  assert.equal(settings.cacheDirectory, undefined);
  const none = readDistSettings(
    await buildout("[buildout]\nversions =\n[versions]\nspam = 2\n"),
  );
  assert.deepEqual([...none.versions], []);
});

Deno.test("install-from-cache and offline mean no newest, no network", async () => {
  for (const flag of ["offline", "install-from-cache"]) {
    const settings = readDistSettings(
      await buildout(`[buildout]\n${flag} = true\n`),
    );
    assert.equal(settings.offline, true, flag);
    assert.equal(settings.newest, false, flag);
  }
});

Deno.test("bad distribution settings are user errors", async () => {
  const cases: Array<[string, RegExp]> = [
    [
      "[buildout]\nversions = nope\n",
      /The referenced section, 'nope', was not defined/,
    ],
    [
      "[buildout]\nshow-picked-versions = yes\n",
      /Invalid value for show-picked-versions option: yes/,
    ],
    [
      "[buildout]\ninstall-from-cache = 1\n",
      /Invalid value for install-from-cache option: 1/,
    ],
  ];
  for (const [config, message] of cases) {
    const b = await buildout(config);
    assert.throws(
      () => readDistSettings(b),
      (err: Error) => err instanceof UserError && message.test(err.message),
      config,
    );
  }
});

function distributions(world: FakeWorld, extra = "") {
  return (async () => {
    const b = await buildout(
      `[buildout]\ndirectory = ${world.dir}\nfind-links = dist\n${extra}`,
    );
    return new Distributions(readDistSettings(b), world.transport);
  })();
}

Deno.test("recipes and extensions load from distributions", async () => {
  using world = new FakeWorld();
  world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  world.archive("dist/spam-2.tgz", recipeFiles("spam", "2", ["helper"]));
  world.archive("dist/helper-0.5.zip", recipeFiles("helper", "0.5"));
  world.archive("dist/ext-1.0.tgz", {
    "package.json": JSON.stringify({
      buildout: {
        extensions: { default: "./ext.js:load" },
        unload: { default: "./ext.js:unload" },
      },
    }),
    "ext.js": "export function load() {}\nexport function unload() {}\n",
  });
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world),
  );
  await loader.preload([
    "spam",
    "spam==1:default",
    "spam:nope",
    "spam:constructor",
    "ghost",
  ]);
  const Recipe = loader.factory("spam") as new () => { install(): string };
  assert.equal(new Recipe().install(), "spam 2");
  assert.equal(loader.signature("spam"), "spam-2 helper-0.5");
  assert.throws(() => loader.factory("spam==1"), /version conflict/);
  assert.throws(
    () => loader.factory("spam:nope"),
    /The distribution spam 2 \(.*\/eggs\/spam-2\) has no recipe entry point 'nope'/,
  );
  // Every object has a `constructor`; no package.json declared it.
  assert.throws(
    () => loader.factory("spam:constructor"),
    /The distribution spam 2 \(.*\/eggs\/spam-2\) has no recipe entry point 'constructor'/,
  );
  assert.throws(
    () => loader.factory("ghost"),
    /Couldn't find a distribution for 'ghost' \(looked in .*\/dist\)/,
  );
  assert.equal((await loader.extensions(["ext"], "extensions")).length, 1);
  assert.equal((await loader.extensions(["ext"], "unload")).length, 1);
  assert.equal(world.extracted.length, 3);
});

Deno.test("a recipe pinned by versions signs with the pinned version", async () => {
  using world = new FakeWorld();
  world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  world.archive("dist/spam-2.tgz", recipeFiles("spam", "2"));
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world, "[versions]\nspam = 1\n"),
  );
  await loader.preload(["spam"]);
  assert.equal(loader.signature("spam"), "spam-1");
});

Deno.test("a pin that is no version fails only the project it pins", async () => {
  using world = new FakeWorld();
  world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  world.archive("dist/ham-1.tgz", recipeFiles("ham", "1"));
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world, "[versions]\nspam = 1:whl\nham = 1\n"),
  );
  await loader.preload(["spam", "ham"]);
  assert.equal(loader.signature("ham"), "ham-1");
  assert.throws(
    () => loader.factory("spam"),
    (err: Error) =>
      err instanceof UserError &&
      err.message ===
        "Invalid version pin in [versions]: spam = 1:whl " +
          "(expected a version such as 1.0)",
  );
});

Deno.test("a [versions] constraint narrows requirements, as later zc.buildout allows", async () => {
  using world = new FakeWorld();
  for (const version of ["1.0", "1.5", "2.0"]) {
    world.archive(`dist/spam-${version}.tgz`, recipeFiles("spam", version));
  }
  world.archive("dist/ham-1.tgz", recipeFiles("ham", "1"));
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world, "[versions]\nspam = >=1.0, <2\nham = >3\n"),
  );
  await loader.preload(["spam", "ham"]);
  assert.equal(loader.signature("spam"), "spam-1.5");
  assert.throws(
    () => loader.factory("ham"),
    /Couldn't find a distribution for 'ham>3' \(only 1 exists; looked in/,
  );
});

Deno.test("a [versions] constraint that does not parse is named a constraint, not a pin", async () => {
  using world = new FakeWorld();
  world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world, "[versions]\nspam = >1.0 <2\n"),
  );
  await loader.preload(["spam"]);
  assert.throws(
    () => loader.factory("spam"),
    (err: Error) =>
      err instanceof UserError &&
      err.message ===
        "Invalid version constraint in [versions]: spam = >1.0 <2 " +
          "(expected clauses such as >=1.0, <2)",
  );
});

Deno.test("uninstall recipes of gone parts come from the eggs directory", async () => {
  using world = new FakeWorld();
  const eggs = join(world.dir, "eggs", "spam-1");
  mkdirSync(eggs, { recursive: true });
  writeFileSync(
    join(eggs, "package.json"),
    JSON.stringify({ buildout: { uninstall: { default: "./u.js" } } }),
  );
  writeFileSync(join(eggs, "u.js"), "export default function u() {}\n");
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world),
  );
  assert.equal(typeof await loader.uninstaller("spam"), "function");
  assert.equal(await loader.uninstaller("other"), undefined);
  assert.deepEqual(world.extracted, []);
});

Deno.test("a develop package satisfies a distribution's requirement", async () => {
  using world = new FakeWorld();
  world.archive("dist/spam-2.tgz", recipeFiles("spam", "2", ["helper>=1"]));
  const dev = join(world.dir, "helper-src");
  mkdirSync(dev);
  writeFileSync(
    join(dev, "package.json"),
    JSON.stringify({ name: "helper", version: "1.5.0" }),
  );
  mkdirSync(join(world.dir, "develop-eggs"));
  writeFileSync(join(world.dir, "develop-eggs", "helper.egg-link"), dev + "\n");
  const loader = new RecipeLoader(
    join(world.dir, "develop-eggs"),
    await distributions(world),
  );
  await loader.preload(["spam"]);
  assert.match(loader.signature("spam"), /^spam-2 helper-[A-Za-z0-9+/]{22}==$/);
});

Deno.test("distributions are searchable with a location or an unpacked copy", async () => {
  using world = new FakeWorld();
  const b = await buildout(`[buildout]\ndirectory = ${world.dir}\n`);
  const none = new Distributions(readDistSettings(b), world.transport);
  assert.equal(none.searchable("spam"), false);
  assert.equal(none.searchable("not a requirement!"), false);
  mkdirSync(join(world.dir, "eggs", "spam-1"), { recursive: true });
  const unpacked = new Distributions(
    readDistSettings(b),
    world.transport,
  );
  assert.equal(unpacked.searchable("spam>=1"), true);
  assert.equal((await distributions(world)).searchable("other"), true);
});
