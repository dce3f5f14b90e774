import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import type { ConfigData } from "../../lib/config/annotated.ts";
import { UserError } from "../../lib/errors.ts";
import { fakeSource } from "./fake_source.ts";

const request = (configFile = "buildout.cfg", extra = {}) => ({
  configFile,
  cwd: "/b",
  assignments: [],
  executable: "/usr/bin/buildout",
  ...extra,
});

function value(data: ConfigData, section: string, option: string) {
  return data.get(section)?.get(option)?.value;
}

function sources(data: ConfigData, section: string, option: string) {
  return data.get(section)?.get(option)?.notes.map((n) =>
    n.op === "=" ? n.source : `${n.op} ${n.source}`
  );
}

Deno.test("extends several files, chains, the same file twice, relative paths", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/buildout.cfg":
        "[buildout]\nextends = b1.cfg b2.cfg /other/b3.cfg\n[debug]\nop = buildout\n",
      "/b/b1.cfg":
        "[buildout]\nextends = base.cfg\n[debug]\nop1 = b1 1\nop2 = b1 2\n",
      "/b/b2.cfg":
        "[buildout]\nextends = base.cfg\n[debug]\nop2 = b2 2\nop3 = b2 3\n",
      "/other/b3.cfg":
        "[buildout]\nextends = b3base.cfg\n[debug]\nop4 = b3 4\n",
      "/other/b3base.cfg": "[debug]\nop5 = b3base 5\n",
      "/b/base.cfg":
        "[buildout]\nparts = debug\n[debug]\nrecipe = recipes:debug\nname = base\n",
    }),
  );
  const debug = Object.fromEntries(
    [...data.get("debug")!].map(([k, v]) => [k, v.value]),
  );
  assert.deepEqual(debug, {
    recipe: "recipes:debug",
    name: "base",
    op1: "b1 1",
    op2: "b2 2",
    op3: "b2 3",
    op4: "b3 4",
    op5: "b3base 5",
    op: "buildout",
  });
  assert.equal(value(data, "buildout", "directory"), "/b");
  assert.deepEqual(sources(data, "buildout", "directory"), ["COMPUTED_VALUE"]);
  assert.deepEqual(sources(data, "buildout", "parts"), ["/b/base.cfg"]);
  assert.equal(data.get("buildout")!.has("extends"), false);
});

Deno.test("+= and -= across extends keep lines and the chain of origins", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/base.cfg":
        "[part1]\noption = a1 a2\n[part2]\noption = b1 b2 b3 b4\n[part3]\noption = c1 c2\n",
      "/b/extension1.cfg":
        "[buildout]\nextends = base.cfg\n[part1]\noption += a3 a4\n[part2]\noption -= b1 b2\n[part3]\noption+=c3 c4 c5\n[part4]\noption = h1 h2\n",
      "/b/extension2.cfg":
        "[buildout]\nextends = extension1.cfg\n[part1]\noption += a5\n[part2]\noption -= b1 b2 b3\n",
      "/b/buildout.cfg": "[buildout]\nextends = extension2.cfg\n",
    }),
  );
  assert.equal(value(data, "part1", "option"), "a1 a2\na3 a4\na5");
  assert.deepEqual(sources(data, "part1", "option"), [
    "/b/base.cfg",
    "+= /b/extension1.cfg",
    "+= /b/extension2.cfg",
  ]);
  // Removal works on whole lines, as in zc.buildout 1.5.2.
  assert.equal(value(data, "part2", "option"), "b1 b2 b3 b4");
  assert.deepEqual(sources(data, "part2", "option"), [
    "/b/base.cfg",
    "-= /b/extension1.cfg",
    "-= /b/extension2.cfg",
  ]);
  assert.equal(value(data, "part3", "option"), "c1 c2\nc3 c4 c5");
  assert.equal(value(data, "part4", "option"), "h1 h2");
});

Deno.test("-= removes matching lines", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/base.cfg": "[a]\nx =\n  one\n  two\n  three\n",
      "/b/buildout.cfg": "[buildout]\nextends = base.cfg\n[a]\nx -= two\n",
    }),
  );
  assert.equal(value(data, "a", "x"), "one\nthree");
});

Deno.test("in one file, every += applies before any -=", async () => {
  // zc.buildout's _update_section sorts the operators of a layer, += first.
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/base.cfg": "[a]\nx = one\ny = one\n",
      "/b/buildout.cfg":
        "[buildout]\nextends = base.cfg\n[a]\nx -= two\nx += two\ny -= one\ny += one\n",
    }),
  );
  assert.equal(value(data, "a", "x"), "one");
  assert.equal(value(data, "a", "y"), "");
  assert.deepEqual(sources(data, "a", "x"), [
    "/b/base.cfg",
    "+= /b/buildout.cfg",
    "-= /b/buildout.cfg",
  ]);
});

Deno.test("command-line assignments win and may use += on a new section", async () => {
  const data = await loadConfig(
    request("buildout.cfg", {
      assignments: [
        { section: "debug", option: "op1", value: "foo" },
        { section: "debug", option: "x+", value: "more" },
        { section: "fresh", option: "y+", value: "new" },
      ],
    }),
    fakeSource({ "/b/buildout.cfg": "[debug]\nop1 = file\nx = base\n" }),
  );
  assert.equal(value(data, "debug", "op1"), "foo");
  assert.deepEqual(sources(data, "debug", "op1"), ["COMMAND_LINE_VALUE"]);
  assert.equal(value(data, "debug", "x"), "base\nmore");
  assert.deepEqual(sources(data, "debug", "x"), [
    "/b/buildout.cfg",
    "+= COMMAND_LINE_VALUE",
  ]);
  assert.equal(value(data, "fresh", "y"), "new");
});

Deno.test("buildout:extends on the command line reads files from the current directory over the configuration", async () => {
  const data = await loadConfig(
    request("sub/buildout.cfg", {
      assignments: [
        { section: "buildout", option: "extends", value: "x.cfg /o/y.cfg" },
        { section: "debug", option: "op3", value: "cl" },
      ],
    }),
    fakeSource({
      "/b/sub/buildout.cfg": "[debug]\nop1 = root\nop2 = root\nop3 = root\n",
      "/b/x.cfg": "[buildout]\nextends = base.cfg\n[debug]\nop2 += x\n",
      "/b/base.cfg": "[debug]\nop1 = base\n",
      "/o/y.cfg": "[debug]\nop3 = y\n",
    }),
  );
  // What x.cfg extends is read over the configuration too, as zc.buildout
  // reads it: base.cfg's op1 replaces the configuration file's.
  assert.equal(value(data, "debug", "op1"), "base");
  assert.equal(value(data, "debug", "op2"), "root\nx");
  assert.deepEqual(sources(data, "debug", "op2"), [
    "/b/sub/buildout.cfg",
    "+= /b/x.cfg",
  ]);
  assert.equal(value(data, "debug", "op3"), "cl");
  assert.equal(data.get("buildout")!.has("extends"), false);
});

Deno.test("user defaults are read first and overridden by the project", async () => {
  const files = {
    "/home/.buildout/default.cfg": "[debug]\nop1 = 1\nop7 = 7\n",
    "/b/buildout.cfg": "[debug]\nop1 = project\n",
  };
  const data = await loadConfig(
    request("buildout.cfg", { userDefaults: "/home/.buildout/default.cfg" }),
    fakeSource(files),
  );
  assert.equal(value(data, "debug", "op1"), "project");
  assert.equal(value(data, "debug", "op7"), "7");
  const without = await loadConfig(request(), fakeSource(files));
  assert.equal(value(without, "debug", "op7"), undefined);
});

Deno.test("URL configs: relative extends resolve against the base URL, no directory", async () => {
  const source = fakeSource({
    "http://h/x/remote.cfg":
      "[buildout]\nextends = r2.cfg\n[debug]\nname = remote\n",
    "http://h/x/r2.cfg":
      "[buildout]\nextends = ../r1.cfg\n[debug]\nop2 = r2 2\nop3 = r2 3\n",
    "http://h/x/../r1.cfg": "[debug]\nop1 = r1 1\nop2 = r1 2\n",
  });
  const data = await loadConfig(request("http://h/x/remote.cfg"), source);
  assert.equal(value(data, "debug", "op1"), "r1 1");
  assert.equal(value(data, "debug", "op2"), "r2 2");
  assert.equal(value(data, "buildout", "directory"), undefined);
  // Joined as zc.buildout joins them: `..` kept, as in its extends cache.
  assert.deepEqual(source.urls, [
    "http://h/x/remote.cfg",
    "http://h/x/r2.cfg",
    "http://h/x/../r1.cfg",
  ]);
});

Deno.test("URL configs: a base URL holding a query keeps it for relative extends", async () => {
  const source = fakeSource({
    "http://h/get?f=dir/a.cfg":
      "[buildout]\nextends = b.cfg\n[a]\nhere = ${:_profile_base_location_}\n",
    "http://h/get?f=dir/b.cfg": "[b]\nx = 1\n",
  });
  const data = await loadConfig(request("http://h/get?f=dir/a.cfg"), source);
  assert.equal(value(data, "b", "x"), "1");
  assert.equal(value(data, "a", "here"), "http://h/get?f=dir");
  assert.deepEqual(source.urls, [
    "http://h/get?f=dir/a.cfg",
    "http://h/get?f=dir/b.cfg",
  ]);
});

Deno.test("URL configs: a file extending itself through . or .. is a cycle", async () => {
  await assert.rejects(
    loadConfig(
      request("http://h/x/a.cfg"),
      fakeSource({
        "http://h/x/a.cfg": "[buildout]\nextends = ../x/./a.cfg\n",
      }),
    ),
    {
      message:
        "Recursive file include: http://h/x/a.cfg -> http://h/x/../x/./a.cfg",
    },
  );
});

Deno.test("a URL extended by the user defaults and the project is read for each", async () => {
  const source = fakeSource({
    "/home/.buildout/default.cfg":
      "[buildout]\nextends = http://h/shared.cfg\nextends-cache = user-cache\n",
    "/b/buildout.cfg":
      "[buildout]\nextends = http://h/shared.cfg\nextends-cache = cache\n",
    "http://h/shared.cfg": "[s]\nx = 1\n",
  });
  const caches: (string | undefined)[] = [];
  const readUrl = source.readUrl;
  source.readUrl = (url, download) => {
    caches.push(download.get("extends-cache"));
    return readUrl(url, download);
  };
  await loadConfig(
    request("buildout.cfg", { userDefaults: "/home/.buildout/default.cfg" }),
    source,
  );
  assert.deepEqual(source.urls, ["http://h/shared.cfg", "http://h/shared.cfg"]);
  assert.deepEqual(caches, ["user-cache", "cache"]);
});

Deno.test("an extends cycle is an error naming the chain", async () => {
  await assert.rejects(
    loadConfig(
      request(),
      fakeSource({
        "/b/buildout.cfg": "[buildout]\nextends = a.cfg\n",
        "/b/a.cfg": "[buildout]\nextends = buildout.cfg\n",
      }),
    ),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        "Recursive file include: /b/buildout.cfg -> /b/a.cfg -> /b/buildout.cfg",
  );
});

Deno.test("a missing root file or extends file names the file", async () => {
  await assert.rejects(
    loadConfig(request("nope.cfg"), fakeSource({})),
    { message: "Couldn't open /b/nope.cfg" },
  );
  await assert.rejects(
    loadConfig(
      request(),
      fakeSource({ "/b/buildout.cfg": "[buildout]\nextends = gone.cfg\n" }),
    ),
    { message: "Couldn't open /b/gone.cfg, extended by /b/buildout.cfg" },
  );
});

Deno.test("optional-extends skips missing files and reads present ones", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/buildout.cfg":
        "[buildout]\nextends = base.cfg\noptional-extends = local.cfg missing.cfg\n[a]\nx = own\n",
      "/b/base.cfg": "[a]\nx = base\ny = base\n",
      "/b/local.cfg": "[a]\ny = local\n",
    }),
  );
  assert.equal(value(data, "a", "x"), "own");
  assert.equal(value(data, "a", "y"), "local");
  assert.equal(data.get("buildout")!.has("optional-extends"), false);
});

Deno.test("optional-extends skips URLs not found, but not what they extend", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/buildout.cfg":
        "[buildout]\noptional-extends = http://h/gone.cfg http://h/here.cfg\n",
      "http://h/here.cfg": "[a]\nx = here\n",
    }),
  );
  assert.equal(value(data, "a", "x"), "here");
  await assert.rejects(
    loadConfig(
      request(),
      fakeSource({
        "/b/buildout.cfg": "[buildout]\noptional-extends = http://h/o.cfg\n",
        "http://h/o.cfg": "[buildout]\nextends = gone.cfg\n",
      }),
    ),
    { message: "no http://h/gone.cfg" },
  );
});

Deno.test("${:_profile_base_location_} is the directory or URL of the file holding the value", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({
      "/b/buildout.cfg":
        "[buildout]\nextends = comp/c.cfg http://h/r/remote.cfg\n[a]\nmine = ${:_profile_base_location_}/x\nkept = $${:_profile_base_location_}\n",
      "/b/comp/c.cfg": "[a]\npatch = ${:_profile_base_location_}/fix.patch\n",
      "http://h/r/remote.cfg": "[r]\nurl = ${:_profile_base_location_}/t.in\n",
    }),
  );
  assert.equal(value(data, "a", "mine"), "/b/x");
  assert.equal(value(data, "a", "patch"), "/b/comp/fix.patch");
  assert.equal(value(data, "a", "kept"), "$${:_profile_base_location_}");
  assert.equal(value(data, "r", "url"), "http://h/r/t.in");
});

Deno.test("defaults carry DEFAULT_VALUE", async () => {
  const data = await loadConfig(
    request(),
    fakeSource({ "/b/buildout.cfg": "[buildout]\nparts =\n" }),
  );
  assert.equal(value(data, "buildout", "bin-directory"), "bin");
  assert.deepEqual(sources(data, "buildout", "bin-directory"), [
    "DEFAULT_VALUE",
  ]);
  assert.deepEqual(sources(data, "buildout", "parts"), ["/b/buildout.cfg"]);
});
