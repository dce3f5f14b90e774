/**
 * End-to-end tests of distributions: the reference's "Repeatable
 * buildouts: controlling eggs used" (spam v1/v2), "Using a download cache"
 * and "Installing solely from a download cache" sessions and the
 * easy_install sessions on finding and picking, with the Python eggs
 * replaced by recipe archives, against a local link server whose requests
 * are logged; plus show-picked-versions, update-versions-file, extensions
 * and bad input.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  brotliCompressSync,
  constants as zlibConstants,
  deflateSync,
  gzipSync,
} from "node:zlib";
import {
  BUILDOUT,
  exec,
  type RequestHandler,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
} from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { mountSkipReason } from "./chroot.ts";
import { asNobody, giveToNobody, nobodySkipReason } from "./as_nobody.ts";

/** Asserts a successful run printing exactly `stdout`. */
async function expectOk(sample: Sample, args: string, stdout: string) {
  const result = await sample.run(args);
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.stdout, stdout);
  assert.equal(result.code, 0);
}

/** Asserts a failed run whose stderr ends with `Error: <message>`. */
async function expectError(
  sample: Sample,
  args: string,
  message: string | RegExp,
): Promise<RunResult> {
  const result = await sample.run(args);
  assert.equal(result.code, 1, result.output);
  const last = result.stderr.trimEnd().split("\n").pop()!;
  if (typeof message === "string") assert.equal(last, `Error: ${message}`);
  else assert.match(last, message);
  return result;
}

/** The entries of the sample's eggs directory. */
function eggs(sample: Sample): string[] {
  return readdirSync(sample.path("eggs")).sort();
}

/** The reference's spam recipe in versions 1 and 2, in `recipe/dist`. */
async function spamDists(sample: Sample): Promise<void> {
  const dist = sample.path("recipe", "dist");
  // Version 1 as a zip, version 2 as an `npm pack` tarball (package/).
  await writeDist(
    join(dist, "spam-1.zip"),
    recipeDist("spam", "1", "recipe v1"),
  );
  await writeDist(
    join(dist, "spam-2.tgz"),
    recipeDist("spam", "2", "recipe v2"),
    "package/",
  );
}

Deno.test("Repeatable buildouts: a versions section pins the recipe", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
find-links = recipe/dist

[foo]
recipe = spam
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam'.
Got spam 2.
Installing foo.
recipe v2
`,
  );
  assert.match(
    sample.cat(".installed.cfg"),
    /__buildout_signature__ = spam-2\n/,
  );

  const release1 = (extra = "") =>
    `[buildout]
parts = foo
find-links = recipe/dist
versions = release-1
${extra}
[release-1]
spam = 1
eggs = 2.2

[foo]
recipe = spam
`;
  sample.write("buildout.cfg", release1());
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam==1'.
Got spam 1.
Uninstalling foo.
Installing foo.
recipe v1
`,
  );
  assert.deepEqual(eggs(sample), ["spam-1", "spam-2"]);

  // Verbose, without the versions section: the pick is reported.
  await expectOk(
    sample,
    "buildout:versions= -v",
    `Installing 'spam'.
We have the best distribution that satisfies 'spam'.
Picked: spam = 2
Uninstalling foo.
Installing foo.
recipe v2
`,
  );
  // With it, nothing is picked.
  await expectOk(
    sample,
    "-v",
    `Installing 'spam'.
We have the distribution that satisfies 'spam==1'.
Uninstalling foo.
Installing foo.
recipe v1
`,
  );

  sample.write("buildout.cfg", release1("allow-picked-versions = false\n"));
  await expectOk(sample, "", "Updating foo.\nrecipe v1\n");
  const refused = await expectError(
    sample,
    "buildout:versions=",
    "Picked: spam = 2",
  );
  assert.match(refused.stderr, /Getting distribution for 'spam'\./);
  // Verbose, the pick is reported before it is refused, as zc.buildout
  // logs it before raising.
  const verbose = await expectError(
    sample,
    "buildout:versions= -v",
    "Picked: spam = 2",
  );
  assert.equal(
    verbose.stdout,
    `Installing 'spam'.
We have the best distribution that satisfies 'spam'.
Picked: spam = 2
`,
  );
});

/** Spam `version` whose uninstall entry point prints which release runs. */
function spamWithUninstall(version: string) {
  return {
    "package.json": JSON.stringify({
      name: "spam",
      version,
      buildout: {
        recipes: { default: "./recipe.js" },
        uninstall: { default: "./recipe.js:uninstall" },
      },
    }),
    "recipe.js": `export default class Recipe {
  install() { return []; }
  update() { return []; }
}
export function uninstall(part) {
  console.log("spam ${version} uninstalls " + part);
}
`,
  };
}

Deno.test("a part no longer configured is uninstalled by the pinned release of its recipe, not the newest unpacked", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("recipe", "dist");
  await writeDist(join(dist, "spam-1.tgz"), spamWithUninstall("1"));
  await writeDist(join(dist, "spam-2.tgz"), spamWithUninstall("2"));
  const config = (parts: string, pin: string) =>
    `[buildout]
parts = ${parts}
find-links = recipe/dist

[versions]
spam = ${pin}

[foo]
recipe = spam
`;
  // Both releases unpacked; the part installed by the pinned one.
  sample.write("buildout.cfg", config("foo", "2"));
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam==2'.\nGot spam 2.\nInstalling foo.\n",
  );
  // As in zc.buildout, the release in force uninstalls, whichever installed.
  sample.write("buildout.cfg", config("foo", "1"));
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam==1'.
Got spam 1.
Uninstalling foo.
Running uninstall recipe.
spam 1 uninstalls foo
Installing foo.
`,
  );
  assert.deepEqual(eggs(sample), ["spam-1", "spam-2"]);
  sample.write("buildout.cfg", config("", "1"));
  await expectOk(
    sample,
    "",
    "Uninstalling foo.\nRunning uninstall recipe.\nspam 1 uninstalls foo\n",
  );
  // Unpinned, the newest unpacked release runs it.
  sample.write("buildout.cfg", config("foo", "1"));
  await expectOk(sample, "", "Installing foo.\n");
  sample.write("buildout.cfg", config("", ""));
  await expectOk(
    sample,
    "",
    "Uninstalling foo.\nRunning uninstall recipe.\nspam 2 uninstalls foo\n",
  );
});

Deno.test("log-format names zc.buildout.easy_install as the logger of distributions and generated scripts", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
find-links = recipe/dist
log-format = %(name)s %(levelname)s %(message)s

[foo]
recipe = spam
`,
  );
  await expectOk(
    sample,
    "-v",
    `zc.buildout.easy_install DEBUG Installing 'spam'.
zc.buildout.easy_install DEBUG We have no distributions for spam that satisfies 'spam'.
zc.buildout.easy_install INFO Getting distribution for 'spam'.
zc.buildout.easy_install INFO Got spam 2.
zc.buildout.easy_install DEBUG Picked: spam = 2
zc.buildout INFO Installing foo.
recipe v2
`,
  );
  await expectOk(
    sample,
    "bootstrap",
    "zc.buildout.easy_install INFO Generated script '/sample-buildout/bin/buildout'.\n",
  );
});

Deno.test({
  name: "show-picked-versions to a full disk: the build goes on and says so",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    await writeDist(
      join(sample.path("dist"), "spam-2.tgz"),
      recipeDist("spam", "2", "spam"),
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = foo\nfind-links = dist\n" +
        "show-picked-versions = true\n\n[foo]\nrecipe = spam\n",
    );
    const result = await exec("/bin/sh", ["-c", '"$0" >/dev/full', BUILDOUT], {
      cwd: sample.dir,
      env: { HOME: sample.home },
    });
    assert.equal(
      result.stderr,
      "Warning: Couldn't write to standard output: no space left on " +
        "device; the log was cut short.\n",
    );
    assert.equal(result.code, 0);
  },
});

Deno.test("show-picked-versions and update-versions-file", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "spam-2.tgz"),
    recipeDist("spam", "2", "spam", ["helper>=1"]),
  );
  await writeDist(
    join(dist, "helper-1.5.tgz"),
    recipeDist("helper", "1.5", ""),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
find-links = dist
show-picked-versions = true
update-versions-file = versions.cfg

[foo]
recipe = spam
`,
  );
  const picked = `[versions]
spam = 2

# Required by:
# spam==2
helper = 1.5
`;
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam'.
Got spam 2.
Getting distribution for 'helper>=1'.
Got helper 1.5.
Installing foo.
spam
Versions had to be automatically picked.
The following part definition lists the versions picked:
${picked}Picked versions have been written to versions.cfg
`,
  );
  assert.equal(sample.cat("versions.cfg"), picked);
  // The written pins are used once named; nothing is picked any more.
  sample.write(
    "buildout.cfg",
    `[buildout]
extends = versions.cfg
parts = foo
find-links = dist
show-picked-versions = true

[foo]
recipe = spam
`,
  );
  await expectOk(sample, "", "Updating foo.\nspam\n");
  // Nor is the file it extends added to when it is also the file to update
  // (zc.buildout's test_buildout_doesnt_keep_adding_itself_to_versions).
  sample.write(
    "buildout.cfg",
    `[buildout]
extends = versions.cfg
parts = foo
find-links = dist
show-picked-versions = true
update-versions-file = versions.cfg

[foo]
recipe = spam
`,
  );
  await expectOk(sample, "", "Updating foo.\nspam\n");
  await expectOk(sample, "", "Updating foo.\nspam\n");
  assert.equal(sample.cat("versions.cfg"), picked);
});

Deno.test("update-versions-file without show-picked-versions appends to the file as named, and says only that", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  sample.write("my_versions.cfg", "[versions]\nother = 1\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
extends = my_versions.cfg
update-versions-file = my_versions.cfg
find-links = recipe/dist
show-picked-versions = false

[foo]
recipe = spam
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam'.
Got spam 2.
Installing foo.
recipe v2
Picked versions have been written to my_versions.cfg
`,
  );
  assert.match(
    sample.cat("my_versions.cfg"),
    /^\[versions\]\nother = 1\n\n# Added by buildout at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\nspam = 2\n$/,
  );
  await expectOk(sample, "", "Updating foo.\nrecipe v2\n");
});

Deno.test("update-versions-file naming a file made ahead with only a comment, which the configuration extends, gives it the [versions] header: the next run reads it", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  sample.write("my_versions.cfg", "# Pins for production\n");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
extends = my_versions.cfg
update-versions-file = my_versions.cfg
find-links = recipe/dist

[foo]
recipe = spam
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam'.
Got spam 2.
Installing foo.
recipe v2
Picked versions have been written to my_versions.cfg
`,
  );
  assert.match(
    sample.cat("my_versions.cfg"),
    /^# Pins for production\n\n# Added by buildout at [\d :.-]+\n\[versions\]\nspam = 2\n$/,
  );
  await expectOk(sample, "", "Updating foo.\nrecipe v2\n");
});

Deno.test("show-picked-versions lists the picks by name, as zc.buildout sorts them, not in the order picked", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "zeta-1.tgz"),
    recipeDist("zeta", "1", "zeta", ["Beta"]),
  );
  await writeDist(join(dist, "Beta-1.tgz"), recipeDist("Beta", "1", ""));
  await writeDist(join(dist, "alpha-1.tgz"), recipeDist("alpha", "1", "alpha"));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = z a
find-links = dist
show-picked-versions = true

[z]
recipe = zeta

[a]
recipe = alpha
`,
  );
  const result = await sample.run("");
  assert.equal(result.code, 0, result.output);
  assert.ok(
    result.stdout.endsWith(`[versions]
alpha = 1
zeta = 1

# Required by:
# zeta==1
Beta = 1
`),
    result.stdout,
  );
});

/**
 * The reference's link server: demo 0.1-0.4c1 (each requiring
 * demoneeded), demoneeded 1.0-1.2c1, other 1.0, bigdemo 0.1 and an empty
 * `index/` directory.
 */
async function linkServer(sample: Sample): Promise<StaticServer> {
  const links = sample.tmpdir("links");
  for (const version of ["0.1", "0.2", "0.3", "0.4c1"]) {
    await writeDist(
      join(links, `demo-${version}.tgz`),
      recipeDist("demo", version, `demo ${version}`, ["demoneeded"]),
    );
  }
  for (const version of ["1.0", "1.1", "1.2c1"]) {
    await writeDist(
      join(links, `demoneeded-${version}.zip`),
      recipeDist("demoneeded", version, ""),
    );
  }
  await writeDist(join(links, "other-1.0.tgz"), recipeDist("other", "1.0", ""));
  await writeDist(
    join(links, "bigdemo-0.1.tgz"),
    recipeDist("bigdemo", "0.1", "", ["demo"]),
  );
  sample.mkdir(join(links, "index"));
  return await startServer(links);
}

Deno.test("Using a download cache, then installing solely from it", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    const cache = sample.tmpdir("cache");
    const config = (extra: string, recipe: string) =>
      `[buildout]
parts = eggs
download-cache = ${cache}
find-links = ${server.url}
prefer-final = false
${extra}
[eggs]
recipe = ${recipe}
`;
    sample.write("buildout.cfg", config("", "demo ==0.2"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo==0.2'.
Got demo 0.2.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2c1.
Installing eggs.
demo 0.2
`,
    );
    assert.deepEqual(server.requests, [
      "/",
      "/demo-0.2.tgz",
      "/demoneeded-1.2c1.zip",
    ]);
    assert.deepEqual(readdirSync(cache), ["dist"]);
    assert.deepEqual(readdirSync(join(cache, "dist")).sort(), [
      "demo-0.2.tgz",
      "demoneeded-1.2c1.zip",
    ]);

    // Unpacked distributions removed: they come from the cache.
    for (const name of eggs(sample)) sample.remove("eggs", name);
    server.requests.length = 0;
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo==0.2'.
Got demo 0.2.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2c1.
Updating eggs.
demo 0.2
`,
    );
    assert.deepEqual(server.requests, ["/"]);

    // Installing solely from the cache: no request at all.
    for (const name of eggs(sample)) sample.remove("eggs", name);
    server.requests.length = 0;
    sample.write("buildout.cfg", config("install-from-cache = true\n", "demo"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo'.
Got demo 0.2.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2c1.
Uninstalling eggs.
Installing eggs.
demo 0.2
`,
    );
    assert.deepEqual(server.requests, []);
    assert.deepEqual(eggs(sample), ["demo-0.2", "demoneeded-1.2c1"]);
  } finally {
    await server.close();
  }
});

Deno.test("a section no part uses gets no distribution and does not change the versions the parts get", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  await writeDist(
    join(sample.path("recipe", "dist"), "helper-1.tgz"),
    recipeDist("helper", "1", "helper"),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
find-links = recipe/dist
show-picked-versions = true

[old]
recipe = spam==1

[foo]
recipe = spam
path = \${ref:path}

[ref]
recipe = helper
path = here
`,
  );
  const result = await sample.run("");
  assert.equal(result.code, 0, result.output);
  // The referenced section is a part, initialized (its recipe got) and
  // installed first; [old] is not.
  assert.equal(
    result.stdout,
    `Getting distribution for 'helper'.
Got helper 1.
Getting distribution for 'spam'.
Got spam 2.
Installing ref.
helper
Installing foo.
recipe v2
Unused options for foo: 'path'.
Versions had to be automatically picked.
The following part definition lists the versions picked:
[versions]
helper = 1
spam = 2
`,
  );
  assert.deepEqual(eggs(sample), ["helper-1", "spam-2"]);
  // Asked for, it is got then.
  await expectOk(
    sample,
    "install old",
    `Getting distribution for 'spam==1'.
Got spam 1.
Installing old.
recipe v1
`,
  );
});

/**
 * A buildout whose part `eggs` uses `recipe`, found on the link server at
 * `url` (find-links and its index); `extra` goes into `[buildout]`.
 */
function linkServerConfig(url: string, recipe: string, extra = ""): string {
  return `[buildout]
parts = eggs
find-links = ${url}
index = ${url}index/
${extra}
[eggs]
recipe = ${recipe}
`;
}

Deno.test("find-links and index: newest, -N, pins, prefer-final", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    const config = (recipe: string, extra = "") =>
      linkServerConfig(server.url, recipe, extra);
    sample.write("buildout.cfg", config("demo==0.2"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo==0.2'.
Got demo 0.2.
Getting distribution for 'demoneeded'.
Got demoneeded 1.1.
Installing eggs.
demo 0.2
`,
    );
    assert.deepEqual(server.requests, [
      "/",
      "/index/demo/",
      "/demo-0.2.tgz",
      "/index/demoneeded/",
      "/demoneeded-1.1.zip",
    ]);

    // Not newest: what is unpacked satisfies 'demo', nothing is requested.
    server.requests.length = 0;
    sample.write("buildout.cfg", config("demo"));
    await expectOk(
      sample,
      "-N",
      "Uninstalling eggs.\nInstalling eggs.\ndemo 0.2\n",
    );
    assert.deepEqual(server.requests, []);

    // Newest: demo 0.3, the newest final release; the signature changed.
    server.requests.length = 0;
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo'.
Got demo 0.3.
Uninstalling eggs.
Installing eggs.
demo 0.3
`,
    );
    assert.deepEqual(server.requests, [
      "/",
      "/index/demo/",
      "/demo-0.3.tgz",
      "/index/demoneeded/",
    ]);

    // Pre-releases when final ones are not preferred.
    await expectOk(
      sample,
      "buildout:prefer-final=false",
      `Getting distribution for 'demo'.
Got demo 0.4c1.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2c1.
Uninstalling eggs.
Installing eggs.
demo 0.4c1
`,
    );
    assert.deepEqual(eggs(sample), [
      "demo-0.2",
      "demo-0.3",
      "demo-0.4c1",
      "demoneeded-1.1",
      "demoneeded-1.2c1",
    ]);

    // Pins apply to dependencies.
    sample.write(
      "buildout.cfg",
      config("demo", "[versions]\ndemo = 0.2\ndemoneeded = 1.0\n"),
    );
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demoneeded==1.0'.
Got demoneeded 1.0.
Uninstalling eggs.
Installing eggs.
demo 0.2
`,
    );

    // A pin the requirement excludes: the reason is logged, then the
    // error is IncompatibleVersionError's "Bad version", as in 1.5.2.
    sample.write(
      "buildout.cfg",
      config("demo >0.2", "[versions]\ndemo = 0.2\ndemoneeded = 1.0\n"),
    );
    const result = await sample.run();
    assert.equal(
      result.stdout,
      "The version, 0.2, is not consistent with the requirement, 'demo>0.2'.\n",
    );
    assert.equal(
      result.stderr,
      `While:
  Installing.
  Getting section eggs.
  Initializing section eggs.
  Installing recipe demo >0.2.
Error: Bad version 0.2
`,
    );
    assert.equal(result.code, 1);
  } finally {
    await server.close();
  }
});

Deno.test("Preferring Final Releases: accept-buildout-test-releases takes pre-releases of recipes", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    const config = (extra = "") => linkServerConfig(server.url, "demo", extra);
    sample.write("buildout.cfg", config());
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo'.
Got demo 0.3.
Getting distribution for 'demoneeded'.
Got demoneeded 1.1.
Installing eggs.
demo 0.3
`,
    );
    // As zc.buildout 1.5.2 gets recipes and extensions with prefer_final
    // = not accept-buildout-test-releases, whatever prefer-final says.
    await expectOk(
      sample,
      "buildout:accept-buildout-test-releases=true",
      `Getting distribution for 'demo'.
Got demo 0.4c1.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2c1.
Uninstalling eggs.
Installing eggs.
demo 0.4c1
`,
    );
    sample.write(
      "buildout.cfg",
      config("accept-buildout-test-releases = true\nprefer-final = true\n"),
    );
    await expectOk(sample, "", "Updating eggs.\ndemo 0.4c1\n");
    await expectError(
      sample,
      "buildout:accept-buildout-test-releases=yes",
      "Invalid value for accept-buildout-test-releases option: yes",
    );
  } finally {
    await server.close();
  }
});

Deno.test("-v reports each pick, and the dependency that led to it, as zc.buildout's easy_install logs them", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    sample.write("buildout.cfg", linkServerConfig(server.url, "demo"));
    assert.equal((await sample.run()).code, 0);
    await expectOk(
      sample,
      "-v",
      `Installing 'demo'.
We have the best distribution that satisfies 'demo'.
Picked: demo = 0.3
Getting required 'demoneeded'
  required by demo 0.3.
We have the best distribution that satisfies 'demoneeded'.
Picked: demoneeded = 1.1
Updating eggs.
demo 0.3
`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("what a distribution requires is got last first, as zc.buildout gets it", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "spam-1.tgz"),
    recipeDist("spam", "1", "spam", ["alpha", "beta"]),
  );
  for (const name of ["alpha", "beta"]) {
    await writeDist(join(dist, `${name}-1.tgz`), recipeDist(name, "1", ""));
  }
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = foo\nfind-links = dist\n[foo]\nrecipe = spam\n",
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam'.
Got spam 1.
Getting distribution for 'beta'.
Got beta 1.
Getting distribution for 'alpha'.
Got alpha 1.
Installing foo.
spam
`,
  );
});

/**
 * Develop packages, each with its version and requirements, and a part
 * using the first one's recipe.
 */
function developPackages(
  sample: Sample,
  packages: Record<string, { version: string; requires: string[] }>,
): void {
  const names = Object.keys(packages);
  for (const name of names) {
    sample.mkdir(name);
    sample.write(
      name,
      "package.json",
      JSON.stringify({
        name,
        version: packages[name].version,
        buildout: {
          recipes: { default: "./recipe.js" },
          requires: packages[name].requires,
        },
      }),
    );
    sample.write(
      name,
      "recipe.js",
      "export default class R { install() { return []; } }\n",
    );
  }
  sample.write(
    "buildout.cfg",
    `[buildout]\ndevelop = ${names.join(" ")}\nparts = p\n[p]\nrecipe = ${
      names[0]
    }\n`,
  );
}

/**
 * The reference's insane dependencies: develop packages `versions` names,
 * each requiring all others, and a part using the first one's recipe.
 */
function insaneDependencies(
  sample: Sample,
  versions: Record<string, string>,
): void {
  const names = Object.keys(versions);
  developPackages(
    sample,
    Object.fromEntries(names.map((name) => [name, {
      version: versions[name],
      requires: names.filter((other) => other !== name),
    }])),
  );
}

Deno.test("-v names every distribution got so far that requires what is got next, as zc.buildout's easy_install does", async () => {
  using sample = await sampleBuildout();
  insaneDependencies(sample, {
    pack0: "1.0",
    pack1: "1.0",
    pack2: "1.0",
    pack3: "1.0",
  });
  await expectOk(
    sample,
    "-v",
    `Develop: '/sample-buildout/pack0'
Develop: '/sample-buildout/pack1'
Develop: '/sample-buildout/pack2'
Develop: '/sample-buildout/pack3'
Installing 'pack0'.
We have a develop egg: pack0 1.0.
Getting required 'pack3'
  required by pack0 1.0.
We have a develop egg: pack3 1.0.
Getting required 'pack2'
  required by pack0 1.0.
  required by pack3 1.0.
We have a develop egg: pack2 1.0.
Getting required 'pack1'
  required by pack0 1.0.
  required by pack2 1.0.
  required by pack3 1.0.
We have a develop egg: pack1 1.0.
Installing p.
`,
  );
});

Deno.test("-v names the distributions requiring what is got next lowest version first, as pkg_resources sorts them", async () => {
  using sample = await sampleBuildout();
  insaneDependencies(sample, { pack0: "2.0", pack1: "1.0", pack2: "1.0" });
  await expectOk(
    sample,
    "-v",
    `Develop: '/sample-buildout/pack0'
Develop: '/sample-buildout/pack1'
Develop: '/sample-buildout/pack2'
Installing 'pack0'.
We have a develop egg: pack0 2.0.
Getting required 'pack2'
  required by pack0 2.0.
We have a develop egg: pack2 1.0.
Getting required 'pack1'
  required by pack2 1.0.
  required by pack0 2.0.
We have a develop egg: pack1 1.0.
Installing p.
`,
  );
});

Deno.test("-v names each distribution requiring what is got next, however it writes the name's case", async () => {
  using sample = await sampleBuildout();
  developPackages(sample, {
    top: { version: "1.0", requires: ["Dep", "mid"] },
    mid: { version: "1.0", requires: ["dep"] },
    dep: { version: "1.0", requires: [] },
  });
  await expectOk(
    sample,
    "-v",
    `Develop: '/sample-buildout/top'
Develop: '/sample-buildout/mid'
Develop: '/sample-buildout/dep'
Installing 'top'.
We have a develop egg: top 1.0.
Getting required 'mid'
  required by top 1.0.
We have a develop egg: mid 1.0.
Getting required 'Dep'
  required by mid 1.0.
  required by top 1.0.
We have a develop egg: dep 1.0.
Installing p.
`,
  );
});

Deno.test("> after a pre-release takes the release; huge versions are skipped", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  for (const version of ["0.9", "1.0b1", "1.0", "1000000000000000000000"]) {
    await writeDist(
      join(dist, `spam-${version}.tgz`),
      recipeDist("spam", version, `spam ${version}`),
    );
  }
  const config = (recipe: string) =>
    `[buildout]
parts = foo
find-links = dist

[foo]
recipe = ${recipe}
`;
  sample.write("buildout.cfg", config("spam>1.0b1"));
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam>1.0b1'.
Got spam 1.0.
Installing foo.
spam 1.0
`,
  );
  sample.write("buildout.cfg", config("spam==1.0.*,<1.0.post1"));
  await expectOk(
    sample,
    "",
    "Uninstalling foo.\nInstalling foo.\nspam 1.0\n",
  );
});

Deno.test("a recipe requirement may put its clauses in parentheses, as pip reads them; extras are refused, saying why", async () => {
  using sample = await sampleBuildout();
  for (const version of ["0.9", "1.0"]) {
    await writeDist(
      sample.path("dist", `spam-${version}.tgz`),
      recipeDist("spam", version, `spam ${version}`),
    );
  }
  const config = (recipe: string) =>
    `[buildout]
parts = foo
find-links = dist

[foo]
recipe = ${recipe}
`;
  sample.write("buildout.cfg", config("spam (<1.0)"));
  await expectOk(
    sample,
    "",
    `Getting distribution for 'spam<1.0'.
Got spam 0.9.
Installing foo.
spam 0.9
`,
  );
  sample.write("buildout.cfg", config("spam[test]"));
  await expectError(
    sample,
    "",
    "Invalid requirement 'spam[test]': extras such as '[test]' select a " +
      "Python project's optional requirements; these distributions have " +
      "none, so remove them",
  );
});

Deno.test("Allow hosts: links to other hosts are skipped, as setuptools skips them, and what allowed hosts offer is got", async () => {
  using sample = await sampleBuildout();
  const mirror = sample.tmpdir("mirror");
  for (const version of ["0.2", "0.3"]) {
    await writeDist(
      join(mirror, `demo-${version}.tgz`),
      recipeDist("demo", version, `demo ${version}`, ["demoneeded"]),
    );
  }
  await writeDist(
    join(mirror, "demoneeded-1.0.tgz"),
    recipeDist("demoneeded", "1.0", ""),
  );
  const server = await startServer(mirror);
  // The same server under a host name allow-hosts leaves out.
  const elsewhere = server.url.replace("127.0.0.1", "localhost");
  writeFileSync(
    join(mirror, "page.html"),
    `<html><body>
<a href="${elsewhere}demo-0.3.tgz">demo-0.3.tgz</a>
<a href="demo-0.2.tgz">demo-0.2.tgz</a>
<a href="demoneeded-1.0.tgz">demoneeded-1.0.tgz</a>
</body></html>
`,
  );
  try {
    const config = (recipe: string, findLinks = `${server.url}page.html`) =>
      `[buildout]
parts = eggs
find-links = ${findLinks}
allow-hosts = 127.0.0.1

[eggs]
recipe = ${recipe}
`;
    sample.write("buildout.cfg", config("demo"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo'.
Got demo 0.2.
Getting distribution for 'demoneeded'.
Got demoneeded 1.0.
Installing eggs.
demo 0.2
`,
    );
    assert.deepEqual(server.requests, [
      "/page.html",
      "/demo-0.2.tgz",
      "/demoneeded-1.0.tgz",
    ]);

    // Only a host left out offers what is asked for: the error says so.
    const port = new URL(server.url).port;
    sample.write("buildout.cfg", config("demo>0.2"));
    await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'demo>0.2' (only 0.2 exists; looked in http://127.0.0.1:${port}/page.html (links to hosts not in allow-hosts skipped)).`,
    );
    sample.write(
      "buildout.cfg",
      config("demo>0.2", `${elsewhere}demo-0.3.tgz`),
    );
    await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'demo>0.2' (only 0.2 exists; looked in http://localhost:${port}/demo-0.3.tgz (host 'localhost:${port}' is not in allow-hosts)).`,
    );
    assert.deepEqual(server.requests, [
      "/page.html",
      "/demo-0.2.tgz",
      "/demoneeded-1.0.tgz",
      "/page.html",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("offline: no request; only local find-links and the cache", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = eggs
find-links = ${server.url}
    local

[eggs]
recipe = demo
`,
    );
    await expectError(
      sample,
      "-o",
      `Couldn't find a distribution for 'demo' (looked in /sample-buildout/local (not found); offline, so only local locations and the download cache count).`,
    );
    // Only remote locations: none is searched, but they are configured.
    await expectError(
      sample,
      `-o buildout:find-links=${server.url} buildout:index=${server.url}index/`,
      `Couldn't find a distribution for 'demo' (the find-links and index are all remote; offline, so only local locations and the download cache count).`,
    );
    // install-from-cache alone, as in an offline.cfg without offline.
    sample.mkdir("cache");
    await expectError(
      sample,
      "buildout:download-cache=cache buildout:install-from-cache=true",
      `Couldn't find a distribution for 'demo' (looked in /sample-buildout/local (not found), /sample-buildout/cache/dist (not found); install-from-cache, so only local locations and the download cache count).`,
    );
    sample.mkdir("local");
    await writeDist(
      sample.path("local", "demo-0.1.tgz"),
      recipeDist("demo", "0.1", "local demo", ["demoneeded"]),
    );
    await writeDist(
      sample.path("local", "demoneeded-1.0.tgz"),
      recipeDist("demoneeded", "1.0", ""),
    );
    await expectOk(
      sample,
      "-o",
      `Getting distribution for 'demo'.
Got demo 0.1.
Getting distribution for 'demoneeded'.
Got demoneeded 1.0.
Installing eggs.
local demo
`,
    );
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

Deno.test("extensions come from distributions", async () => {
  using sample = await sampleBuildout();
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: {
        extensions: { default: "./ext.js:load" },
        unload: { default: "./ext.js:unload" },
      },
    }),
    "ext.js": `export function load(buildout) {
  console.log("ext", buildout.sectionNames().join(" "));
}
export function unload() {
  console.log("unload");
}
`,
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = dist\nextensions = ext\nparts =\n",
  );
  await expectOk(
    sample,
    "",
    "Getting distribution for 'ext'.\nGot ext 1.0.\next buildout\nunload\n",
  );
});

Deno.test("picked versions are reported and written before the unload entry points run, as in zc.buildout 2", async () => {
  using sample = await sampleBuildout();
  // An unload entry point may read (or commit) the versions file.
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: { unload: { default: "./ext.js:unload" } },
    }),
    "ext.js": `import { existsSync, readFileSync } from "node:fs";
export function unload() {
  console.log("unload sees:", existsSync("versions.cfg")
    ? readFileSync("versions.cfg", "utf8").trim().split("\\n").join(" | ")
    : "no versions.cfg");
}
`,
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = dist\nextensions = ext\nparts =\n" +
      "show-picked-versions = true\nupdate-versions-file = versions.cfg\n",
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'ext'.
Got ext 1.0.
Versions had to be automatically picked.
The following part definition lists the versions picked:
[versions]
ext = 1.0
Picked versions have been written to versions.cfg
unload sees: [versions] | ext = 1.0
`,
  );
});

Deno.test("an extension's distribution makes a missing eggs directory, saying so, before it is got", async () => {
  using sample = await sampleBuildout();
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: { extensions: { default: "./ext.js" } },
    }),
    "ext.js": "export default function () {}\n",
  });
  sample.remove("eggs");
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = dist\nextensions = ext\nparts =\n",
  );
  await expectOk(
    sample,
    "",
    `Creating directory '/sample-buildout/eggs'.
Getting distribution for 'ext'.
Got ext 1.0.
`,
  );
});

Deno.test("offline, an extension's distribution unpacked from a local find-links says that it makes the missing eggs directory", async () => {
  using sample = await sampleBuildout();
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: { extensions: { default: "./ext.js" } },
    }),
    "ext.js": "export default function () {}\n",
  });
  sample.remove("eggs");
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = dist\nextensions = ext\nparts =\n",
  );
  await expectOk(
    sample,
    "-o",
    `Getting distribution for 'ext'.
Creating directory '/sample-buildout/eggs'.
Got ext 1.0.
`,
  );
});

Deno.test("an eggs directory that is a file is a one-line error naming it", async () => {
  using sample = await sampleBuildout();
  await spamDists(sample);
  sample.remove("eggs");
  sample.write("eggs", "not a directory\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = recipe/dist\nparts = foo\n[foo]\nrecipe = spam\n",
  );
  const result = await expectError(
    sample,
    "",
    "Couldn't create directory /sample-buildout/eggs: it is a file, not a directory",
  );
  assert.doesNotMatch(result.stderr, /internal error/);
  assert.equal(readFileSync(sample.path("eggs"), "utf8"), "not a directory\n");
});

Deno.test("a distribution's package.json may start with a byte order mark, as npm and Node read it", async () => {
  using sample = await sampleBuildout();
  const files = recipeDist("spam", "1", "recipe v1");
  files["package.json"] = "\ufeff" + files["package.json"];
  await writeDist(sample.path("recipe", "dist", "spam-1.tgz"), files);
  sample.write(
    "buildout.cfg",
    "[buildout]\nfind-links = recipe/dist\nparts = foo\n[foo]\nrecipe = spam\n",
  );
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nrecipe v1\n",
  );
});

Deno.test("a part an extension adds to [buildout] parts gets its recipe distribution", async () => {
  using sample = await sampleBuildout();
  await writeDist(sample.path("dist", "ext-1.tgz"), {
    "package.json": JSON.stringify({
      buildout: { extensions: { default: "./ext.js" } },
    }),
    "ext.js": `export default function (buildout) {
  const main = buildout.section("buildout");
  main.set("parts", main.get("parts") + " added");
}
`,
  });
  await writeDist(
    sample.path("dist", "spam-1.tgz"),
    recipeDist("spam", "1", "spam v1"),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
find-links = dist
extensions = ext
parts =

[added]
recipe = spam
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'ext'.
Got ext 1.
Getting distribution for 'spam'.
Got spam 1.
Installing added.
spam v1
`,
  );
});

Deno.test("a find-links server that is down is a warning: what is installed still builds", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const server = await startServer(links);
  const url = server.url;
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = foo\nfind-links = ${url}\n\n[foo]\nrecipe = spam\n`,
  );
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
  );
  await server.close();
  // As setuptools: the page is a warning, and spam 1 in eggs does.
  const warning = `Download error on ${url}: connection refused -- ` +
    "Some packages may not be found!";
  const rerun = await sample.run("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.ok(rerun.output.includes(warning + "\n"), rerun.output);
  // With nothing installed, the error names the page and why.
  sample.remove("eggs", "spam-1");
  sample.remove(".installed.cfg");
  const failed = await expectError(
    sample,
    "",
    `Couldn't find a distribution for 'spam' (looked in ${url} (connection refused)).`,
  );
  assert.ok(failed.output.includes(warning + "\n"), failed.output);
});

Deno.test("a find-links server that is down: what the download cache holds is found, as zc.buildout makes the cache a find-links location", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const server = await startServer(links);
  const url = server.url;
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = foo\nfind-links = ${url}\ndownload-cache = cache\n\n` +
      "[foo]\nrecipe = spam\n",
  );
  sample.mkdir("cache");
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
  );
  await server.close();
  // A new machine with the cache (the eggs gone), not told to be offline.
  sample.remove("eggs", "spam-1");
  sample.remove(".installed.cfg");
  const rerun = await sample.run("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.equal(
    rerun.output,
    `Download error on ${url}: connection refused -- Some packages may not ` +
      "be found!\nGetting distribution for 'spam'.\nGot spam 1.\n" +
      "Installing foo.\nv1\n",
  );
  // Nothing there either: the error names the cache too.
  sample.remove("eggs", "spam-1");
  sample.remove(".installed.cfg");
  sample.remove("cache", "dist", "spam-1.tgz");
  await expectError(
    sample,
    "",
    `Couldn't find a distribution for 'spam' (looked in ${url} (connection ` +
      "refused), /sample-buildout/cache/dist).",
  );
});

Deno.test("bad input: clear user errors, nothing half-unpacked", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(join(dist, "nometa-1.0.tgz"), { "recipe.js": "" });
  await writeDist(join(dist, "nomodule-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: { recipes: { default: "./gone.js" } },
    }),
  });
  await writeDist(
    join(dist, "needy-1.0.tgz"),
    recipeDist("needy", "1.0", "", [
      "shared==1",
    ]),
  );
  await writeDist(
    join(dist, "greedy-1.0.tgz"),
    recipeDist("greedy", "1.0", "", [
      "shared>=2",
    ]),
  );
  await writeDist(join(dist, "shared-1.tgz"), recipeDist("shared", "1", ""));
  await writeDist(join(dist, "shared-2.tgz"), recipeDist("shared", "2", ""));
  await writeDist(join(dist, "truncated-1.0.tgz"), recipeDist("t", "1.0", ""));
  const whole = join(dist, "truncated-1.0.tgz");
  const bytes = readFileSync(whole);
  writeFileSync(whole, bytes.subarray(0, bytes.length >> 1));
  writeFileSync(join(dist, "garbage-1.0.zip"), "not a zip at all");
  const config = (recipe: string, links = "dist") =>
    `[buildout]
parts = foo
find-links = ${links}

[foo]
recipe = ${recipe}
`;
  const cases: Array<[string, string | RegExp, string?]> = [
    [
      "spam>=",
      "Invalid requirement 'spam>=': expected a version clause such as '==1.0', '>=1,<2' or '~=1.4', got '>='",
    ],
    [
      "ghost",
      "Couldn't find a distribution for 'ghost' (looked in /sample-buildout/dist).",
    ],
    [
      "shared>5",
      "Couldn't find a distribution for 'shared>5' (only 1, 2 exist; looked in /sample-buildout/dist).",
    ],
    [
      "nometa",
      "The distribution /sample-buildout/dist/nometa-1.0.tgz has no package.json at its top (or in its single top directory)",
    ],
    [
      "nomodule",
      `The distribution /sample-buildout/dist/nomodule-1.0.tgz lacks the module ./gone.js of entry point 'default' in "buildout.recipes" of its package.json`,
    ],
    [
      "truncated",
      "Couldn't extract /sample-buildout/dist/truncated-1.0.tgz: truncated (unexpected end of data)",
    ],
    [
      "garbage",
      "Couldn't extract /sample-buildout/dist/garbage-1.0.zip: not a recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip)",
    ],
  ];
  for (const [recipe, message] of cases) {
    sample.write("buildout.cfg", config(recipe));
    const result = await expectError(sample, "", message);
    assert.match(result.stderr, /^While:\n {2}Installing\.\n/, recipe);
    assert.deepEqual(eggs(sample), [], recipe);
  }

  sample.write(
    "buildout.cfg",
    `[buildout]
parts = a b
find-links = dist

[a]
recipe = needy
[b]
recipe = greedy
`,
  );
  await expectError(
    sample,
    "",
    "There is a version conflict: we already have shared 1 (required by needy 1.0), but greedy 1.0 requires 'shared>=2'.",
  );

  const server = await startServer(sample.path("dist"));
  try {
    sample.write("dist/page.zip", "PK\u0003\u0004 not a page");
    sample.write("buildout.cfg", config("spam", `${server.url}page.zip/`));
    await expectError(
      sample,
      "",
      `The find-links page ${server.url}page.zip/ is not an HTML page (Content-Type: application/x-gzip)`,
    );
    sample.write("buildout.cfg", config("truncated", server.url));
    await expectError(
      sample,
      "",
      `Couldn't extract ${server.url}truncated-1.0.tgz: truncated (unexpected end of data)`,
    );
    assert.deepEqual(eggs(sample), ["greedy-1.0", "needy-1.0", "shared-1"]);
    sample.write("buildout.cfg", config("spam", `${server.url}missing/`));
    const missing = await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'spam' (looked in ${server.url}missing/ (HTTP Error 404: Not Found)).`,
    );
    assert.ok(
      missing.output.includes(
        `Download error on ${server.url}missing/: HTTP Error 404: Not Found -- Some packages may not be found!\n`,
      ),
      missing.output,
    );
  } finally {
    await server.close();
  }
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("a location offering only Python wheels or eggs for a requirement says so, wherever it lists them", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  for (
    const name of [
      "zc.recipe.egg-2.0.7-py2.py3-none-any.whl",
      "zc.recipe.egg-1.3.2-py2.7.egg",
      "zc_recipe_egg-2.0.6-py3-none-any.whl",
      "zc_recipe_egg-2.0.5-py3-none-any.whl",
      "other-1.0-py3-none-any.whl",
    ]
  ) {
    sample.write(join(links, name), "PK\u0003\u0004");
  }
  sample.mkdir(join(links, "index", "zc-recipe-egg"));
  sample.write(
    join(
      links,
      "index",
      "zc-recipe-egg",
      "zc.recipe.egg-2.0.7-py3-none-any.whl",
    ),
    "",
  );
  const offered = "the Python distributions offered for it " +
    "(zc.recipe.egg-1.3.2-py2.7.egg, zc.recipe.egg-2.0.7-py2.py3-none-any.whl, " +
    "zc_recipe_egg-2.0.5-py3-none-any.whl, 1 more) cannot be installed: " +
    "this buildout's recipes and extensions are TypeScript or JavaScript packages";
  // The recipe's own distribution: where to read on follows.
  const migrating =
    'See the README\'s "Migrating a buildout zc.buildout built".';
  const server = await startServer(links);
  try {
    const config = (extra: string) =>
      `[buildout]
parts = foo
${extra}
[foo]
recipe = zc.recipe.egg
`;
    sample.write("buildout.cfg", config(`find-links = ${links}`));
    await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'zc.recipe.egg' (looked in /links; ${offered}). ${migrating}`,
    );
    sample.write("buildout.cfg", config(`find-links = ${server.url}`));
    await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'zc.recipe.egg' (looked in ${server.url}; ${offered}). ${migrating}`,
    );
    sample.write("buildout.cfg", config(`index = ${server.url}index/`));
    await expectError(
      sample,
      "",
      `Couldn't find a distribution for 'zc.recipe.egg' (looked in ${server.url}index/zc-recipe-egg/; the Python distributions offered for it (zc.recipe.egg-2.0.7-py3-none-any.whl) cannot be installed: this buildout's recipes and extensions are TypeScript or JavaScript packages). ${migrating}`,
    );
    sample.write(
      "buildout.cfg",
      config(`find-links = ${join(links, "other-1.0-py3-none-any.whl")}`),
    );
    await expectError(
      sample,
      "",
      `The find-links location /links/other-1.0-py3-none-any.whl is neither a directory nor a distribution archive named <name>-<version>.tgz (.tar.gz, .tar.bz2, .tar.xz, .zip) (it is a Python distribution, which buildout cannot run)`,
    );
    // A URL naming one is not read as a page, which would only say that it
    // is not HTML.
    sample.write(
      "buildout.cfg",
      config(`find-links = ${server.url}other-1.0-py3-none-any.whl`),
    );
    await expectError(
      sample,
      "",
      `The find-links location ${server.url}other-1.0-py3-none-any.whl is neither an HTML page nor a distribution archive named <name>-<version>.tgz (.tar.gz, .tar.bz2, .tar.xz, .zip) (it is a Python distribution, which buildout cannot run)`,
    );
  } finally {
    await server.close();
  }
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("recipe distributions are got in the order the parts initialize, not the order their sections are written", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "needy-1.0.tgz"),
    recipeDist("needy", "1.0", "needy", ["shared==1"]),
  );
  await writeDist(
    join(dist, "loose-1.0.tgz"),
    recipeDist("loose", "1.0", "loose", ["shared"]),
  );
  await writeDist(
    join(dist, "helper-1.0.tgz"),
    recipeDist("helper", "1.0", "helper"),
  );
  await writeDist(join(dist, "shared-1.tgz"), recipeDist("shared", "1", ""));
  await writeDist(join(dist, "shared-2.tgz"), recipeDist("shared", "2", ""));
  // As zc.buildout: part a first, after the section its options substitute
  // from, so needy takes shared 1 and loose is content with it.
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = a b
find-links = dist

[b]
recipe = loose

[a]
recipe = needy
path = \${ref:path}

[ref]
recipe = helper
path = here
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'helper'.
Got helper 1.0.
Getting distribution for 'needy'.
Got needy 1.0.
Getting distribution for 'shared==1'.
Got shared 1.
Getting distribution for 'loose'.
Got loose 1.0.
Installing ref.
helper
Installing a.
needy
Unused options for a: 'path'.
Installing b.
loose
`,
  );
});

Deno.test("a link's #md5= is checked; a mismatch unpacks nothing", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const md5 = createHash("md5").update(readFileSync(join(links, "spam-1.tgz")))
    .digest("hex");
  const server = await startServer(links);
  try {
    const page = (digest: string) =>
      writeFileSync(
        join(links, "page.html"),
        `<html><body><a href="spam-1.tgz#md5=${digest}">spam</a></body></html>`,
      );
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = foo\nfind-links = ${server.url}page.html\n\n[foo]\nrecipe = spam\n`,
    );
    page("0123456789abcdef0123456789abcdef");
    await expectError(
      sample,
      "",
      `MD5 checksum mismatch downloading '${server.url}spam-1.tgz'`,
    );
    assert.deepEqual(eggs(sample), []);
    page(md5);
    await expectOk(
      sample,
      "",
      "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
    );
  } finally {
    await server.close();
  }
});

Deno.test("#egg=NAME-VERSION names the distribution of a link whose file name does not, as setuptools reads it for zc.buildout", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  // Two projects' archives, both served as `master`, as code hosts do.
  for (
    const [dir, name, version] of [["a", "spam", "1.0"], ["b", "ham", "2.0"]]
  ) {
    const archive = join(links, `${name}-${version}.tgz`);
    await writeDist(archive, recipeDist(name, version, name));
    sample.mkdir(join(links, dir));
    renameSync(archive, join(links, dir, "master"));
  }
  writeFileSync(
    join(links, "page.html"),
    '<a href="b/master#egg=ham-2.0">ham</a> <a href="b/master#egg=ham-dev">dev</a>',
  );
  const cache = sample.tmpdir("cache");
  const server = await startServer(links);
  try {
    const config = (findLinks: string) =>
      `[buildout]
parts = s h
download-cache = ${cache}
find-links = ${findLinks}
[s]
recipe = spam
[h]
recipe = ham
`;
    sample.write(
      "buildout.cfg",
      config(`${server.url}a/master#egg=spam-1.0\n  ${server.url}page.html`),
    );
    await expectOk(
      sample,
      "",
      "Getting distribution for 'spam'.\nGot spam 1.0.\n" +
        "Getting distribution for 'ham'.\nGot ham 2.0.\n" +
        "Installing s.\nspam\nInstalling h.\nham\n",
    );
    assert.deepEqual(eggs(sample), ["ham-2.0", "spam-1.0"]);
    // Each cached apart, though both URLs end in `master`.
    assert.equal(readdirSync(join(cache, "dist")).length, 2);

    // Got again from the cache, each its own.
    for (const egg of eggs(sample)) {
      rmSync(sample.path("eggs", egg), { recursive: true });
    }
    rmSync(sample.path(".installed.cfg"));
    server.requests.length = 0;
    await expectOk(
      sample,
      "",
      "Getting distribution for 'spam'.\nGot spam 1.0.\n" +
        "Getting distribution for 'ham'.\nGot ham 2.0.\n" +
        "Installing s.\nspam\nInstalling h.\nham\n",
    );
    assert.deepEqual(server.requests, ["/page.html"]);

    sample.write("buildout.cfg", config(`${server.url}a/master#egg=spam`));
    await expectError(
      sample,
      "",
      `The find-links URL ${server.url}a/master#egg=spam has an #egg= fragment that is not NAME-VERSION: write the name and version of the distribution it holds (#egg=spam-1.0), since distributions are picked by version`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("a find-links page the server compresses anyway (gzip, deflate, br) is read", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const encoders: Record<string, (data: string) => Buffer> = {
    gzip: gzipSync,
    deflate: deflateSync,
    br: brotliCompressSync,
  };
  const handlers: Record<string, RequestHandler> = {};
  let base = "";
  for (const [encoding, encode] of Object.entries(encoders)) {
    handlers[`/${encoding}/`] = (_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": encoding,
      });
      res.end(encode(`<a href="${base}spam-1.tgz">spam-1.tgz</a>`));
    };
  }
  const server = await startServer(links, { handlers });
  base = server.url;
  try {
    for (const encoding of Object.keys(encoders)) {
      rmSync(sample.path("eggs", "spam-1"), { recursive: true, force: true });
      rmSync(sample.path(".installed.cfg"), { force: true });
      sample.write(
        "buildout.cfg",
        `[buildout]
parts = foo
find-links = ${server.url}${encoding}/

[foo]
recipe = spam
`,
      );
      await expectOk(
        sample,
        "",
        "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("a find-links page larger than 64 MiB, as sent or decoded, is a warning, not all the memory there is", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const limit = 2 ** 26;
  // A page holding a link, padded past the limit: read whole, it would
  // offer spam 1.
  let page = Buffer.alloc(0);
  const handlers: Record<string, RequestHandler> = {
    "/padded/": (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(page);
    },
    "/gzip/": (_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": "gzip",
      });
      res.end(gzipSync(page, { level: 1 }));
    },
    "/br/": (_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": "br",
      });
      res.end(
        brotliCompressSync(page, {
          params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 },
        }),
      );
    },
    "/declared/": (req, res) => {
      // Stated, never sent: refused before waiting for it.
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Length": String(2 ** 40),
      });
      res.write("<html>");
      req.socket.destroySoon();
    },
  };
  const server = await startServer(links, { handlers });
  const link = `<a href="${server.url}spam-1.tgz">spam-1.tgz</a>`;
  page = Buffer.concat([
    Buffer.from("<html>"),
    Buffer.alloc(limit, " "),
    Buffer.from(link),
  ]);
  try {
    for (const path of ["padded/", "gzip/", "br/", "declared/"]) {
      const url = `${server.url}${path}`;
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = foo\nfind-links = ${url}\n[foo]\nrecipe = spam\n`,
      );
      const failed = await expectError(
        sample,
        "",
        `Couldn't find a distribution for 'spam' (looked in ${url} (more than ${limit} bytes)).`,
      );
      assert.ok(
        failed.output.includes(
          `Download error on ${url}: more than ${limit} bytes -- ` +
            "Some packages may not be found!\n",
        ),
        failed.output,
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("a download that does not unpack is not kept in the download cache", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const whole = readFileSync(join(links, "spam-1.tgz"));
  let cut = true;
  const server = await startServer(links, {
    handlers: {
      // No Content-Length and the connection closed half-way: the client
      // cannot tell the body from a complete one.
      "/spam-1.tgz": (_req, res) => {
        res.writeHead(200, { Connection: "close" });
        res.end(cut ? whole.subarray(0, whole.length >> 1) : whole);
      },
    },
  });
  try {
    sample.mkdir("cache");
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = foo
download-cache = cache
find-links = ${server.url}spam-1.tgz

[foo]
recipe = spam
`,
    );
    await expectError(
      sample,
      "",
      `Couldn't extract ${server.url}spam-1.tgz: truncated (unexpected end of data)`,
    );
    assert.deepEqual(readdirSync(sample.path("cache", "dist")), []);
    assert.deepEqual(eggs(sample), []);
    cut = false;
    await expectOk(
      sample,
      "",
      "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
    );
    assert.deepEqual(readdirSync(sample.path("cache", "dist")), ["spam-1.tgz"]);
  } finally {
    await server.close();
  }
});

Deno.test("a cached archive from an earlier run that does not unpack is named by its path, with what to do, and kept", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const server = await startServer(links);
  try {
    sample.mkdir("cache", "dist");
    sample.write("cache/dist/spam-1.tgz", "not gzip data");
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = foo
download-cache = cache
find-links = ${server.url}spam-1.tgz

[foo]
recipe = spam
`,
    );
    await expectError(
      sample,
      "",
      "Couldn't extract /sample-buildout/cache/dist/spam-1.tgz: not a " +
        "recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip) " +
        "(in the download cache: remove it, then run with network to " +
        "download it again)",
    );
    assert.equal(sample.cat("cache/dist/spam-1.tgz"), "not gzip data");
  } finally {
    await server.close();
  }
});

/**
 * A develop package `spam` 0.5 in `dev/`, and in `dist/` spam 2 and user 1
 * (requiring `requiredName`).
 */
async function developAndDists(sample: Sample, requiredName: string) {
  sample.mkdir("dev");
  sample.write(
    "dev/package.json",
    JSON.stringify({
      name: "spam",
      version: "0.5",
      buildout: { recipes: { default: "./recipe.js" } },
    }),
  );
  sample.write(
    "dev/recipe.js",
    `export default class R {
  install() {
    console.log("develop spam");
    return [];
  }
}
`,
  );
  const dist = sample.path("dist");
  await writeDist(join(dist, "spam-2.tgz"), recipeDist("spam", "2", "spam 2"));
  await writeDist(
    join(dist, "user-1.tgz"),
    recipeDist("user", "1", "user", [requiredName]),
  );
}

Deno.test("a develop package wins over a distribution whatever the spelling of its name", async () => {
  using sample = await sampleBuildout();
  await developAndDists(sample, "SPAM");
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = dev
parts = foo bar
find-links = dist

[foo]
recipe = Spam

[bar]
recipe = user
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/dev'
Getting distribution for 'user'.
Got user 1.
Installing foo.
develop spam
Installing bar.
user
`,
  );
  assert.deepEqual(eggs(sample), ["user-1"]);
});

Deno.test("a requirement with a version a develop package satisfies needs no find-links", async () => {
  using sample = await sampleBuildout();
  await developAndDists(sample, "spam");
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = dev\nparts = foo\n\n[foo]\nrecipe = spam>=0.1\n",
  );
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/dev'\nInstalling foo.\ndevelop spam\n",
  );
});

Deno.test("an extension got as a distribution leaves the develop packages to this run's develop step", async () => {
  using sample = await sampleBuildout();
  await developAndDists(sample, "spam");
  await writeDist(sample.path("dist", "ext-1.tgz"), {
    "package.json": JSON.stringify({
      buildout: { extensions: { default: "./ext.js" } },
    }),
    "ext.js": "export default function () {}\n",
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = dev
extensions = ext
parts = foo
find-links = dist

[foo]
recipe = user
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'ext'.
Got ext 1.
Develop: '/sample-buildout/dev'
Getting distribution for 'user'.
Got user 1.
Installing foo.
user
`,
  );
  assert.deepEqual(eggs(sample), ["ext-1", "user-1"]);
  // The second run signs the part as the first did.
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/dev'\nUpdating foo.\nuser\n",
  );
});

/**
 * An extension distribution whose extension and unload entry points print
 * `ext NAME VERSION` and `unload NAME VERSION`, requiring `requires`.
 */
function extensionDist(name: string, version: string, requires: string[]) {
  return {
    "package.json": JSON.stringify({
      name,
      version,
      buildout: {
        extensions: { default: "./ext.js:load" },
        unload: { default: "./ext.js:unload" },
        requires,
      },
    }),
    "ext.js": `export function load() { console.log("ext ${name} ${version}"); }
export function unload() { console.log("unload ${name} ${version}"); }
`,
  };
}

Deno.test("the unload entry points of a recipe's distribution and of those it requires are called after the extensions' ones", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "other-1.0.tgz"),
    extensionDist("other", "1.0", []),
  );
  const unloading = (name: string, requires: string[]) => ({
    "package.json": JSON.stringify({
      name,
      version: "1.0",
      buildout: {
        recipes: { default: "./r.js" },
        unload: { default: "./r.js:unload" },
        requires,
      },
    }),
    "r.js": `export default class R { install() { return []; } }
export function unload() { console.log("unload ${name} 1.0"); }
`,
  });
  await writeDist(join(dist, "rdist-1.0.tgz"), unloading("rdist", ["helper"]));
  await writeDist(join(dist, "helper-1.0.tgz"), unloading("helper", []));
  sample.write(
    "buildout.cfg",
    `[buildout]
extensions = other
find-links = dist
parts = x

[x]
recipe = rdist
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'other'.
Got other 1.0.
ext other 1.0
Getting distribution for 'rdist'.
Got rdist 1.0.
Getting distribution for 'helper'.
Got helper 1.0.
Installing x.
unload other 1.0
unload rdist 1.0
unload helper 1.0
`,
  );
});

Deno.test("extensions are resolved together, and what they require has its extension entry points called too", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "demo-1.0.tgz"),
    extensionDist("demo", "1.0", ["demoneeded"]),
  );
  for (const version of ["1.0", "1.1"]) {
    await writeDist(
      join(dist, `demoneeded-${version}.tgz`),
      extensionDist("demoneeded", version, []),
    );
  }
  await writeDist(
    join(dist, "other-1.0.tgz"),
    extensionDist("other", "1.0", []),
  );
  // zc.buildout installs the three requirements in one call, so the pin
  // given as an extension holds for demo's requirement too; then it calls
  // every extension entry point of the distributions got, in their order.
  sample.write(
    "buildout.cfg",
    `[buildout]
extensions = demo other demoneeded==1.0
find-links = dist
parts =
`,
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'demo'.
Got demo 1.0.
Getting distribution for 'other'.
Got other 1.0.
Getting distribution for 'demoneeded==1.0'.
Got demoneeded 1.0.
ext demo 1.0
ext other 1.0
ext demoneeded 1.0
unload demo 1.0
unload other 1.0
unload demoneeded 1.0
`,
  );
  assert.deepEqual(eggs(sample), ["demo-1.0", "demoneeded-1.0", "other-1.0"]);

  sample.write(
    "buildout.cfg",
    "[buildout]\nextensions = demo\nfind-links = dist\nparts =\n",
  );
  await expectOk(
    sample,
    "",
    `Getting distribution for 'demoneeded'.
Got demoneeded 1.1.
ext demo 1.0
ext demoneeded 1.1
unload demo 1.0
unload demoneeded 1.1
`,
  );

  // A conflict between two of them names both requirers.
  sample.write(
    "buildout.cfg",
    "[buildout]\nextensions = demoneeded==1.0 demoneeded==1.1\n" +
      "find-links = dist\nparts =\n",
  );
  const result = await expectError(
    sample,
    "",
    "There is a version conflict: we already have demoneeded 1.0 " +
      "(required by extension demoneeded==1.0), but extension " +
      "demoneeded==1.1 requires 'demoneeded==1.1'.",
  );
  assert.equal(result.stdout, "");
});

Deno.test("a develop recipe package gets the distributions it requires, and they sign its parts", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  for (const version of ["1.0", "1.1"]) {
    await writeDist(
      join(dist, `needed-${version}.tgz`),
      recipeDist("needed", version, `needed ${version}`),
    );
  }
  sample.mkdir("dev");
  sample.write(
    "dev/package.json",
    JSON.stringify({
      name: "devr",
      version: "0.1",
      buildout: { recipes: { default: "./recipe.js" }, requires: ["needed"] },
    }),
  );
  sample.write(
    "dev/recipe.js",
    "export default class R {\n  install() { return []; }\n" +
      "  update() {}\n}\n",
  );
  const config = (pin: string) =>
    `[buildout]\ndevelop = dev\nfind-links = dist\nparts = x\n\n` +
    `[versions]\nneeded = ${pin}\n\n[x]\nrecipe = devr\n`;
  sample.write("buildout.cfg", config("1.0"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/dev'
Getting distribution for 'needed==1.0'.
Got needed 1.0.
Installing x.
`,
  );
  assert.deepEqual(eggs(sample), ["needed-1.0"]);
  assert.match(
    readFileSync(sample.path(".installed.cfg"), "utf8"),
    /^__buildout_signature__ = devr-\S+ needed-1\.0$/m,
  );
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/dev'\nUpdating x.\n",
  );
  // Another version of what it requires is another signature.
  sample.write("buildout.cfg", config("1.1"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/dev'
Getting distribution for 'needed==1.1'.
Got needed 1.1.
Uninstalling x.
Installing x.
`,
  );
});

/**
 * The reference's "Dependency links" session: hasdeps 1.0, on a server of
 * its own, requires demoneeded and names as its dependency link a third
 * server, which offers demoneeded 1.2.
 */
async function dependencyLinkServers(sample: Sample) {
  const repo = sample.tmpdir("repo");
  await writeDist(
    join(repo, "demoneeded-1.2.zip"),
    recipeDist("demoneeded", "1.2", ""),
  );
  const server2 = await startServer(repo);
  const repo2 = sample.tmpdir("repo2");
  await writeDist(
    join(repo2, "hasdeps-1.0.tgz"),
    recipeDist("hasdeps", "1.0", "hasdeps 1.0", ["demoneeded"], [server2.url]),
  );
  const server3 = await startServer(repo2);
  return { server2, server3, repo, repo2 };
}

Deno.test("Dependency links: what a distribution requires is also looked for where its dependency links point", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  const { server2, server3 } = await dependencyLinkServers(sample);
  try {
    const config = (findLinks: string, extra = "") =>
      `[buildout]
parts = eggs
find-links = ${findLinks}
${extra}
[eggs]
recipe = hasdeps
`;
    sample.write("buildout.cfg", config(server3.url));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'hasdeps'.
Got hasdeps 1.0.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2.
Installing eggs.
hasdeps 1.0
`,
    );
    assert.deepEqual(server2.requests, ["/", "/demoneeded-1.2.zip"]);

    // Offered elsewhere too, the newest is still the one its dependency
    // link offers; the older one is not even downloaded.
    for (const name of eggs(sample)) sample.remove("eggs", name);
    server2.requests.length = 0;
    sample.write("buildout.cfg", config(`${server.url}\n  ${server3.url}`));
    await expectOk(
      sample,
      "-v",
      `Installing 'hasdeps'.
We have no distributions for hasdeps that satisfies 'hasdeps'.
Getting distribution for 'hasdeps'.
Downloading ${server3.url}hasdeps-1.0.tgz
Got hasdeps 1.0.
Picked: hasdeps = 1.0
Adding find link '${server2.url}' from hasdeps 1.0
Getting required 'demoneeded'
  required by hasdeps 1.0.
We have no distributions for demoneeded that satisfies 'demoneeded'.
Getting distribution for 'demoneeded'.
Downloading ${server2.url}demoneeded-1.2.zip
Got demoneeded 1.2.
Picked: demoneeded = 1.2
Updating eggs.
hasdeps 1.0
`,
    );
    assert.deepEqual(server2.requests, ["/", "/demoneeded-1.2.zip"]);
    assert.deepEqual(server.requests, ["/"]);

    // use-dependency-links = false: only the locations configured; the
    // recipe, now signed with demoneeded 1.1, is reinstalled.
    for (const name of eggs(sample)) sample.remove("eggs", name);
    server2.requests.length = 0;
    sample.write(
      "buildout.cfg",
      config(
        `${server.url}\n  ${server3.url}`,
        "use-dependency-links = false",
      ),
    );
    await expectOk(
      sample,
      "",
      `Getting distribution for 'hasdeps'.
Got hasdeps 1.0.
Getting distribution for 'demoneeded'.
Got demoneeded 1.1.
Uninstalling eggs.
Installing eggs.
hasdeps 1.0
`,
    );
    assert.deepEqual(server2.requests, []);
  } finally {
    await server.close();
    await server2.close();
    await server3.close();
  }
});

Deno.test("Dependency links: another part's recipe is looked for only where the configuration says, as zc.buildout gets each recipe apart", async () => {
  using sample = await sampleBuildout();
  const { server2, server3, repo, repo2 } = await dependencyLinkServers(
    sample,
  );
  await writeDist(
    join(repo, "spam-2.0.tgz"),
    recipeDist("spam", "2.0", "spam 2.0"),
  );
  await writeDist(
    join(repo2, "spam-1.0.tgz"),
    recipeDist("spam", "1.0", "spam 1.0"),
  );
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = a b
find-links = ${server3.url}

[a]
recipe = hasdeps

[b]
recipe = spam
`,
    );
    await expectOk(
      sample,
      "",
      `Getting distribution for 'hasdeps'.
Got hasdeps 1.0.
Getting distribution for 'demoneeded'.
Got demoneeded 1.2.
Getting distribution for 'spam'.
Got spam 1.0.
Installing a.
hasdeps 1.0
Installing b.
spam 1.0
`,
    );
    assert.deepEqual(server2.requests, ["/", "/demoneeded-1.2.zip"]);
  } finally {
    await server2.close();
    await server3.close();
  }
});

Deno.test("Dependency links: installing solely from the download cache adds none", async () => {
  using sample = await sampleBuildout();
  const { server2, server3 } = await dependencyLinkServers(sample);
  try {
    const cache = sample.tmpdir("cache");
    const config = (extra = "") =>
      `[buildout]
parts = eggs
find-links = ${server3.url}
download-cache = ${cache}
${extra}
[eggs]
recipe = hasdeps
`;
    sample.write("buildout.cfg", config());
    assert.equal((await sample.run()).code, 0);
    for (const name of eggs(sample)) sample.remove("eggs", name);
    server2.requests.length = 0;
    server3.requests.length = 0;
    sample.write("buildout.cfg", config("install-from-cache = true"));
    const result = await sample.run("-v");
    assert.equal(result.code, 0, result.output);
    assert.doesNotMatch(result.stdout, /Adding find link/);
    assert.match(result.stdout, /^Got demoneeded 1\.2\.$/m);
    assert.deepEqual([...server2.requests, ...server3.requests], []);
  } finally {
    await server2.close();
    await server3.close();
  }
});

Deno.test("Dependency links that are not a list of URLs or absolute paths are a clear error", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  // A relative path has nothing to be relative to once unpacked.
  await writeDist(
    join(dist, "hasdeps-1.0.tgz"),
    recipeDist("hasdeps", "1.0", "", [], ["links/"]),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = eggs
find-links = ${dist}

[eggs]
recipe = hasdeps
`,
  );
  await expectError(
    sample,
    "",
    'Invalid "buildout.dependency-links" in the package.json of the ' +
      "distribution /sample-buildout/dist/hasdeps-1.0.tgz: expected a list " +
      "of URLs or absolute paths",
  );
  assert.deepEqual(eggs(sample), []);
});

Deno.test("an npm-scoped name gets the distribution npm pack names scope-name, in recipes, requires and versions", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("recipe", "dist");
  for (const version of ["1", "2"]) {
    await writeDist(
      join(dist, `acme-tools-${version}.tgz`),
      recipeDist("@acme/tools", version, `tools v${version}`, ["@acme/base"]),
      "package/",
    );
  }
  await writeDist(
    join(dist, "acme-base-1.tgz"),
    recipeDist("@acme/base", "1", "base"),
    "package/",
  );
  const config = (pin: string) =>
    `[buildout]\nparts = foo\nfind-links = recipe/dist\nversions = pins\n\n` +
    `[pins]\n${pin}\n\n[foo]\nrecipe = @acme/tools\n`;
  sample.write("buildout.cfg", config("@acme/tools = 1"));
  await expectOk(
    sample,
    "",
    `Getting distribution for '@acme/tools==1'.
Got acme-tools 1.
Getting distribution for '@acme/base'.
Got acme-base 1.
Installing foo.
tools v1
`,
  );
  assert.deepEqual(eggs(sample), ["acme-base-1", "acme-tools-1"]);
  sample.write("buildout.cfg", config("@acme/tools = 3"));
  await expectError(
    sample,
    "",
    /^Error: Couldn't find a distribution for '@acme\/tools==3' \(only 1, 2 exist/,
  );
});

Deno.test({
  name: "a distribution a full eggs directory cannot hold is an error naming " +
    "where it was going, not the temporary it was unpacked in" +
    (mountSkipReason ? ` (skipped: ${mountSkipReason})` : ""),
  ignore: mountSkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    await spamDists(sample);
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = foo\nfind-links = recipe/dist\n" +
        "[foo]\nrecipe = spam\n",
    );
    // The eggs directory on a small file system, filled up.
    const script = 'cd "$1" && mount -t tmpfs -o size=64k tmpfs eggs && ' +
      "dd if=/dev/zero of=eggs/fill bs=4k 2>/dev/null; " +
      '"$2"; echo "exit $?"; ls -A eggs';
    const result = await exec(
      "unshare",
      ["-m", "sh", "-c", script, "sh", sample.dir, BUILDOUT],
      { env: { HOME: sample.home } },
    );
    assert.equal(
      sample.normalize(result.stderr).split("\n").slice(-2).join("\n"),
      "Error: Couldn't extract /sample-buildout/recipe/dist/spam-2.tgz into " +
        "/sample-buildout/eggs/spam-2: no space left on device\n",
    );
    assert.match(result.stdout, /\nexit 1\nfill\n$/);
  },
});

Deno.test("a retried page, archive or extended configuration says so, as a retried download does", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const bodies: Record<string, string | Buffer> = {
    "/base.cfg": "[buildout]\nparts = foo\n",
    "/links/": `<html><a href="/spam-1.tgz">spam-1.tgz</a></html>`,
    "/spam-1.tgz": readFileSync(join(links, "spam-1.tgz")),
  };
  const failed = new Set<string>();
  const handlers: Record<string, RequestHandler> = {};
  for (const [path, body] of Object.entries(bodies)) {
    // Each fails once, as a server restarting behind a proxy does.
    handlers[path] = (_req, res) => {
      if (!failed.has(path)) {
        failed.add(path);
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "text/html" }).end(body);
    };
  }
  const server = await startServer(links, { handlers });
  try {
    const url = server.url;
    sample.write(
      "buildout.cfg",
      `[buildout]
extends = ${url}base.cfg
find-links = ${url}links/

[foo]
recipe = spam
`,
    );
    const result = await sample.run();
    const again = (what: string, path: string) =>
      `${what} ${url}${path} again: HTTP Error 503: Service Unavailable\n`;
    // Before logging is set up: on stderr, as the notices are.
    assert.equal(result.stderr, again("Downloading", "base.cfg"));
    // The page may be read ahead of "Getting distribution": where a retry
    // line falls among the others is left open.
    const lines = result.stdout.split(/(?<=\n)/);
    assert.equal(
      lines.filter((line) => line.includes(" again: ")).join(""),
      again("Reading", "links/") + again("Downloading", "spam-1.tgz"),
    );
    assert.equal(
      lines.filter((line) => !line.includes(" again: ")).join(""),
      "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
    );
    assert.equal(result.code, 0);
  } finally {
    await server.close();
  }
});

Deno.test("a distribution from a local find-links directory reaches the download cache, and installing solely from the cache finds it there", async () => {
  // zc.buildout 1.0.0b31: "When using a local find links or index,
  // distributions weren't copied to the download cache."
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  const archive = readFileSync(join(links, "spam-1.tgz"));
  sample.mkdir("cache");
  const config = (extra: string) =>
    `[buildout]\nparts = foo\ndownload-cache = cache\n${extra}\n` +
    "[foo]\nrecipe = spam\n";
  sample.write("buildout.cfg", config(`find-links = ${links}`));
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nv1\n",
  );
  assert.deepEqual(readdirSync(sample.path("cache", "dist")), ["spam-1.tgz"]);
  assert.deepEqual(
    readFileSync(sample.path("cache", "dist", "spam-1.tgz")),
    archive,
  );

  // The find-links directory gone, the cache alone serves it.
  rmSync(links, { recursive: true });
  for (const name of eggs(sample)) sample.remove("eggs", name);
  sample.write("buildout.cfg", config("install-from-cache = true"));
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nUpdating foo.\nv1\n",
  );
});

Deno.test("a file where the download cache's dist directory goes is named as the cache's, not as a find-links location the configuration never gave", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
  sample.mkdir("cache");
  sample.write("cache/dist", "notes\n");
  for (const extra of [`find-links = ${links}`, "install-from-cache = true"]) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = foo\ndownload-cache = cache\n${extra}\n` +
        "[foo]\nrecipe = spam\n",
    );
    await expectError(
      sample,
      "",
      "Couldn't create '/sample-buildout/cache/dist' in the download cache: " +
        "it is a file, not a directory",
    );
  }
  assert.equal(sample.cat("cache", "dist"), "notes\n");
  assert.deepEqual(eggs(sample), []);
});

Deno.test("a local find-links archive that does not unpack is not left in the download cache", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  const whole = join(links, "spam-1.tgz");
  await writeDist(whole, recipeDist("spam", "1", "v1"));
  writeFileSync(whole, readFileSync(whole).subarray(0, 40));
  sample.mkdir("cache");
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = foo\ndownload-cache = cache\nfind-links = ${links}\n` +
      "[foo]\nrecipe = spam\n",
  );
  await expectError(
    sample,
    "",
    "Couldn't extract /links/spam-1.tgz: truncated (unexpected end of data)",
  );
  assert.ok(!existsSync(sample.path("cache", "dist", "spam-1.tgz")));
  assert.deepEqual(eggs(sample), []);
});

Deno.test({
  name: "a local find-links archive the user cannot read is named, not the " +
    "download cache it was to be copied into" +
    (nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : ""),
  ignore: nobodySkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const links = sample.tmpdir("links");
    await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "v1"));
    chmodSync(join(links, "spam-1.tgz"), 0o600);
    sample.mkdir("cache");
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = foo\ndownload-cache = cache\nfind-links = ${links}\n` +
        "[foo]\nrecipe = spam\n",
    );
    giveToNobody(sample);
    const result = await asNobody(sample);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr).trimEnd().split("\n").pop(),
      "Error: Couldn't read /links/spam-1.tgz: permission denied",
    );
    assert.deepEqual(readdirSync(sample.path("cache", "dist")), []);
  },
});

Deno.test("prefer-final: an unpacked pre-release gives way to the final release offered, even an older one, and -N takes the final one unpacked", async () => {
  using sample = await sampleBuildout();
  const server = await linkServer(sample);
  try {
    const config = (recipe: string) => linkServerConfig(server.url, recipe);
    sample.write("buildout.cfg", config("demo==0.4c1"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo==0.4c1'.
Got demo 0.4c1.
Getting distribution for 'demoneeded'.
Got demoneeded 1.1.
Installing eggs.
demo 0.4c1
`,
    );
    // Only a pre-release unpacked: zc.buildout takes the final release
    // offered although it is older.
    sample.write("buildout.cfg", config("demo"));
    await expectOk(
      sample,
      "",
      `Getting distribution for 'demo'.
Got demo 0.3.
Uninstalling eggs.
Installing eggs.
demo 0.3
`,
    );
    // Both unpacked: the final one is the best we have, looking further
    // or not.
    server.requests.length = 0;
    await expectOk(sample, "-N", "Updating eggs.\ndemo 0.3\n");
    assert.deepEqual(server.requests, []);
    await expectOk(sample, "", "Updating eggs.\ndemo 0.3\n");
    assert.deepEqual(server.requests, [
      "/",
      "/index/demo/",
      "/index/demoneeded/",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("prefer-final: an unpacked final release is kept over a newer pre-release offered, unless prefer-final is off", async () => {
  using sample = await sampleBuildout();
  await writeDist(
    sample.path("dist", "spam-1.tgz"),
    recipeDist("spam", "1", "spam 1"),
  );
  await writeDist(
    sample.path("dist2", "spam-2a1.tgz"),
    recipeDist("spam", "2a1", "spam 2a1"),
  );
  const config = (findLinks: string) =>
    `[buildout]\nparts = foo\nfind-links = ${findLinks}\n\n[foo]\nrecipe = spam\n`;
  sample.write("buildout.cfg", config("dist"));
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.\nInstalling foo.\nspam 1\n",
  );
  sample.write("buildout.cfg", config("dist2"));
  await expectOk(sample, "", "Updating foo.\nspam 1\n");
  await expectOk(
    sample,
    "buildout:prefer-final=false",
    "Getting distribution for 'spam'.\nGot spam 2a1.\nUninstalling foo.\nInstalling foo.\nspam 2a1\n",
  );
});

Deno.test("a versions constraint narrows the requirement, which keeps its own clauses", async () => {
  using sample = await sampleBuildout();
  for (const version of ["0.5", "1.5", "2"]) {
    await writeDist(
      sample.path("dist", `spam-${version}.tgz`),
      recipeDist("spam", version, `spam ${version}`),
    );
  }
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = foo
find-links = dist

[versions]
spam = >=1

[foo]
recipe = spam<2
`,
  );
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam<2,>=1'.\nGot spam 1.5.\nInstalling foo.\nspam 1.5\n",
  );
});

Deno.test("a develop package whose version a requirement excludes is passed over for a distribution that satisfies it", async () => {
  using sample = await sampleBuildout();
  await developAndDists(sample, "spam>=1");
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = dev
parts = bar
find-links = dist

[bar]
recipe = user
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/dev'
Getting distribution for 'user'.
Got user 1.
Getting distribution for 'spam>=1'.
Got spam 2.
Installing bar.
user
`,
  );
  assert.deepEqual(eggs(sample), ["spam-2", "user-1"]);
});

Deno.test("show-picked-versions names the distributions requiring a pick in name order, not the order they were got", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "zeta-1.tgz"),
    recipeDist("zeta", "1", "zeta", ["helper"]),
  );
  await writeDist(
    join(dist, "alpha-1.tgz"),
    recipeDist("alpha", "1", "alpha", ["helper"]),
  );
  await writeDist(join(dist, "helper-1.tgz"), recipeDist("helper", "1", ""));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = z a
find-links = dist
show-picked-versions = true

[z]
recipe = zeta

[a]
recipe = alpha
`,
  );
  const result = await sample.run("");
  assert.equal(result.code, 0, result.output);
  assert.ok(
    result.stdout.endsWith(`[versions]
alpha = 1
zeta = 1

# Required by:
# alpha==1
# zeta==1
helper = 1
`),
    result.stdout,
  );
});

Deno.test("Dependency links: a link already searched is not added again", async () => {
  using sample = await sampleBuildout();
  const { server2, server3 } = await dependencyLinkServers(sample);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = eggs
find-links = ${server3.url} ${server2.url}

[eggs]
recipe = hasdeps
`,
    );
    const result = await sample.run("-v");
    assert.equal(result.code, 0, result.output);
    assert.match(result.stdout, /^Got demoneeded 1\.2\.$/m);
    assert.doesNotMatch(result.stdout, /Adding find link/);
  } finally {
    await server2.close();
    await server3.close();
  }
});

Deno.test("of equal versions, a local find-links archive is used rather than downloading the same one", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "remote"));
  await writeDist(
    sample.path("dist", "spam-1.0.tgz"),
    recipeDist("spam", "1.0", "local"),
  );
  const server = await startServer(links);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = foo
find-links = dist ${server.url}

[foo]
recipe = spam
`,
    );
    await expectOk(
      sample,
      "",
      "Getting distribution for 'spam'.\nGot spam 1.0.\nInstalling foo.\nlocal\n",
    );
    assert.deepEqual(server.requests, ["/"]);
  } finally {
    await server.close();
  }
});

Deno.test("a cached #egg= archive from an earlier run that does not unpack is named by its path and its URL", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  sample.mkdir(join(links, "a"));
  await writeDist(
    join(links, "a", "master.tgz"),
    recipeDist("spam", "1.0", "spam"),
  );
  renameSync(join(links, "a", "master.tgz"), join(links, "a", "master"));
  const server = await startServer(links);
  try {
    const url = `${server.url}a/master#egg=spam-1.0`;
    const cached = createHash("md5").update(url).digest("hex");
    sample.mkdir("cache", "dist");
    sample.write("cache/dist/" + cached, "not gzip data");
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = foo
download-cache = cache
find-links = ${url}

[foo]
recipe = spam
`,
    );
    await expectError(
      sample,
      "",
      `Couldn't extract /sample-buildout/cache/dist/${cached}: not a ` +
        "recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip) " +
        "(in the download cache: remove it, then run with network to " +
        `download it again) (downloaded from ${url})`,
    );
    assert.equal(sample.cat("cache/dist/" + cached), "not gzip data");
  } finally {
    await server.close();
  }
});

Deno.test("Dependency links: those an extension's distribution brings are not searched for the parts' recipes", async () => {
  using sample = await sampleBuildout();
  const { server2, server3, repo } = await dependencyLinkServers(sample);
  await writeDist(
    join(repo, "spam-2.0.tgz"),
    recipeDist("spam", "2.0", "spam 2.0"),
  );
  await writeDist(
    sample.path("dist", "spam-1.0.tgz"),
    recipeDist("spam", "1.0", "spam 1.0"),
  );
  await writeDist(sample.path("dist", "ext-1.0.tgz"), {
    "package.json": JSON.stringify({
      buildout: {
        extensions: { default: "./ext.js:load" },
        "dependency-links": [server2.url],
      },
    }),
    "ext.js": "export function load() {}\n",
  });
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
extensions = ext
parts = foo
find-links = dist

[foo]
recipe = spam
`,
    );
    await expectOk(
      sample,
      "",
      `Getting distribution for 'ext'.
Got ext 1.0.
Getting distribution for 'spam'.
Got spam 1.0.
Installing foo.
spam 1.0
`,
    );
  } finally {
    await server2.close();
    await server3.close();
  }
});

Deno.test("offline: a file: URL find-links is read, and an index alone that is remote is said to be", async () => {
  using sample = await sampleBuildout();
  await writeDist(
    sample.path("local", "demo-0.1.tgz"),
    recipeDist("demo", "0.1", "local demo"),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = eggs
index = http://127.0.0.1:9/index/

[eggs]
recipe = demo
`,
  );
  await expectError(
    sample,
    "-o",
    `Couldn't find a distribution for 'demo' (the find-links and index are all remote; offline, so only local locations and the download cache count).`,
  );
  await expectOk(
    sample,
    `-o buildout:find-links=file://${sample.path("local")}`,
    "Getting distribution for 'demo'.\nGot demo 0.1.\nInstalling eggs.\nlocal demo\n",
  );
});

Deno.test("of two archives of one version in a find-links directory, the first in name order is got, whatever order the file system lists them in", async () => {
  using sample = await sampleBuildout();
  await writeDist(
    sample.path("dist", "spam-1.0.zip"),
    recipeDist("spam", "1.0", "zip"),
  );
  await writeDist(
    sample.path("dist", "spam-1.tgz"),
    recipeDist("spam", "1", "tgz"),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = foo\nfind-links = dist\n\n[foo]\nrecipe = spam\n",
  );
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam'.\nGot spam 1.0.\nInstalling foo.\nzip\n",
  );
});

Deno.test("a part no longer configured whose recipe is pinned to a release not unpacked is uninstalled by the newest release unpacked", async () => {
  using sample = await sampleBuildout();
  const dist = sample.path("recipe", "dist");
  await writeDist(join(dist, "spam-1.tgz"), spamWithUninstall("1"));
  const config = (parts: string, pin: string) =>
    `[buildout]\nparts = ${parts}\nfind-links = recipe/dist\n\n` +
    `[versions]\nspam = ${pin}\n\n[foo]\nrecipe = spam\n`;
  sample.write("buildout.cfg", config("foo", "1"));
  await expectOk(
    sample,
    "",
    "Getting distribution for 'spam==1'.\nGot spam 1.\nInstalling foo.\n",
  );
  sample.write("buildout.cfg", config("", "3"));
  await expectOk(
    sample,
    "",
    "Uninstalling foo.\nRunning uninstall recipe.\nspam 1 uninstalls foo\n",
  );
});
