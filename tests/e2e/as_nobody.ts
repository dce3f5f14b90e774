/**
 * Runs of the executable as another user (nobody), for what root is never
 * refused (an unreadable or read-only file): only root can switch, so
 * tests using these are ignored otherwise, saying why.
 */
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import type { Sample } from "./harness.ts";

/** Why runs as nobody cannot be made here, or null. */
export const nobodySkipReason = process.getuid?.() === 0
  ? null
  : "needs root to run as another user";

export const NOBODY = 65534;

/**
 * A user id that no account, and no other test, runs as: what a per-user
 * limit (`ulimit -u`) counts is then only the run's own processes.
 */
export const LONE_USER = 54321;

/** Gives the sample (its home and TMPDIR too) to nobody, or to `uid`. */
export function giveToNobody(sample: Sample, uid = NOBODY): void {
  for (const dir of [sample.testDir, dirname(sample.testDir)]) {
    chmodSync(dir, 0o755);
  }
  for (const dir of [sample.dir, sample.home, sample.runTmpdir]) {
    spawnSync("chown", ["-R", `${uid}:${uid}`, dir]);
  }
}

/** Runs the executable with `args` in the sample as nobody. */
export function asNobody(sample: Sample, args = "") {
  return sample.system(args, {
    through: [
      "setpriv",
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
    ],
  });
}
