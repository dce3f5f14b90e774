/**
 * Where temporaries go when the usual places are refused: as Python's
 * `tempfile` (which zc.buildout uses) chooses, the first usable of TMPDIR,
 * TEMP, TMP, /tmp, /var/tmp, /usr/tmp and the current directory, which is
 * the buildout's while recipes run. A container whose root (and /tmp) is
 * read-only, with only the buildout writable, still builds.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mountSkipReason } from "./chroot.ts";
import { BUILDOUT, exec, type Sample, sampleBuildout } from "./harness.ts";

const skipNote = mountSkipReason ? ` (skipped: ${mountSkipReason})` : "";

/**
 * Runs the executable in the sample, in a mount namespace where /tmp and
 * /var/tmp are read-only, without TMPDIR, TEMP or TMP; `setUp` (shell, with
 * the sample as `$1`) runs there first and ends in the sample directory.
 */
function withReadOnlyTemps(sample: Sample, setUp: string) {
  const readOnly = (dir: string) =>
    `mount --bind ${dir} ${dir} && mount -o remount,bind,ro ${dir}`;
  const script = `${readOnly("/tmp")} && ${readOnly("/var/tmp")} && ` +
    `${setUp}; "$2"`;
  return exec(
    "unshare",
    ["-m", "sh", "-c", script, "sh", sample.dir, BUILDOUT],
    {
      env: {
        HOME: sample.home,
        TMPDIR: undefined,
        TEMP: undefined,
        TMP: undefined,
      },
    },
  );
}

Deno.test({
  name: "with /tmp and /var/tmp read-only and no TMPDIR, temporaries go to " +
    `the buildout directory and are removed${skipNote}`,
  ignore: mountSkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = cmds\n\n[cmds]\nrecipe = collective.recipe.cmd\n" +
        "on_install = true\ncmds = pwd > made-by-cmd\n",
    );
    // The sample lives under /tmp: it is bound writable again.
    const result = await withReadOnlyTemps(
      sample,
      'mount --bind "$1" "$1" && mount -o remount,bind,rw "$1" && ' +
        'cd "$1" && touch /tmp/probe 2>/dev/null && exit 9',
    );
    assert.equal(result.code, 0, result.output);
    assert.ok(existsSync(sample.path("made-by-cmd")));
    assert.deepEqual(
      readdirSync(sample.dir).filter((name) =>
        /^(\.buildout-|tmp|buildout-)/.test(name)
      ),
      [],
    );
  },
});

Deno.test({
  name: "with every temporary directory and the buildout read-only, a part " +
    `needing a temporary fails in one line naming where it looked${skipNote}`,
  ignore: mountSkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    for (const dir of ["bin", "parts", "eggs", "develop-eggs"]) {
      sample.mkdir(dir);
    }
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = cmds\ninstalled =\n\n[cmds]\n" +
        "recipe = collective.recipe.cmd\non_install = true\ncmds = true\n",
    );
    const result = await withReadOnlyTemps(
      sample,
      'cd "$1" && touch probe 2>/dev/null && exit 9',
    );
    assert.equal(result.code, 1, result.output);
    assert.match(
      result.output,
      new RegExp(
        "While:\\n  Installing cmds\\.\\nError: No usable temporary " +
          `directory found in /tmp, /var/tmp, (/usr/tmp, )?${sample.dir}\\n$`,
      ),
    );
  },
});
