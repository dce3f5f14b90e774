/**
 * End-to-end tests of the memory the config engine takes for configurations
 * far larger than usual: peak resident memory must grow linearly, which
 * the bounds below allow many times over where a quadratic step would pass
 * them several times. Measured with `/usr/bin/time`; without it the tests
 * are ignored.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type Sample, sampleBuildout } from "./harness.ts";

const TIME = "/usr/bin/time";
const skipReason = existsSync(TIME) ? null : `${TIME} not found`;
if (skipReason) {
  console.error(`config_memory_test.ts: memory tests ignored: ${skipReason}`);
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
