/**
 * `buildout bundle`: one archive that builds the buildout again on a host
 * without network, from `bin/buildout -c offline.cfg`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exec, type Sample, sampleBuildout } from "./harness.ts";

const RECIPE = `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
export default class Greeting {
  constructor(buildout, name, options) {
    this.options = options;
    options.set("location", join(buildout.section("buildout").require("parts-directory"), name));
  }
  install() {
    const location = this.options.require("location");
    writeFileSync(location, this.options.require("text") + "\\n");
    return location;
  }
}
`;

/** A buildout with a develop recipe package, an extends file and mkdir. */
function writeProject(sample: Sample, dir: string): void {
  sample.mkdir(dir, "recipes");
  sample.write(
    dir,
    "recipes",
    "package.json",
    JSON.stringify({
      name: "greet",
      buildout: { recipes: { default: "./greet.js" } },
    }),
  );
  sample.write(dir, "recipes", "greet.js", RECIPE);
  sample.write(dir, "base.cfg", "[hello]\ntext = Hello\n");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
extends = base.cfg
develop = recipes
parts = hello data

[hello]
recipe = greet
text += world

[data]
recipe = mkdir
paths = \${buildout:directory}/var/data
`,
  );
}

/** `.installed.cfg` with the buildout directory replaced by `DIR`. */
function database(dir: string): string {
  return readFileSync(join(dir, ".installed.cfg"), "utf8").replaceAll(
    dir,
    "DIR",
  );
}

Deno.test("bundle builds, packs, and the bundle builds the same offline", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  writeProject(sample, dir);
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  const stdout = sample.normalize(bundled.stdout);
  assert.match(stdout, /Installing hello\.\n/);
  assert.match(stdout, /Bundled \/project\.tar\.gz \(\d+\.\d MB\):\n/);
  assert.match(stdout, /project\/bin\/buildout \(\d+\.\d MB\)\n/);
  assert.match(stdout, /project\/offline\.cfg\n/);

  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  for (
    const entry of [
      "project/buildout.cfg",
      "project/base.cfg",
      "project/recipes/package.json",
      "project/recipes/greet.js",
      "project/offline.cfg",
      "project/bin/buildout",
    ]
  ) {
    assert.ok(listing.includes(entry), `${entry} in ${listing}`);
  }
  // Installed parts and the database stay behind.
  assert.ok(!listing.includes("project/parts/hello"), listing.join("\n"));
  assert.ok(!listing.includes("project/.installed.cfg"));
  assert.deepEqual(
    listing.filter((e) => e.startsWith("project/develop-eggs/")),
    ["project/develop-eggs/"],
  );

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  assert.equal(
    readFileSync(join(unpacked, "offline.cfg"), "utf8"),
    `# Written by buildout bundle: build from the bundled caches only.
[buildout]
extends = buildout.cfg
install-from-cache = true
offline = true
newest = false
relative-paths = true
download-cache = downloads
extends-cache = extends-cache
`,
  );
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "hello"), "utf8"),
    "Hello\nworld\n",
  );
  assert.ok(existsSync(join(unpacked, "var", "data")));
  assert.equal(database(unpacked), database(dir));
});

Deno.test("bundle refuses files outside the buildout directory", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(sample.testDir, "shared.cfg", "[buildout]\nparts =\n");
  sample.write(dir, "buildout.cfg", "[buildout]\nextends = ../shared.cfg\n");
  const out = join(sample.testDir, "project.tar.gz");
  const result = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: bundle can only carry files inside /project; the buildout uses /shared.cfg\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle: bad arguments are user errors", async () => {
  using sample = await sampleBuildout();
  const result = await sample.system("bundle --nope");
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "Error: bundle: unexpected argument --nope (usage: bundle [-o OUT.tar.gz] [--with-parts])\n",
  );
});
