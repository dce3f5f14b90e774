/**
 * End-to-end tests of files made private (mode 600, as for files holding
 * passwords): what is written on their way never gives others more than
 * they have. Each run is killed (by strace, at its first chmod) right after
 * such a file's content is written, and what it leaves is checked; ignored
 * where strace cannot run, saying why.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { type Sample, sampleBuildout } from "./harness.ts";

const straceSkip = (() => {
  const probe = spawnSync("strace", ["-qq", "-o", "/dev/null", "true"]);
  if (probe.error) return "needs strace";
  return probe.status === 0 ? null : "strace cannot trace here";
})();
const skipNote = straceSkip ? ` (skipped: ${straceSkip})` : "";

/** Runs the executable in the sample, killed at its first chmod. */
function killedAtFirstChmod(sample: Sample) {
  return sample.system("", {
    through: [
      "strace",
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      "-e",
      "trace=chmod,fchmodat",
      "-e",
      "inject=chmod,fchmodat:signal=SIGKILL:when=1",
    ],
  });
}

/** The entries of the sample holding `text`, with their permission bits. */
function holding(sample: Sample, text: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(sample.dir)) {
    const path = sample.path(name);
    if (!statSync(path).isFile()) continue;
    if (!readFileSync(path, "utf8").includes(text)) continue;
    found.push(`${(statSync(path).mode & 0o777).toString(8)} ${name}`);
  }
  return found.sort();
}

Deno.test({
  name: "a run killed while saving a private .installed.cfg leaves no copy " +
    `others can read${skipNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a b\n[a]\nrecipe = debug\nsecret = hunter2\n" +
        "[b]\nrecipe = debug\n",
    );
    const first = await sample.system("");
    assert.equal(first.code, 0, first.output);
    chmodSync(sample.path(".installed.cfg"), 0o600);

    // Uninstalling b rewrites the database, a's password included.
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\n[a]\nrecipe = debug\nsecret = hunter2\n",
    );
    chmodSync(sample.path("buildout.cfg"), 0o600);
    const killed = await killedAtFirstChmod(sample);
    assert.notEqual(killed.code, 0, killed.output);
    const left = holding(sample, "hunter2");
    assert.ok(left.length > 1, `no copy was being written: ${left}`);
    assert.deepEqual(left.filter((entry) => !entry.startsWith("600 ")), []);
  },
});

Deno.test({
  name: "a run killed while writing a template with mode 600 leaves no copy " +
    `others can read${skipNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = pgpass\n[pgpass]\nrecipe = template\n" +
        "input = inline:\n  db:5432:*:app:hunter2\n" +
        "output = ${buildout:directory}/pgpass\nmode = 600\n",
    );
    chmodSync(sample.path("buildout.cfg"), 0o600);
    const killed = await killedAtFirstChmod(sample);
    assert.notEqual(killed.code, 0, killed.output);
    const left = holding(sample, "hunter2");
    assert.ok(left.length > 1, `no copy was being written: ${left}`);
    assert.deepEqual(left.filter((entry) => !entry.startsWith("600 ")), []);

    const result = await sample.system("");
    assert.equal(result.code, 0, result.output);
    assert.equal(statSync(sample.path("pgpass")).mode & 0o777, 0o600);
  },
});
