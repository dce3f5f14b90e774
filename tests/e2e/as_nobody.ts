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

/** Gives the sample (its home and TMPDIR too) to nobody. */
export function giveToNobody(sample: Sample): void {
  for (const dir of [sample.testDir, dirname(sample.testDir)]) {
    chmodSync(dir, 0o755);
  }
  for (const dir of [sample.dir, sample.home, sample.runTmpdir]) {
    spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dir]);
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
