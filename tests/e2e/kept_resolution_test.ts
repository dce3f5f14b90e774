/**
 * End-to-end tests of the executable's reuse of distribution resolutions
 * (lib/dists/kept_resolution.ts): a `-N` rerun repeats the last run's
 * resolution, picks included, and resolves anew when the eggs directory
 * changed or at debug level.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { type Sample, sampleBuildout } from "./harness.ts";

const CONFIG = `[buildout]
parts = foo
find-links = dist
show-picked-versions = true

[foo]
recipe = spam
`;

const PICKED = `Versions had to be automatically picked.
The following part definition lists the versions picked:
[versions]
spam = 1

# Required by:
# spam==1
helper = 1.5
`;

/** The kept resolution's file in HOME's cache. */
function keptResolution(sample: Sample): string {
  const directory = join(sample.home, ".cache", "buildout", "config");
  const files = readdirSync(directory).map((name) => join(directory, name))
    .filter((file) => readFileSync(file, "utf8").includes('"calls":'));
  assert.equal(files.length, 1, "one kept resolution");
  return files[0];
}

/**
 * A buildout using spam 1 (requiring helper), installed, then rerun with
 * `-N` once to keep its resolution.
 */
async function keptSpam(): Promise<Sample> {
  const sample = await sampleBuildout();
  const dist = sample.path("dist");
  await writeDist(
    join(dist, "spam-1.tgz"),
    recipeDist("spam", "1", "spam 1", ["helper>=1"]),
  );
  await writeDist(
    join(dist, "helper-1.5.tgz"),
    recipeDist("helper", "1.5", ""),
  );
  sample.write("buildout.cfg", CONFIG);
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /Got spam 1\.\n.*Got helper 1\.5\./s);
  const second = await sample.run("-N");
  assert.equal(second.output, `Updating foo.\nspam 1\n${PICKED}`);
  return sample;
}

/**
 * Makes the kept resolution give spam's recipe as `kept.js`, a module
 * added to spam's unpacked directory printing `from the kept resolution`.
 */
function editKept(sample: Sample): void {
  sample.write(
    "eggs/spam-1/kept.js",
    'export default class R { install() { console.log("from the kept resolution"); return []; } update() { return this.install(); } }\n',
  );
  const file = keptResolution(sample);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes('"./recipe.js"'));
  writeFileSync(file, text.replace('"./recipe.js"', '"./kept.js"'));
}

Deno.test("a -N rerun repeats the kept resolution, and reports its picks", async () => {
  using sample = await keptSpam();
  editKept(sample);
  const run = await sample.run("-N");
  assert.equal(
    run.output,
    `Updating foo.\nfrom the kept resolution\n${PICKED}`,
  );
});

Deno.test("an edit to the configuration that changes no recipe and no version keeps repeating the kept resolution", async () => {
  using sample = await keptSpam();
  editKept(sample);
  sample.write("buildout.cfg", CONFIG + "option = new\n");
  const run = await sample.run("-N");
  assert.equal(
    run.output,
    "Uninstalling foo.\nInstalling foo.\nfrom the kept resolution\n" +
      PICKED,
  );
});

Deno.test("a distribution unpacked since is seen: the resolution is made anew and kept", async () => {
  using sample = await keptSpam();
  editKept(sample);
  await writeDist(
    sample.path("dist", "spam-2.tgz"),
    recipeDist("spam", "2", "spam 2", ["helper>=1"]),
  );
  // Reading the find-links gets spam 2 unpacked.
  const newest = await sample.run();
  assert.match(
    newest.output,
    /Got spam 2\.\nUninstalling foo\.\nInstalling foo\.\nspam 2\n/,
  );
  const rerun = await sample.run("-N");
  assert.match(rerun.output, /^Updating foo\.\nspam 2\n/);
  assert.match(readFileSync(keptResolution(sample), "utf8"), /eggs\/spam-2"/);
});

Deno.test("at debug level the resolution is made anew, its picks logged", async () => {
  using sample = await keptSpam();
  editKept(sample);
  const run = await sample.run("-N -v");
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /Picked: spam = 1\n/);
  assert.match(run.output, /\nspam 1\n/);
  assert.doesNotMatch(run.output, /from the kept resolution/);
});

Deno.test("BUILDOUT_CONFIG_CACHE=off keeps no resolution and repeats none", async () => {
  using sample = await keptSpam();
  editKept(sample);
  const run = await sample.run("-N", { env: { BUILDOUT_CONFIG_CACHE: "off" } });
  assert.equal(run.output, `Updating foo.\nspam 1\n${PICKED}`);
  // Resolved anew, yet not kept: the edit is still there.
  assert.match(readFileSync(keptResolution(sample), "utf8"), /"\.\/kept\.js"/);
});
