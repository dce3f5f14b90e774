/**
 * Which installed part recorded each path, so that a part installing a
 * path another part recorded too is told of: the later one wrote over the
 * earlier one's file, and uninstalling either removes it from the other.
 * zc.buildout does not check; a section copied without changing its
 * output is the usual cause.
 */
import { resolve } from "node:path";
import { type InstallDatabase, INSTALLED } from "./database.ts";

/** The paths the parts of a database recorded, and who recorded them. */
export class SharedPaths {
  private owners?: Map<string, string>;

  /** Read from `db` at the first claim; kept up to date by the claims. */
  constructor(
    private readonly db: InstallDatabase,
    private readonly directory: string,
  ) {}

  /**
   * Notes that `part` installed `paths` (as recorded), and returns each
   * of them another part, still installed, recorded too, with that part.
   *
   * @example shared.claim("b", ["/srv/out.txt"]) // [["/srv/out.txt", "a"]]
   */
  claim(part: string, paths: string[]): [string, string][] {
    const owners = this.index();
    const shared: [string, string][] = [];
    for (const recorded of paths) {
      // An empty path names nothing (zc.recipe.cmmi returns '' for a
      // shared build), and uninstalling skips it too.
      if (!recorded) continue;
      const path = resolve(this.directory, recorded);
      const owner = owners.get(path);
      if (owner !== undefined && owner !== part && this.db.has(owner)) {
        shared.push([path, owner]);
      }
      owners.set(path, part);
    }
    return shared;
  }

  /**
   * The owners of the paths every part recorded, the first claimant's
   * included: a later claim of a path it recorded before is shared too.
   */
  private index(): Map<string, string> {
    if (this.owners) return this.owners;
    const owners = new Map<string, string>();
    for (const part of this.db.parts) {
      for (const file of this.db.get(part)!.get(INSTALLED)?.split("\n") ?? []) {
        if (file) owners.set(resolve(this.directory, file), part);
      }
    }
    return this.owners = owners;
  }
}
