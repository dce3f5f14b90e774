/**
 * One build at a time per shared part location: buildouts sharing a
 * `shared-part-list` directory each found the part unbuilt, and emptied
 * and filled the same location at once. The lock is `<location>.lock`
 * (see `_lock_file.ts`); the other runs wait for it, then use the build.
 */
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { makeDirectories } from "../directories.ts";
import { heldElsewhere, type Release, takeLock } from "./_lock_file.ts";

/** How often a waiting run looks at the lock again. */
const POLL_MS = 100;

/**
 * Locks `location` for a build by this run (making its parent directory,
 * where the lock goes) and returns the function releasing it, waiting
 * while another run on this host holds it: `info` is told so once
 * (`waiting for process N to build it`). `tookOver` on the result says a
 * run killed while building left the lock.
 *
 * ```ts
 * const unlock = await lockBuild(location, (message) => logger.info(message));
 * try { if (!built(location)) build(location); } finally { unlock(); }
 * ```
 * @throws {UserError} naming the host and process of a run elsewhere
 *   holding it, or why the lock file or its directory cannot be created.
 */
export async function lockBuild(
  location: string,
  info: (message: string) => void,
): Promise<Release> {
  makeDirectories(dirname(location));
  const path = `${location}.lock`;
  let told = false;
  for (;;) {
    const taken = takeLock(path);
    if (typeof taken === "function") return taken;
    if (!taken.here) throw heldElsewhere(taken, `building ${location}`, path);
    if (!told) {
      const who = taken.pid ? `process ${taken.pid}` : "another run";
      info(`waiting for ${who} to build it`);
    }
    told = true;
    await sleep(POLL_MS);
  }
}
