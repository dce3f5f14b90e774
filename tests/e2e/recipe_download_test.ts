/**
 * End-to-end tests of the download recipes (`download`,
 * `hexagonit.recipe.download`, `gocept.download`,
 * `slapos.recipe.build:download`, `slapos.recipe.build:download-unpacked`)
 * against a local HTTP server: each alias's install, no-op update, change
 * and reinstall, uninstall and offline install from the download cache;
 * each one's own defaults and return values; bad input.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import process from "node:process";
import { gzipSync } from "node:zlib";
import { tar } from "../archive/_fixtures.ts";
import {
  BUILDOUT,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
  untilWhileRunning,
} from "./harness.ts";
import {
  md5,
  md5Text,
  pack,
  run,
  runOk,
  sha256,
  writeTree,
} from "./recipe_fixtures.ts";
import { tree } from "./_recipes.ts";

/** The files the server offers, made in `dir`. */
function serveFiles(dir: string): void {
  const src = join(dir, "src");
  writeTree(src, {
    "pkg-1.0/README": "pkg 1.0\n",
    "pkg-1.0/bin/tool*": "#!/bin/sh\necho tool\n",
    "pkg-1.0/lib/data.txt": "data\n",
    "pkg-1.0/docs/guide.txt": "guide\n",
    "flat/a.txt": "a\n",
    "flat/b/c.txt": "c\n",
  });
  symlinkSync("README", join(src, "pkg-1.0", "LINK"));
  pack(src, ["pkg-1.0"], join(dir, "pkg-1.0.tar.gz"));
  pack(src, ["pkg-1.0"], join(dir, "pkg-1.0.zip"));
  pack(join(src, "flat"), ["a.txt", "b"], join(dir, "flat.tar.gz"));
  writeFileSync(join(dir, "notes.txt"), "just notes\n");
  writeFileSync(join(dir, "junk.tar.gz"), "this is not an archive\n");
  const whole = readFileSync(join(dir, "pkg-1.0.tar.gz"));
  writeFileSync(
    join(dir, "truncated.tar.gz"),
    whole.subarray(0, Math.floor(whole.length / 2)),
  );
}

/** A sample with a running server of {@link serveFiles} and a cache dir. */
async function setUp(): Promise<
  { sample: Sample; server: StaticServer; files: string } & AsyncDisposable
> {
  const sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  serveFiles(files);
  sample.mkdir("cache");
  const server = await startServer(files);
  return {
    sample,
    server,
    files,
    async [Symbol.asyncDispose]() {
      await server.close();
      sample.cleanup();
    },
  };
}

/** A buildout with one part `x` (options as lines), using the cache. */
function config(options: string, extra = ""): string {
  return `[buildout]
parts = x
download-cache = \${buildout:directory}/cache
${extra}
[x]
${options}
`;
}

Deno.test("download-only into a directory that was there records only the file: uninstall keeps the directory and what it held", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    sample.mkdir("shared");
    sample.write("shared", "keep.txt", "mine\n");
    sample.write(
      "buildout.cfg",
      config(
        `recipe = ${recipe}\nurl = ${server.url}notes.txt\n` +
          "download-only = true\ndestination = shared",
      ),
    );
    await runOk(sample);
    assert.deepEqual(recorded(sample), ["/sample-buildout/shared/notes.txt"]);
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await runOk(sample);
    assert.deepEqual(sample.ls("shared"), ["-  keep.txt"], recipe);
    sample.remove("shared");
  }
});

Deno.test("download recipes without a download cache remove each temporary download once used", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const parts = [
    `[unpacked]\nrecipe = download\nurl = ${server.url}pkg-1.0.tar.gz`,
    `[placed]\nrecipe = hexagonit.recipe.download\n` +
    `url = ${server.url}notes.txt\ndownload-only = true`,
    `[gocept]\nrecipe = gocept.download\nurl = ${server.url}flat.tar.gz\n` +
    "strip-top-level-dir = false",
    // Gone once used, not at the end of the run: a build of many parts
    // would hold every archive it fetched.
    // (The run's leases on its temporary files are the run's own.)
    "[seen]\nrecipe = command\n" +
    `command = ls -A "$TMPDIR" | sed '/^\\.buildout-lease-/d' > seen.txt`,
  ];
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = unpacked placed gocept seen\n\n` +
      `${parts.join("\n\n")}\n`,
  );
  await runOk(sample);
  assert.equal(sample.cat("parts", "placed", "notes.txt"), "just notes\n");
  assert.equal(sample.cat("seen.txt"), "");
  assert.deepEqual(readdirSync(sample.runTmpdir), []);
});

/** The paths recorded for `part` in `.installed.cfg`, normalised. */
function recorded(sample: Sample, part = "x"): string[] {
  const text = sample.normalize(sample.cat(".installed.cfg"));
  const match = new RegExp(
    `^\\[${part}\\]\\n(?:.*\\n)*?__buildout_installed__ = (.*(?:\\n\\t.*)*)`,
    "m",
  ).exec(text);
  assert.ok(match, `no ${part} in .installed.cfg:\n${text}`);
  return match[1].split("\n\t").filter(Boolean);
}

/** Asserts the debug recipe printed `  name='value'` as a line. */
function assertPrinted(stdout: string, assignment: string): void {
  assert.ok(stdout.includes(`  ${assignment}\n`), stdout);
}

/** The value of option `name` of `part` in `.installed.cfg`. */
function installedOption(sample: Sample, part: string, name: string): string {
  const text = sample.normalize(sample.cat(".installed.cfg"));
  const section = text.split(`[${part}]\n`)[1] ?? "";
  const match = new RegExp(`^${name} = (.*)$`, "m").exec(section);
  assert.ok(match, `no ${part}:${name} in .installed.cfg`);
  return match[1];
}

interface Alias {
  recipe: string;
  /** Options besides `recipe` and `url`. */
  options?: string;
  /** `ls parts/x` after install. */
  layout: string[];
  /** Log lines of an install, besides `Installing x.`. */
  log: string[];
}

const UNPACKED = ["l  LINK", "-  README", "d  bin", "d  docs", "d  lib"];

const ALIASES: Alias[] = [
  {
    recipe: "download",
    layout: ["d  pkg-1.0"],
    log: ["x: Extracting package to /sample-buildout/parts/x"],
  },
  {
    recipe: "hexagonit.recipe.download",
    layout: ["d  pkg-1.0"],
    log: ["x: Extracting package to /sample-buildout/parts/x"],
  },
  { recipe: "gocept.download", layout: UNPACKED, log: [] },
  {
    recipe: "slapos.recipe.build:download",
    layout: ["-  x"],
    log: [],
  },
  {
    recipe: "slapos.recipe.build:download-unpacked",
    layout: UNPACKED,
    log: [],
  },
];

for (const alias of ALIASES) {
  Deno.test(`${alias.recipe}: install, update, change, offline from the cache, uninstall`, async () => {
    await using env = await setUp();
    const { sample, server } = env;
    const url = `${server.url}pkg-1.0.tar.gz`;
    const part = `recipe = ${alias.recipe}\nurl = ${url}\n${
      alias.options ?? ""
    }`;
    sample.write("buildout.cfg", config(part));

    let result = await runOk(sample);
    assert.match(result.stdout, /^Installing x\.$/m);
    for (const line of alias.log) {
      assert.ok(result.stdout.includes(line + "\n"), result.stdout);
    }
    assert.deepEqual(sample.ls("parts", "x"), alias.layout);
    assert.deepEqual(recorded(sample), ["/sample-buildout/parts/x"]);
    assert.equal(server.requests.length, 1);
    assert.equal(sample.ls("cache").length, 1, "one file in the cache");

    // Same options: an update that downloads nothing.
    result = await runOk(sample);
    assert.equal(result.stdout, "Updating x.\n");
    assert.equal(server.requests.length, 1);

    // A changed option: uninstall, then install again (from the cache).
    sample.write(
      "buildout.cfg",
      config(`${part}md5sum = ${md5(join(env.files, "pkg-1.0.tar.gz"))}`),
    );
    result = await runOk(sample);
    assert.match(result.stdout, /^Uninstalling x\.\nInstalling x\.$/m);
    assert.deepEqual(sample.ls("parts", "x"), alias.layout);
    assert.equal(server.requests.length, 1, "served from the cache");

    // Offline, with nothing installed: everything comes from the cache.
    sample.remove(".installed.cfg");
    sample.remove("parts", "x");
    result = await runOk(sample, "-o");
    assert.match(result.stdout, /^Installing x\.$/m);
    assert.deepEqual(sample.ls("parts", "x"), alias.layout);
    assert.equal(server.requests.length, 1, "no request when offline");

    // Without the part: exactly what it created goes away.
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    result = await runOk(sample);
    assert.equal(result.stdout, "Uninstalling x.\n");
    assert.deepEqual(sample.ls("parts"), []);
  });

  Deno.test(`${alias.recipe}: offline and not in the cache is an error`, async () => {
    await using env = await setUp();
    const { sample, server } = env;
    sample.write(
      "buildout.cfg",
      config(`recipe = ${alias.recipe}\nurl = ${server.url}pkg-1.0.tar.gz`),
    );
    const result = await run(sample, "-o");
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `Error: Couldn't download '${server.url}pkg-1.0.tar.gz' in offline mode\\.\\n$`,
      ),
    );
    assert.equal(server.requests.length, 0);
    assert.deepEqual(sample.ls("parts"), []);
    assert.ok(!existsSync(sample.path(".installed.cfg")));
  });
}

for (const recipe of ["download", "hexagonit.recipe.download"]) {
  Deno.test(`${recipe}: a shared destination keeps what was there on uninstall`, async () => {
    await using env = await setUp();
    const { sample, server } = env;
    sample.mkdir("shared");
    sample.write("shared", "keep.txt", "mine\n");
    const options = `recipe = ${recipe}
url = ${server.url}flat.tar.gz
destination = \${buildout:directory}/shared`;
    sample.write("buildout.cfg", config(options));
    await runOk(sample);
    assert.deepEqual(sample.ls("shared"), ["-  a.txt", "d  b", "-  keep.txt"]);
    assert.deepEqual(recorded(sample), [
      "/sample-buildout/shared/a.txt",
      "/sample-buildout/shared/b",
    ]);
    assert.equal(
      installedOption(sample, "x", "location"),
      "/sample-buildout/shared",
    );

    // Installing again over the same entries is refused, before any move.
    sample.write("shared", "a.txt", "changed\n");
    sample.remove(".installed.cfg");
    sample.remove("shared", "b");
    let result = await run(sample);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /Error: Target \/sample-buildout\/shared\/a\.txt already exists\. Either remove it or set ignore-existing = true/,
    );
    assert.deepEqual(sample.ls("shared"), ["-  a.txt", "-  keep.txt"]);

    // With ignore-existing, existing entries are skipped and not recorded.
    sample.write(
      "buildout.cfg",
      config(`${options}\nignore-existing = true`),
    );
    result = await runOk(sample);
    assert.match(
      result.stdout,
      /x: Ignoring existing target: \/sample-buildout\/shared\/a\.txt/,
    );
    assert.equal(sample.cat("shared", "a.txt"), "changed\n");
    assert.deepEqual(recorded(sample), ["/sample-buildout/shared/b"]);

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await runOk(sample);
    assert.deepEqual(sample.ls("shared"), ["-  a.txt", "-  keep.txt"]);
  });
}

Deno.test("download: a url written over two lines is an error, not the two URLs run together", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = download\nurl = ${server.url}\n  flat.tar.gz`),
  );
  server.requests.length = 0;
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^Error: URL can't contain control characters: 'http:\/\/127\.0\.0\.1:\d+\/\\nflat\.tar\.gz'$/m,
  );
  assert.deepEqual(server.requests, []);
});

Deno.test("download and cmmi recipes: a destination, filename or location written over two lines is an error before anything is fetched or written", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const before = tree(sample.dir);
  const url = `url = ${server.url}flat.tar.gz`;
  const cases: Array<[string, string]> = [
    ["slapos.recipe.build:download", "destination"],
    ["slapos.recipe.build:download", "filename"],
    ["slapos.recipe.build:download-unpacked", "destination"],
    ["hexagonit.recipe.download", "destination"],
    ["hexagonit.recipe.download\ndownload-only = true", "filename"],
    ["gocept.download\nmd5sum = " + "0".repeat(32), "destination"],
    ["gocept.download", "download-directory"],
    ["zc.recipe.cmmi", "location"],
  ];
  for (const [recipe, option] of cases) {
    sample.write(
      "buildout.cfg",
      config(`recipe = ${recipe}\n${url}\n${option} = one\n  two`),
    );
    server.requests.length = 0;
    const result = await run(sample);
    assert.equal(result.code, 1, `${recipe} ${option}: ${result.output}`);
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      `Error: The ${option} of [x], one\\ntwo, holds a line break: ` +
        "name one path",
      `${recipe} ${option}`,
    );
    assert.deepEqual(server.requests, [], `${recipe} ${option}`);
    assert.deepEqual(tree(sample.dir), before, `${recipe} ${option}`);
  }
});

Deno.test("download recipes: an empty url is an error naming the part, before anything is written", async () => {
  await using env = await setUp();
  const { sample } = env;
  const before = tree(sample.dir);
  for (
    const recipe of [
      "download",
      "hexagonit.recipe.download",
      "gocept.download",
      "slapos.recipe.build:download",
      "slapos.recipe.build:download-unpacked",
    ]
  ) {
    // What an unset value substituted into it (${versions:url}) gives.
    sample.write("buildout.cfg", config(`recipe = ${recipe}\nurl =`));
    const result = await run(sample);
    assert.equal(result.code, 1, `${recipe}: ${result.output}`);
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      "Error: The url of [x] is empty: name the file to download",
      recipe,
    );
    assert.deepEqual(tree(sample.dir), before, recipe);
  }
});

Deno.test("download, hexagonit.recipe.download: an empty destination is an error, not the buildout directory", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const before = tree(sample.dir);
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    for (const only of ["false", "true"]) {
      sample.write(
        "buildout.cfg",
        config(`recipe = ${recipe}
url = ${server.url}flat.tar.gz
download-only = ${only}
destination =`),
      );
      const result = await run(sample);
      assert.equal(result.code, 1, `${recipe}: ${result.output}`);
      assert.equal(
        result.stderr.trimEnd().split("\n").pop(),
        "Error: The destination of [x] is empty: name a directory, or " +
          "leave the option out for /sample-buildout/parts/x",
        recipe,
      );
      assert.deepEqual(tree(sample.dir), before, `${recipe} ${only}`);
    }
  }
  assert.deepEqual(server.requests, []);
});

Deno.test("hexagonit.recipe.download: an existing target's name from the archive is shown escaped, on one line", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const name = "e\x1b[1m.txt";
  writeTree(join(files, "odd"), { [name]: "odd\n" });
  pack(join(files, "odd"), [name], join(files, "odd.tar.gz"));
  sample.mkdir("shared");
  sample.write("shared", name, "mine\n");
  const options = `recipe = hexagonit.recipe.download
url = ${server.url}odd.tar.gz
destination = \${buildout:directory}/shared`;
  sample.write("buildout.cfg", config(options));
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^Error: Target \/sample-buildout\/shared\/e\\x1b\[1m\.txt already exists\. /m,
  );
  sample.write("buildout.cfg", config(`${options}\nignore-existing = true`));
  const kept = await runOk(sample);
  assert.match(
    kept.stdout,
    /^x: Ignoring existing target: \/sample-buildout\/shared\/e\\x1b\[1m\.txt$/m,
  );
});

Deno.test("download: strip-top-level-dir, excludes, sha256sum and the exported target", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const archive = join(files, "pkg-1.0.tar.gz");
  sample.write(
    "buildout.cfg",
    config(
      `recipe = download
url = ${server.url}pkg-1.0.tar.gz
strip-top-level-dir = auto
excludes = pkg-1.0/docs/*
sha256sum = ${sha256(archive)}

[show]
recipe = debug
target = \${x:target}
location = \${x:location}`,
    ).replace("parts = x", "parts = x show"),
  );
  const result = await runOk(sample);
  assert.deepEqual(sample.ls("parts", "x"), [
    "l  LINK",
    "-  README",
    "d  bin",
    "d  docs",
    "d  lib",
  ]);
  assert.deepEqual(sample.ls("parts", "x", "docs"), []);
  assert.ok(statSync(sample.path("parts/x/bin/tool")).mode & 0o100);
  assertPrinted(result.stdout, "location='/sample-buildout/parts/x'");
  assertPrinted(result.stdout, "target='/sample-buildout/parts/x'");

  // A single top-level entry is required by strip-top-level-dir = true.
  sample.write(
    "buildout.cfg",
    config(`recipe = download
url = ${server.url}flat.tar.gz
strip-top-level-dir = true`),
  );
  const strict = await run(sample);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /^Error: .*\n$/m);
  assert.ok(!existsSync(sample.path("parts/x")), "nothing half-installed");
  assert.deepEqual(sample.ls("parts"), []);
});

/** The lines of `stdout` that part `x` logged about excludes and extracting. */
function extractLog(stdout: string): string[] {
  return stdout.split("\n").filter((line) =>
    /^x: (Excluding|Extracting) /.test(line)
  );
}

Deno.test("hexagonit.recipe.download: excludes as in its README, the count before 'Extracting', each member with -vv", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  // hexagonit.recipe.download's testdata package, in a known member order
  writeFileSync(
    join(files, "package1-1.2.3-final.tar.gz"),
    gzipSync(tar([
      { name: "package1-1.2.3-final/", type: "dir" },
      { name: "package1-1.2.3-final/CHANGES.txt", data: "changes\n" },
      { name: "package1-1.2.3-final/README.txt", data: "readme\n" },
      { name: "package1-1.2.3-final/src/", type: "dir" },
      { name: "package1-1.2.3-final/src/foo.txt", data: "foo\n" },
    ])),
  );
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}package1-1.2.3-final.tar.gz
hash-name = false
excludes =
    package1-*/CHANGES.txt
    package1-*/src*`),
  );
  let result = await runOk(sample);
  assert.deepEqual(extractLog(result.stdout), [
    "x: Excluding 3 file(s) matching the exclusion pattern.",
    "x: Extracting package to /sample-buildout/parts/x",
  ]);
  assert.deepEqual(sample.ls("parts", "x", "package1-1.2.3-final"), [
    "-  README.txt",
  ]);

  // -v is not enough for the members, as in the original
  for (const [flags, members] of [["-v", false], ["-vv", true]] as const) {
    sample.remove(".installed.cfg");
    sample.remove("parts", "x");
    result = await runOk(sample, flags);
    assert.deepEqual(extractLog(result.stdout), [
      ...members
        ? [
          "x: Excluding package1-1.2.3-final/CHANGES.txt",
          "x: Excluding package1-1.2.3-final/src",
          "x: Excluding package1-1.2.3-final/src/foo.txt",
        ]
        : [],
      "x: Excluding 3 file(s) matching the exclusion pattern.",
      "x: Extracting package to /sample-buildout/parts/x",
    ], flags);
    assert.deepEqual(sample.ls("parts", "x", "package1-1.2.3-final"), [
      "-  README.txt",
    ]);
  }
});

Deno.test("hexagonit.recipe.download: an archive it cannot strip logs its excludes, not 'Extracting package to', as the original checks first", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}flat.tar.gz
strip-top-level-dir = true
excludes = b/*`),
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.deepEqual(extractLog(result.stdout), [
    "x: Excluding 1 file(s) matching the exclusion pattern.",
  ]);
  assert.match(result.stderr, /no single top-level directory to strip/);
  assert.ok(!existsSync(sample.path("parts/x")));
});

Deno.test("hexagonit.recipe.download: -v shows the cache searched as its README does, with a '/' after the cache directory", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}pkg-1.0.tar.gz
hash-name = false`),
  );
  const searched = (stdout: string) =>
    stdout.split("\n").filter((line) => /^(Searching|Using) cache/.test(line));
  assert.deepEqual(searched((await runOk(sample, "-v")).stdout), [
    "Searching cache at /sample-buildout/cache/",
  ]);
  sample.remove("parts", "x");
  assert.deepEqual(searched((await runOk(sample, "-v")).stdout), [
    "Searching cache at /sample-buildout/cache/",
    "Using cache file /sample-buildout/cache/pkg-1.0.tar.gz",
  ]);
});

Deno.test("download: an excludes pattern with '/' matches at any depth, as fnmatch's '*' crosses '/'", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (const archive of ["pkg-1.0.tar.gz", "pkg-1.0.zip"]) {
    sample.write(
      "buildout.cfg",
      config(`recipe = download
url = ${server.url}${archive}
strip-top-level-dir = auto
excludes = pkg-1.0/*.txt`),
    );
    const result = await runOk(sample);
    assert.deepEqual(extractLog(result.stdout), [
      "x: Excluding 2 file(s) matching the exclusion pattern.",
      "x: Extracting package to /sample-buildout/parts/x",
    ], archive);
    assert.deepEqual(sample.ls("parts", "x"), UNPACKED, archive);
    assert.deepEqual(sample.ls("parts", "x", "lib"), [], archive);
    assert.deepEqual(sample.ls("parts", "x", "docs"), [], archive);
    sample.remove(".installed.cfg");
    sample.remove("parts", "x");
  }
});

Deno.test("download: download-only with filename and mode; checksum mismatches", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = download
url = ${server.url}notes.txt
download-only = true
filename = README.txt
mode = 0640

[show]
recipe = debug
target = \${x:target}`).replace("parts = x", "parts = x show"),
  );
  const result = await runOk(sample);
  assert.deepEqual(sample.ls("parts", "x"), ["-  README.txt"]);
  assert.equal(sample.cat("parts", "x", "README.txt"), "just notes\n");
  assert.equal(statSync(sample.path("parts/x/README.txt")).mode & 0o777, 0o640);
  assertPrinted(result.stdout, "target='/sample-buildout/parts/x/README.txt'");
  assert.deepEqual(recorded(sample), ["/sample-buildout/parts/x"]);
  // hash-name (the default) names the cached file by the URL's MD5.
  assert.deepEqual(sample.ls("cache"), [
    `-  ${md5Text(`${server.url}notes.txt`)}`,
  ]);

  for (
    const sum of [
      "md5sum = 0123456789abcdef0123456789abcdef",
      "sha256sum = " + "0".repeat(64),
    ]
  ) {
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await runOk(sample);
    sample.remove("cache");
    sample.mkdir("cache");
    sample.write(
      "buildout.cfg",
      config(`recipe = download\nurl = ${server.url}pkg-1.0.tar.gz\n${sum}`),
    );
    const bad = await run(sample);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error: .*checksum.*\n$/im);
    assert.deepEqual(sample.ls("parts"), []);
    assert.deepEqual(sample.ls("cache"), [], "a bad download is not cached");
  }
});

Deno.test("download: download-only keeps a URL's long file name; one too long for the file system is an error", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  // 250 characters: a name the file system holds, its temporary too.
  const long = "n".repeat(243) + ".tar.gz";
  writeFileSync(join(files, long), "long\n");
  const options = (name: string) =>
    `recipe = download\nurl = ${server.url}${name}\ndownload-only = true`;
  sample.write("buildout.cfg", config(options(long)));
  await runOk(sample);
  assert.equal(sample.cat("parts", "x", long), "long\n");

  const tooLong = "n".repeat(300) + ".tar.gz";
  const named = await startServer(files, {
    handlers: { [`/${tooLong}`]: (_, res) => res.end("too long\n") },
  });
  try {
    sample.write(
      "buildout.cfg",
      config(options(tooLong).replace(server.url, named.url)),
    );
    const result = await run(sample);
    // Cut in the sample's real path, whose length varies; the file name
    // stays.
    assert.match(
      sample.normalize(result.stderr),
      /^While:\n {2}Installing x\.\nError: File name too long: \/sample-buildout\/parts\/x\/n+\.\.\.n+\.tar\.gz \(\d+ characters\)\n$/,
    );
    assert.equal(result.code, 1);
    assert.deepEqual(sample.ls("parts"), []);
  } finally {
    await named.close();
  }
});

Deno.test("a file placed as it is needs a URL that names one", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (
    const options of [
      "recipe = download\ndownload-only = true",
      "recipe = hexagonit.recipe.download\ndownload-only = true",
      "recipe = gocept.download",
    ]
  ) {
    for (const url of [server.url, `${server.url}.`, `${server.url}sub/..`]) {
      sample.write("buildout.cfg", config(`${options}\nurl = ${url}`));
      const requests = server.requests.length;
      const result = await run(sample);
      // Refused before downloading (a listing, say) for nothing.
      assert.equal(server.requests.length, requests, options);
      assert.match(
        result.stderr,
        new RegExp(`\\nError: The URL ${url} names no file\\n$`),
        options,
      );
      assert.equal(result.code, 1);
      assert.deepEqual(sample.ls("parts"), [], options);
    }
  }
});

Deno.test("download: unknown format and truncated gzip are errors that leave nothing, in the cache neither", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const reasons = {
    "junk.tar.gz":
      "not a recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip)",
    "truncated.tar.gz": "truncated (unexpected end of data)",
  };
  for (const [name, reason] of Object.entries(reasons)) {
    for (const recipe of ["download", "hexagonit.recipe.download"]) {
      sample.write(
        "buildout.cfg",
        config(`recipe = ${recipe}\nurl = ${server.url}${name}`),
      );
      const result = await run(sample);
      assert.equal(result.code, 1, result.output);
      // The cached copy is gone: the message names the URL instead.
      assert.equal(
        result.stderr,
        "While:\n  Installing x.\n" +
          `Error: Couldn't extract ${server.url}${name}: ${reason}\n`,
      );
      assert.deepEqual(sample.ls("parts"), [], name);
      assert.deepEqual(sample.ls("cache"), [], `${recipe} ${name}`);
      // Offline, nothing damaged is found in the cache.
      const offline = await run(sample, "-o");
      assert.match(
        offline.stderr,
        /Error: Couldn't download '.*' in offline mode\.\n$/,
      );
    }
  }
});

Deno.test("download: a tar.xz with bytes after its xz stream unpacks, as zc.buildout's recipes unpack it with tarfile", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const archive = pack(
    join(files, "src"),
    ["pkg-1.0"],
    join(files, "pkg-1.0.tar.xz"),
  );
  appendFileSync(archive, "GARBAGE a server appended\n");
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    sample.write(
      "buildout.cfg",
      config(`recipe = ${recipe}
url = ${server.url}pkg-1.0.tar.xz
strip-top-level-dir = true`),
    );
    await runOk(sample);
    assert.deepEqual(sample.ls("parts", "x"), UNPACKED, recipe);
    assert.equal(sample.cat("parts/x/README"), "pkg 1.0\n");
    sample.remove("parts", "x");
    sample.remove(".installed.cfg");
  }
});

Deno.test("download: a damaged copy found in the cache is named with the URL it came from and what to do, and left there", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}pkg-1.0.tar.gz`;
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    sample.write("buildout.cfg", config(`recipe = ${recipe}\nurl = ${url}`));
    await runOk(sample);
    // A copy cut short on its way to an offline host.
    const [name] = readdirSync(sample.path("cache"));
    const cached = sample.path("cache", name);
    const whole = readFileSync(cached);
    writeFileSync(cached, whole.subarray(0, Math.floor(whole.length / 2)));
    rmSync(sample.path(".installed.cfg"));
    rmSync(sample.path("parts", "x"), { recursive: true });
    for (const args of [["-o"], []]) {
      const result = await run(sample, args);
      assert.equal(result.code, 1, result.output);
      assert.equal(
        result.stderr,
        "While:\n  Installing x.\n" +
          `Error: Couldn't extract /sample-buildout/cache/${name}: truncated ` +
          `(unexpected end of data) (downloaded from ${url}; remove it, ` +
          "then run with network to download it again)\n",
        `${recipe} ${args}`,
      );
      // Not this run's download: the user decides what to do with it.
      assert.deepEqual(readdirSync(sample.path("cache")), [name]);
      assert.deepEqual(sample.ls("parts"), []);
    }
    rmSync(cached);
  }
});

Deno.test("download: a local directory goes through the download cache once, then is used from it", async () => {
  await using env = await setUp();
  const { sample, files } = env;
  const options = `recipe = download\nurl = ${join(files, "src", "flat")}`;
  sample.write(
    "buildout.cfg",
    config(`${options}\n\n[y]\n${options}`).replace("parts = x", "parts = x y"),
  );
  // Its files' times go through the cache too (make compares them).
  utimesSync(join(files, "src", "flat", "a.txt"), 1_500_000_000, 1_500_000_000);
  // The second part finds the first one's copy, a directory, in the cache.
  await runOk(sample);
  for (const part of ["x", "y"]) {
    assert.deepEqual(sample.ls("parts", part), ["-  a.txt", "d  b"], part);
    assert.equal(
      statSync(sample.path("parts", part, "a.txt")).mtimeMs,
      1_500_000_000_000,
    );
  }
  assert.equal(sample.ls("cache").length, 1);
  // And so does a later run installing them again.
  rmSync(sample.path(".installed.cfg"));
  rmSync(sample.path("parts"), { recursive: true });
  await runOk(sample);
  assert.equal(sample.cat("parts", "y", "b", "c.txt"), "c\n");
});

Deno.test("download: a local directory is copied with its symlinks and modes, as setuptools' unpack_archive copies one", async () => {
  await using env = await setUp();
  const { sample, files } = env;
  const src = join(files, "src", "tree");
  writeTree(src, { "run*": "#!/bin/sh\n", "lib/data.txt": "data\n" });
  symlinkSync("lib/data.txt", join(src, "data"));
  sample.write("buildout.cfg", config(`recipe = download\nurl = ${src}`));
  await runOk(sample);
  assert.deepEqual(sample.ls("parts", "x"), ["l  data", "d  lib", "-  run"]);
  assert.equal(readlinkSync(sample.path("parts/x/data")), "lib/data.txt");
  assert.equal(
    statSync(sample.path("parts/x/run")).mode & 0o777,
    0o755 & ~process.umask(),
  );
});

Deno.test("download: an archive that does not suit the options stays in the cache", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}flat.tar.gz
hash-name = false
strip-top-level-dir = true`),
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.match(result.stderr, /no single top-level directory to strip/);
  assert.deepEqual(sample.ls("cache"), ["-  flat.tar.gz"]);
});

Deno.test("hexagonit.recipe.download: defaults, hash-name = false, zip, on-update", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}pkg-1.0.zip
hash-name = false
strip-top-level-dir = yes
destination = \${buildout:directory}/unpacked
ignore-existing = on
on-update = 1`),
  );
  await runOk(sample);
  assert.deepEqual(sample.ls("unpacked"), UNPACKED);
  assert.equal(sample.cat("unpacked", "LINK"), "pkg 1.0\n");
  assert.deepEqual(sample.ls("cache"), ["-  pkg-1.0.zip"]);
  for (
    const [option, value] of [
      ["download-only", "false"],
      ["filename", ""],
      ["location", "/sample-buildout/unpacked"],
    ]
  ) {
    assert.equal(installedOption(sample, "x", option), value);
  }
  // on-update unpacks again; ignore-existing skips what is there.
  sample.remove("unpacked", "lib");
  const result = await runOk(sample);
  assert.match(result.stdout, /^Updating x\.\n/);
  assert.ok(existsSync(sample.path("unpacked/lib/data.txt")));
});

Deno.test("hexagonit.recipe.download: hash-name is read without lowercasing, as the original reads it, so cached copies have the names zc.buildout gives them", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}flat.tar.gz`;
  for (
    const [value, cached] of [
      ["True", "flat.tar.gz"],
      ["YES", "flat.tar.gz"],
      [" true", md5Text(url)],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`recipe = hexagonit.recipe.download
url = ${url}
hash-name =${value}`),
    );
    await runOk(sample);
    assert.deepEqual(sample.ls("cache"), [`-  ${cached}`], value);
    sample.remove("cache");
    sample.mkdir("cache");
  }
});

Deno.test("hexagonit.recipe.download: a URL's ;params are not part of the file's name, as urlparse reads them, in the cache or in download-only", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  writeFileSync(join(files, "notes.txt;v=2"), "notes 2\n");
  sample.write(
    "buildout.cfg",
    config(`recipe = hexagonit.recipe.download
url = ${server.url}notes.txt;v=2
hash-name = false
download-only = true`),
  );
  await runOk(sample);
  assert.deepEqual(sample.ls("cache"), ["-  notes.txt"]);
  assert.deepEqual(sample.ls("parts", "x"), ["-  notes.txt"]);
  assert.equal(sample.cat("parts", "x", "notes.txt"), "notes 2\n");
});

Deno.test("gocept.download: defaults, plain files, download-directory, destination", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = gocept.download
url = ${server.url}notes.txt
download-directory = downloads

[show]
recipe = debug
bin = \${x:bin-directory}
location = \${x:location}`).replace("parts = x", "parts = x show"),
  );
  const result = await runOk(sample);
  assert.deepEqual(sample.ls("parts", "x"), ["-  notes.txt"]);
  assert.deepEqual(sample.ls("downloads"), ["-  notes.txt"]);
  assertPrinted(result.stdout, "bin='/sample-buildout/bin'");
  // The cache names files by URL base name (hash-name is off).
  assert.deepEqual(sample.ls("cache"), ["-  notes.txt"]);

  // A kept copy is used without downloading again.
  sample.write("downloads", "notes.txt", "kept copy\n");
  sample.remove("parts", "x");
  const requests = server.requests.length;
  await runOk(sample);
  assert.equal(sample.cat("parts", "x", "notes.txt"), "kept copy\n");
  assert.equal(server.requests.length, requests);

  // strip-top-level-dir = false keeps the top directory; a destination
  // must be empty and is never recorded, so uninstall leaves it.
  sample.mkdir("dest");
  sample.write(
    "buildout.cfg",
    config(`recipe = gocept.download
url = ${server.url}pkg-1.0.tar.gz
strip-top-level-dir = false
destination = dest`),
  );
  await runOk(sample);
  assert.deepEqual(sample.ls("dest"), ["d  pkg-1.0"]);
  assert.deepEqual(recorded(sample), []);
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await runOk(sample);
  assert.deepEqual(sample.ls("dest"), ["d  pkg-1.0"]);

  sample.write(
    "buildout.cfg",
    config(`recipe = gocept.download
url = ${server.url}pkg-1.0.tar.gz
destination = dest`),
  );
  const full = await run(sample);
  assert.equal(full.code, 1);
  assert.match(
    full.stderr,
    /Error: Destination \/sample-buildout\/dest must be an empty directory\.\n$/,
  );
});

Deno.test("gocept.download: a copy kept in download-directory is checked against md5sum, as gocept.download 0.9.5 does", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  sample.write(
    "buildout.cfg",
    config(`recipe = gocept.download
url = ${server.url}notes.txt
md5sum = ${md5(join(files, "notes.txt"))}
download-directory = downloads`),
  );
  await runOk(sample);
  assert.equal(sample.cat("downloads", "notes.txt"), "just notes\n");

  // Another file of the same name (an older release, another URL's) is
  // not installed in its place.
  sample.write("downloads", "notes.txt", "older notes\n");
  sample.remove("parts", "x");
  const requests = server.requests.length;
  const result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr,
    "While:\n  Installing x.\n" +
      "Error: MD5 checksum mismatch for '/sample-buildout/downloads/" +
      `notes.txt', the copy of ${server.url}notes.txt kept in ` +
      "download-directory: remove it to download it again\n",
  );
  assert.deepEqual(sample.ls("parts"), []);
  assert.equal(sample.cat("downloads", "notes.txt"), "older notes\n");
  assert.equal(server.requests.length, requests);

  sample.remove("downloads", "notes.txt");
  await runOk(sample);
  assert.equal(sample.cat("parts", "x", "notes.txt"), "just notes\n");
});

Deno.test("gocept.download: what stands where download-directory keeps its copy is named when it is no file", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (const name of ["notes.txt", "pkg-1.0.tar.gz"]) {
    sample.write(
      "buildout.cfg",
      config(`recipe = gocept.download
url = ${server.url}${name}
download-directory = downloads`),
    );
    sample.mkdir("downloads", name);
    const result = await run(sample);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `While:\n  Installing x.\nError: '/sample-buildout/downloads/${name}', ` +
        `the copy of ${server.url}${name} kept in download-directory, is ` +
        "not a file: remove it to download it again\n",
    );
    assert.deepEqual(sample.ls("parts"), [], name);
    sample.remove("downloads", name);
    await runOk(sample);
    assert.deepEqual(sample.ls("downloads"), [`-  ${name}`]);
    sample.remove("downloads");
  }
});

Deno.test("slapos.recipe.build:download: filename, destination, update downloads again without md5sum", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x y

[x]
recipe = slapos.recipe.build:download
url = ${server.url}notes.txt
filename = some/notes.cfg

[y]
recipe = slapos.recipe.build:download
url = ${server.url}notes.txt
md5sum = ${md5(join(files, "notes.txt"))}
destination = \${buildout:directory}/etc/notes.txt

[show]
recipe = debug
x-target = \${x:target}
x-location = \${x:location}
y-target = \${y:target}
`.replace("parts = x y", "parts = x y show"),
  );
  let result = await runOk(sample);
  assert.deepEqual(sample.ls("parts", "x"), ["-  notes.cfg"]);
  assert.equal(sample.cat("etc", "notes.txt"), "just notes\n");
  assertPrinted(result.stdout, "x-location='/sample-buildout/parts/x'");
  assertPrinted(result.stdout, "x-target='/sample-buildout/parts/x/notes.cfg'");
  assertPrinted(result.stdout, "y-target='/sample-buildout/etc/notes.txt'");
  assert.deepEqual(recorded(sample, "y"), ["/sample-buildout/etc/notes.txt"]);
  assert.equal(server.requests.length, 2);

  // No md5sum: every update fetches again (no cache here); with one, never.
  writeFileSync(join(files, "notes.txt"), "new notes\n");
  result = await runOk(sample);
  assert.equal(server.requests.length, 3);
  assert.equal(sample.cat("parts", "x", "notes.cfg"), "new notes\n");
  assert.equal(sample.cat("etc", "notes.txt"), "just notes\n");

  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = x\n[x]\nrecipe = slapos.recipe.build:download\nurl = ${server.url}notes.txt\nmode = 0644\n`,
  );
  result = await run(sample);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Error: The 'mode' option of x is not supported/);
});

Deno.test("slapos recipes: alternate-url is fetched when url cannot be, and cached under url", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const part = (name: string, recipe: string, file: string, extra = "") =>
    `[${name}]\nrecipe = ${recipe}\nurl = ${server.url}gone/${file}\n` +
    `alternate-url = ${server.url}${file}\n${extra}`;
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = file tree build
download-cache = cache

${part("file", "slapos.recipe.build:download", "notes.txt")}
${part("tree", "slapos.recipe.build:download-unpacked", "pkg-1.0.tar.gz")}
${
      part(
        "build",
        "slapos.recipe.cmmi",
        "build-1.0.tar.gz",
        "configure-command = true\n",
      )
    }`,
  );
  writeTree(join(files, "src"), {
    "build-1.0/Makefile": "all:\ninstall:\n\ttouch $(prefix)/made\n",
  });
  pack(join(files, "src"), ["build-1.0"], join(files, "build-1.0.tar.gz"));
  const result = await runOk(sample);
  assert.equal(result.stderr, "");
  for (const file of ["notes.txt", "pkg-1.0.tar.gz", "build-1.0.tar.gz"]) {
    assert.match(
      result.stdout,
      new RegExp(
        `^Error downloading ${server.url}gone/${file}: HTTP Error 404: ` +
          `Not Found; trying the alternate URL\\n` +
          `Downloading ${server.url}${file}$`,
        "m",
      ),
    );
  }
  assert.doesNotMatch(result.stdout, /Unused options/);
  assert.equal(sample.cat("parts", "file", "file"), "just notes\n");
  assert.equal(sample.cat("parts", "tree", "README"), "pkg 1.0\n");
  assert.ok(existsSync(sample.path("parts/build/made")));
  assert.deepEqual(
    readdirSync(sample.path("cache")).sort(),
    [
      `${server.url}gone/build-1.0.tar.gz`,
      `${server.url}gone/notes.txt`,
      `${server.url}gone/pkg-1.0.tar.gz`,
    ].map(md5Text).sort(),
  );

  // Offline, the copy cached under url serves again.
  rmSync(sample.path("parts"), { recursive: true });
  rmSync(sample.path(".installed.cfg"));
  const requests = server.requests.length;
  await runOk(sample, "-o");
  assert.equal(server.requests.length, requests);
  assert.equal(sample.cat("parts", "file", "file"), "just notes\n");
});

Deno.test("slapos recipes: when url and alternate-url both fail, the error names both failures, even under -q", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (
    const recipe of [
      "slapos.recipe.build:download",
      "slapos.recipe.build:download-unpacked",
      "slapos.recipe.cmmi",
    ]
  ) {
    for (const cache of ["", "download-cache = cache\n"]) {
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = x\n${cache}\n[x]\nrecipe = ${recipe}\n` +
          `url = ${server.url}gone/x.tar.gz\n` +
          `alternate-url = ${server.url}also-gone/x.tar.gz\n`,
      );
      const result = await run(sample, "-q");
      assert.equal(result.code, 1, result.output);
      assert.equal(
        result.stderr,
        "While:\n  Installing x.\n" +
          `Error: Error downloading ${server.url}gone/x.tar.gz: HTTP Error ` +
          `404: Not Found; the alternate URL ${server.url}also-gone/x.tar.gz ` +
          "failed too: HTTP Error 404: Not Found\n",
      );
      assert.deepEqual(readdirSync(sample.path("cache")), []);
      assert.ok(!existsSync(sample.path(".installed.cfg")));
    }
  }
});

Deno.test("slapos recipes: an alternate-url written over two lines is refused as url is, not fetched run together", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const [head, tail] = [server.url + "pkg-1", ".0.tar.gz"];
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\n" +
      "recipe = slapos.recipe.build:download-unpacked\n" +
      `url = ${server.url}gone/x.tar.gz\nalternate-url = ${head}\n  ${tail}\n`,
  );
  const result = await run(sample, "-q");
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr,
    "While:\n  Installing x.\n" +
      `Error: Error downloading ${server.url}gone/x.tar.gz: HTTP Error ` +
      `404: Not Found; the alternate URL ${head}\\n${tail} can't contain ` +
      "control characters\n",
  );
  assert.deepEqual(server.requests, ["/gone/x.tar.gz"]);
  assert.ok(!existsSync(sample.path("parts", "x")));
});

Deno.test("slapos recipes: an archive the alternate URL served that cannot be unpacked is named by that URL", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const part = (name: string, recipe: string) =>
    `[${name}]\nrecipe = ${recipe}\nurl = ${server.url}gone/${name}.tar.gz\n` +
    `alternate-url = ${server.url}junk.tar.gz\nconfigure-command = true\n`;
  const junk = `${server.url}junk.tar.gz: not a recognized archive`;
  for (
    const recipe of [
      "slapos.recipe.build:download-unpacked",
      "slapos.recipe.cmmi",
    ]
  ) {
    for (const cache of ["", "download-cache = cache\n"]) {
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = x\n${cache}\n${part("x", recipe)}`,
      );
      const result = await run(sample);
      assert.equal(result.code, 1, result.output);
      assert.match(
        result.stderr,
        new RegExp(`^Error: Couldn't extract ${junk}`, "m"),
      );
      assert.doesNotMatch(result.stderr, /gone\//);
    }
  }
});

Deno.test("slapos.recipe.build:download-unpacked: strip rules and shared parts reused across buildouts", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = auto flat kept

[auto]
recipe = slapos.recipe.build:download-unpacked
url = ${server.url}pkg-1.0.zip

[flat]
recipe = slapos.recipe.build:download-unpacked
url = ${server.url}flat.tar.gz

[kept]
recipe = slapos.recipe.build:download-unpacked
url = ${server.url}pkg-1.0.tar.gz
strip-top-level-dir = false
`,
  );
  await runOk(sample);
  assert.deepEqual(sample.ls("parts", "auto"), UNPACKED);
  assert.deepEqual(sample.ls("parts", "flat"), ["-  a.txt", "d  b"]);
  assert.deepEqual(sample.ls("parts", "kept"), ["d  pkg-1.0"]);

  const shared = sample.tmpdir("shared");
  const sharedConfig = `[buildout]
parts = x
shared-part-list = ${shared}

[x]
recipe = slapos.recipe.build:download-unpacked
url = ${server.url}pkg-1.0.tar.gz
md5sum = ${md5(join(env.files, "pkg-1.0.tar.gz"))}
shared = true
`;
  sample.write("buildout.cfg", sharedConfig);
  let result = await runOk(sample);
  const built =
    /x: will be shared at (\/shared\/x\/[0-9a-f]{32}) \(needs to build\)/
      .exec(result.stdout);
  assert.ok(built, result.stdout);
  assert.deepEqual(recorded(sample), [], "a shared part is never removed");
  const location = join(shared, built[1].slice("/shared/".length));
  assert.ok(existsSync(join(location, "README")));
  assert.ok(existsSync(join(location, ".buildout-shared.json")));
  assert.equal(statSync(join(location, "README")).mode & 0o222, 0, "read-only");

  using other = await sampleBuildout();
  other.write("buildout.cfg", sharedConfig);
  const requests = server.requests.length;
  result = await runOk(other);
  assert.match(result.stdout, /x: shared at .* \(already built\)/);
  assert.match(result.stdout, /x: shared part is already installed/);
  assert.equal(server.requests.length, requests);

  // A location without its marker (a build under way, or one that failed
  // and was kept) is not said to be built, and is built again.
  // Made writable first, as a build under way leaves it: only root may
  // remove from a finished one.
  chmodSync(location, statSync(location).mode | 0o200);
  rmSync(join(location, ".buildout-shared.json"));
  using third = await sampleBuildout();
  third.write("buildout.cfg", sharedConfig);
  result = await runOk(third);
  assert.match(result.stdout, /x: will be shared at .* \(needs to build\)/);
  assert.doesNotMatch(result.stdout, /already/);
  assert.equal(server.requests.length, requests + 1);
  assert.ok(existsSync(join(location, ".buildout-shared.json")));

  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await runOk(sample);
  assert.ok(existsSync(join(location, "README")), "uninstall keeps shared");
});

Deno.test("a shared part another buildout is building is waited for, then used, not built again", async () => {
  using first = await sampleBuildout();
  using second = await sampleBuildout();
  const body = "held file\n";
  const held: ServerResponse[] = [];
  const server = await startServer(first.tmpdir("server"), {
    handlers: { "/held.bin": (_, res) => held.push(res) },
  });
  try {
    const shared = first.tmpdir("shared");
    const sharedConfig = `[buildout]
parts = x
shared-part-list = ${shared}

[x]
recipe = slapos.recipe.build:download
url = ${server.url}held.bin
md5sum = ${md5Text(body)}
shared = true
`;
    first.write("buildout.cfg", sharedConfig);
    second.write("buildout.cfg", sharedConfig);
    const building = first.system("");
    await untilWhileRunning(building, () => held.length > 0, "downloading");
    const child = spawn(BUILDOUT, [], {
      cwd: second.dir,
      env: { ...process.env, HOME: second.home, TMPDIR: second.runTmpdir },
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    const waiter = new Promise<number | null>((ok) => child.on("close", ok));
    // The old code downloaded a second time into the same location.
    await untilWhileRunning(
      waiter,
      () => held.length > 1 || stdout.includes("waiting for process"),
      "the second run waited or downloaded",
    );
    for (const res of held) res.end(body);
    const result = await building;
    assert.equal(result.code, 0, result.output);
    assert.equal(await waiter, 0, stdout);
    assert.equal(held.length, 1, "downloaded once");
    assert.match(stdout, /x: waiting for process \d+ to build it/);
    assert.match(stdout, /x: shared part is already installed/);
    const built = /x: will be shared at (\S+) /.exec(result.stdout)![1];
    assert.equal(readFileSync(join(built, "x"), "utf8"), body);
    assert.ok(!existsSync(`${built}.lock`), "the lock is gone");
  } finally {
    await server.close();
  }
});

Deno.test("a shared part's lock: an empty one is waited for, said once; another host's is an error naming it", async () => {
  using first = await sampleBuildout();
  const body = "shared file\n";
  const source = first.tmpdir("source");
  writeFileSync(join(source, "shared.bin"), body);
  const sharedConfig = `[buildout]
parts = x
shared-part-list = ${first.tmpdir("shared")}

[x]
recipe = slapos.recipe.build:download
url = ${source}/shared.bin
md5sum = ${md5Text(body)}
shared = true
`;
  first.write("buildout.cfg", sharedConfig);
  const built = await first.system("");
  assert.equal(built.code, 0, built.output);
  const location = /x: will be shared at (\S+) /.exec(built.stdout)![1];
  // Gone again; its lock is an empty file, as a run creating it in place
  // (no hard links there) leaves it before writing its pid.
  execFileSync("chmod", ["-R", "u+w", location]);
  rmSync(location, { recursive: true });
  writeFileSync(`${location}.lock`, "");
  using second = await sampleBuildout();
  second.write("buildout.cfg", sharedConfig);
  let said = "";
  let waiting!: () => void;
  const waits = new Promise<void>((resolve) => waiting = resolve);
  const running = second.system("", {
    onStdout: (text) => {
      said += text;
      if (said.includes("x: waiting for another run to build it\n")) waiting();
    },
  });
  const before = await Promise.race([
    waits.then(() => "waiting"),
    running.then((result) => `finished:\n${result.output}`),
  ]);
  assert.equal(before, "waiting");
  // Let it look at the lock a few more times before it goes.
  await new Promise((r) => setTimeout(r, 500));
  rmSync(`${location}.lock`);
  const result = await running;
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stdout.split("waiting for").length, 2, result.stdout);
  assert.equal(readFileSync(join(location, "x"), "utf8"), body);

  using third = await sampleBuildout();
  third.write("buildout.cfg", sharedConfig);
  writeFileSync(`${location}.lock`, "123 elsewhere.example 456\n");
  const elsewhere = await third.system("");
  assert.equal(elsewhere.code, 1, elsewhere.output);
  assert.equal(
    elsewhere.stderr,
    `While:\n  Installing x.\nError: A buildout run on elsewhere.example ` +
      `(process 123) is building ${location}; remove ${location}.lock if it ` +
      "has ended\n",
  );
});

Deno.test("download recipes: a file where the parts directory should be is a one-line error", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.remove("parts");
  sample.write("parts", "");
  for (
    const recipe of [
      "download",
      "slapos.recipe.build:download",
      "slapos.recipe.build:download-unpacked",
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`recipe = ${recipe}\nurl = ${server.url}pkg-1.0.tar.gz`),
    );
    const result = await sample.run("");
    assert.equal(result.code, 1, recipe);
    assert.match(
      sample.normalize(result.stderr),
      /^While:\n {2}Installing x\.\nError: .*\/sample-buildout\/parts(\/x: \/sample-buildout\/parts is a file, | is )not a directory\n$/,
      recipe,
    );
  }
});

Deno.test("download-only: a filename ending in '/' is an error naming the part, before anything is fetched or written", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const before = tree(sample.dir);
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    sample.write(
      "buildout.cfg",
      config(
        `recipe = ${recipe}\nurl = ${server.url}notes.txt\n` +
          "download-only = true\nfilename = notes/",
      ),
    );
    server.requests.length = 0;
    const result = await run(sample);
    assert.equal(result.code, 1, `${recipe}: ${result.output}`);
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      "Error: The filename of [x], notes/, ends with '/': name the file to " +
        "write",
      recipe,
    );
    assert.deepEqual(server.requests, [], recipe);
    assert.deepEqual(tree(sample.dir), before, recipe);
  }
});

Deno.test("download-only: a filename outside the destination is placed as the original places it and removed on uninstall", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (const recipe of ["download", "hexagonit.recipe.download"]) {
    for (
      const [filename, placed] of [
        ["../beside.txt", "parts/beside.txt"],
        [sample.path("elsewhere.txt"), "elsewhere.txt"],
      ]
    ) {
      sample.write(
        "buildout.cfg",
        config(
          `recipe = ${recipe}\nurl = ${server.url}notes.txt\n` +
            `download-only = true\nfilename = ${filename}`,
        ),
      );
      await runOk(sample);
      assert.equal(sample.cat(placed), "just notes\n", `${recipe} ${filename}`);
      sample.write("buildout.cfg", "[buildout]\nparts =\n");
      await runOk(sample);
      assert.equal(
        existsSync(sample.path(placed)),
        false,
        `${recipe} ${filename}`,
      );
      assert.deepEqual(sample.ls("parts"), []);
    }
  }
});

Deno.test("strip-top-level-dir as each original reads it: auto is false for hexagonit.recipe.download, only the exact word true strips for gocept.download", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  writeFileSync(
    join(files, "pkg-1.0.tgz"),
    readFileSync(join(files, "pkg-1.0.tar.gz")),
  );
  sample.write(
    "buildout.cfg",
    config(
      `recipe = hexagonit.recipe.download
url = ${server.url}pkg-1.0.tar.gz
strip-top-level-dir = auto`,
    ),
  );
  let result = await runOk(sample);
  // No excludes: no count of excluded files either.
  assert.equal(
    result.stdout,
    `Installing x.\nDownloading ${server.url}pkg-1.0.tar.gz\n` +
      "x: Extracting package to /sample-buildout/parts/x\n",
  );
  assert.deepEqual(sample.ls("parts", "x"), ["d  pkg-1.0"]);

  // A .tgz is unpacked too.
  const cases: Array<[string, string[]]> = [
    ["yes", ["d  pkg-1.0"]],
    ["true", UNPACKED],
  ];
  for (const [value, layout] of cases) {
    sample.write(
      "buildout.cfg",
      config(
        `recipe = gocept.download
url = ${server.url}pkg-1.0.tgz
strip-top-level-dir = ${value}`,
      ),
    );
    result = await runOk(sample);
    assert.deepEqual(sample.ls("parts", "x"), layout, value);
  }
});

Deno.test("slapos.recipe.build:download: offline = true is offline for the part, and shared needs an md5sum", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(
      `recipe = slapos.recipe.build:download
url = ${server.url}notes.txt
offline = true`,
    ),
  );
  let result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /\nError: Couldn't download '.*notes\.txt' in offline mode\.\n$/,
  );
  assert.equal(server.requests.length, 0);

  sample.write(
    "buildout.cfg",
    config(
      `recipe = slapos.recipe.build:download
url = ${server.url}notes.txt
shared = true`,
      `shared-part-list = ${sample.tmpdir("shared")}`,
    ),
  );
  result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /\nError: When shared=true, option 'md5sum' must be set\n$/,
  );
  assert.equal(server.requests.length, 0);
});
