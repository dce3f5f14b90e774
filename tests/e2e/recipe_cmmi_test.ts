/**
 * End-to-end tests of the cmmi recipes (`cmmi`, `slapos.recipe.cmmi`,
 * `hexagonit.recipe.cmmi`, `zc.recipe.cmmi`): each builds a small
 * autoconf-style package (generated here, packed with `tar`) with a patch,
 * served by a local HTTP server; install, no-op update, change and
 * reinstall, offline install from the download cache, uninstall; the part's
 * environment not leaking; failing and missing commands; shared builds.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { mountSkipReason } from "./chroot.ts";
import {
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
  untilWhileRunning,
} from "./harness.ts";
import {
  helloPatch,
  md5,
  md5Text,
  pack,
  readmePatch,
  run,
  runOk,
  runProgram,
  writePackage,
  writeTree,
} from "./recipe_fixtures.ts";
import { tree } from "./_recipes.ts";

/** Packages and patches the server offers, made in `dir`. */
function serveFiles(dir: string): void {
  const src = join(dir, "src");
  writePackage(src, { top: "hello-1.0", program: "hello" });
  writePackage(src, {
    top: "broken-1.0",
    program: "broken",
    files: { "Makefile": "all:\n\t@echo about to fail\n\tfalse\n" },
  });
  writeTree(src, { "noconf-1.0/Makefile": "all:\n\techo no configure\n" });
  for (const top of ["hello-1.0", "broken-1.0", "noconf-1.0"]) {
    pack(src, [top], join(dir, `${top}.tar.gz`));
  }
  writeFileSync(join(dir, "hello.patch"), helloPatch());
  writeFileSync(join(dir, "hello-p0.patch"), helloPatch(true));
}

/** A sample with a running server of {@link serveFiles} and a cache dir. */
async function setUp(): Promise<
  { sample: Sample; server: StaticServer; files: string } & AsyncDisposable
> {
  const sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  serveFiles(files);
  sample.mkdir("cache");
  sample.mkdir("patches");
  sample.write("patches", "hello.patch", helloPatch());
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

/** A buildout whose parts are the sections in `sections`, using the cache. */
function config(sections: string, parts = "x", extra = ""): string {
  return `[buildout]
parts = ${parts}
download-cache = \${buildout:directory}/cache
${extra}
${sections}
`;
}

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

interface Alias {
  recipe: string;
  /** The part's options: url, patch and environment in the alias's terms. */
  options: (url: string, patchMd5: string) => string;
  /** An option line adding `--enable-extra` to configure. */
  extra: string;
  /** The GREETING the build sees. */
  greeting: string;
}

const ALIASES: Alias[] = [
  {
    recipe: "cmmi",
    options: (url, sum) =>
      `url = ${url}hello-1.0.tar.gz
patches = ${url}hello.patch#${sum}
patch-options = -p1
environment = GREETING=hi from %(HOME)s`,
    extra: "configure-options = --enable-extra",
    greeting: "hi from /home",
  },
  {
    recipe: "slapos.recipe.cmmi",
    options: (url, sum) =>
      `url = ${url}hello-1.0.tar.gz
patches = ${url}hello.patch#${sum}
patch-options = -p1
environment =
  GREETING=slapos`,
    extra: "configure-options = --enable-extra",
    greeting: "slapos",
  },
  {
    recipe: "hexagonit.recipe.cmmi",
    options: (url) =>
      `url = ${url}hello-1.0.tar.gz
patches = patches/hello.patch
patch-options = -p1
environment = GREETING=hexagonit`,
    extra: "configure-options = --enable-extra",
    greeting: "hexagonit",
  },
  {
    recipe: "zc.recipe.cmmi",
    options: (url) =>
      `url = ${url}hello-1.0.tar.gz
patch = ${url}hello-p0.patch
environment = GREETING=zc`,
    extra: "extra_options = --enable-extra",
    greeting: "zc",
  },
];

for (const alias of ALIASES) {
  Deno.test(`${alias.recipe}: build with a patch, update, change, offline from the cache, uninstall`, async () => {
    await using env = await setUp();
    const { sample, server, files } = env;
    const part = `[x]\nrecipe = ${alias.recipe}\n${
      alias.options(server.url, md5(join(files, "hello.patch")))
    }\n`;
    sample.write("buildout.cfg", config(part));

    let result = await runOk(sample);
    assert.match(result.stdout, /^Installing x\.$/m);
    if (alias.recipe === "zc.recipe.cmmi") {
      assert.match(
        result.stdout,
        /^x: Downloading http:\/\/\S+\/hello-1\.0\.tar\.gz$/m,
      );
    }
    // The build's own output streams through (stdio is inherited).
    assert.match(
      result.stdout,
      /^configuring hello --prefix=\/sample-buildout\/parts\/x$/m,
    );
    assert.equal(
      runProgram(sample.path("parts/x/bin/hello")),
      "Hello, patched hello\n",
    );
    assert.equal(
      sample.normalize(sample.cat("parts/x/share/hello/greeting.txt")),
      alias.greeting + "\n",
    );
    assert.deepEqual(recorded(sample), ["/sample-buildout/parts/x"]);
    const requests = server.requests.length;

    result = await runOk(sample);
    assert.equal(result.stdout, "Updating x.\n");

    sample.write("buildout.cfg", config(part + alias.extra));
    result = await runOk(sample);
    assert.match(result.stdout, /^Uninstalling x\.\nInstalling x\.$/m);
    assert.match(
      sample.cat("parts/x/share/hello/configure-args.txt"),
      /--enable-extra/,
    );
    assert.equal(server.requests.length, requests, "served from the cache");

    sample.remove(".installed.cfg");
    sample.remove("parts", "x");
    result = await runOk(sample, "-o");
    assert.equal(
      runProgram(sample.path("parts/x/bin/hello")),
      "Hello, patched hello\n",
    );
    assert.equal(server.requests.length, requests, "no request when offline");

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    result = await runOk(sample);
    assert.equal(result.stdout, "Uninstalling x.\n");
    assert.deepEqual(sample.ls("parts"), []);
  });

  Deno.test(`${alias.recipe}: a failing command is a user error; the build directory is kept`, async () => {
    await using env = await setUp();
    const { sample, server } = env;
    sample.write(
      "buildout.cfg",
      config(
        `[x]\nrecipe = ${alias.recipe}\nurl = ${server.url}broken-1.0.tar.gz`,
      ),
    );
    const result = await run(sample);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^about to fail$/m);
    const error = /^Error: Command '(.*)' failed with exit status 2 in (.*)\n$/m
      .exec(result.stderr);
    assert.ok(error, result.stderr);
    assert.equal(error[1], "make");
    assert.match(result.stderr, /^While:\n {2}Installing x\.\nError: /m);
    const dir = error[2];
    const kept = dir.startsWith("/sample-buildout/")
      ? sample.path(dir.slice("/sample-buildout/".length))
      : dir;
    assert.ok(existsSync(join(kept, "Makefile")), `${dir} is kept`);
    const logged = /(?:left as is at|cmmi failed:) (\S+)/.exec(result.stdout);
    assert.ok(logged && dir.startsWith(logged[1]), "the log says where");
    assert.ok(!existsSync(sample.path("parts/x/bin")), "nothing installed");
    assert.ok(!existsSync(sample.path(".installed.cfg")));
    if (!dir.startsWith("/sample-buildout/")) {
      rmSync(logged![1], { recursive: true });
    }
  });

  Deno.test(`${alias.recipe}: missing configure and unknown commands are clear errors`, async () => {
    await using env = await setUp();
    const { sample, server } = env;
    sample.write(
      "buildout.cfg",
      config(
        `[x]\nrecipe = ${alias.recipe}\nurl = ${server.url}noconf-1.0.tar.gz`,
      ),
    );
    let result = await run(sample);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Error: (No configure script|Couldn't find configure) in \S+noconf-1\.0/m,
    );
    assert.ok(!existsSync(sample.path("parts/x/bin")));
    const leftover = /cmmi failed: (\S+)/.exec(result.stdout);
    if (leftover) rmSync(leftover[1], { recursive: true });

    sample.write(
      "buildout.cfg",
      config(
        `[x]\nrecipe = ${alias.recipe}\nurl = ${server.url}hello-1.0.tar.gz\n` +
          "configure-command = no-such-command-here --flag",
      ),
    );
    result = await run(sample);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Error: Command 'no-such-command-here --flag.*' failed with exit status 127 \(command not found\) in \S+hello-1\.0\n$/m,
    );
    const tmp = /cmmi failed: (\S+)/.exec(result.stdout);
    if (tmp) rmSync(tmp[1], { recursive: true });
  });
}

Deno.test("cmmi and zc.recipe.cmmi: a part's environment does not leak into the next", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  for (const recipe of ["cmmi", "zc.recipe.cmmi", "hexagonit.recipe.cmmi"]) {
    const url = `${server.url}hello-1.0.tar.gz`;
    sample.write(
      "buildout.cfg",
      config(
        `[first]
recipe = ${recipe}
url = ${url}
environment = GREETING=first

[second]
recipe = ${recipe}
url = ${url}`,
        "first second",
      ),
    );
    await runOk(sample);
    assert.equal(sample.cat("parts/first/share/hello/greeting.txt"), "first\n");
    assert.equal(
      sample.cat("parts/second/share/hello/greeting.txt"),
      "unset\n",
      recipe,
    );
  }
});

Deno.test("cmmi: shell snippets, %(option)s, a local source path, promises, keep-compile-dir", async () => {
  await using env = await setUp();
  const { sample, files } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = cmmi
path = ${join(files, "src", "hello-1.0")}
configure-options = --prefix=@@LOCATION@@ --with-name=%(name)s
name = demo
pre-configure = echo "pre-configure in $(pwd)" > %(location)s/steps.txt
pre-build = echo pre-build >> %(location)s/steps.txt
pre-install = echo pre-install >> %(location)s/steps.txt
post-install =
  echo post-install >> %(location)s/steps.txt
  echo 100%% done >> %(location)s/steps.txt
promises =
  @@LOCATION@@/bin/hello
  @@LOCATION@@/bin/missing`),
  );
  const result = await runOk(sample);
  assert.match(
    result.stdout,
    /^x: Using local source directory: \/server\/src\/hello-1\.0$/m,
  );
  assert.equal(
    sample.normalize(sample.cat("parts/x/steps.txt")),
    "pre-configure in /server/src/hello-1.0\npre-build\npre-install\n" +
      "post-install\n100% done\n",
  );
  assert.equal(
    sample.cat("parts/x/share/hello/configure-args.txt"),
    `--prefix=${sample.path("parts/x")} --with-name=demo\n`,
  );
  assert.match(
    result.stdout,
    /^x: could not find promise '\/sample-buildout\/parts\/x\/bin\/missing'$/m,
  );
  assert.ok(existsSync(join(files, "src", "hello-1.0", "Makefile")));

  // A failing snippet stops at its first failing line (set -e).
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = slapos.recipe.cmmi
url = ${env.server.url}hello-1.0.tar.gz
keep-compile-dir = true
pre-install =
  false
  echo not reached > %(location)s/reached.txt`),
  );
  const failed = await run(sample);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /Error: Command 'false; echo not reached/);
  assert.deepEqual(sample.ls("parts", "x"), ["d  .build"]);
  assert.ok(
    existsSync(
      sample.path("parts/x/.build/hello-1.0/slapos.recipe.build.env.sh"),
    ),
  );

  // keep-compile-dir keeps the build directory with the environment script.
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = slapos.recipe.cmmi
url = ${env.server.url}hello-1.0.tar.gz
keep-compile-dir = true
environment = GREETING=kept`),
  );
  await runOk(sample);
  const script = sample.cat(
    "parts/x/.build/hello-1.0/slapos.recipe.build.env.sh",
  );
  assert.match(script, /^export GREETING=kept$/m);
  assert.match(script, /^echo ' {2}make install'$/m);
});

Deno.test("slapos.recipe.cmmi: with a configure-command of its own, prefix= goes to make install, and only to the default make install", async () => {
  await using env = await setUp();
  const { sample } = env;
  for (
    const [targets, install] of [
      ["", "make install prefix=/sample-buildout/parts/x"],
      ["make-targets = install all", "make install all"],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`[x]
recipe = slapos.recipe.cmmi
url = ${env.server.url}hello-1.0.tar.gz
configure-command = ./configure --prefix=@@LOCATION@@
keep-compile-dir = true
${targets}`),
    );
    await runOk(sample);
    const script = sample.cat(
      "parts/x/.build/hello-1.0/slapos.recipe.build.env.sh",
    );
    assert.match(script, /^echo ' {2}\.\/configure --prefix=\S+\/parts\/x'$/m);
    assert.ok(
      sample.normalize(script).includes(`\necho '  ${install}'\n`),
      script,
    );
  }
});

Deno.test("slapos.recipe.cmmi: keep-compile-dir in [buildout] keeps every part's build directory, the part's own value wins", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const part = (name: string, extra = "") =>
    `[${name}]\nrecipe = slapos.recipe.cmmi\nurl = ${server.url}hello-1.0.tar.gz\n${extra}`;
  sample.write(
    "buildout.cfg",
    config(
      part("x") + part("y", "keep-compile-dir = false\n"),
      "x y",
      "keep-compile-dir = true",
    ),
  );
  await runOk(sample);
  assert.ok(sample.ls("parts", "x").includes("d  .build"));
  assert.equal(sample.ls("parts", "y").includes("d  .build"), false);
});

Deno.test("zc.recipe.cmmi: a missing TMPDIR is passed over for /tmp, as Python's tempfile does", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(
      `[x]\nrecipe = zc.recipe.cmmi\nurl = ${server.url}hello-1.0.tar.gz`,
    ),
  );
  const result = await sample.run("", {
    env: { TMPDIR: sample.path("no-such-dir") },
  });
  assert.equal(result.code, 0, result.output);
  assert.ok(existsSync(sample.path("parts", "x")));
});

Deno.test({
  name: "zc.recipe.cmmi: a TMPDIR mounted noexec (a hardened /tmp) is named " +
    "when configure cannot run there" +
    (mountSkipReason ? ` (skipped: ${mountSkipReason})` : ""),
  ignore: mountSkipReason !== null,
}, async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(
      `[x]\nrecipe = zc.recipe.cmmi\nurl = ${server.url}hello-1.0.tar.gz`,
    ),
  );
  const tmp = sample.runTmpdir;
  const result = await sample.run("", {
    through: [
      "unshare",
      "-m",
      "sh",
      "-c",
      'mount -t tmpfs -o noexec tmpfs "$0" && exec "$@"',
      tmp,
    ],
  });
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    new RegExp(
      "^Error: Command '\\./configure .*' failed with exit status 126 " +
        `\\(${tmp} is mounted noexec: no program there may run\\) ` +
        `in ${tmp}/buildout-x-\\w+/hello-1\\.0\n$`,
      "m",
    ),
  );
});

Deno.test("cmmi recipes: a file where the parts directory should be is a one-line error", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.remove("parts");
  sample.write("parts", "");
  for (const recipe of ["cmmi", "hexagonit.recipe.cmmi", "zc.recipe.cmmi"]) {
    sample.write(
      "buildout.cfg",
      config(`[x]\nrecipe = ${recipe}\nurl = ${server.url}hello-1.0.tar.gz`),
    );
    const result = await sample.run("");
    assert.equal(result.code, 1, recipe);
    assert.match(
      sample.normalize(result.stderr),
      /^While:\n {2}Installing x\.\nError: .*\/sample-buildout\/parts\/x.*: \/sample-buildout\/parts is a file, not a directory\n$/,
      recipe,
    );
  }
});

Deno.test("zc.recipe.cmmi: a file where the part's directory goes is an error that keeps the file and no build directory", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write("parts", "x", "not mine to remove\n");
  sample.write(
    "buildout.cfg",
    config(`[x]\nrecipe = zc.recipe.cmmi\nurl = ${server.url}hello-1.0.tar.gz`),
  );
  const result = await sample.run("");
  assert.equal(result.code, 1, result.output);
  assert.match(
    sample.normalize(result.stderr),
    /^While:\n {2}Installing x\.\nError: Couldn't create directory \/sample-buildout\/parts\/x: it is a file, not a directory\n$/,
  );
  assert.ok(existsSync(sample.path("parts", "x")), "the file is kept");
  assert.equal(sample.cat("parts", "x"), "not mine to remove\n");
  // Nothing was built: the unpacked sources are no help to anyone.
  assert.doesNotMatch(result.stdout, /cmmi failed/);
  assert.deepEqual(readdirSync(sample.runTmpdir), []);
});

Deno.test("cmmi: configure options over the system's 128 KiB argument limit are a user error, not an internal one", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  writeFileSync(sample.path("src", "configure"), "", { mode: 0o755 });
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n[x]\nrecipe = cmmi\npath = src\n" +
      `configure-options = ${"x".repeat(200_000)}\n`,
  );
  const result = await sample.run("");
  assert.equal(result.code, 1, result.output.slice(0, 2000));
  const lines = result.stderr.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 2), ["While:", "  Installing x."]);
  assert.match(
    lines[2],
    /^Error: Couldn't start \/bin\/sh to run '\.\/configure .*x\.\.\.x+ \(\d+ characters\)' in \/sample-buildout\/src: argument list too long \(over 128 KiB/,
  );
  assert.equal(lines.length, 3, result.stderr.slice(0, 2000));
});

Deno.test("cmmi: Python hooks and bad options are refused", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}hello-1.0.tar.gz`;
  const cases: Array<[string, RegExp]> = [
    [
      `recipe = slapos.recipe.cmmi\nurl = ${url}\npost-make-hook = hooks.py#0:hook`,
      /Error: x: post-make-hook names Python code/,
    ],
    [
      `recipe = cmmi\nurl = ${url}\npath = /src`,
      /Error: You must use either "url" or "path", not both!/,
    ],
    [
      `recipe = hexagonit.recipe.cmmi`,
      /Error: You must provide either "url" or "path"\./,
    ],
    [
      `recipe = cmmi\nurl = ${url}\nenvironment =\n  A=1\n  A=2`,
      /Error: Key 'A' is repeated in environment/,
    ],
    [
      `recipe = cmmi\nurl = ${url}\npre-configure = echo 100% done`,
      /Error: Invalid '%' in x:pre-configure/,
    ],
    [
      `recipe = hexagonit.recipe.cmmi\nurl = ${url}\nenvironment = GREETING`,
      /Error: Invalid environment variable definition: GREETING\n$/,
    ],
    [
      `recipe = hexagonit.recipe.cmmi\nurl = ${url}\n` +
      "environment = GREETING=%(NO_SUCH_VARIABLE)s",
      /Error: Unknown name 'NO_SUCH_VARIABLE' in %\(NO_SUCH_VARIABLE\)s of environment variable GREETING: "%\(NO_SUCH_VARIABLE\)s"\n$/,
    ],
    [
      `recipe = zc.recipe.cmmi\nurl = ${url}\nshared = yes`,
      /Error: Set the 'shared' option of zc.recipe.cmmi to an existing directory, or set \$\{buildout:download-cache\}/,
    ],
  ];
  for (const [options, error] of cases) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n[x]\n${options}\n`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1, options);
    assert.match(result.stderr, error);
    assert.deepEqual(sample.ls("parts"), []);
  }
});

Deno.test("slapos.recipe.cmmi: an environment naming a section takes that section's options, %-interpolated", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[build-env]
GREETING = from %(HOME)s

[x]
recipe = slapos.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
environment = build-env`),
  );
  const result = await runOk(sample);
  assert.match(result.stdout, /^x: \[ENV\] GREETING = from \S+$/m);
  assert.equal(
    sample.normalize(sample.cat("parts/x/share/hello/greeting.txt")),
    "from /home\n",
  );

  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = slapos.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
environment = no-such-section`),
  );
  const missing = await run(sample);
  assert.equal(missing.code, 1, missing.output);
  assert.match(
    missing.stderr,
    /\nError: The referenced section, 'no-such-section', was not defined\.\n$/,
  );
});

Deno.test("zc.recipe.cmmi: autogen runs the named script to make configure before the build", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const src = join(files, "src");
  // The package as a checkout holds it: configure is made by autogen.sh.
  const root = writePackage(src, { top: "gen-1.0", program: "gen" });
  renameSync(join(root, "configure"), join(root, "configure.in"));
  writeTree(root, { "autogen.sh*": "#!/bin/sh\nmv configure.in configure\n" });
  pack(src, ["gen-1.0"], join(files, "gen-1.0.tar.gz"));
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}gen-1.0.tar.gz
autogen = autogen.sh`),
  );
  const result = await runOk(sample);
  assert.match(
    result.stdout,
    /^x: auto generating configure files\nconfiguring gen --prefix=\/sample-buildout\/parts\/x$/m,
  );
  assert.equal(runProgram(sample.path("parts/x/bin/gen")), "Hello from gen\n");
});

Deno.test("a refused Python hook's error points to a shell option that runs", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}hello-1.0.tar.gz`;
  for (const recipe of ["slapos.recipe.cmmi", "hexagonit.recipe.cmmi"]) {
    sample.write(
      "buildout.cfg",
      config(`[x]\nrecipe = ${recipe}\nurl = ${url}\npre-make-hook = h.py:f`),
    );
    const refused = await run(sample);
    assert.equal(refused.code, 1, refused.output);
    const advice = refused.stderr.match(
      /cannot run; .*?(?:use recipe = (\S+) and its|use the) ([a-z-]+),/,
    );
    assert.ok(advice, `${recipe}: no advice in\n${refused.stderr}`);
    const [, advised = recipe, option] = advice;
    sample.write(
      "buildout.cfg",
      config(
        `[x]\nrecipe = ${advised}\nurl = ${url}\n` +
          `${option} = touch ${sample.path("ran")}`,
      ),
    );
    await runOk(sample);
    assert.ok(
      existsSync(sample.path("ran")),
      `${recipe}: ${option} of ${advised} did not run`,
    );
    sample.remove("ran");
  }
});

Deno.test("slapos.recipe.cmmi: a location of its own is refused with advice that works", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const part = (extra: string) =>
    config(
      `[x]\nrecipe = slapos.recipe.cmmi\nurl = ${server.url}hello-1.0.tar.gz\n` +
        extra + `[y]\nrecipe = debug\nat = \${x:location}\n`,
      "x y",
    );
  for (const value of ["/elsewhere", "%(location)s"]) {
    sample.write("buildout.cfg", part(`location = ${value}\n`));
    const refused = await run(sample);
    assert.equal(refused.code, 1, refused.output);
    assert.match(
      sample.normalize(refused.stderr),
      /^Error: invalid 'location' value for x: the location of this recipe is computed \(\/sample-buildout\/parts\/x\); leave the option out, and name it @@LOCATION@@ in this part's options \(or %\(location\)s in its commands\) and \$\{x:location\} elsewhere$/m,
    );
  }
  sample.write(
    "buildout.cfg",
    part(
      "pre-configure = touch @@LOCATION@@/placeholder\n" +
        "post-install = touch %(location)s/interpolated\n",
    ),
  );
  const result = await runOk(sample);
  assert.ok(existsSync(sample.path("parts/x/placeholder")));
  assert.ok(existsSync(sample.path("parts/x/interpolated")));
  assert.match(
    sample.normalize(result.stdout),
    /^ {2}at='\/sample-buildout\/parts\/x'$/m,
  );
});

Deno.test("hexagonit.recipe.cmmi: keep-compile-dir records the compile directory", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = hexagonit.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
keep-compile-dir = yes
make-targets = install`),
  );
  await runOk(sample);
  assert.deepEqual(recorded(sample), [
    "/sample-buildout/parts/x__compile__",
    "/sample-buildout/parts/x",
  ]);
  assert.ok(existsSync(sample.path("parts/x__compile__/hello-1.0/Makefile")));
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await runOk(sample);
  assert.deepEqual(sample.ls("parts"), []);
});

Deno.test("hexagonit.recipe.cmmi: hash-name is read as hexagonit.recipe.download reads it, without lowercasing, so the cached source has the name zc.buildout gives it", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}hello-1.0.tar.gz`;
  for (
    const [value, cached] of [
      ["True", "hello-1.0.tar.gz"],
      ["true", md5Text(url)],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`[x]
recipe = hexagonit.recipe.cmmi
url = ${url}
hash-name = ${value}`),
    );
    await runOk(sample);
    assert.deepEqual(sample.ls("cache"), [`-  ${cached}`], value);
    sample.remove("cache");
    sample.mkdir("cache");
  }
});

Deno.test("hexagonit.recipe.cmmi: the default --prefix is quoted, so it may hold spaces", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  // configure writes one line per argument it gets.
  writeTree(join(files, "src"), {
    "args-1.0/configure*": `#!/bin/sh
for a in "$@"; do printf '[%s]\\n' "$a"; done > args.txt
printf 'PREFIX = %s\\n' "\${1#--prefix=}" > config.mk
`,
    "args-1.0/Makefile": `include config.mk
all:
install:
\tmkdir -p "$(PREFIX)"
\tcp args.txt "$(PREFIX)/"
`,
  });
  pack(join(files, "src"), ["args-1.0"], join(files, "args-1.0.tar.gz"));
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = hexagonit.recipe.cmmi
url = ${server.url}args-1.0.tar.gz
prefix = \${buildout:directory}/with space
configure-options = --enable-a`),
  );
  await runOk(sample);
  assert.equal(
    sample.normalize(sample.cat("with space/args.txt")),
    "[--prefix=/sample-buildout/with space]\n[--enable-a]\n",
  );
});

Deno.test("hexagonit.recipe.cmmi: a relative patch the sources ship is found in the source directory, as in its README", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  writePackage(join(files, "src"), {
    top: "shipped-1.0",
    program: "shipped",
    files: { "patches/fix.patch": helloPatch(true) },
  });
  pack(join(files, "src"), ["shipped-1.0"], join(files, "shipped-1.0.tar.gz"));
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = hexagonit.recipe.cmmi
url = ${server.url}shipped-1.0.tar.gz
patches = patches/fix.patch`),
  );
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/shipped")),
    "Hello, patched shipped\n",
  );
});

Deno.test("slapos.recipe.cmmi: a relative patch is read from the source directory, and a relative path is exported as written, as the original does", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  const patch = helloPatch(true);
  writePackage(join(files, "src"), {
    top: "shipped-1.0",
    program: "shipped",
    files: { "debian/fix.patch": patch },
  });
  pack(join(files, "src"), ["shipped-1.0"], join(files, "shipped-1.0.tar.gz"));
  // A file of that name in the buildout directory is not the one applied.
  writeTree(sample.dir, { "debian/fix.patch": "not a patch\n" });
  const digest = createHash("md5").update(patch).digest("hex");
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = slapos.recipe.cmmi
url = ${server.url}shipped-1.0.tar.gz
patches = debian/fix.patch#${digest}`),
  );
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/shipped")),
    "Hello, patched shipped\n",
  );

  // Sources beside the buildout; a patch the sources lack is read from the
  // buildout directory.
  writePackage(sample.path("src"), { top: "hello-1.0", program: "hello" });
  sample.write("hello.patch", patch);
  sample.write(
    "buildout.cfg",
    config(
      `[x]
recipe = slapos.recipe.cmmi
path = src/hello-1.0
patches = hello.patch

[show]
recipe = debug
dir = \${x:compile-directory}`,
      "x show",
    ),
  );
  const result = await runOk(sample);
  assert.match(result.stdout, /^ {2}dir='src\/hello-1\.0'$/m);
  assert.equal(
    runProgram(sample.path("parts/x/bin/hello")),
    "Hello, patched hello\n",
  );
});

Deno.test("zc.recipe.cmmi: a relative patch is read from the source directory, as the original downloads it from there", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  writePackage(join(files, "src"), {
    top: "shipped-1.0",
    program: "shipped",
    files: { "patches/fix.patch": helloPatch(true) },
  });
  pack(join(files, "src"), ["shipped-1.0"], join(files, "shipped-1.0.tar.gz"));
  // A file of that name in the buildout directory is not the one applied.
  sample.write("patches", "fix.patch", "not a patch\n");
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}shipped-1.0.tar.gz
patch = patches/fix.patch`),
  );
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/shipped")),
    "Hello, patched shipped\n",
  );
  // Read where it is: the cache holds the archive only.
  assert.deepEqual(readdirSync(sample.path("cache/cmmi")), [
    md5Text(`${server.url}shipped-1.0.tar.gz`),
  ]);

  // A patch the sources lack is read from the buildout directory.
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
patch = patches/hello.patch
patch_options = -p1`),
  );
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/hello")),
    "Hello, patched hello\n",
  );
});

Deno.test("slapos.recipe.cmmi: a patch the sources ship is the new version's after an upgrade, not a cached copy of the old one", async () => {
  await using env = await setUp();
  const { sample, server, files } = env;
  // Two releases unpacking to the same directory, each with its own patch.
  for (
    const [version, patch] of [["1", helloPatch(true)], [
      "2",
      readmePatch("shipped", "release 2", true),
    ]]
  ) {
    const src = join(files, `src${version}`);
    writePackage(src, {
      top: "shipped",
      program: "shipped",
      files: { "debian/fix.patch": patch },
    });
    pack(src, ["shipped"], join(files, `shipped-${version}.tar.gz`));
  }
  const part = (version: string) =>
    config(`[x]
recipe = slapos.recipe.cmmi
url = ${server.url}shipped-${version}.tar.gz
patches = debian/fix.patch`);
  sample.write("buildout.cfg", part("1"));
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/shipped")),
    "Hello, patched shipped\n",
  );

  sample.write("buildout.cfg", part("2"));
  await runOk(sample);
  assert.equal(
    sample.cat("parts/x/share/shipped/README"),
    "shipped\nrelease 2\n",
  );
  assert.equal(
    runProgram(sample.path("parts/x/bin/shipped")),
    "Hello from shipped\n",
  );
});

Deno.test("zc.recipe.cmmi: a patch that fails its checksum leaves no build directory behind, as in its README", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
patch = \${buildout:directory}/patches/hello.patch
patch-md5sum = ${"0".repeat(32)}`),
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stdout,
    `Installing x.
x: Downloading ${server.url}hello-1.0.tar.gz
x: Unpacking and configuring
`,
  );
  assert.match(
    result.stderr,
    /\nError: MD5 checksum mismatch for local resource at '\/sample-buildout\/patches\/hello\.patch'\.\n$/,
  );
  // Nothing was built there: the unpacked sources would only take space.
  assert.deepEqual(readdirSync(sample.runTmpdir), []);
  assert.ok(!existsSync(sample.path("parts/x")));
});

Deno.test("zc.recipe.cmmi: an empty url is an error naming the part, before anything is written, as with the download recipes", async () => {
  await using env = await setUp();
  const { sample } = env;
  const before = tree(sample.dir);
  for (const shared of ["", "shared = true"]) {
    // What an unset value substituted into it (${versions:url}) gives.
    sample.write(
      "buildout.cfg",
      config(`[x]\nrecipe = zc.recipe.cmmi\nurl =\n${shared}`),
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      "Error: The url of [x] is empty: name the file to download",
      shared,
    );
    assert.deepEqual(tree(sample.dir), before, shared);
  }
});

Deno.test("zc.recipe.cmmi: patch_options without a patch is not reported unused, as the original reads it", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
patch_options = -p1`),
  );
  const result = await runOk(sample);
  assert.doesNotMatch(result.output, /Unused options/);
});

Deno.test("zc.recipe.cmmi: patch_options over several lines are options of the one patch command", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
patch = patches/hello.patch
patch_options =
    -p1
    --forward`),
  );
  await runOk(sample);
  assert.equal(
    runProgram(sample.path("parts/x/bin/hello")),
    "Hello, patched hello\n",
  );
});

Deno.test("zc.recipe.cmmi: the build options of a part using an existing shared build are not reported unused", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.mkdir("shared");
  const part = (name: string, options = "") =>
    `[${name}]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
shared = shared
${options}`;
  sample.write(
    "buildout.cfg",
    config(
      part("x") + "\n" + part(
        "y",
        `configure-command = ./configure
configure-options = --prefix=\${buildout:directory}/shared/cmmi
source-directory-contains = configure
autogen =
patch =`,
      ),
      "x y",
    ),
  );
  const result = await runOk(sample);
  assert.match(result.output, /y: using existing shared build/);
  assert.doesNotMatch(result.output, /Unused options/);
});

Deno.test("zc.recipe.cmmi: a shared build's hash does not depend on the order of environment", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}hello-1.0.tar.gz`;
  const zc = (environment: string) =>
    config(`[x]
recipe = zc.recipe.cmmi
url = ${url}
shared = true
environment = ${environment}`);
  sample.write("buildout.cfg", zc("OTHER=a GREETING=b"));
  let result = await runOk(sample);
  // sha1 of url, extra_options, autogen, patch, patch_options and the
  // variables sorted by name, as zc.recipe.cmmi computes it.
  const hash = createHash("sha1")
    .update(`${url}-p0GREETINGbOTHERa`).digest("hex");
  assert.match(
    result.stdout,
    new RegExp(
      `^configuring hello --prefix=\\S+/cache/cmmi/build/${hash}$`,
      "m",
    ),
  );
  sample.write("buildout.cfg", zc("GREETING=b OTHER=a"));
  result = await runOk(sample);
  assert.match(result.stdout, /x: using existing shared build/);
  assert.doesNotMatch(result.stdout, /configuring/);
});

Deno.test("cmmi and zc.recipe.cmmi: shared builds are reused across buildouts", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const shared = sample.tmpdir("shared");
  const url = `${server.url}hello-1.0.tar.gz`;
  const builtin = `[buildout]
parts = x
shared-part-list = ${shared}

[x]
recipe = cmmi
url = ${url}
shared = true
`;
  sample.write("buildout.cfg", builtin);
  let result = await runOk(sample);
  const where =
    /x: will be shared at (\/shared\/x\/[0-9a-f]{32}) \(needs to build\)/
      .exec(result.stdout);
  assert.ok(where, result.stdout);
  assert.match(result.stdout, new RegExp(`--prefix=${where[1]}\\n`));
  assert.deepEqual(recorded(sample), []);

  using other = await sampleBuildout();
  other.write("buildout.cfg", builtin.replace(shared, shared + "/"));
  result = await runOk(other);
  assert.match(result.stdout, /x: shared part is already installed/);
  assert.doesNotMatch(result.stdout, /configuring/);
  const location = join(shared, where[1].slice("/shared/".length));
  assert.equal(
    runProgram(join(location, "bin", "hello")),
    "Hello from hello\n",
  );

  // zc.recipe.cmmi keys its shared build by a hash under the download cache.
  const zc = `[buildout]
parts = x
download-cache = ${join(sample.testDir, "zc-cache")}

[x]
recipe = zc.recipe.cmmi
url = ${url}
shared = true
`;
  sample.tmpdir("zc-cache");
  sample.write("buildout.cfg", zc);
  result = await runOk(sample);
  assert.match(
    result.stdout,
    /^configuring hello --prefix=\/zc-cache\/cmmi\/build\/[0-9a-f]{40}$/m,
  );
  assert.deepEqual(recorded(sample), []);
  other.write("buildout.cfg", zc);
  result = await runOk(other);
  assert.match(result.stdout, /x: using existing shared build/);
  assert.doesNotMatch(result.stdout, /configuring/);
});

Deno.test("zc.recipe.cmmi: two parts using shared builds are not said to share the buildout directory", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  // Each returns '' (nothing to remove), as the original does.
  sample.write(
    "buildout.cfg",
    config(
      `[a]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
shared = true

[b]
<= a
extra_options = --enable-extra`,
      "a b",
    ),
  );
  const result = await runOk(sample);
  assert.match(result.stdout, /^Installing b\.$/m);
  assert.doesNotMatch(result.output, /installed too/);
  assert.deepEqual(recorded(sample, "a"), []);
  assert.deepEqual(recorded(sample, "b"), []);
});

Deno.test("zc.recipe.cmmi: a shared build another buildout is making is waited for, and built again when it fails", async () => {
  using sample = await sampleBuildout();
  using other = await sampleBuildout();
  const sources = sample.tmpdir("sources");
  const cache = sample.tmpdir("cache");
  // make install says it started, waits while `hold` exists, and fails
  // once, the first time, while `fail` exists.
  const [started, hold, fail] = ["started", "hold", "fail"].map((name) =>
    join(sample.testDir, name)
  );
  writePackage(sources, {
    top: "hello-1.0",
    program: "hello",
    install: [
      `touch ${started}; while [ -e ${hold} ]; do sleep 0.02; done; ` +
      `if [ -e ${fail} ]; then rm ${fail}; exit 1; fi`,
    ],
  });
  const url = pack(sources, ["hello-1.0"], join(sources, "hello.tar.gz"));
  const zc = `[buildout]
parts = x
download-cache = ${cache}

[x]
recipe = zc.recipe.cmmi
url = ${url}
shared = true
`;
  sample.write("buildout.cfg", zc);
  other.write("buildout.cfg", zc);
  writeFileSync(hold, "");
  writeFileSync(fail, "");
  const first = sample.run("");
  await untilWhileRunning(first, () => existsSync(started), "make install");

  let said = "";
  let waiting!: () => void;
  const waits = new Promise<void>((resolve) => waiting = resolve);
  const second = other.run("", {
    onStdout: (text) => {
      said += text;
      if (/x: waiting for process \d+ to build it/.test(said)) waiting();
    },
  });
  const before = await Promise.race([
    waits.then(() => "waiting"),
    second.then((result) => `finished:\n${result.output}`),
  ]);
  assert.equal(before, "waiting");

  rmSync(hold);
  const failed = await first;
  assert.equal(failed.code, 1, failed.output);
  const built = await second;
  assert.equal(built.code, 0, built.output);
  assert.doesNotMatch(built.stdout, /using existing shared build/);
  // Built and nothing else left there: no lock, no half build.
  const [location, ...rest] = readdirSync(join(cache, "cmmi", "build"));
  assert.deepEqual(rest, []);
  const prefix = join(cache, "cmmi", "build", location);
  assert.ok(
    built.stdout.includes(`configuring hello --prefix=${prefix}\n`),
    built.stdout,
  );
  assert.equal(runProgram(join(prefix, "bin", "hello")), "Hello from hello\n");
});

Deno.test("cmmi: an option named __proto__ is part of a shared build's signature", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const shared = sample.tmpdir("shared");
  const config = (value: string) =>
    `[buildout]
parts = x
shared-part-list = ${shared}

[x]
recipe = cmmi
url = ${server.url}hello-1.0.tar.gz
shared = true
__proto__ = ${value}
`;
  // The digest of the options names the shared build's directory.
  const where = /x: will be shared at \S*\/shared\/x\/([0-9a-f]{32}) \(needs/;
  sample.write("buildout.cfg", config("a"));
  const first = where.exec((await runOk(sample)).stdout)?.[1];
  assert.ok(first);
  using other = await sampleBuildout();
  other.write("buildout.cfg", config("b"));
  const result = await runOk(other);
  const second = where.exec(result.stdout)?.[1];
  assert.ok(second, result.stdout);
  assert.notEqual(second, first);
});

Deno.test("cmmi: an installed script whose #! line is longer than the kernel reads is wrapped to run, others are left as they are; a link in a shared build keeps its target writable", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  // An interpreter at a path too long for a #! line.
  const long = sample.path("i".repeat(70), "n".repeat(70));
  sample.mkdir(long.slice(sample.dir.length + 1));
  symlinkSync("/bin/sh", join(long, "sh"));
  sample.write("outside.txt", "mine\n");
  chmodSync(sample.path("outside.txt"), 0o644);
  const edge = "#!" + "e".repeat(125);
  const shared = sample.tmpdir("shared");
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = x
shared-part-list = ${shared}

[x]
recipe = cmmi
path = src
shared = true
configure-command = true
make-binary = true
post-install =
  mkdir -p %(location)s/bin
  printf '#!${long}/sh\\necho long "$@"\\n' > %(location)s/bin/long
  printf '#!/bin/sh\\necho short\\n' > %(location)s/bin/short
  printf '${edge}' > %(location)s/bin/edge
  chmod 755 %(location)s/bin/long %(location)s/bin/short
  ln -s ${sample.path("outside.txt")} %(location)s/link
`,
  );
  const result = await runOk(sample);
  const where = /x: will be shared at (\/shared\/x\/[0-9a-f]{32})/.exec(
    result.stdout,
  );
  assert.ok(where, result.stdout);
  const bin = join(shared, where[1].slice("/shared/".length), "bin");
  assert.deepEqual(readdirSync(bin).sort(), [
    "edge",
    "long",
    "long.shebang",
    "short",
  ]);
  assert.equal(runProgram(join(bin, "long")), "long\n");
  assert.equal(
    readFileSync(join(bin, "short"), "utf8"),
    "#!/bin/sh\necho short\n",
  );
  assert.equal(readFileSync(join(bin, "edge"), "utf8"), edge);
  assert.equal(statSync(sample.path("outside.txt")).mode & 0o777, 0o644);
});

for (const recipe of ["cmmi", "hexagonit.recipe.cmmi"]) {
  Deno.test(`${recipe}: a build from a local path that fails leaves no half-built location`, async () => {
    using sample = await sampleBuildout();
    sample.mkdir("src");
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = x

[x]
recipe = ${recipe}
path = src
configure-command = touch \${buildout:parts-directory}/x/half && false
`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, /\nError: Command 'touch .*half && false'/);
    assert.ok(!existsSync(sample.path("parts/x")));
  });
}

Deno.test("slapos.recipe.cmmi: the prefix defaults to ${buildout:prefix}, which a shared build refuses, as does a prefix outside its location; commands run in the sources unless they hold one directory only", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src/a");
  sample.mkdir("src/b");
  const shared = sample.tmpdir("shared");
  const cfg = (extra: string, options = "") =>
    `[buildout]
parts = x
shared-part-list = ${shared}
${extra}

[x]
recipe = slapos.recipe.cmmi
path = src
configure-command = echo "prefix %(prefix)s in $(pwd)"
make-binary = true
${options}
`;
  sample.write("buildout.cfg", cfg("prefix = /opt/common"));
  const result = await runOk(sample);
  assert.match(
    sample.normalize(result.stdout),
    /^prefix \/opt\/common in \/sample-buildout\/src$/m,
  );
  for (
    const [extra, options, message] of [
      [
        "prefix = /opt/common",
        "shared = true",
        "option 'prefix' must be set or ${buildout:prefix} can't be set",
      ],
      [
        "",
        "shared = true\nprefix = /opt/x",
        "'prefix' can't be outside location",
      ],
    ]
  ) {
    sample.write("buildout.cfg", cfg(extra, options));
    const refused = await run(sample);
    assert.equal(refused.code, 1, refused.output);
    assert.ok(
      refused.stderr.endsWith(`\nError: When shared=true, ${message}\n`),
      refused.stderr,
    );
  }
});

Deno.test("cmmi: extra_options follow the configure options; environment wins over environment-section; the environment script exports what the part changes, TMPDIR commented out", async () => {
  await using env = await setUp();
  const { sample, files } = env;
  const src = join(files, "src", "hello-1.0");
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = cmmi
path = ${src}
configure-options = --with-name=demo
extra_options = --enable-extra
keep-compile-dir = true
environment-section = vars
environment =
  PATH=%(PATH)s
  GREETING=kept
  TMPDIR=${sample.path("tmp")}

[vars]
GREETING = from the section`),
  );
  sample.mkdir("tmp");
  const result = await runOk(sample);
  assert.match(
    result.stdout,
    /^x: \[ENV\] GREETING = kept\nx: \[ENV\] PATH = .*\nx: \[ENV\] TMPDIR = /m,
  );
  assert.equal(
    sample.cat("parts/x/share/hello/configure-args.txt"),
    `--prefix=${sample.path("parts/x")} --with-name=demo --enable-extra\n`,
  );
  assert.equal(sample.cat("parts/x/share/hello/greeting.txt"), "kept\n");
  const script = readFileSync(join(src, "slapos.recipe.build.env.sh"), "utf8");
  assert.match(script, /^export GREETING=kept$/m);
  assert.match(script, /^#export TMPDIR=\S+\/tmp'?$/m);
  assert.doesNotMatch(script, /PATH=/);
});

Deno.test("zc.recipe.cmmi: configure-options replace the default --prefix, and the build directory goes once the build succeeds", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.mkdir("tmp");
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = zc.recipe.cmmi
url = ${server.url}hello-1.0.tar.gz
configure-options = --prefix=\${buildout:parts-directory}/x --with-name=demo`),
  );
  const result = await sample.run("", { env: { TMPDIR: sample.path("tmp") } });
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.cat("parts/x/share/hello/configure-args.txt"),
    `--prefix=${sample.path("parts/x")} --with-name=demo\n`,
  );
  assert.deepEqual(sample.ls("tmp"), []);
});

Deno.test("hexagonit.recipe.cmmi: the source is cached under a hashed name by default", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  const url = `${server.url}hello-1.0.tar.gz`;
  sample.write(
    "buildout.cfg",
    config(`[x]\nrecipe = hexagonit.recipe.cmmi\nurl = ${url}`),
  );
  await runOk(sample);
  assert.deepEqual(sample.ls("cache"), [`-  ${md5Text(url)}`]);
});

Deno.test("cmmi: a patch's #md5 is checked before it is applied", async () => {
  await using env = await setUp();
  const { sample, server } = env;
  sample.write(
    "buildout.cfg",
    config(`[x]
recipe = cmmi
url = ${server.url}hello-1.0.tar.gz
patches = ${server.url}hello.patch#${md5Text("something else")}
patch-options = -p1`),
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.output);
  assert.match(result.stderr, /\nError: MD5 checksum mismatch .*hello\.patch/);
});
