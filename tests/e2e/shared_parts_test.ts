/**
 * End-to-end tests of shared parts (`shared = true` with
 * `${buildout:shared-part-list}`) across buildouts: what keys a shared
 * build's location; options shared mode cannot work with.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sampleBuildout } from "./harness.ts";
import { killedAt, straceNote, straceSkip } from "./strace.ts";
import {
  pack,
  run,
  runOk,
  runProgram,
  writePackage,
  writeTree,
} from "./recipe_fixtures.ts";

Deno.test("shared parts: the same profiles from another place reuse the build, as ${:_profile_base_location_} is left out of the signature", async () => {
  using sample = await sampleBuildout();
  const shared = sample.tmpdir("shared");
  // Two copies of one software profile (two checkouts, or two URLs of one
  // release): a component profile, and the profile extending it that adds
  // to one of its options.
  const releases = ["release-1", "release-2"].map((name) => {
    const dir = sample.tmpdir(name);
    writeTree(dir, {
      "software.cfg": "[buildout]\nextends = component/pkg.cfg\nparts = x\n\n" +
        "[x]\nnote += ${:_profile_base_location_}/NEWS\n",
      "component/pkg.cfg": "[x]\n" +
        "recipe = slapos.recipe.build:download-unpacked\n" +
        "url = ${:_profile_base_location_}/pkg-1.0.tar.gz\n" +
        "note = ${:_profile_base_location_}/README\n" +
        "shared = true\n",
      "src/pkg-1.0/README": "pkg 1.0\n",
    });
    pack(join(dir, "src"), ["pkg-1.0"], join(dir, "component/pkg-1.0.tar.gz"));
    return dir;
  });
  const config = (release: string) =>
    `[buildout]\nextends = ${release}/software.cfg\n` +
    `shared-part-list = ${shared}\n`;

  sample.write("buildout.cfg", config(releases[0]));
  let result = await runOk(sample);
  const built =
    /x: will be shared at \/shared\/x\/([0-9a-f]{32}) \(needs to build\)/
      .exec(result.stdout);
  assert.ok(built, result.stdout);
  const location = join(shared, "x", built[1]);
  assert.deepEqual(
    JSON.parse(readFileSync(join(location, ".buildout-shared.json"), "utf8")),
    {
      note: "${:_profile_base_location_}/README\n" +
        "${:_profile_base_location_}/NEWS",
      recipe: "slapos.recipe.build:download-unpacked",
      shared: "true",
      url: "${:_profile_base_location_}/pkg-1.0.tar.gz",
    },
  );

  sample.write("buildout.cfg", config(releases[1]));
  result = await runOk(sample);
  assert.match(
    result.stdout,
    new RegExp(`x: shared at /shared/x/${built[1]} \\(already built\\)`),
  );
  assert.match(result.stdout, /x: shared part is already installed/);
});

Deno.test({
  name: "a shared build whose run was killed while making it read-only is " +
    `made read-only by the run using it next${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const src = sample.tmpdir("src");
    writeTree(src, { "pkg-1.0/README": "pkg 1.0\n" });
    pack(src, ["pkg-1.0"], join(src, "pkg-1.0.tar.gz"));
    const config = (shared: string) =>
      `[buildout]\nparts = x\nshared-part-list = ${shared}\n[x]\n` +
      "recipe = slapos.recipe.build:download-unpacked\n" +
      `url = ${src}/pkg-1.0.tar.gz\nshared = true\n`;
    // The location's last part is the options' digest, whichever directory
    // holds it: a first build elsewhere tells it.
    sample.write("buildout.cfg", config(sample.tmpdir("elsewhere")));
    const digest = /will be shared at \/elsewhere\/x\/([0-9a-f]{32})/
      .exec((await runOk(sample)).stdout)?.[1];
    assert.ok(digest);
    const shared = sample.tmpdir("shared");
    const location = join(shared, "x", digest);
    sample.write("buildout.cfg", config(shared));

    // Killed as the build's own directory is made read-only, the last of
    // its tree: the build is complete, and marked so.
    const killed = await sample.system("", {
      through: killedAt("chmod,fchmodat", location, 1),
    });
    assert.notEqual(killed.code, 0, killed.output);
    assert.ok(existsSync(join(location, ".buildout-shared.json")));
    assert.equal(statSync(join(location, "README")).mode & 0o222, 0);

    const result = await runOk(sample);
    assert.match(result.stdout, /x: shared part is already installed/);
    assert.equal(statSync(location).mode & 0o222, 0, "still writable");
  },
});

Deno.test("slapos.recipe.cmmi: ${buildout:prefix} is the default prefix, and refused with shared = true", async () => {
  using sample = await sampleBuildout();
  const source = writePackage(sample.tmpdir("src"), {
    top: "hello-1.0",
    program: "hello",
  });
  const config = (shared: string) =>
    `[buildout]
parts = x
prefix = \${buildout:directory}/local
shared-part-list = ${sample.tmpdir(`shared-${shared}`)}

[x]
recipe = slapos.recipe.cmmi
path = ${source}
shared = ${shared}
`;
  sample.write("buildout.cfg", config("true"));
  const refused = await run(sample);
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.stderr,
    /^Error: When shared=true, option 'prefix' must be set or \$\{buildout:prefix\} can't be set$/m,
  );
  assert.deepEqual(sample.ls("parts"), []);

  sample.write("buildout.cfg", config("false"));
  const result = await runOk(sample);
  assert.match(
    result.stdout,
    /^configuring hello --prefix=\/sample-buildout\/local$/m,
  );
  assert.equal(
    runProgram(sample.path("local", "bin", "hello")),
    "Hello from hello\n",
  );
});
