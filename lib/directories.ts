/** Creating directories: the buildout's standard ones, and any a recipe needs. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { clipped, fsReason, oneLine, UserError } from "./errors.ts";
import { isDirectory } from "./fs_kinds.ts";
import { pyRepr } from "./pyrepr.ts";
import { logger } from "./log.ts";
import { whatStandsAt } from "./what_stands_at.ts";

/** The directories every buildout has, as `<name>-directory` options. */
export const STANDARD_DIRECTORIES = ["bin", "parts", "eggs", "develop-eggs"];

/**
 * Creates `dir` and its missing parents.
 *
 * @throws {UserError} when the file system refuses, or a file or a
 *   dangling link is in the way.
 */
export function makeDirectories(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const found = code === "EEXIST" || code === "ENOENT"
      ? inTheWay(dir)
      : undefined;
    throw new UserError(
      `Couldn't create directory ${clipped(dir)}: ${
        oneLine(found ?? fsReason(err))
      }`,
    );
  }
}

/**
 * What stands where `dir` or one of its parents should be a directory: a
 * file, or a dangling link (a disk not mounted), which "file exists" or
 * "no such file or directory" would not name; undefined when nothing does.
 */
function inTheWay(dir: string): string | undefined {
  for (let path = dir; !isDirectory(path); path = dirname(path)) {
    const found = whatStandsAt(path, "directory");
    if (found !== undefined) {
      return path === dir ? `it ${found}` : `${clipped(path)} ${found}`;
    }
    if (dirname(path) === path) break;
  }
  return undefined;
}

/**
 * Creates the standard directories `main` (the `[buildout]` section) names
 * that are missing, saying `Creating directory '...'.` for each, as
 * zc.buildout does.
 */
export function createStandardDirectories(
  main: { require(option: string): string },
): void {
  for (const name of STANDARD_DIRECTORIES) {
    createDirectory(main.require(`${name}-directory`));
  }
}

/** Creates `path` if missing, saying `Creating directory '...'.`. */
export function createDirectory(path: string): void {
  if (existsSync(path)) return;
  logger.info(`Creating directory ${pyRepr(path)}.`);
  makeDirectories(path);
}
