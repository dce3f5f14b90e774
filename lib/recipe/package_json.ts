/**
 * The `package.json` of a develop package or distribution: its name,
 * version and the entry points of its `buildout` field, and the
 * `.egg-link` files naming develop packages' directories.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { unscopedName } from "../dists/requirement.ts";
import { pyRepr } from "../pyrepr.ts";
import { readPlainFile } from "../read_file.ts";

/** Entry point groups of a develop package. */
export type EntryGroup = "recipes" | "uninstall" | "extensions" | "unload";

/** A develop package as its `package.json` describes it. */
export interface DevelopPackage {
  name: string;
  /** The package.json `version`, when it has one. */
  version?: string;
  dir: string;
  entries: Record<EntryGroup, Record<string, string>>;
  /** True when its `buildout.requires` lists a distribution. */
  declaresRequires?: boolean;
}

/**
 * The file that makes `dir` a Python project (what zc.buildout develops
 * and installs), if it has one: named in errors, since it cannot be run.
 */
export function pythonProjectFile(dir: string): string | undefined {
  return PYTHON_PROJECT_FILES.find((name) => existsSync(join(dir, name)));
}

const PYTHON_PROJECT_FILES = [
  "setup.py",
  "pyproject.toml",
  "setup.cfg",
  "PKG-INFO",
];

/**
 * The JSON value of the package.json `file`. A byte order mark before it
 * (Windows editors write one) is skipped, as npm and Node skip it.
 */
export function readPackageJson(file: string): unknown {
  const text = readPlainFile(file, "utf8");
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * Reads `dir/package.json`. Its `name` is the package's, an npm scope's
 * `@scope/spam` being `scope-spam` (as for distributions); without one,
 * the directory's name.
 *
 * @throws {UserError} when it is missing, not a JSON object, its name
 *   holds another `/` (it names the package's link file), a line break or
 *   a NUL, or its `buildout` field is not a map of groups to maps of
 *   strings with a list of strings as `requires`.
 */
export function readPackage(dir: string): DevelopPackage {
  const file = join(dir, "package.json");
  let json: unknown;
  try {
    json = readPackageJson(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTDIR") {
      // A file develop names (zc.buildout takes a setup script's path).
      const name = basename(dir);
      throw new UserError(
        `${
          oneLine(dir)
        } is not a develop package: it is a file, not a package's directory or its package.json` +
          (PYTHON_PROJECT_FILES.includes(name)
            ? ` (a ${name} makes a Python project, which buildout cannot develop)`
            : ""),
      );
    }
    if (code === "ENOENT") {
      const python = pythonProjectFile(dir);
      throw new UserError(
        `${oneLine(dir)} is not a develop package: it has no package.json` +
          (python
            ? ` (its ${python} makes it a Python project, which buildout cannot develop)`
            : ""),
      );
    }
    throw new UserError(
      oneLine(`Couldn't read ${file}: ${fsReason(err)}`),
    );
  }
  // An array or a string has no fields: its recipes would be reported
  // missing one by one, where the file is what is wrong.
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UserError(`Invalid ${oneLine(file)}: expected a JSON object`);
  }
  const meta = json as {
    name?: unknown;
    version?: unknown;
    buildout?: unknown;
  };
  const name = typeof meta.name === "string" && meta.name
    ? unscopedName(meta.name)
    : basename(dir);
  // The name names the package's link file; a line break would split the
  // database's list of links, and no file name holds a NUL.
  if (/[/\n\r\0]/.test(name)) {
    throw new UserError(
      `Invalid "name" in ${file}: ${clipped(name, pyRepr)} holds ${
        name.includes("/")
          ? "a '/' (only an npm scope's '@scope/name' may, known as " +
            "'scope-name')"
          : name.includes("\0")
          ? "a NUL character"
          : "a line break"
      }`,
    );
  }
  const version = typeof meta.version === "string" ? meta.version : undefined;
  const requires = (meta.buildout as { requires?: unknown } | null)?.requires;
  // A string (as setuptools takes `install_requires`) would be skipped, and
  // the recipe would run without what it requires.
  if (
    requires !== undefined &&
    (!Array.isArray(requires) || requires.some((r) => typeof r !== "string"))
  ) {
    throw new UserError(
      `Invalid "buildout.requires" in ${file}: expected a list of requirement strings`,
    );
  }
  return {
    name,
    version,
    dir,
    entries: entryGroups(meta.buildout, file),
    declaresRequires: Array.isArray(requires) && requires.length > 0,
  };
}

/** What a package.json `buildout` field may hold. */
const BUILDOUT_FIELD_KEYS = [
  "recipes",
  "uninstall",
  "extensions",
  "unload",
  "requires",
  "dependency-links",
];
const BUILDOUT_FIELD_LIST = `"${BUILDOUT_FIELD_KEYS.join('", "')}"`;

/**
 * The entry point groups of a package.json `buildout` field; `where`
 * names the file in messages.
 *
 * @throws {UserError} when the field is not an object, holds a key it may
 *   not (a misspelt group would otherwise leave the package silently
 *   without recipes), or a group is not a map of names to module paths.
 */
export function entryGroups(
  buildoutField: unknown,
  where: string,
): Record<EntryGroup, Record<string, string>> {
  if (
    buildoutField !== undefined &&
    (typeof buildoutField !== "object" || Array.isArray(buildoutField))
  ) {
    throw new UserError(
      `Invalid "buildout" in ${where}: expected an object with ${BUILDOUT_FIELD_LIST}`,
    );
  }
  const field = (buildoutField ?? {}) as Record<string, unknown>;
  for (const key in field) {
    if (!BUILDOUT_FIELD_KEYS.includes(key)) {
      throw new UserError(
        `Invalid "buildout" in ${where}: unknown key ${
          JSON.stringify(key)
        } (it may hold ${BUILDOUT_FIELD_LIST})`,
      );
    }
  }
  return {
    recipes: entryGroup(field, "recipes", where),
    uninstall: entryGroup(field, "uninstall", where),
    extensions: entryGroup(field, "extensions", where),
    unload: entryGroup(field, "unload", where),
  };
}

/** One group of {@link entryGroups}. */
function entryGroup(
  field: Record<string, unknown>,
  group: EntryGroup,
  where: string,
): Record<string, string> {
  const map = field[group] ?? {};
  let valid = typeof map === "object" && !Array.isArray(map);
  // A loop, not Object.values().every(): this runs for every distribution.
  if (valid) {
    for (const key in map as object) {
      if (typeof (map as Record<string, unknown>)[key] !== "string") {
        valid = false;
      }
    }
  }
  if (!valid) {
    throw new UserError(
      `Invalid "buildout.${group}" in ${where}: expected a map of entry point names to module paths`,
    );
  }
  return map as Record<string, string>;
}

/**
 * The module path entry point `entry` of a group names, if the package
 * declares it: a name such as `constructor` or `toString` is no entry
 * point just because every object inherits it.
 */
export function entryTarget(
  group: Record<string, string>,
  entry: string,
): string | undefined {
  return Object.hasOwn(group, entry) ? group[entry] : undefined;
}

/**
 * The directory a `<name>.egg-link` names: absolute, or relative to the
 * link's directory when a relocatable buildout wrote it, so that a moved
 * buildout still finds its develop packages before it links them again
 * (extensions load first).
 *
 * @throws {UserError} `Couldn't read LINK: REASON` when the link cannot be
 *   read (a FIFO or a directory in its place).
 */
export function eggLinkTarget(link: string): string {
  let text;
  try {
    text = readPlainFile(link, "utf8");
  } catch (err) {
    throw new UserError(oneLine(`Couldn't read ${link}: ${fsReason(err)}`));
  }
  // Spaces are the directory name's: only a line end written on Windows
  // is not.
  return resolve(dirname(link), text.split("\n")[0].replace(/\r$/, ""));
}
