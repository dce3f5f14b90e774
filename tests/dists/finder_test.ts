import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../../lib/errors.ts";
import { Finder, type FinderOptions } from "../../lib/dists/finder.ts";
import { FakeWorld, recipeFiles } from "./fake_transport.ts";

function finder(world: FakeWorld, options: Partial<FinderOptions>) {
  return new Finder({
    findLinks: [],
    indexes: [],
    offline: false,
    transport: world.transport,
    ...options,
  });
}

const summary = (list: Array<{ version: string; location: string }>) =>
  list.map((c) => `${c.version} ${c.location}`);

Deno.test("directories and archive paths offer their archives", async () => {
  using world = new FakeWorld();
  const a = world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  const b = world.archive("dist/spam-2.zip", recipeFiles("spam", "2"));
  world.archive("dist/other-1.0.tar.xz", recipeFiles("other", "1.0"));
  writeFileSync(join(world.dir, "dist", "README"), "not an archive");
  const c = world.archive("single/spam-3.tar.bz2", recipeFiles("spam", "3"));
  const found = finder(world, {
    findLinks: [join(world.dir, "dist"), c],
  });
  assert.deepEqual(summary(await found.candidates("spam")), [
    `1 ${a}`,
    `2 ${b}`,
    `3 ${c}`,
  ]);
  assert.equal((await found.candidates("other"))[0].local, true);
  assert.deepEqual(await found.candidates("nothing"), []);
});

Deno.test("file: URLs are local paths", async () => {
  using world = new FakeWorld();
  const a = world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  const found = finder(world, {
    findLinks: [pathToFileURL(join(world.dir, "dist")).href],
  });
  assert.deepEqual(summary(await found.candidates("spam")), [`1 ${a}`]);
});

Deno.test("pages are read once; links name archives and digests", async () => {
  using world = new FakeWorld();
  world.page(
    "http://links/",
    `<a href="demo-0.2.tgz#md5=0123abcd">d</a>
     <a href="sub/demo-0.3.tar.gz">e</a>
     <a href="index/">index</a>
     <a href="demoneeded-1.0.zip#sha256=ff00">n</a>`,
  );
  const found = finder(world, {
    findLinks: ["http://links/", "http://direct/x/demo-0.1.tgz"],
  });
  const demo = await found.candidates("demo");
  assert.deepEqual(summary(demo), [
    "0.2 http://links/demo-0.2.tgz",
    "0.3 http://links/sub/demo-0.3.tar.gz",
    "0.1 http://direct/x/demo-0.1.tgz",
  ]);
  assert.equal(demo[0].md5, "0123abcd");
  assert.equal(demo[0].local, false);
  assert.equal((await found.candidates("demoneeded"))[0].sha256, "ff00");
  assert.deepEqual(world.pageReads, ["http://links/"]);
});

Deno.test("an index lists each project under <index>/<name>/", async () => {
  using world = new FakeWorld();
  world.linkPage("http://index/spam/", ["spam-1.tgz", "other-1.tgz"]);
  const local = join(world.dir, "localindex");
  mkdirSync(join(local, "spam"), { recursive: true });
  const b = world.archive(
    "localindex/spam/spam-2.tgz",
    recipeFiles("spam", "2"),
  );
  const found = finder(world, { indexes: ["http://index", local] });
  assert.deepEqual(summary(await found.candidates("spam")), [
    "1 http://index/spam/spam-1.tgz",
    `2 ${b}`,
  ]);
  assert.deepEqual(await found.candidates("ghost"), []);
  await found.candidates("spam");
  assert.deepEqual(world.pageReads, [
    "http://index/spam/",
    "http://index/ghost/",
  ]);
});

Deno.test("many lookups at once read a few pages at a time, each once", async () => {
  using world = new FakeWorld();
  const keys = Array.from({ length: 20 }, (_, i) => `p${i}`);
  for (const key of keys) {
    world.linkPage(`http://index/${key}/`, [`${key}-1.tgz`]);
  }
  let open!: () => void;
  world.pageGate = new Promise((done) => open = done);
  const found = finder(world, { indexes: ["http://index"] });
  const lookups = keys.map((key) => found.candidates(key));
  await new Promise((done) => setTimeout(done, 0));
  assert.ok(world.pagesInFlight > 0);
  assert.ok(world.maxPagesInFlight < 5, `${world.maxPagesInFlight} at once`);
  open();
  const offered = await Promise.all(lookups);
  assert.deepEqual(
    offered.map((list) => list.map((c) => c.filename).join(" ")),
    keys.map((key) => `${key}-1.tgz`),
  );
  assert.deepEqual(world.pageReads, keys.map((key) => `http://index/${key}/`));
});

Deno.test("offline, only local locations and the cache are read", async () => {
  using world = new FakeWorld();
  world.linkPage("http://links/", ["spam-9.tgz"]);
  const a = world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  const cached = world.archive(
    "cache/dist/spam-2.tgz",
    recipeFiles("spam", "2"),
  );
  const found = finder(world, {
    findLinks: ["http://links/", join(world.dir, "dist")],
    indexes: ["http://index/"],
    cacheDirectory: join(world.dir, "cache", "dist"),
    offline: true,
  });
  assert.deepEqual(summary(await found.candidates("spam")), [
    `1 ${a}`,
    `2 ${cached}`,
  ]);
  assert.deepEqual(world.pageReads, []);
  assert.deepEqual(found.searched("spam"), [
    join(world.dir, "dist"),
    join(world.dir, "cache", "dist"),
  ]);
});

Deno.test("searched lists every location, missing ones marked", async () => {
  using world = new FakeWorld();
  const gone = join(world.dir, "gone");
  const found = finder(world, {
    findLinks: [gone],
    indexes: ["http://index/"],
  });
  world.page("http://index/spam/", "");
  await found.candidates("spam");
  assert.deepEqual(found.searched("spam"), [
    `${gone} (not found)`,
    "http://index/spam/",
  ]);
});

Deno.test("a find-links page not found offers nothing and is named where searched", async () => {
  using world = new FakeWorld();
  const a = world.archive("dist/spam-1.tgz", recipeFiles("spam", "1"));
  const found = finder(world, {
    findLinks: ["http://missing/", join(world.dir, "dist")],
  });
  assert.deepEqual(summary(await found.candidates("spam")), [`1 ${a}`]);
  assert.deepEqual(found.searched("spam"), [
    "http://missing/ (HTTP Error 404: Not Found)",
    join(world.dir, "dist"),
  ]);
});

Deno.test("bad find-links locations are user errors", async () => {
  using world = new FakeWorld();
  const notArchive = join(world.dir, "links.txt");
  writeFileSync(notArchive, "x");
  world.page("http://json/", '{"a": 1}', "application/json");
  world.page("http://text/", "just words", "text/html");
  world.page("http://binary/", "\0\0", "");
  world.page("http://nul/", '<a href="spam-1.tgz">\0</a>', "text/html");
  const cases: Array<[string, RegExp]> = [
    [
      notArchive,
      /find-links location .*links.txt is neither a directory nor a distribution archive/,
    ],
    [
      "http://json/",
      /The find-links page http:\/\/json\/ is not an HTML page \(Content-Type: application\/json\)/,
    ],
    [
      "http://text/",
      /http:\/\/text\/ is not an HTML page \(it has no HTML tags\)$/,
    ],
    [
      "http://binary/",
      /http:\/\/binary\/ is not an HTML page \(it holds a NUL character\)$/,
    ],
    [
      "http://nul/",
      /http:\/\/nul\/ is not an HTML page \(it holds a NUL character\)$/,
    ],
    [
      "file://otherhost/dist/",
      /^The file: URL 'file:\/\/otherhost\/dist\/' names no local file: its host is not localhost$/,
    ],
  ];
  for (const [location, message] of cases) {
    await assert.rejects(
      finder(world, { findLinks: [location] }).candidates("spam"),
      (err: Error) => err instanceof UserError && message.test(err.message),
      location,
    );
  }
  await assert.rejects(
    finder(world, { indexes: ["file:///srv/a%2Fb"] }).candidates("spam"),
    (err: Error) =>
      err instanceof UserError &&
      /names no local file: its path holds an encoded \/$/.test(err.message),
  );
});

Deno.test("a page's link to another host's file offers nothing", async () => {
  using world = new FakeWorld();
  world.page(
    "http://links/",
    `<a href="file://otherhost/spam-1.tgz">1</a>
     <a href="spam-2.tgz">2</a>`,
  );
  const found = finder(world, { findLinks: ["http://links/"] });
  assert.deepEqual(summary(await found.candidates("spam")), [
    "2 http://links/spam-2.tgz",
  ]);
});
