/**
 * End-to-end tests of the executable's reuse of the sections'
 * initializations (lib/kept_initialization.ts): a rerun of the same
 * configuration gives sections their kept substituted values, unless a
 * value they read in another section changed, and behaves as a run
 * initializing them anew would.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sample, sampleBuildout } from "./harness.ts";

/** The kept initializations' file in HOME's cache. */
function keptInitializations(sample: Sample): string {
  const directory = join(sample.home, ".cache", "buildout", "config");
  const files = readdirSync(directory).map((name) => join(directory, name))
    .filter((file) =>
      readFileSync(file, "utf8").includes('\\"initialization\\"')
    );
  assert.equal(files.length, 1, "one file of kept initializations");
  return files[0];
}

/** Replaces `from` (once) by `to` in the kept initializations. */
function editKept(sample: Sample, from: string, to: string): void {
  const file = keptInitializations(sample);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(from), `${from} is kept`);
  writeFileSync(file, text.replace(from, to));
}

// How second's x = 1 is kept (see kept_initialization.ts), and an edit.
const KEPT_X = "\u0000x\u00001";
const EDITED_X = "\u0000x\u0000kept";

// `first` reads a later part (constructed within its substitution), `dirs`
// has an option read only by its own substitution, and [buildout] one read
// only by another section's.
const ORDERED = `[buildout]
parts = first dirs second
user = bench

[first]
recipe = debug
summary = \${:label} by \${buildout:user} after \${later:index}
label = one

[later]
recipe = debug
index = 7

[dirs]
recipe = mkdir
base = var
paths = \${:base}/data

[second]
recipe = debug
x = 1
`;

Deno.test("a rerun gives sections their kept values, and a run installing anew from them says what a first run said", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", ORDERED);
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /Installing later\.\n.*Installing first\./s);
  assert.doesNotMatch(first.output, /Unused options/);
  sample.remove(".installed.cfg");
  sample.remove("var");
  const again = await sample.run();
  assert.equal(again.output, first.output);

  editKept(sample, KEPT_X, EDITED_X);
  const edited = await sample.run();
  assert.equal(edited.code, 0, edited.output);
  assert.match(
    edited.output,
    /^Uninstalling second\.\n.*Installing second\.\n {2}recipe='debug'\n {2}x='kept'\n$/s,
  );
});

Deno.test("an edit to the configuration makes the kept values unused", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", ORDERED);
  assert.equal((await sample.run()).code, 0);
  editKept(sample, KEPT_X, EDITED_X);
  sample.write("buildout.cfg", ORDERED.replace("x = 1", "x = 2"));
  const run = await sample.run();
  assert.equal(run.code, 0, run.output);
  assert.match(
    run.output,
    /Installing second\.\n {2}recipe='debug'\n {2}x='2'\n$/,
  );
  assert.doesNotMatch(run.output, /kept/);
});

const STAMPED = `[buildout]
develop = recipes
parts = b a

[b]
recipe = recipes:stamp

[a]
recipe = debug
seen = \${b:stamp}
`;

Deno.test("a value another section's recipe sets is read again: a section reading a changed one initializes anew", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { stamp: "./stamp.ts" } },
    }),
  );
  sample.write(
    "recipes",
    "stamp.ts",
    `import { readFileSync } from "node:fs";
export default class Stamp {
  constructor(_buildout: unknown, _name: string, options: { set(k: string, v: string): void }) {
    options.set("stamp", readFileSync("stamp.txt", "utf8").trim());
  }
  install() {}
  update() {}
}
`,
  );
  sample.write("stamp.txt", "one\n");
  sample.write("buildout.cfg", STAMPED);
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /seen='one'/);
  const second = await sample.run();
  assert.equal(second.code, 0, second.output);
  assert.match(
    second.output,
    /Updating a\.\n {2}recipe='debug'\n {2}seen='one'\n$/,
  );

  sample.write("stamp.txt", "two\n");
  const changed = await sample.run();
  assert.equal(changed.code, 0, changed.output);
  assert.match(
    changed.output,
    /Installing a\.\n {2}recipe='debug'\n {2}seen='two'\n$/,
  );
  const after = await sample.run();
  assert.match(
    after.output,
    /Updating a\.\n {2}recipe='debug'\n {2}seen='two'\n$/,
  );
});

Deno.test("BUILDOUT_CONFIG_CACHE=off keeps no initializations", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", ORDERED);
  const env = { BUILDOUT_CONFIG_CACHE: "off" };
  assert.equal((await sample.run("", { env })).code, 0);
  assert.equal((await sample.run("", { env })).code, 0);
  assert.throws(
    () => readdirSync(join(sample.home, ".cache", "buildout", "config")),
    { code: "ENOENT" },
  );
});
