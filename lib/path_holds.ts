/** Whether removing a directory would take another path with it. */
import { realpathSync } from "node:fs";
import { sep } from "node:path";

/**
 * True when the directory `outer` is `inner` or one of its parents, links
 * resolved; false when either does not exist.
 *
 * @example holds("/srv", "/srv/app") // true
 */
export function holds(outer: string, inner: string): boolean {
  try {
    const dir = realpathSync(outer);
    const real = realpathSync(inner);
    return real === dir || real.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  } catch {
    return false;
  }
}
