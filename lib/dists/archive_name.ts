/**
 * Distribution file and directory names: `<name>-<version>.<ext>` for
 * archives (`.tgz`, `.tar.gz`, `.tar.bz2`, `.tar.xz`, `.zip`), as
 * `npm pack` and the reference's link servers name them, and
 * `<name>-<version>` for unpacked distributions in the eggs directory.
 */
import { isProjectName, projectKey } from "./requirement.ts";
import { isValidVersion } from "./version.ts";

/** Archive extensions a distribution may have, longest first. */
export const ARCHIVE_EXTENSIONS = [
  ".tar.bz2",
  ".tar.gz",
  ".tar.xz",
  ".tgz",
  ".zip",
];

/** A name and version read from a file or directory name. */
export interface DistName {
  name: string;
  key: string;
  version: string;
}

/**
 * Splits `<name>-<version>` at the first `-` followed by a valid version
 * (names may hold dashes and digits: `my-recipe-2-1.0.0-beta.1` is
 * `my-recipe-2` `1.0.0-beta.1`).
 *
 * ```ts
 * parseDistName("demoneeded-1.2c1") // {name: "demoneeded", version: "1.2c1", ...}
 * ```
 */
export function parseDistName(stem: string): DistName | undefined {
  for (
    let dash = stem.indexOf("-");
    dash > 0;
    dash = stem.indexOf("-", dash + 1)
  ) {
    const name = stem.slice(0, dash);
    const version = stem.slice(dash + 1);
    if (!/^v?\d/i.test(version) || !isValidVersion(version)) continue;
    if (!isProjectName(name)) return undefined;
    return { name, key: projectKey(name), version };
  }
  return undefined;
}

/** The archive extension of `filename`, if it has one of ours. */
export function archiveExtension(filename: string): string | undefined {
  const lower = filename.toLowerCase();
  return ARCHIVE_EXTENSIONS.find((ext) => lower.endsWith(ext));
}

/** Name and version of an archive file name; undefined for anything else. */
export function parseArchiveName(filename: string): DistName | undefined {
  const ext = archiveExtension(filename);
  if (!ext) return undefined;
  return parseDistName(filename.slice(0, -ext.length));
}

/**
 * Name and version of a link's `#egg=NAME-VERSION` fragment (`fragment`
 * with its `#`), which setuptools, and so zc.buildout, read for a link
 * whose file name names no distribution (`.../tarball/master`).
 *
 * ```ts
 * parseEggFragment("#egg=spam-1.0") // {name: "spam", version: "1.0", ...}
 * ```
 */
export function parseEggFragment(fragment: string): DistName | undefined {
  const found = /^#egg=([-A-Za-z0-9_.+!]+)$/.exec(fragment);
  return found ? parseDistName(found[1]) : undefined;
}

/**
 * The project key of a Python distribution file, a wheel
 * (`zc.recipe.egg-2.0.3-py2.py3-none-any.whl`) or an egg
 * (`spam-1.0-py2.7.egg`): no archive of ours, but named in errors when
 * nothing else is offered, since zc.buildout configurations point at them.
 *
 * ```ts
 * pythonDistKey("zc_recipe_egg-2.0-py3-none-any.whl") // "zc-recipe-egg"
 * ```
 */
export function pythonDistKey(filename: string): string | undefined {
  const found = /^([^-]+)-\d[^-]*(?:-[^-]+)*\.(?:whl|egg)$/i.exec(filename);
  return found && isProjectName(found[1]) ? projectKey(found[1]) : undefined;
}
