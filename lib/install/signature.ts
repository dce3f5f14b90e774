/**
 * Recipe signatures: what, besides its options, makes a part "changed".
 * A built-in recipe is signed by the buildout version (which alone does
 * not reinstall a part: see the runner); a develop package by its name and
 * an MD5 of its files (base64, as zc.buildout's `_dir_hash`), so editing a
 * develop recipe reinstalls the parts that use it.
 */
import { createHash } from "../lazy_crypto.ts";
import { readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsReason, UserError } from "../errors.ts";
import { updateFromFile } from "../hash_file.ts";
import { VERSION } from "../version.ts";

/** The signature of every built-in recipe. */
export const BUILTIN_SIGNATURE = `buildout-${VERSION}`;

/**
 * True when `signature` is the one every release of this executable gives
 * its built-in recipes (`buildout-0.1.0`), whichever release it names.
 */
export function isBuiltinSignature(signature: string): boolean {
  return /^buildout-\d\S*$/.test(signature);
}

// Version-control metadata, caches and installed dependencies say nothing
// about the recipe's own code and can be huge.
const IGNORED_DIRECTORIES = new Set([
  ".git",
  ".hg",
  ".svn",
  "CVS",
  "__pycache__",
  "node_modules",
]);

/**
 * The real paths of `paths` (a missing file's directory resolved), for
 * {@link dirHash}'s `ignored`.
 */
export function realPaths(paths: string[]): Set<string> {
  const real = new Set<string>();
  // Most share one directory, the buildout's: resolved once.
  const dirs = new Map<string, string | undefined>();
  for (const path of paths) {
    const dir = dirname(path);
    if (!dirs.has(dir)) {
      try {
        dirs.set(dir, realpathSync(dir));
      } catch {
        // No such directory: nothing under it to leave out.
        dirs.set(dir, undefined);
      }
    }
    const realDir = dirs.get(dir);
    if (realDir !== undefined) real.add(join(realDir, basename(path)));
  }
  return real;
}

/**
 * MD5 over a directory tree, walked top-down in sorted order: each
 * directory's subdirectory names, its file names, then the files' bytes.
 * Entries whose real path is in `ignored` are left out, and so are the
 * directories holding only such entries (a part's `etc` made for the
 * `etc/app.conf` it recorded).
 *
 * @throws {UserError} naming a file or directory that cannot be read,
 *   such as one whose name is not UTF-8.
 */
export function dirHash(
  dir: string,
  ignored: ReadonlySet<string> = new Set(),
): string {
  const hash = createHash("md5");
  const kept = (path: string, name: string) =>
    !ignored.size || !ignored.has(join(path, name));
  const holders = ancestorsOf(ignored);
  // Directories listed ahead of their walk, to see whether they sign.
  const listings = new Map<string, Listing>();
  const listing = (path: string): Listing => {
    const known = listings.get(path);
    if (known) return known;
    const entries = readdirSync(path, { withFileTypes: true })
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const dirs = entries.filter((e) =>
      e.isDirectory() && !IGNORED_DIRECTORIES.has(e.name) &&
      kept(path, e.name) && !holdsOnlyIgnored(join(path, e.name))
    ).map((e) => e.name);
    // A link to a file counts by what it points to, as in zc.buildout.
    const files = entries.filter((e) =>
      (e.isFile() || e.isSymbolicLink() && linksToFile(join(path, e.name))) &&
      kept(path, e.name)
    ).map((e) => e.name);
    const found = { dirs, files };
    listings.set(path, found);
    return found;
  };
  const holdsOnlyIgnored = (path: string): boolean => {
    if (!holders.has(path)) return false;
    const { dirs, files } = listing(path);
    return dirs.length === 0 && files.length === 0;
  };
  const walk = (path: string) => {
    const { dirs, files } = listing(path);
    listings.delete(path);
    hash.update(dirs.join(" "));
    hash.update(files.join(" "));
    for (const name of files) updateFromFile(join(path, name), [hash]);
    for (const name of dirs) walk(join(path, name));
  };
  try {
    walk(ignored.size ? realpathSync(dir) : dir);
  } catch (err) {
    throw unreadable(err);
  }
  return hash.digest("base64");
}

/** A directory's entries that sign, in sorted order. */
interface Listing {
  dirs: string[];
  files: string[];
}

/** The directories above the paths of `paths`. */
function ancestorsOf(paths: ReadonlySet<string>): Set<string> {
  const above = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); !above.has(dir); dir = dirname(dir)) {
      above.add(dir);
      if (dirname(dir) === dir) break;
    }
  }
  return above;
}

/**
 * True when the link `path` leads to a file. One leading nowhere it can
 * reach (missing, to itself, through a directory not to be searched) is
 * left out, as zc.buildout leaves out what `os.path.exists` denies.
 */
function linksToFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The runtimes list a name that is not UTF-8 with U+FFFD in place of its
 * bytes, a name that then cannot be opened.
 */
function unreadable(err: unknown): unknown {
  const at = (err as { path?: unknown }).path;
  if (typeof at !== "string") return err;
  const reason = at.includes("\uFFFD") &&
      (err as { code?: unknown }).code === "ENOENT"
    ? "its name is not UTF-8"
    : fsReason(err);
  return new UserError(`Couldn't read ${at}: ${reason}`);
}

/**
 * `name-<hash>`, the signature of a develop package; `ignored` as for
 * {@link dirHash}.
 */
export function developSignature(
  name: string,
  dir: string,
  ignored?: ReadonlySet<string>,
): string {
  return `${name}-${dirHash(dir, ignored)}`;
}

/** A distribution as far as its signature is concerned. */
export interface SignedDist {
  name: string;
  version: string;
  dir: string;
  develop: boolean;
}

/**
 * The signature of a recipe from a distribution: `name-version` of it and
 * of each distribution it requires (a develop one signed by its files), so
 * picking another version reinstalls the parts that use it.
 */
export function distributionSignature(
  dists: SignedDist[],
  ignored?: ReadonlySet<string>,
): string {
  return dists.map((d) =>
    d.develop
      ? developSignature(d.name, d.dir, ignored)
      : `${d.name}-${d.version}`
  ).join(" ");
}

/**
 * The project whose egg comes first in a signature zc.buildout wrote
 * (`hexagonit.recipe.download-1.7.1-py2.7.egg setuptools-44.1.1-py2.7.egg`:
 * the recipe's own distribution, then those it requires), as
 * {@link eggProjectKey} spells it; undefined for any other signature.
 */
export function zcBuildoutRecipeProject(signature: string): string | undefined {
  const first = signature.split(" ", 1)[0];
  const egg = /^([^\s-]+)-[^\s-]+-py\d+(?:\.\d+)*(?:-\S+)?\.egg$/.exec(first);
  return egg ? eggProjectKey(egg[1]) : undefined;
}

/**
 * A project name with runs of `-`, `_` and `.` as one `-`, lower-cased (as
 * PEP 503 compares names): eggs made from the wheels of setuptools 75.8.1
 * and later spell `collective.recipe.template` `collective_recipe_template`.
 */
export function eggProjectKey(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
