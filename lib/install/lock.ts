/**
 * One install at a time per installed database: two runs of the same
 * buildout would each rewrite `.installed.cfg` from their own view, and the
 * last one would drop the parts the other installed while their files stay.
 * zc.buildout has no such guard; production hosts run buildout from cron,
 * deploy tools and by hand.
 *
 * The lock is the file `<installed>.lock` (see `_lock_file.ts`): one left
 * by a killed run on this host is taken over; one from another host is
 * reported.
 */
import { UserError } from "../errors.ts";
import { heldElsewhere, type LockHolder, takeLock } from "./_lock_file.ts";

/**
 * Locks the database `installed` for this run and returns the function
 * releasing it; the lock also goes when the run ends, however it ends,
 * except by SIGKILL, after which the next run takes it over.
 *
 * ```ts
 * const unlock = lockInstalled("/srv/app/.installed.cfg");
 * try { install(); } finally { unlock(); }
 * ```
 * @throws {UserError} naming the process (and host) of a run holding it,
 *   or why the lock file cannot be created.
 */
export function lockInstalled(installed: string): () => void {
  const taken = takeLock(`${installed}.lock`);
  if (typeof taken === "function") return taken;
  throw heldError(installed, taken);
}

function heldError(installed: string, holder: LockHolder) {
  const { pid, here } = holder;
  if (!pid) {
    return new UserError(
      `Another buildout run is installing with ${installed}`,
    );
  }
  if (here) {
    return new UserError(
      `Another buildout run (process ${pid}) is installing with ${installed}`,
    );
  }
  return heldElsewhere(
    holder,
    `installing with ${installed}`,
    `${installed}.lock`,
  );
}
