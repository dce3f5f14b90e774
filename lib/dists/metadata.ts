/**
 * A distribution's `package.json`: the `buildout` field's entry points
 * (as for develop packages), `buildout.requires`, the requirement strings
 * of the distributions it needs, and `buildout.dependency-links`, where to
 * look for them (setuptools' `dependency_links`).
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fsReason, oneLine, UserError } from "../errors.ts";
import {
  type DevelopPackage,
  type EntryGroup,
  entryGroups,
  pythonProjectFile,
  readPackageJson,
} from "../recipe/package_json.ts";
import type { DistName } from "./archive_name.ts";
import { isUrl } from "./finder.ts";
import {
  parseRequirement,
  projectKey,
  type Requirement,
  unscopedName,
} from "./requirement.ts";
import { compareVersions, isValidVersion } from "./version.ts";

/** A distribution in use: unpacked in the eggs directory, or a develop package. */
export interface Dist extends DevelopPackage {
  key: string;
  version: string;
  /** True for a develop package (signed by its contents, never picked). */
  develop: boolean;
  requires: Requirement[];
  /** Find-links locations (URLs, absolute paths) for what it requires. */
  dependencyLinks: string[];
}

/** Entry points, requirements and dependency links read from a package.json. */
export interface DistMetadata {
  entries: Record<EntryGroup, Record<string, string>>;
  requires: Requirement[];
  dependencyLinks: string[];
}

/**
 * Reads `dir/package.json`; `label` names the distribution in messages
 * (its archive's location). With `expected`, the name and version its
 * archive's file name gives, the package.json's `name` and `version`, when
 * present, must be the same project and version.
 *
 * @throws {UserError} for a missing or invalid package.json, an invalid
 *   `buildout` field, requirement or dependency link, a name or version
 *   that disagrees.
 */
export function readMetadata(
  dir: string,
  label: string,
  expected?: DistName,
): DistMetadata {
  const file = join(dir, "package.json");
  let json: unknown;
  try {
    json = readPackageJson(file);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") {
      const python = pythonProjectFile(dir);
      throw new UserError(
        `The distribution ${label} has no package.json at its top (or in its single top directory)` +
          (python
            ? ` (its ${python} makes it a Python distribution, which buildout cannot run)`
            : ""),
      );
    }
    // A JSON error may quote the file, line breaks and all.
    throw new UserError(
      oneLine(
        `Couldn't read the package.json of the distribution ${label}: ${
          fsReason(err)
        }`,
      ),
    );
  }
  if (expected) checkIdentity(json, label, expected);
  const field = (json as { buildout?: unknown } | null)?.buildout;
  const where = `the package.json of the distribution ${label}`;
  const entries = entryGroups(field, where);
  const list = (field as { requires?: unknown } | undefined)?.requires ?? [];
  if (!Array.isArray(list) || !list.every((r) => typeof r === "string")) {
    throw new UserError(
      `Invalid "buildout.requires" in ${where}: expected a list of requirement strings`,
    );
  }
  const requires = list.map((text: string) => {
    try {
      return parseRequirement(text);
    } catch (err) {
      if (err instanceof UserError) {
        throw new UserError(
          `${err.message} (in "buildout.requires" of ${where})`,
        );
      }
      throw err;
    }
  });
  return { entries, requires, dependencyLinks: dependencyLinks(field, where) };
}

/**
 * `buildout.dependency-links`: URLs or absolute paths, since a relative
 * path has nothing to be relative to once the distribution is unpacked.
 */
function dependencyLinks(field: unknown, where: string): string[] {
  const links = (field as { "dependency-links"?: unknown } | undefined)?.[
    "dependency-links"
  ] ?? [];
  if (
    !Array.isArray(links) ||
    !links.every((l) => typeof l === "string" && (isUrl(l) || isAbsolute(l)))
  ) {
    throw new UserError(
      `Invalid "buildout.dependency-links" in ${where}: expected a list of URLs or absolute paths`,
    );
  }
  return links;
}

/**
 * Refuses a package.json naming another project or version than the file
 * name: the distribution would be installed, and signed, as what it is not.
 * An npm scope (`@scope/spam`, packed as `scope-spam-1.0.tgz`) is part of
 * the name; a version PEP 440 cannot read is not compared.
 */
function checkIdentity(json: unknown, label: string, expected: DistName) {
  const { name, version } = (json ?? {}) as {
    name?: unknown;
    version?: unknown;
  };
  const differ = (what: string, mine: string, theirs: string) =>
    new UserError(
      `The distribution ${label} is ${what} ${mine} by its file name but ${theirs} by its package.json`,
    );
  if (typeof name === "string" && name) {
    const key = projectKey(unscopedName(name));
    if (key !== expected.key) throw differ("named", expected.name, name);
  }
  if (
    typeof version === "string" && isValidVersion(version) &&
    compareVersions(version, expected.version) !== 0
  ) {
    throw differ("version", expected.version, version);
  }
}

/**
 * Checks that every entry point of `metadata` names a module inside `dir`
 * that exists: done once, when the distribution is unpacked.
 *
 * @throws {UserError} naming the first missing module.
 */
export function checkEntryModules(
  dir: string,
  label: string,
  metadata: DistMetadata,
): void {
  for (const [group, map] of Object.entries(metadata.entries)) {
    for (const [entry, target] of Object.entries(map)) {
      const colon = target.lastIndexOf(":");
      const module = colon > 0 ? target.slice(0, colon) : target;
      const path = resolve(dir, module);
      const inside = !relative(dir, path).startsWith("..");
      if (!inside || !existsSync(path)) {
        throw new UserError(
          `The distribution ${label} lacks the module ${module} of entry ` +
            `point '${entry}' in "buildout.${group}" of its package.json`,
        );
      }
    }
  }
}
