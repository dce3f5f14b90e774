/**
 * `develop = dir ...`: local recipe and extension packages. Each entry
 * (relative to the buildout directory, globs allowed) names directories
 * holding a `package.json`, or such files (as zc.buildout takes a project's
 * directory or its setup script). A glob matching nothing is only a
 * warning, as in zc.buildout; a plain path that does not exist is an
 * error, since the parts needing it could not be installed anyway. Each
 * package is linked by a `<develop-eggs-directory>/<name>.egg-link` file
 * naming its directory (relative to the link with `relative-paths`), which
 * is how the recipe loader finds it, in this run and in later ones
 * (extensions load before this step runs).
 */
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import {
  basename,
  dirname,
  isAbsolute,
  join,
  relative,
  resolve,
  sep,
} from "node:path";
import { clipped, doing, fsReason, oneLine, UserError } from "../errors.ts";
import { projectKey } from "../dists/requirement.ts";
import { exists, sameFile } from "../fs_kinds.ts";
import { fnmatch } from "../fnmatch.ts";
import { hiddenTemp } from "../fetch/hidden_temp.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
import { logger } from "../log.ts";
import { type DevelopPackage, readPackage } from "../recipe/package_json.ts";
import { pyRepr } from "../pyrepr.ts";
import { removePath } from "../remove_path.ts";

const MAGIC = /[*?[]/;

/**
 * Existing paths that the `develop` entry `pattern` names (`*`, `?`, `[...]`
 * within one path segment; hidden names only when the segment starts with
 * `.`), sorted. Only what the entry itself writes is a pattern: the
 * buildout directory it is relative to (or starts with, as a
 * `${buildout:directory}/...` entry does) is a literal path, so `[1]` or `*`
 * in its name neither hides its packages nor brings in a sibling's.
 */
export function expandGlob(directory: string, pattern: string): string[] {
  let found = [directory];
  let rest = pattern;
  if (isAbsolute(pattern)) {
    if (pattern === directory || pattern.startsWith(directory + sep)) {
      rest = pattern.slice(directory.length);
    } else found = [sep];
  }
  if (!MAGIC.test(rest)) {
    const path = resolve(directory, pattern);
    return existsSync(path) ? [path] : [];
  }
  for (const segment of rest.split(sep)) {
    if (segment === "" || segment === ".") continue;
    if (!MAGIC.test(segment)) {
      found = found.map((base) => join(base, segment)).filter(existsSync);
      continue;
    }
    const matches = fnmatch([segment]);
    const next: string[] = [];
    for (const base of found) {
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith(".") && !segment.startsWith(".")) continue;
        if (matches(name)) next.push(join(base, name));
      }
    }
    found = next;
  }
  return found.sort();
}

/**
 * The package directory a develop entry names: the entry itself, or the
 * directory of the package.json it names, as zc.buildout develops the
 * project of a setup script it is given.
 */
export function packageDirectory(entry: string): string {
  return basename(entry) === "package.json" &&
      statSync(entry, { throwIfNoEntry: false })?.isFile()
    ? dirname(entry)
    : entry;
}

/**
 * Links every develop package; returns the links written, for the
 * database's `installed_develop_eggs`.
 *
 * @throws {UserError} for a missing directory (not a glob) or a directory
 *   that is not a develop package; the links this run added are removed,
 *   those earlier runs made kept, as zc.buildout does.
 */
export function developPackages(
  patterns: string[],
  directory: string,
  developEggs: string,
  relocatable = false,
): string[] {
  const written: string[] = [];
  /** Links not there before: a failure takes back only these. */
  const made: string[] = [];
  /** The packages linked so far, by project key. */
  const linkedPackages = new Map<string, DevelopPackage>();
  try {
    for (const pattern of patterns) {
      const dirs = expandGlob(directory, pattern);
      if (!dirs.length) {
        const message = `Couldn't develop ${
          clipped(resolve(directory, pattern), pyRepr)
        } (not found)`;
        if (!MAGIC.test(pattern)) throw new UserError(message);
        logger.warn(message);
      }
      for (const dir of dirs) {
        logger.info(`Develop: ${pyRepr(dir)}`);
        doing(`Processing develop directory ${pyRepr(dir)}.`, () => {
          // Listed by a glob with U+FFFD for its bytes: no such path.
          if (dir.includes("\uFFFD") && !exists(dir)) {
            throw new UserError(
              `Couldn't develop ${
                pyRepr(dir)
              }: its name is not UTF-8; rename it`,
            );
          }
          const pkg = readPackage(packageDirectory(dir));
          // Its link holds the directory on one line.
          if (/[\n\r]/.test(pkg.dir)) {
            throw new UserError(
              `Couldn't develop ${pyRepr(dir)}: its path holds a line break, ` +
                "which its .egg-link file cannot hold; rename it",
            );
          }
          const key = projectKey(pkg.name);
          const first = linkedPackages.get(key);
          // Listed twice (`rec` and `rec/package.json`, overlapping globs).
          if (first && sameFile(first.dir, pkg.dir)) return;
          if (first) throw sameProject(first, pkg);
          linkedPackages.set(key, pkg);
          const link = join(developEggs, `${pkg.name}.egg-link`);
          // Relative in a relocatable buildout: it still holds if moved.
          const content =
            (relocatable ? relative(developEggs, pkg.dir) : pkg.dir) + "\n";
          // Every run links its develop packages: a link file already
          // naming the package is kept, so a no-op run writes nothing.
          if (!linked(link, content)) {
            const added = !existsSync(link);
            writeLink(link, content);
            if (added) made.push(link);
          }
          written.push(link);
        });
      }
    }
  } catch (err) {
    for (const link of made) removePath(link, { force: true });
    throw err;
  }
  return written;
}

/**
 * Two develop packages of one project: only one can be linked, and the
 * other's parts would silently get the recipes of the one listed last.
 */
function sameProject(first: DevelopPackage, second: DevelopPackage): UserError {
  const names = first.name === second.name
    ? `named ${pyRepr(first.name)}`
    : `named ${pyRepr(first.name)} and ${
      pyRepr(second.name)
    }, one project name`;
  return new UserError(
    oneLine(
      `Two develop packages are ${names}: ${pyRepr(first.dir)} and ${
        pyRepr(second.dir)
      }; list only one of them in develop`,
    ),
  );
}

/** True when `link` is a regular file, not a symbolic link, of `content`. */
function linked(link: string, content: string): boolean {
  try {
    return lstatSync(link).isFile() && readFileSync(link, "utf8") === content;
  } catch {
    return false;
  }
}

/**
 * Writes `content` under a new unguessable name renamed over `link`: a
 * symbolic link another user put in its place is replaced, not written
 * through.
 */
function writeLink(link: string, content: string): void {
  const temp = hiddenTemp(link);
  try {
    writeFileSync(temp, content, { flag: "wx" });
    renameSync(temp, link);
    untrackTempFile(temp);
  } catch (err) {
    removeTempFile(temp);
    throw new UserError(
      `Couldn't write ${clipped(link, pyRepr)}: ${fsReason(err)}`,
    );
  }
}
