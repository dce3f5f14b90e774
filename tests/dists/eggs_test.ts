import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { EggsDirectory } from "../../lib/dists/eggs.ts";
import { hostTag } from "../../lib/fetch/hidden_temp.ts";
import { parseDistName } from "../../lib/dists/archive_name.ts";
import { FakeWorld, type Files, recipeFiles } from "./fake_transport.ts";

async function unpack(
  world: FakeWorld,
  eggs: EggsDirectory,
  files: Files | "corrupt",
  stem = "spam-1",
) {
  const archive = world.archive(`${stem}.tgz`, files);
  return eggs.commit(
    await eggs.prepare(
      archive,
      parseDistName(stem)!,
      archive,
      world.transport.extract,
    ),
  );
}

Deno.test("unpacked distributions are <name>-<version>/, newest first", async () => {
  using world = new FakeWorld();
  const path = join(world.dir, "eggs");
  const eggs = new EggsDirectory(path);
  assert.deepEqual(eggs.installed("spam"), []);
  const dist = await unpack(
    world,
    eggs,
    recipeFiles("spam", "1", ["other>=1"]),
  );
  assert.equal(dist.dir, join(path, "spam-1"));
  assert.equal(dist.entries.recipes.default, "./recipe.js");
  assert.deepEqual(dist.requires.map((r) => r.name), ["other"]);
  await unpack(world, eggs, recipeFiles("spam", "10"), "spam-10");
  assert.deepEqual(eggs.installed("spam").map((d) => d.version), ["10", "1"]);
  assert.deepEqual(readdirSync(path).sort(), ["spam-1", "spam-10"]);
  // A fresh scan sees the same, and skips hidden (in-progress) entries.
  mkdirSync(join(path, ".spam-11.tmp-x"));
  mkdirSync(join(path, "not-a-dist"));
  const again = new EggsDirectory(path);
  assert.deepEqual(again.installed("spam").map((d) => d.version), ["10", "1"]);
  assert.equal(
    again.read(again.installed("spam")[1]).requires[0].name,
    "other",
  );
});

Deno.test("a bad archive leaves nothing in the eggs directory", async () => {
  using world = new FakeWorld();
  const path = join(world.dir, "eggs");
  const eggs = new EggsDirectory(path);
  const cases: Array<[Files | "corrupt", RegExp]> = [
    ["corrupt", /unexpected end of data/],
    [{ "README": "" }, /The distribution .*spam-1.tgz has no package.json/],
    [
      { "package.json": "{nope" },
      /Couldn't read the package.json of the distribution .*spam-1.tgz/,
    ],
    [
      {
        "package.json": JSON.stringify({
          buildout: { recipes: { default: "./gone.js" } },
        }),
      },
      /The distribution .*spam-1.tgz lacks the module .\/gone.js of entry point 'default' in "buildout.recipes"/,
    ],
    [
      {
        "package.json": JSON.stringify({
          buildout: { recipes: { default: "../../x.js" } },
        }),
        "x.js": "",
      },
      /lacks the module ..\/..\/x.js/,
    ],
    [
      // Outside the distribution though it exists: the eggs directory.
      {
        "package.json": JSON.stringify({
          buildout: { recipes: { default: "../" } },
        }),
      },
      /lacks the module ..\/ of entry point 'default'/,
    ],
    [
      { "package.json": JSON.stringify({ buildout: { recipes: ["x"] } }) },
      /Invalid "buildout.recipes" in the package.json of the distribution/,
    ],
    [
      { "package.json": JSON.stringify({ buildout: { requires: "other" } }) },
      /Invalid "buildout.requires" .* expected a list of requirement strings/,
    ],
    [
      {
        "package.json": JSON.stringify({ buildout: { requires: ["other >"] } }),
      },
      /Invalid requirement 'other >': .* \(in "buildout.requires" of the package.json of the distribution .*spam-1.tgz\)/,
    ],
    [
      recipeFiles("spam", "2.0"),
      /The distribution .*spam-1.tgz is version 1 by its file name but 2.0 by its package.json/,
    ],
    [
      recipeFiles("eggs", "1"),
      /The distribution .*spam-1.tgz is named spam by its file name but eggs by its package.json/,
    ],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(
      unpack(world, eggs, files),
      (err: Error) => err instanceof UserError && message.test(err.message),
      String(message),
    );
    assert.deepEqual(readdirSync(path), [], String(message));
  }
  assert.deepEqual(eggs.installed("spam"), []);
});

Deno.test("package.json agrees with the file name up to normalisation", async () => {
  using world = new FakeWorld();
  const eggs = new EggsDirectory(join(world.dir, "eggs"));
  // PEP 440 equality, PEP 503 names, npm scopes (`npm pack` names
  // @scope/spam scope-spam-VERSION.tgz), and versions PEP 440 cannot read.
  const agreeing: Array<[string, string, string]> = [
    ["Foo_Bar", "1.0.0-beta.1", "foo.bar-1.0.0b1"],
    ["@scope/spam", "1.0", "scope-spam-1.0"],
    ["spam", "1.0.0-alpha.beta", "spam-1.0"],
  ];
  for (const [name, version, stem] of agreeing) {
    const dist = await unpack(world, eggs, recipeFiles(name, version), stem);
    assert.equal(dist.dir, join(world.dir, "eggs", stem));
  }
  const bare = await unpack(world, eggs, {
    "package.json": JSON.stringify({ buildout: {} }),
  }, "bare-1");
  assert.equal(bare.version, "1");
});

Deno.test("a distribution unpacked meanwhile by another run is kept", async () => {
  using world = new FakeWorld();
  const path = join(world.dir, "eggs");
  const eggs = new EggsDirectory(path);
  assert.deepEqual(eggs.installed("spam"), []);
  mkdirSync(join(path, "spam-1"), { recursive: true });
  writeFileSync(join(path, "spam-1", "package.json"), "{}");
  writeFileSync(join(path, "spam-1", "marker"), "theirs");
  const dist = await unpack(world, eggs, recipeFiles("spam", "1"));
  assert.equal(dist.dir, join(path, "spam-1"));
  assert.deepEqual(dist.entries.recipes, {});
  assert.deepEqual(readdirSync(path), ["spam-1"]);
  assert.deepEqual(readdirSync(join(path, "spam-1")).sort(), [
    "marker",
    "package.json",
  ]);
});

Deno.test("reading the eggs directory sweeps what killed runs left half-unpacked", () => {
  using world = new FakeWorld();
  const path = join(world.dir, "eggs");
  const host = hostTag();
  const dead = `.buildout-${host}-999999999-0badf00d-spam-1`;
  const live = `.buildout-${host}-1-0badf00d-spam-1`;
  for (const name of [dead, live, "spam-1"]) {
    mkdirSync(join(path, name, "data"), { recursive: true });
  }
  writeFileSync(join(path, "spam-1", "package.json"), "{}");
  const eggs = new EggsDirectory(path);
  assert.deepEqual(eggs.installed("spam").map((d) => d.version), ["1"]);
  assert.deepEqual(readdirSync(path).sort(), [live, "spam-1"]);
});
