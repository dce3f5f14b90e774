/**
 * End-to-end tests of the memory taken by configurations and templates far
 * larger than usual: peak resident memory must stay a small multiple of
 * the input, which the bounds below allow where a quadratic step, or a
 * copy per piece of the input, would pass them several times. Measured
 * with `/usr/bin/time`; without it the tests are ignored.
 */
import assert from "node:assert/strict";
import { existsSync, truncateSync } from "node:fs";
import { type Sample, sampleBuildout } from "./harness.ts";

const TIME = "/usr/bin/time";
const skipReason = existsSync(TIME) ? null : `${TIME} not found`;
if (skipReason) {
  console.error(`memory_test.ts: memory tests ignored: ${skipReason}`);
}

/** Runs `args` in `sample`, which must succeed; its peak resident MB. */
async function peakMB(sample: Sample, args: string): Promise<number> {
  const out = sample.path("..", "rss");
  const result = await sample.run(args, {
    through: [TIME, "-f", "%M", "-o", out],
  });
  assert.equal(result.code, 0, result.output.slice(-2000));
  const lines = sample.cat(out).trim().split("\n");
  return parseInt(lines[lines.length - 1]) / 1024;
}

Deno.test({
  name: "a chain of 4,000 files each extending the next stays small",
  ignore: skipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const depth = 4000;
    for (let i = 1; i <= depth; i++) {
      const extend = i < depth ? `[buildout]\nextends = f${i + 1}.cfg\n` : "";
      sample.write(`f${i}.cfg`, `${extend}\n[s${i}]\nx = ${i}\n`);
    }
    sample.write("buildout.cfg", "[buildout]\nextends = f1.cfg\nparts =\n");
    // Each level kept its own copy of every section below it: 580 MB.
    const mb = await peakMB(sample, "-U annotate");
    assert.ok(mb < 200, `peak ${mb.toFixed(0)} MB`);
    const annotated = await sample.run("-U annotate s1 s4000");
    assert.match(annotated.stdout, /\[s1\]\nx= 1\n/);
    assert.match(annotated.stdout, /\[s4000\]\nx= 4000\n/);
  },
});

Deno.test({
  name: "a template of 8 MB with a reference on every line stays small",
  ignore: skipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const lines = 8 * 2 ** 20 / 5;
    sample.write("big.in", "${v}\n".repeat(lines));
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = p\n\n[p]\nrecipe = collective.recipe.template\n" +
        "input = big.in\noutput = ${buildout:directory}/big.out\nv = value\n",
    );
    // A list of every piece, and String.replace over every reference: 570 MB.
    const mb = await peakMB(sample, "-U -q");
    assert.ok(mb < 300, `peak ${mb.toFixed(0)} MB`);
    assert.equal(sample.cat("big.out"), "value\n".repeat(lines));
  },
});

Deno.test({
  name: "a develop package holding a file of 512 MB is signed in little memory",
  ignore: skipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("recipe");
    sample.write(
      "recipe/package.json",
      JSON.stringify({ buildout: { recipes: { default: "./index.js" } } }),
    );
    sample.write(
      "recipe/index.js",
      "export default class { install() { return []; } update() {} }\n",
    );
    // A database or disk image in a develop package (develop = . holding
    // var/): sparse, so the test writes nothing to disk.
    sample.write("recipe/data.img", "");
    truncateSync(sample.path("recipe", "data.img"), 512 * 2 ** 20);
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = recipe\nparts = p\n\n[p]\nrecipe = recipe\n",
    );
    // Each file read whole to be hashed: 560 MB.
    const mb = await peakMB(sample, "-q");
    assert.ok(mb < 200, `peak ${mb.toFixed(0)} MB`);
    assert.match(
      sample.cat(".installed.cfg"),
      /__buildout_signature__ = recipe-/,
    );
  },
});
