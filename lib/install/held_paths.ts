/**
 * Which path another installed part recorded lies under a directory an
 * uninstall is about to remove. The recorded paths are indexed once by
 * every directory above them, so each question costs the paths under
 * that directory, not every path of every part: uninstalling 10,000 parts
 * that each recorded a directory scanned all parts' paths for each (31 s).
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type InstallDatabase, INSTALLED } from "./database.ts";

interface Recorded {
  /** The path as recorded, made absolute (no links resolved). */
  path: string;
  part: string;
}

/** The paths the parts of a database recorded, by the directories above them. */
export class HeldPaths {
  private under?: Map<string, Recorded[]>;

  /**
   * The index is built at the first question, from the parts `db` holds
   * then; a part forgotten afterwards (uninstalled) no longer counts.
   * Parts recorded afterwards are not seen: make one for the uninstalls,
   * and another where a failed update removes a part's files.
   */
  constructor(
    private readonly db: InstallDatabase,
    private readonly directory: string,
  ) {}

  /**
   * A path below the directory `dir` (absolute, as recorded) that a part
   * other than `except`, still installed, recorded and that still exists,
   * with that part; undefined when there is none.
   *
   * @example held.heldBy("/srv/b/etc", "a") // ["/srv/b/etc/b.conf", "b"]
   */
  heldBy(dir: string, except: string): [string, string] | undefined {
    for (const { path, part } of this.index().get(dir) ?? []) {
      if (part !== except && this.db.has(part) && existsSync(path)) {
        return [path, part];
      }
    }
    return undefined;
  }

  private index(): Map<string, Recorded[]> {
    if (this.under) return this.under;
    const under = new Map<string, Recorded[]>();
    for (const part of this.db.parts) {
      for (const file of this.db.get(part)!.get(INSTALLED)?.split("\n") ?? []) {
        if (!file) continue;
        const recorded = { path: resolve(this.directory, file), part };
        for (let dir = recorded.path, up = dirname(dir); up !== dir;) {
          const list = under.get(up);
          if (list) list.push(recorded);
          else under.set(up, [recorded]);
          dir = up;
          up = dirname(dir);
        }
      }
    }
    return this.under = under;
  }
}
