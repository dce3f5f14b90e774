/**
 * Relocatable buildouts: with `relative-paths = true` a built buildout can be
 * moved or copied and keeps working; the next run in the new place only
 * updates its parts, and a copy never touches the original's files.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { exec, type Sample, sampleBuildout } from "./harness.ts";
import { md5, pack, runProgram, writePackage } from "./recipe_fixtures.ts";

const RECIPE = `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
export default class Build {
  constructor(buildout, name, options) {
    this.options = options;
    options.set("location", join(buildout.section("buildout").require("parts-directory"), name));
  }
  install() {
    const location = this.options.require("location");
    writeFileSync(location, "built by the build host\\n");
    return location;
  }
  update() {}
}
`;

function writeProject(sample: Sample, dir: string): void {
  sample.mkdir(dir, "recipes");
  sample.write(
    dir,
    "recipes",
    "package.json",
    JSON.stringify({
      name: "build",
      buildout: { recipes: { default: "./build.js" } },
    }),
  );
  sample.write(dir, "recipes", "build.js", RECIPE);
  sample.write(dir, "app.conf.in", "binary = ${binary:location}\n");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
relative-paths = true
develop = recipes
parts = binary data conf run

[binary]
recipe = build

[data]
recipe = mkdir
paths = \${buildout:directory}/var/data

[conf]
recipe = collective.recipe.template
input = \${buildout:directory}/app.conf.in
output = \${buildout:directory}/etc/app.conf

[run]
recipe = collective.recipe.scriptgen
cmd = cat
arguments = \${conf:output}
`,
  );
}

async function buildout(dir: string, sample: Sample) {
  const result = await exec(join(dir, "bin", "buildout"), [], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  assert.equal(result.code, 0, result.output);
  return result.stdout;
}

Deno.test("a relocatable buildout moved elsewhere only updates its parts", async () => {
  using sample = await sampleBuildout();
  const host = sample.tmpdir("build-host");
  const dir = join(host, "project");
  writeProject(sample, dir);
  const boot = await sample.system("bootstrap", { cwd: dir });
  assert.equal(boot.code, 0, boot.output);
  const first = await buildout(dir, sample);
  assert.match(first, /Installing binary\.\n/);
  const database = readFileSync(join(dir, ".installed.cfg"), "utf8");
  assert.ok(database.includes(`\ndirectory = ${dir}\n`), database);

  const target = join(sample.tmpdir("server"), "project");
  renameSync(dir, target);
  const moved = await buildout(target, sample);
  assert.deepEqual(
    moved.split("\n").filter((l) =>
      /^(Installing|Uninstalling|Updating) /.test(l)
    ),
    ["Updating binary.", "Updating data.", "Updating conf.", "Updating run."],
  );
  assert.equal(
    readFileSync(join(target, "etc", "app.conf"), "utf8"),
    `binary = ${join(target, "parts", "binary")}\n`,
  );
  const run = await exec(join(target, "bin", "run"), [], { cwd: "/" });
  assert.equal(run.stdout, `binary = ${join(target, "parts", "binary")}\n`);
  // The records now name the new place.
  assert.equal(
    readFileSync(join(target, ".installed.cfg"), "utf8"),
    database.replaceAll(dir, target),
  );
});

Deno.test("a copy of a relocatable buildout leaves the original alone", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  writeProject(sample, dir);
  await sample.system("bootstrap", { cwd: dir });
  await buildout(dir, sample);
  const links = readdirSync(join(dir, "develop-eggs"));
  assert.equal(links.length, 1);
  const copy = join(sample.tmpdir("b"), "project");
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  // A changed option in the copy reinstalls the copy's part only.
  sample.write(
    copy,
    "buildout.cfg",
    sample.cat(copy, "buildout.cfg").replace(
      "recipe = build\n",
      "recipe = build\nflavour = b\n",
    ),
  );
  const out = await buildout(copy, sample);
  assert.match(out, /Uninstalling binary\.\nInstalling binary\.\n/);
  assert.ok(existsSync(join(dir, "parts", "binary")));
  assert.deepEqual(readdirSync(join(dir, "develop-eggs")), links);
  assert.equal(
    readFileSync(join(dir, "parts", "binary"), "utf8"),
    "built by the build host\n",
  );
});

Deno.test("binary distribution: compile on a build host, ship the built tree", async () => {
  using sample = await sampleBuildout();
  const src = sample.tmpdir("src");
  writePackage(src, { top: "hello-1.0", program: "hello" });
  const archive = pack(src, ["hello-1.0"], join(src, "hello-1.0.tar.gz"));
  const dir = join(sample.tmpdir("build-host"), "project");
  sample.mkdir(dir);
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
relative-paths = true
parts = hello

[hello]
recipe = cmmi
url = ${archive}
md5sum = ${md5(archive)}
`,
  );
  await sample.system("bootstrap", { cwd: dir });
  const built = await buildout(dir, sample);
  assert.match(built, /Installing hello\.\n/);

  // The production host has the tree, not the sources nor the compiler's
  // output directory: only what the build installed.
  const target = join(sample.tmpdir("production"), "project");
  renameSync(dir, target);
  sample.remove(archive);
  const shipped = await buildout(target, sample);
  assert.deepEqual(
    shipped.split("\n").filter((l) =>
      /^(Installing|Uninstalling|Updating) /.test(l)
    ),
    ["Updating hello."],
  );
  assert.equal(
    runProgram(join(target, "parts", "hello", "bin", "hello")),
    "Hello from hello\n",
  );
});

Deno.test("a relocatable buildout's develop extension still loads after a move", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  writeProject(sample, dir);
  sample.write(
    dir,
    "recipes",
    "package.json",
    JSON.stringify({
      name: "build",
      buildout: {
        recipes: { default: "./build.js" },
        extensions: { default: "./ext.js" },
      },
    }),
  );
  sample.write(
    dir,
    "recipes",
    "ext.js",
    'export default function () { console.log("extension loaded"); }\n',
  );
  await sample.system("bootstrap", { cwd: dir });
  // Extensions load before develop packages are linked: a first run links.
  await buildout(dir, sample);
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg").replace(
      "develop = recipes\n",
      "develop = recipes\nextensions = build\n",
    ),
  );
  assert.match(await buildout(dir, sample), /^extension loaded\n/);
  const target = join(sample.tmpdir("b"), "project");
  renameSync(dir, target);
  const moved = await buildout(target, sample);
  assert.match(moved, /^extension loaded\n/);
  assert.match(moved, /Updating binary\.\n/);
});

Deno.test("a buildout made relocatable after its first build can be copied", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  writeProject(sample, dir);
  const config = sample.cat(dir, "buildout.cfg");
  sample.write(
    dir,
    "buildout.cfg",
    config.replace("relative-paths = true\n", ""),
  );
  await sample.system("bootstrap", { cwd: dir });
  await buildout(dir, sample);
  sample.write(dir, "buildout.cfg", config);
  assert.doesNotMatch(await buildout(dir, sample), /Installing/);
  const copy = join(sample.tmpdir("b"), "project");
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  const copied = await buildout(copy, sample);
  assert.deepEqual(
    copied.split("\n").filter((l) =>
      /^(Installing|Uninstalling|Updating) /.test(l)
    ),
    ["Updating binary.", "Updating data.", "Updating conf.", "Updating run."],
  );
  assert.equal(
    readFileSync(join(dir, "parts", "binary"), "utf8"),
    "built by the build host\n",
  );
});

Deno.test("a move relocates only paths inside the buildout, not a longer path ending like it", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  const target = join(sample.tmpdir("b"), "project");
  // Outside the buildout: a mirror whose path ends with the buildout's.
  const mirror = join(sample.testDir, "mirror");
  sample.mkdir(dir);
  sample.mkdir(mirror + target);
  sample.write(mirror + target, "precious", "not the part's\n");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
relative-paths = true
parts = copy

[copy]
recipe = command
command = mkdir -p '${mirror}${dir}' && echo copied > '${mirror}${dir}/copy'
location = ${mirror}${dir}
`,
  );
  await sample.system("bootstrap", { cwd: dir });
  await buildout(dir, sample);
  renameSync(dir, target);
  const moved = await buildout(target, sample);
  assert.deepEqual(
    moved.split("\n").filter((l) =>
      /^(Installing|Uninstalling|Updating) /.test(l)
    ),
    ["Updating copy."],
  );
  assert.equal(
    readFileSync(join(mirror + target, "precious"), "utf8"),
    "not the part's\n",
  );
  assert.equal(
    readFileSync(join(mirror + dir, "copy"), "utf8"),
    "copied\n",
  );
});

Deno.test("a copy of a buildout without relative-paths keeps the original's parts", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  writeProject(sample, dir);
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg").replace("relative-paths = true\n", ""),
  );
  await sample.system("bootstrap", { cwd: dir });
  await buildout(dir, sample);
  const links = readdirSync(join(dir, "develop-eggs"));
  const conf = readFileSync(join(dir, "etc", "app.conf"), "utf8");
  const copy = join(sample.tmpdir("b"), "project");
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });

  // Its records name the original's files: the parts reinstall, and the
  // original's files are left where they are.
  const out = await buildout(copy, sample);
  assert.match(out, /Uninstalling binary\.\n/);
  assert.match(
    out,
    new RegExp(
      `Not removing '${dir}/parts/binary': the buildout in ${dir} records ` +
        "it as installed \\(this one looks like a copy of it\\)\\.",
    ),
  );
  assert.equal(
    readFileSync(join(dir, "parts", "binary"), "utf8"),
    "built by the build host\n",
  );
  assert.equal(readFileSync(join(dir, "etc", "app.conf"), "utf8"), conf);
  assert.ok(existsSync(join(dir, "bin", "run")));
  assert.ok(existsSync(join(dir, "var", "data")));
  assert.deepEqual(readdirSync(join(dir, "develop-eggs")), links);
  // The copy now stands on its own: its next run only updates.
  assert.equal(
    readFileSync(join(copy, "etc", "app.conf"), "utf8"),
    `binary = ${join(copy, "parts", "binary")}\n`,
  );
  const again = await buildout(copy, sample);
  assert.doesNotMatch(again, /Uninstalling|Not removing/);
  // And the original still builds as before.
  const original = await buildout(dir, sample);
  assert.doesNotMatch(original, /Uninstalling/);
});

Deno.test("a move does not rebuild a part whose compiler flags name the buildout (-I, -L)", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("a"), "project");
  sample.mkdir(dir, "src");
  sample.write(
    dir,
    "src",
    "configure",
    "#!/bin/sh\nprintf 'all:\\n\\ttrue\\ninstall:\\n\\ttrue\\n' > Makefile\n",
  );
  chmodSync(join(dir, "src", "configure"), 0o755);
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
relative-paths = true
parts = lib

[lib]
recipe = hexagonit.recipe.cmmi
path = \${buildout:directory}/src
environment =
    CPPFLAGS=-I\${buildout:directory}/include -isystem\${buildout:directory}/sys
    LDFLAGS=-L\${buildout:directory}/lib -Wl,-R\${buildout:directory}/lib
`,
  );
  await sample.system("bootstrap", { cwd: dir });
  assert.match(await buildout(dir, sample), /Installing lib\.\n/);
  const target = join(sample.tmpdir("b"), "project");
  renameSync(dir, target);
  const moved = await buildout(target, sample);
  assert.deepEqual(
    moved.split("\n").filter((l) =>
      /^(Installing|Uninstalling|Updating) /.test(l)
    ),
    ["Updating lib."],
  );
  const database = readFileSync(join(target, ".installed.cfg"), "utf8");
  assert.ok(!database.includes(dir), database);
});

Deno.test("the same buildout run through a link to its directory reinstalls in place, as zc.buildout does", async () => {
  using sample = await sampleBuildout();
  const dir = join(sample.tmpdir("real"), "project");
  writeProject(sample, dir);
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg").replace("relative-paths = true\n", "")
      .replace(
        "parts = binary data conf run\n",
        "parts = binary data conf run dl\n",
      ) +
      `\n[dl]\nrecipe = download\nurl = file://${dir}/src.tar.gz\n`,
  );
  sample.mkdir(dir, "src", "pkg");
  sample.write(dir, "src", "pkg", "a.txt", "a\n");
  pack(join(dir, "src"), ["pkg"], join(dir, "src.tar.gz"));
  await sample.system("bootstrap", { cwd: dir });
  await buildout(dir, sample);
  const link = join(sample.tmpdir("srv"), "app");
  symlinkSync(dir, link);

  // Its paths differ (link/... for project/...), so every part is
  // reinstalled: uninstalling removes the files the link reaches too.
  const result = await exec(
    join(dir, "bin", "buildout"),
    ["-c", join(link, "buildout.cfg")],
    { cwd: sample.testDir, env: { HOME: sample.home } },
  );
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /Not removing/);
  assert.equal(
    readFileSync(join(dir, "parts", "dl", "pkg", "a.txt"), "utf8"),
    "a\n",
  );
  assert.equal(
    readFileSync(join(dir, "etc", "app.conf"), "utf8"),
    `binary = ${join(link, "parts", "binary")}\n`,
  );
  // And back by its own path.
  await buildout(dir, sample);
  assert.equal(
    readFileSync(join(dir, "etc", "app.conf"), "utf8"),
    `binary = ${join(dir, "parts", "binary")}\n`,
  );
  assert.deepEqual(readdirSync(join(dir, "develop-eggs")), ["build.egg-link"]);
});
