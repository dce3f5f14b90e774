/**
 * End-to-end tests of the executable's reuse of configuration loads
 * (lib/config/load_cache.ts): an edit is never missed, and what is kept
 * stays private to its owner.
 */
import assert from "node:assert/strict";
import {
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { sampleBuildout } from "./harness.ts";

const BASE = "[a]\nrecipe = debug\nx = 1\n";

Deno.test("a rerun sees an edit made at once to an extended file, of the same size", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\nparts = a\n",
  );
  sample.write("base.cfg", BASE);
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  assert.match(first.stdout, /x='1'/);
  // Within the file system's clock tick, as a script would edit it.
  sample.write("base.cfg", BASE.replace("x = 1", "x = 2"));
  const second = await sample.run();
  assert.equal(second.code, 0, second.output);
  assert.match(second.output, /Uninstalling a\.\nInstalling a\./);
  assert.match(second.stdout, /x='2'/);
  const third = await sample.run();
  assert.match(third.output, /Updating a\./);
  assert.match(third.stdout, /x='2'/);
});

Deno.test("loads are kept in HOME's cache, readable by their owner only, and not with BUILDOUT_CONFIG_CACHE=off", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\noptional-extends = local.cfg\nparts = a\n" + BASE,
  );
  const off = await sample.run("", { env: { BUILDOUT_CONFIG_CACHE: "off" } });
  assert.equal(off.code, 0, off.output);
  assert.deepEqual(readdirSync(sample.home), []);
  const first = await sample.run();
  const directory = join(sample.home, ".cache", "buildout", "config");
  // The load, and the sections' initializations (kept_initialization_test).
  const [name, ...more] = readdirSync(directory).filter((name) =>
    !readFileSync(join(directory, name), "utf8").includes(
      '\\"initialization\\"',
    )
  );
  assert.deepEqual(more, []);
  const file = join(directory, name);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(directory).mode & 0o777, 0o700);
  // What is kept is what the next run uses: its value, changed here,
  // shows the configuration was not read again. The sections kept their
  // values too, from the load as it was: they go.
  for (const other of readdirSync(directory)) {
    if (other !== name) rmSync(join(directory, other));
  }
  writeFileSync(
    file,
    readFileSync(file, "utf8").replace('"x","1"', '"x","kept"'),
  );
  const second = await sample.run();
  assert.match(second.stdout, /x='kept'/);
  // The skipped optional file is told on every run.
  for (const run of [first, second]) {
    assert.match(run.output, /optional-extends file not found: local\.cfg/);
  }
  // Another cache, named by XDG_CACHE_HOME: not the kept load.
  const xdg = sample.tmpdir("xdg");
  const third = await sample.run("", { env: { XDG_CACHE_HOME: xdg } });
  assert.match(third.stdout, /x='1'/);
  // The load and the initializations.
  assert.deepEqual(readdirSync(join(xdg, "buildout", "config")).length, 2);
});
