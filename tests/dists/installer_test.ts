/**
 * The reference's "Distribution installation" and "Specifying version
 * information independent of requirements" sessions, against a fake link
 * server offering demo 0.1-0.4c1 (requiring demoneeded), demoneeded
 * 1.0-1.2c1, other 1.0 and bigdemo 0.1 (requiring demo).
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { IncompatibleVersionError, UserError } from "../../lib/errors.ts";
import { configureLogging } from "../../lib/log.ts";
import { EggsDirectory } from "../../lib/dists/eggs.ts";
import { Finder } from "../../lib/dists/finder.ts";
import { Installer, type InstallerOptions } from "../../lib/dists/installer.ts";
import type { Dist } from "../../lib/dists/metadata.ts";
import { parseRequirement } from "../../lib/dists/requirement.ts";
import { FakeWorld, recipeFiles } from "./fake_transport.ts";

configureLogging("ERROR", "0", "");

const LINKS = "http://links/";
const ARCHIVES: Array<[string, string, string[]]> = [
  ["bigdemo", "0.1", ["demo"]],
  ["demo", "0.1", ["demoneeded"]],
  ["demo", "0.2", ["demoneeded"]],
  ["demo", "0.3", ["demoneeded"]],
  ["demo", "0.4c1", ["demoneeded"]],
  ["demoneeded", "1.0", []],
  ["demoneeded", "1.1", []],
  ["demoneeded", "1.2c1", []],
  ["other", "1.0", []],
  ["conflict", "1.0", ["demoneeded==1.0"]],
];

function linkServer(): FakeWorld {
  const world = new FakeWorld();
  const names: string[] = [];
  for (const [name, version, requires] of ARCHIVES) {
    const file = `${name}-${version}.tgz`;
    names.push(file);
    world.remoteArchive(LINKS + file, recipeFiles(name, version, requires));
  }
  world.linkPage(LINKS, names);
  return world;
}

function installer(world: FakeWorld, options: Partial<InstallerOptions> = {}) {
  return new Installer({
    eggs: new EggsDirectory(join(world.dir, "eggs")),
    finder: new Finder({
      findLinks: [LINKS],
      indexes: [],
      offline: false,
      transport: world.transport,
    }),
    transport: world.transport,
    newest: true,
    preferFinal: true,
    allowPicked: true,
    versions: new Map(),
    ...options,
  });
}

const names = (dists: Dist[]) => dists.map((d) => `${d.name} ${d.version}`);
const eggs = (world: FakeWorld) => readdirSync(join(world.dir, "eggs")).sort();
const fetched = (world: FakeWorld) =>
  world.fetched.map((url) => url.slice(LINKS.length));

Deno.test("a pinned requirement gets its dependencies, final preferred", async () => {
  using world = linkServer();
  const got = await installer(world).install(["demo==0.2"], "test");
  assert.deepEqual(names(got), ["demo 0.2", "demoneeded 1.1"]);
  assert.deepEqual(eggs(world), ["demo-0.2", "demoneeded-1.1"]);
  assert.deepEqual(world.pageReads, [LINKS]);
});

Deno.test("an unpacked distribution a requirement pins is used without looking", async () => {
  using world = linkServer();
  await installer(world).install(["demo==0.2", "demoneeded==1.1"], "test");
  world.pageReads.length = 0;
  world.fetched.length = 0;
  const got = await installer(world).install(
    ["demo==0.2", "demoneeded==1.1"],
    "test",
  );
  assert.deepEqual(names(got), ["demo 0.2", "demoneeded 1.1"]);
  assert.deepEqual(world.pageReads, []);
  assert.deepEqual(world.fetched, []);
});

Deno.test("newest = false uses what is unpacked; newest looks further", async () => {
  using world = linkServer();
  await installer(world).install(["demo==0.2"], "test");
  world.fetched.length = 0;
  const old = await installer(world, { newest: false }).install(["demo"], "t");
  assert.deepEqual(names(old), ["demo 0.2", "demoneeded 1.1"]);
  assert.deepEqual(fetched(world), []);
  const newer = await installer(world).install(["demo"], "test");
  assert.deepEqual(names(newer), ["demo 0.3", "demoneeded 1.1"]);
  assert.deepEqual(fetched(world), ["demo-0.3.tgz"]);
  assert.deepEqual(eggs(world), ["demo-0.2", "demo-0.3", "demoneeded-1.1"]);
});

Deno.test("prefer-final = false takes the newest pre-releases", async () => {
  using world = linkServer();
  await installer(world).install(["demo"], "test");
  const got = await installer(world, { preferFinal: false }).install(
    ["demo"],
    "test",
  );
  assert.deepEqual(names(got), ["demo 0.4c1", "demoneeded 1.2c1"]);
  assert.deepEqual(eggs(world), [
    "demo-0.3",
    "demo-0.4c1",
    "demoneeded-1.1",
    "demoneeded-1.2c1",
  ]);
});

Deno.test("pre-releases are taken when no final release satisfies", async () => {
  using world = linkServer();
  const got = await installer(world).install(["demoneeded>1.1"], "test");
  assert.deepEqual(names(got), ["demoneeded 1.2c1"]);
});

Deno.test("what is unpacked is kept when nothing better is offered", async () => {
  using world = linkServer();
  await installer(world).install(["demo"], "test");
  world.fetched.length = 0;
  const again = await installer(world).install(["demo"], "test");
  assert.deepEqual(names(again), ["demo 0.3", "demoneeded 1.1"]);
  assert.deepEqual(world.fetched, []);
});

Deno.test("extra requirements can fix a dependency's version", async () => {
  using world = linkServer();
  const got = await installer(world).install(
    ["demo", "other", "demoneeded==1.0"],
    "test",
  );
  assert.deepEqual(names(got), ["demo 0.3", "other 1.0", "demoneeded 1.0"]);
});

Deno.test("versions pins apply to requirements and dependencies", async () => {
  using world = linkServer();
  const versions = new Map([["demo", "0.2"], ["demoneeded", "1.0"]]);
  const inst = installer(world, { versions });
  const got = await inst.install(["demo"], "test");
  assert.deepEqual(names(got), ["demo 0.2", "demoneeded 1.0"]);
  assert.deepEqual(inst.picked(), []);
});

Deno.test("a pin inconsistent with a requirement is the reference's error", async () => {
  using world = linkServer();
  const versions = new Map([["demo", "0.2"], ["demoneeded", "1.0"]]);
  await assert.rejects(
    installer(world, { versions }).install(["demo >0.2"], "test"),
    (err: Error) =>
      err instanceof IncompatibleVersionError &&
      err.message === "Bad version 0.2" &&
      err.reason ===
        "The version, 0.2, is not consistent with the requirement, 'demo>0.2'.",
  );
});

Deno.test("picked versions are remembered with who required them", async () => {
  using world = linkServer();
  const inst = installer(world);
  await inst.install(["demo"], "test");
  await inst.install(["other"], "test");
  assert.deepEqual(inst.picked(), [
    { name: "demo", version: "0.3", requiredBy: [] },
    { name: "demoneeded", version: "1.1", requiredBy: ["demo==0.3"] },
    { name: "other", version: "1.0", requiredBy: [] },
  ]);
});

Deno.test("allow-picked-versions = false refuses any pick, before fetching", async () => {
  using world = linkServer();
  await assert.rejects(
    installer(world, { allowPicked: false }).install(["demo"], "test"),
    (err: Error) =>
      err instanceof UserError && err.message === "Picked: demo = 0.3",
  );
  assert.deepEqual(world.fetched, []);
  const versions = new Map([["demo", "0.2"], ["demoneeded", "1.0"]]);
  const got = await installer(world, { allowPicked: false, versions })
    .install(["demo"], "test");
  assert.deepEqual(names(got), ["demo 0.2", "demoneeded 1.0"]);
});

Deno.test("a version conflict names both requirers", async () => {
  using world = linkServer();
  await assert.rejects(
    installer(world).install(["demo", "conflict"], "recipe demo"),
    (err: Error) =>
      err instanceof UserError &&
      err.message ===
        "There is a version conflict: we already have demoneeded 1.1 " +
          "(required by demo 0.3), but conflict 1.0 requires 'demoneeded==1.0'.",
  );
  const inst = installer(world);
  await inst.install(["demo==0.2"], "recipe demo==0.2");
  await assert.rejects(
    inst.install(["demo==0.3"], "recipe demo==0.3"),
    /we already have demo 0.2 \(required by recipe demo==0.2\), but recipe demo==0.3 requires 'demo==0.3'/,
  );
});

Deno.test("a requirer in conflict is not listed among those requiring the pick", async () => {
  using world = linkServer();
  const inst = installer(world);
  await assert.rejects(
    inst.install(["demo", "conflict"], "recipe demo"),
    /There is a version conflict/,
  );
  assert.deepEqual(
    inst.picked().find((pick) => pick.name === "demoneeded"),
    { name: "demoneeded", version: "1.1", requiredBy: ["demo==0.3"] },
  );
});

Deno.test("no distribution found says what exists and where it looked", async () => {
  using world = linkServer();
  await assert.rejects(
    installer(world).install(["nothing"], "test"),
    (err: Error) =>
      err instanceof UserError &&
      err.message ===
        "Couldn't find a distribution for 'nothing' (looked in http://links/).",
  );
  await assert.rejects(
    installer(world).install(["demo>5"], "test"),
    /Couldn't find a distribution for 'demo>5' \(only 0.1, 0.2, 0.3, 0.4c1 exist; looked in http:\/\/links\/\)\./,
  );
  await assert.rejects(
    installer(world).install(["other>5"], "test"),
    /Couldn't find a distribution for 'other>5' \(only 1.0 exists; looked in http:\/\/links\/\)\./,
  );
  const bare = new Installer({
    ...{ eggs: new EggsDirectory(join(world.dir, "eggs")) },
    finder: new Finder({
      findLinks: [],
      indexes: [],
      offline: true,
      transport: world.transport,
    }),
    transport: world.transport,
    newest: false,
    preferFinal: true,
    allowPicked: true,
    versions: new Map(),
  });
  await assert.rejects(
    bare.install(["demo"], "test"),
    /Couldn't find a distribution for 'demo' \(no find-links or index is configured; offline, so only local locations and the download cache count\)\./,
  );
});

Deno.test("a develop package satisfies a requirement without looking", async () => {
  using world = linkServer();
  const develop: Dist = {
    name: "demoneeded",
    key: "demoneeded",
    version: "7.0",
    dir: join(world.dir, "dev"),
    develop: true,
    entries: { recipes: {}, uninstall: {}, extensions: {}, unload: {} },
    requires: [],
    dependencyLinks: [],
  };
  const inst = installer(world, {
    develop: (r) => r.key === "demoneeded" ? develop : undefined,
  });
  const got = await inst.install(["demo"], "test");
  assert.deepEqual(names(got), ["demo 0.3", "demoneeded 7.0"]);
  assert.deepEqual(inst.picked().map((p) => p.name), ["demo"]);
  assert.deepEqual(fetched(world), ["demo-0.3.tgz"]);
});

Deno.test("a failed unpack is a user error naming the archive", async () => {
  using world = linkServer();
  world.remoteArchive(LINKS + "broken-1.0.tgz", "corrupt");
  world.linkPage(LINKS, ["broken-1.0.tgz"]);
  await assert.rejects(
    installer(world).install(["broken"], "test"),
    /unexpected end of data/,
  );
  assert.deepEqual(readdirSync(join(world.dir, "eggs")), []);
});

Deno.test("downloads overlap while results and picks stay in order", async () => {
  using world = linkServer();
  const inst = installer(world);
  const got = await inst.install(["bigdemo", "other", "conflict==1.0"], "t");
  assert.deepEqual(names(got), [
    "bigdemo 0.1",
    "other 1.0",
    "conflict 1.0",
    "demo 0.3",
    "demoneeded 1.0",
  ]);
  assert.ok(world.maxInFlight > 1, `at most ${world.maxInFlight} at once`);
  // Listed by name, whatever order the downloads ended in.
  assert.deepEqual(inst.picked().map((p) => p.name), [
    "bigdemo",
    "demo",
    "other",
  ]);
});

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((done) => setTimeout(done, 1));
};

Deno.test("stopping the look-ahead drops downloads not started", async () => {
  using world = linkServer();
  let open = () => {};
  world.gate = new Promise((resolve) => open = resolve);
  const inst = installer(world, { parallelDownloads: 3 });
  inst.prefetch(
    ["bigdemo", "demo", "demoneeded", "other", "conflict"].map((name) =>
      parseRequirement(name)
    ),
  );
  // Let the look-ahead read the page and start what it may.
  await ticks();
  assert.equal(world.fetched.length, 3);
  inst.stopLookAhead();
  open();
  await ticks();
  assert.equal(world.fetched.length, 3);
  // What was unpacked ahead is not left in the eggs directory.
  assert.deepEqual(eggs(world), []);
});

Deno.test("the look-ahead follows the requirements of what it unpacked", async () => {
  using world = linkServer();
  const inst = installer(world);
  inst.prefetch([parseRequirement("bigdemo")]);
  await ticks();
  // bigdemo requires demo, which requires demoneeded: all there already,
  // unpacked out of sight.
  assert.deepEqual(fetched(world), [
    "bigdemo-0.1.tgz",
    "demo-0.3.tgz",
    "demoneeded-1.1.tgz",
  ]);
  assert.equal(world.extracted.length, 3);
  assert.deepEqual(eggs(world).filter((name) => !name.startsWith(".")), []);
  const got = await inst.install(["bigdemo"], "test");
  assert.deepEqual(names(got), ["bigdemo 0.1", "demo 0.3", "demoneeded 1.1"]);
  assert.deepEqual(eggs(world), ["bigdemo-0.1", "demo-0.3", "demoneeded-1.1"]);
  assert.equal(world.fetched.length, 3);
  assert.equal(world.extracted.length, 3);
});

const LINKS2 = "http://links2/", LINKS3 = "http://links3/";

/**
 * The reference's "Dependency links" session: hasdeps 1.0 (on LINKS3)
 * requires demoneeded and names LINKS2, which offers demoneeded 1.2, as
 * a dependency link.
 */
function dependencyLinkServers(): FakeWorld {
  const world = linkServer();
  world.remoteArchive(
    LINKS2 + "demoneeded-1.2.tgz",
    recipeFiles("demoneeded", "1.2"),
  );
  world.linkPage(LINKS2, ["demoneeded-1.2.tgz"]);
  world.remoteArchive(
    LINKS3 + "hasdeps-1.0.tgz",
    recipeFiles("hasdeps", "1.0", ["demoneeded"], [LINKS2]),
  );
  world.linkPage(LINKS3, ["hasdeps-1.0.tgz"]);
  return world;
}

function linkInstaller(
  world: FakeWorld,
  findLinks: string[],
  useDependencyLinks = true,
) {
  return installer(world, {
    finder: new Finder({
      findLinks,
      indexes: [],
      offline: false,
      transport: world.transport,
    }),
    useDependencyLinks,
  });
}

Deno.test("dependency links: what a distribution requires is searched in its dependency links too", async () => {
  using world = dependencyLinkServers();
  const got = await linkInstaller(world, [LINKS3]).install(["hasdeps"], "t");
  assert.deepEqual(names(got), ["hasdeps 1.0", "demoneeded 1.2"]);
  assert.deepEqual(world.pageReads, [LINKS3, LINKS2]);
  assert.deepEqual(world.fetched, [
    LINKS3 + "hasdeps-1.0.tgz",
    LINKS2 + "demoneeded-1.2.tgz",
  ]);
});

Deno.test("dependency links: the newest offered anywhere wins, and nothing is fetched that is not used", async () => {
  using world = dependencyLinkServers();
  const inst = linkInstaller(world, [LINKS, LINKS3]);
  const got = await inst.install(["hasdeps"], "t");
  // demoneeded 1.1 on LINKS is not fetched: what hasdeps requires is
  // looked for once its dependency links are known.
  assert.deepEqual(names(got), ["hasdeps 1.0", "demoneeded 1.2"]);
  assert.deepEqual(world.fetched, [
    LINKS3 + "hasdeps-1.0.tgz",
    LINKS2 + "demoneeded-1.2.tgz",
  ]);
  inst.stopLookAhead();
  assert.deepEqual(eggs(world), ["demoneeded-1.2", "hasdeps-1.0"]);
});

Deno.test("dependency links: a requirement looked ahead for before they were added is decided again", async () => {
  using world = dependencyLinkServers();
  const inst = linkInstaller(world, [LINKS, LINKS3]);
  // demoneeded is looked ahead for before hasdeps brings its links; it
  // must still come from them.
  world.remoteArchive(
    LINKS + "first-1.0.tgz",
    recipeFiles("first", "1.0", ["demoneeded"]),
  );
  world.linkPage(LINKS, [
    ...ARCHIVES.map(([n, v]) => `${n}-${v}.tgz`),
    "first-1.0.tgz",
  ]);
  inst.prefetch([parseRequirement("demoneeded")]);
  await ticks();
  const got = await inst.install(["hasdeps", "first"], "t");
  assert.deepEqual(names(got), ["hasdeps 1.0", "first 1.0", "demoneeded 1.2"]);
  inst.stopLookAhead();
  assert.deepEqual(eggs(world), ["demoneeded-1.2", "first-1.0", "hasdeps-1.0"]);
});

Deno.test("dependency links: a later call searches only the configured locations, as each zc.buildout install does", async () => {
  using world = dependencyLinkServers();
  world.remoteArchive(LINKS2 + "other-2.0.tgz", recipeFiles("other", "2.0"));
  world.linkPage(LINKS2, ["demoneeded-1.2.tgz", "other-2.0.tgz"]);
  const inst = linkInstaller(world, [LINKS, LINKS3]);
  const first = await inst.install(["hasdeps"], "recipe hasdeps");
  assert.deepEqual(names(first), ["hasdeps 1.0", "demoneeded 1.2"]);
  // other 2.0 is offered only where hasdeps's dependency link points.
  const later = await inst.install(["other"], "recipe other");
  assert.deepEqual(names(later), ["other 1.0"]);
  assert.ok(!world.fetched.includes(LINKS2 + "other-2.0.tgz"));
});

Deno.test("dependency links: use-dependency-links = false searches only the configured locations", async () => {
  using world = dependencyLinkServers();
  const inst = linkInstaller(world, [LINKS, LINKS3], false);
  const got = await inst.install(["hasdeps"], "t");
  assert.deepEqual(names(got), ["hasdeps 1.0", "demoneeded 1.1"]);
  assert.ok(!world.pageReads.includes(LINKS2), world.pageReads.join(" "));
});

Deno.test("dependency links: where nothing is found, the error lists them among the places looked in", async () => {
  using world = dependencyLinkServers();
  world.page(LINKS2, "<html></html>");
  await assert.rejects(
    linkInstaller(world, [LINKS3]).install(["hasdeps"], "t"),
    (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(
        err.message,
        /^Couldn't find a distribution for 'demoneeded' \(looked in http:\/\/links3\/, http:\/\/links2\/\)\.$/,
      );
      return true;
    },
  );
});
