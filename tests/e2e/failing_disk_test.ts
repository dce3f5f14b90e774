/**
 * End-to-end tests of a disk failing one call (strace makes it fail: EIO,
 * as a failing disk or network file system gives, and EXDEV): each run
 * ends with a one-line error naming the file and its reason, not an
 * internal error or the runtime's message, and leaves nothing half done
 * for the next run, which completes. Ignored where strace cannot run.
 */
import assert from "node:assert/strict";
import { chmodSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type RunResult, type Sample, sampleBuildout } from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { failing, straceNote, straceSkip } from "./strace.ts";

/**
 * Runs the sample under `through` (see failing()), asserting status 1.
 * Without kept configuration loads: their writes would be the first.
 */
async function runFailing(
  sample: Sample,
  through: string[],
): Promise<RunResult> {
  const result = await sample.run("", {
    through,
    env: { BUILDOUT_CONFIG_CACHE: "off" },
  });
  assert.equal(result.code, 1, result.output);
  return result;
}

/** Asserts that a run without the fault installs everything. */
async function assertRerunCompletes(sample: Sample): Promise<void> {
  const result = await sample.run();
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.code, 0);
}

/** A template's options: `out.txt` holding `hi`. */
const TEMPLATE = "input = inline:hi\noutput = ${buildout:directory}/out.txt\n";

/** A sample whose part `a` is `recipe`, with `options`. */
async function onePart(recipe: string, options = ""): Promise<Sample> {
  const sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = a\n[a]\nrecipe = ${recipe}\n${options}`,
  );
  return sample;
}

Deno.test({
  name: "a template that cannot be put in place is a one-line error naming " +
    `it, leaving no temporary${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    for (
      const [errno, reason] of [
        ["EIO", "input/output error"],
        ["EXDEV", "invalid cross-device link"],
      ]
    ) {
      using sample = await onePart("template", TEMPLATE);
      // The template's is the run's first rename, before the database's.
      const through = failing("rename", errno, { when: 1 });
      const result = await runFailing(sample, through);
      assert.equal(
        result.stderr,
        "While:\n  Installing a.\n" +
          `Error: Couldn't write /sample-buildout/out.txt: ${reason}\n`,
      );
      assert.deepEqual(sample.ls(), [
        "d  bin",
        "-  buildout.cfg",
        "d  develop-eggs",
        "d  eggs",
        "d  parts",
      ]);
      await assertRerunCompletes(sample);
      assert.equal(sample.cat("out.txt"), "hi");
    }
  },
});

Deno.test({
  name: "a database the disk fails to write is named with its reason, not " +
    `the runtime's message${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await onePart("debug");
    const result = await runFailing(
      sample,
      failing("rename", "EIO", { when: 1 }),
    );
    assert.equal(
      result.stderr,
      "While:\n  Installing a.\n" +
        "Error: Couldn't write '/sample-buildout/.installed.cfg': " +
        "input/output error\n",
    );
    await assertRerunCompletes(sample);
  },
});

Deno.test({
  name: "a configuration load the disk fails to keep changes nothing in " +
    `the run and leaves no temporary${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await onePart("debug");
    // Keeping the load is the run's first rename, before the database's.
    const result = await sample.run("", {
      through: failing("rename", "EIO", { when: 1 }),
    });
    assert.equal(result.stderr, "", result.output);
    assert.equal(result.stdout, "Installing a.\n  recipe='debug'\n");
    assert.equal(result.code, 0);
    const kept = join(sample.home, ".cache", "buildout", "config");
    assert.deepEqual(readdirSync(kept), []);
    await assertRerunCompletes(sample);
    // The load, and the sections' initializations.
    assert.equal(readdirSync(kept).length, 2);
  },
});

Deno.test({
  name: "a journal the disk fails to write is named with its reason, not " +
    `the runtime's message${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    // The template's output is registered, and so journaled, before it is
    // written.
    using sample = await onePart("template", TEMPLATE);
    const path = sample.path(".installed.cfg.pending");
    const result = await runFailing(sample, failing("write", "EIO", { path }));
    assert.equal(
      result.stderr,
      "While:\n  Installing a.\n" +
        "Error: Couldn't write /sample-buildout/.installed.cfg.pending: " +
        "input/output error\n",
    );
    await assertRerunCompletes(sample);
  },
});

Deno.test({
  name: "a configuration file the disk fails to read is named with its " +
    `reason${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const path = sample.path("buildout.cfg");
    const result = await runFailing(sample, failing("read", "EIO", { path }));
    assert.equal(
      result.stderr,
      "While:\n  Initializing.\n" +
        "Error: Couldn't read /sample-buildout/buildout.cfg: " +
        "input/output error\n",
    );
  },
});

Deno.test({
  name: "a distribution that cannot be moved into the eggs directory is a " +
    `one-line error leaving nothing there${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await onePart("spam");
    await writeDist(
      join(sample.path("dist"), "spam-2.tgz"),
      recipeDist("spam", "2", "recipe v2"),
      "package/",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\nfind-links = dist\n[a]\nrecipe = spam\n",
    );
    // Moving it into place is the run's first rename.
    const result = await runFailing(
      sample,
      failing("rename", "EIO", { when: 1 }),
    );
    assert.match(
      result.stderr,
      /\n {2}Getting distribution for 'spam'\.\nError: Couldn't write \/sample-buildout\/eggs\/spam-2: input\/output error\n$/,
    );
    assert.deepEqual(sample.ls("eggs"), []);
    await assertRerunCompletes(sample);
    assert.deepEqual(sample.ls("eggs"), ["d  spam-2"]);
  },
});

Deno.test({
  name: "a failed build whose environment script the disk fails to write " +
    `still reports the build's error, and says the script is missing${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    for (const recipe of ["cmmi", "slapos.recipe.cmmi"]) {
      using sample = await onePart(
        recipe,
        "path = ${buildout:directory}/src\n",
      );
      sample.mkdir("src");
      sample.write("src", "configure", "#!/bin/sh\nexit 3\n");
      chmodSync(sample.path("src", "configure"), 0o755);
      const path = sample.path("src", "slapos.recipe.build.env.sh");
      const result = await runFailing(
        sample,
        failing("openat", "EIO", { path }),
      );
      assert.equal(
        result.stdout,
        "Installing a.\n" +
          "a: Using local source directory: /sample-buildout/src\n" +
          "a: Compilation error. The package is left as is at " +
          "/sample-buildout/src where you can inspect what went wrong.\n" +
          "Couldn't write /sample-buildout/src/slapos.recipe.build.env.sh: " +
          "input/output error\n",
        recipe,
      );
      assert.equal(
        result.stderr,
        "While:\n  Installing a.\n" +
          "Error: Command './configure --prefix=/sample-buildout/parts/a' " +
          "failed with exit status 3 in /sample-buildout/src\n",
        recipe,
      );
      assert.deepEqual(sample.ls("parts"), [], recipe);
    }
  },
});

Deno.test({
  name: "a failed build whose installed files the disk fails to remove " +
    `still reports the build's error, and says what was left${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await onePart(
      "slapos.recipe.cmmi",
      "path = ${buildout:directory}/src\n",
    );
    sample.mkdir("src");
    sample.write(
      "buildout.cfg",
      sample.cat("buildout.cfg") +
        "configure-command = mkdir -p ${buildout:parts-directory}/a && " +
        "touch ${buildout:parts-directory}/a/junk && exit 3\n",
    );
    // The recipe's first removal of parts/a, before the build, succeeds.
    const path = sample.path("parts", "a");
    const result = await runFailing(
      sample,
      failing("unlinkat", "EIO", { path, when: 2 }),
    );
    assert.match(
      result.stdout,
      /\na: Couldn't remove what the build installed in \/sample-buildout\/parts\/a: input\/output error\n$/,
    );
    assert.equal(
      result.stderr,
      "While:\n  Installing a.\n" +
        "Error: Command 'mkdir -p /sample-buildout/parts/a && touch " +
        "/sample-buildout/parts/a/junk && exit 3' failed with exit status 3 " +
        "in /sample-buildout/src\n",
    );
  },
});
