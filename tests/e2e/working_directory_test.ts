/**
 * The directory a run is started from: recipes run in the buildout
 * directory, and a run ends as it would have without going back there when
 * it cannot (a part's directory the run removed, or one the user running
 * may not enter, as after `sudo -u app` from root's home).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import { BUILDOUT, exec, type Sample, sampleBuildout } from "./harness.ts";

/** A part `x` whose directory `parts/x` goes when the part is uninstalled. */
function installedPart(sample: Sample): void {
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = x\n[x]\nrecipe = mkdir\nremove-on-update = true\n",
  );
}

Deno.test("a run from inside a part's directory that it uninstalls ends as it would from elsewhere", async () => {
  using sample = await sampleBuildout();
  installedPart(sample);
  assert.equal((await sample.run("")).code, 0);
  const cwd = sample.path("parts", "x");
  const result = await sample.run(["-c", "../../buildout.cfg", "parts="], {
    cwd,
  });
  assert.equal(result.output, "Uninstalling x.\n");
  assert.equal(result.code, 0);
  assert.ok(!existsSync(cwd));
  // No part left: zc.buildout removes its database.
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("a failing run from inside a part's directory that it uninstalled reports its own error", async () => {
  using sample = await sampleBuildout();
  installedPart(sample);
  assert.equal((await sample.run("")).code, 0);
  sample.write("file", "");
  const result = await sample.run(
    ["-c", "../../buildout.cfg", "parts=y", "y:recipe=mkdir", "y:paths=file"],
    { cwd: sample.path("parts", "x") },
  );
  assert.equal(
    result.output,
    "Uninstalling x.\nInstalling y.\nWhile:\n  Installing y.\n" +
      "Error: Cannot create directory: /sample-buildout/file. It's a file.\n",
  );
  assert.equal(result.code, 1);
});

const otherUserSkip = process.getuid?.() !== 0
  ? "needs root to run as another user"
  : spawnSync("setpriv", ["--version"]).status !== 0
  ? "needs setpriv"
  : null;

Deno.test({
  name: "a run from a directory the user may not enter builds and ends well" +
    (otherUserSkip ? ` (skipped: ${otherUserSkip})` : ""),
  ignore: otherUserSkip !== null,
  async fn() {
    using sample = await sampleBuildout();
    installedPart(sample);
    const nobody = 65534;
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    spawnSync("chown", ["-R", `${nobody}:${nobody}`, sample.dir, sample.home]);
    // Root's own: nobody may not search it, as root's home.
    const start = sample.tmpdir("root-home");
    chownSync(start, 0, 0);
    chmodSync(start, 0o700);
    const result = await exec(
      "setpriv",
      [
        `--reuid=${nobody}`,
        `--regid=${nobody}`,
        "--clear-groups",
        BUILDOUT,
        "-c",
        sample.path("buildout.cfg"),
      ],
      { cwd: start, env: { HOME: sample.home } },
    );
    assert.equal(result.stderr, "");
    assert.equal(
      sample.normalize(result.stdout),
      "Installing x.\nx: created path: /sample-buildout/parts/x\n",
    );
    assert.equal(result.code, 0);
  },
});
