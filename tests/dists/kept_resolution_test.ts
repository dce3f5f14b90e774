/**
 * Kept resolutions: a run that found everything unpacked keeps what its
 * installer calls did, and the next run repeats them while the eggs
 * directory, the develop packages and each package.json are as they were.
 * A kept resolution is shown to be repeated by editing the kept file: a
 * run that resolves anew cannot see the edit.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { configureLogging } from "../../lib/log.ts";
import { EggsDirectory } from "../../lib/dists/eggs.ts";
import { Finder } from "../../lib/dists/finder.ts";
import { Installer, type InstallerOptions } from "../../lib/dists/installer.ts";
import { resolutionKeeper } from "../../lib/dists/kept_resolution.ts";
import type { Dist } from "../../lib/dists/metadata.ts";
import { FakeWorld, recipeFiles } from "./fake_transport.ts";

configureLogging("ERROR", "0", "");

const LINKS = "http://links/";

function linkServer(): FakeWorld {
  const world = new FakeWorld();
  const names: string[] = [];
  for (
    const [name, version, requires] of [
      ["demo", "0.2", ["demoneeded"]],
      ["demo", "0.3", ["demoneeded"]],
      ["demoneeded", "1.1", []],
      ["other", "1.0", []],
      ["bigdemo", "0.1", ["demo"]],
    ] as const
  ) {
    const file = `${name}-${version}.tgz`;
    names.push(file);
    world.remoteArchive(
      LINKS + file,
      recipeFiles(name, version, [...requires]),
    );
  }
  world.linkPage(LINKS, names);
  return world;
}

interface RunOptions extends Partial<InstallerOptions> {
  /** Develop packages by name. */
  develops?: Record<string, Dist>;
  /** False as at debug level. */
  mayRepeat?: boolean;
}

/**
 * An installer as one run makes it, keeping resolutions in the world;
 * `keep` is what the run's end does.
 */
function run(world: FakeWorld, options: RunOptions = {}) {
  const { develops = {}, mayRepeat = true, ...rest } = options;
  const eggs = new EggsDirectory(join(world.dir, "eggs"));
  eggs.noteStats();
  const develop = (name: string) => develops[name];
  const settings = { newest: rest.newest ?? false };
  const keeper = resolutionKeeper(
    { directory: join(world.dir, "kept"), program: "test" },
    settings,
    eggs,
    develop,
    () => mayRepeat,
  );
  const installer = new Installer({
    eggs,
    finder: new Finder({
      findLinks: [LINKS],
      indexes: [],
      offline: false,
      transport: world.transport,
    }),
    transport: world.transport,
    newest: false,
    preferFinal: true,
    allowPicked: true,
    versions: new Map(),
    develop: (requirement) => develop(requirement.name),
    keeper,
    ...rest,
  });
  return Object.assign(installer, { keep: () => keeper.keep() });
}

const names = (dists: Dist[]) => dists.map((d) => `${d.name} ${d.version}`);
const keptFiles = (world: FakeWorld) => {
  try {
    return readdirSync(join(world.dir, "kept")).filter((f) =>
      f.endsWith(".json")
    );
  } catch {
    return [];
  }
};

/**
 * Renames the recipe entry point of every kept distribution: a run that
 * repeats the kept resolution gives `edited.js`.
 */
function editKept(world: FakeWorld): void {
  const [file] = keptFiles(world);
  const path = join(world.dir, "kept", file);
  const text = readFileSync(path, "utf8");
  assert.ok(text.includes('"./recipe.js"'));
  writeFileSync(path, text.replaceAll('"./recipe.js"', '"./edited.js"'));
}

/** A develop package of demoneeded at `version`. */
const developDemoneeded = (world: FakeWorld, version: string): Dist => ({
  name: "demoneeded",
  key: "demoneeded",
  version,
  dir: join(world.dir, "dev"),
  develop: true,
  entries: { recipes: {}, uninstall: {}, extensions: {}, unload: {} },
  requires: [],
  dependencyLinks: [],
});

const recipeOf = (dists: Dist[]) => dists[0].entries.recipes.default;

/** Unpacks demo 0.3 and demoneeded 1.1, then keeps a resolution of demo. */
async function keptDemo(world: FakeWorld) {
  await run(world, { newest: true }).install(["demo"], "recipe demo");
  assert.deepEqual(keptFiles(world), [], "a run that fetched keeps nothing");
  const inst = run(world);
  const got = await inst.install(["demo"], "recipe demo");
  inst.keep();
  assert.equal(keptFiles(world).length, 1);
  return { got, picked: inst.picked() };
}

Deno.test("a resolution from what is unpacked is repeated, picks and all, by the next run", async () => {
  using world = linkServer();
  const first = await keptDemo(world);
  editKept(world);
  world.pageReads.length = 0;
  const inst = run(world);
  const got = await inst.install(["demo"], "recipe demo");
  assert.deepEqual(names(got), names(first.got));
  assert.equal(recipeOf(got), "./edited.js");
  assert.deepEqual(inst.picked(), first.picked);
  assert.deepEqual(inst.picked().map((p) => p.requiredBy), [[], [
    "demo==0.3",
  ]]);
  assert.deepEqual(world.pageReads, []);
});

Deno.test("a kept resolution is not repeated once the eggs directory lists another distribution", async () => {
  using world = linkServer();
  await keptDemo(world);
  await run(world, { newest: true }).install(["demo==0.2"], "test");
  editKept(world);
  const got = await run(world).install(["demo"], "recipe demo");
  assert.equal(recipeOf(got), "./recipe.js");
});

Deno.test("a kept resolution is not repeated once a package.json it read was written again, even the same", async () => {
  using world = linkServer();
  await keptDemo(world);
  editKept(world);
  const file = join(world.dir, "eggs", "demoneeded-1.1", "package.json");
  const text = readFileSync(file, "utf8");
  // Past the file system's clock tick: the change time must move.
  await sleep(20);
  writeFileSync(file, text);
  const got = await run(world).install(["demo"], "recipe demo");
  assert.equal(recipeOf(got), "./recipe.js");
});

Deno.test("a kept resolution is not repeated once a develop package it consulted is linked", async () => {
  using world = linkServer();
  await keptDemo(world);
  editKept(world);
  const got = await run(world, {
    develops: { demoneeded: developDemoneeded(world, "7.0") },
  }).install(["demo"], "recipe demo");
  assert.deepEqual(names(got), ["demo 0.3", "demoneeded 7.0"]);
  assert.equal(recipeOf(got), "./recipe.js");
});

Deno.test("calls after one that differs are resolved anew from the state the repeated ones left, and the whole run is kept", async () => {
  using world = linkServer();
  await run(world, { newest: true }).install(["bigdemo"], "recipe bigdemo");
  await keptDemo(world);
  editKept(world);
  const inst = run(world);
  const demo = await inst.install(["demo"], "recipe demo");
  assert.equal(recipeOf(demo), "./edited.js");
  const big = await inst.install(["bigdemo"], "recipe bigdemo");
  assert.equal(recipeOf(big), "./recipe.js");
  // demo came from the repeated call: the same object in both results.
  assert.equal(big[1], demo[0]);
  assert.deepEqual(inst.picked().find((p) => p.name === "demo")?.requiredBy, [
    "bigdemo==0.1",
  ]);
  inst.keep();
  editKept(world);
  const again = run(world);
  await again.install(["demo"], "recipe demo");
  const big2 = await again.install(["bigdemo"], "recipe bigdemo");
  assert.equal(recipeOf(big2), "./edited.js");
});

Deno.test("a call with another requirer is resolved anew, and conflicts name that requirer", async () => {
  using world = linkServer();
  await keptDemo(world);
  const inst = run(world);
  await inst.install(["demo"], "extension demo");
  await assert.rejects(
    inst.install(["demo<0.3"], "test"),
    /we already have demo 0\.3 \(required by extension demo\), but test requires 'demo<0\.3'/,
  );
});

Deno.test("nothing is kept from a run that looked beyond what is unpacked, or failed", async () => {
  using world = linkServer();
  const fetching = run(world, { newest: true });
  await fetching.install(["demo"], "recipe demo");
  fetching.keep();
  // Everything is unpacked now, but newest reads the link page again.
  const looking = run(world, { newest: true });
  await looking.install(["demo"], "recipe demo");
  looking.keep();
  assert.deepEqual(keptFiles(world), []);
  const failing = run(world);
  await assert.rejects(
    failing.install(["demo", "demo<0.3"], "recipe demo"),
    /There is a version conflict/,
  );
  failing.keep();
  assert.deepEqual(keptFiles(world), []);
});

Deno.test("at debug level a kept resolution is not repeated: its notes tell how each requirement was decided", async () => {
  using world = linkServer();
  await keptDemo(world);
  editKept(world);
  const got = await run(world, { mayRepeat: false }).install(
    ["demo"],
    "recipe demo",
  );
  assert.equal(recipeOf(got), "./recipe.js");
});

Deno.test("a damaged kept resolution that is still JSON under its key is resolved anew", async () => {
  using world = linkServer();
  await keptDemo(world);
  const [file] = keptFiles(world);
  const path = join(world.dir, "kept", file);
  const kept = JSON.parse(readFileSync(path, "utf8"));
  for (
    const damage of [
      (k: { calls: unknown[][] }) => k.calls[0][2] = [99],
      (k: { dists: unknown }) => k.dists = 7,
      (k: { develop: unknown }) => k.develop = [[1]],
    ]
  ) {
    const copy = structuredClone(kept);
    damage(copy);
    writeFileSync(path, JSON.stringify(copy));
    const got = await run(world).install(["demo"], "recipe demo");
    assert.deepEqual(names(got), ["demo 0.3", "demoneeded 1.1"]);
  }
});

Deno.test("a develop package in a kept resolution is read anew: the resolution is repeated while it reads the same", async () => {
  using world = linkServer();
  await keptDemo(world);
  const first = run(world, {
    develops: { demoneeded: developDemoneeded(world, "7.0") },
  });
  await first.install(["demo"], "recipe demo");
  first.keep();
  editKept(world);
  const same = await run(world, {
    develops: { demoneeded: developDemoneeded(world, "7.0") },
  })
    .install(["demo"], "recipe demo");
  assert.deepEqual(names(same), ["demo 0.3", "demoneeded 7.0"]);
  assert.equal(recipeOf(same), "./edited.js");
  const changed = await run(world, {
    develops: { demoneeded: developDemoneeded(world, "8.0") },
  })
    .install(["demo"], "recipe demo");
  assert.deepEqual(names(changed), ["demo 0.3", "demoneeded 8.0"]);
  assert.equal(recipeOf(changed), "./recipe.js");
});
