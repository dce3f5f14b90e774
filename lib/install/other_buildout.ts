/**
 * Paths another buildout records as installed. A buildout copied together
 * with its `.installed.cfg` (without `relative-paths`) holds records naming
 * the original's files, and its first run uninstalls them: zc.buildout
 * removes the original's parts there. A path inside another buildout whose
 * own database records it is that buildout's, and is left alone. The same
 * buildout reached by another path (a symbolic link to its directory, as
 * `-c /srv/app/buildout.cfg` with `/srv/app` a link) is not another one.
 */
import { dirname, join, sep } from "node:path";
import { sameFile } from "../fs_kinds.ts";
import { readPlainFile } from "../read_file.ts";

/** Finds the other buildout, if any, that a path outside ours belongs to. */
export class OtherBuildouts {
  /** `.installed.cfg` texts by directory; null where there is none. */
  private readonly databases = new Map<string, string | null>();

  /** `directory`: this run's buildout directory, absolute. */
  constructor(private readonly directory: string) {}

  /**
   * The directory of the buildout nearest above `path` (absolute) when it is
   * not this one and its `.installed.cfg` records `path`; else undefined.
   */
  owner(path: string): string | undefined {
    if (path.startsWith(this.directory + sep)) return undefined;
    for (let dir = dirname(path);; dir = dirname(dir)) {
      if (dir === this.directory) return undefined;
      const text = this.database(dir);
      if (text !== null) {
        return records(text, path) && !sameFile(dir, this.directory)
          ? dir
          : undefined;
      }
      if (dir === dirname(dir)) return undefined;
    }
  }

  private database(dir: string): string | null {
    let text = this.databases.get(dir);
    if (text === undefined) {
      try {
        text = readPlainFile(join(dir, ".installed.cfg"), "utf8");
      } catch {
        text = null;
      }
      this.databases.set(dir, text);
    }
    return text;
  }
}

/** Whether a value or continuation line of `text` ends in `path`. */
function records(text: string, path: string): boolean {
  for (let at = text.indexOf(path); at >= 0; at = text.indexOf(path, at + 1)) {
    const before = at === 0 ? "\n" : text[at - 1];
    const after = text[at + path.length];
    if (
      (before === " " || before === "\t" || before === "\n") &&
      (after === undefined || after === "\n")
    ) {
      return true;
    }
  }
  return false;
}
