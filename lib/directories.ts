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
    const blocked = blockedBy(dir, err);
    const reason = blocked === undefined
      ? fsReason(err)
      : blocked.path === dir
      ? `it ${blocked.found}`
      : `${clipped(blocked.path)} ${blocked.found}`;
    throw new UserError(
      `Couldn't create directory ${clipped(dir)}: ${oneLine(reason)}`,
    );
  }
}

/**
 * What stands where `dir` or one of its parents should be a directory,
 * named (`/srv/bin is a file, not a directory`), when `err`, from writing
 * into `dir`, would not name it; undefined otherwise.
 *
 * @example inTheWayOf("/srv/bin", err) // "/srv/bin is a file, not a directory"
 */
export function inTheWayOf(dir: string, err: unknown): string | undefined {
  const blocked = blockedBy(dir, err);
  return blocked && `${clipped(blocked.path)} ${blocked.found}`;
}

/** {@link blocker} of `dir` when `err` is one of {@link BLOCKED}. */
function blockedBy(
  dir: string,
  err: unknown,
): { path: string; found: string } | undefined {
  return BLOCKED.has(codeOf(err)) ? blocker(dir) : undefined;
}

/**
 * The errors where something other than a directory stands in a path:
 * "file exists", "not a directory" (a file as a parent), and "no such file
 * or directory" (a dangling link as a parent).
 */
const BLOCKED = new Set(["EEXIST", "ENOTDIR", "ENOENT"]);

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? "";
}

/**
 * What stands where `dir` or one of its parents should be a directory: a
 * file, or a dangling link (a disk not mounted); undefined when nothing
 * does.
 */
function blocker(dir: string): { path: string; found: string } | undefined {
  for (let path = dir; !isDirectory(path); path = dirname(path)) {
    const found = whatStandsAt(path, "directory");
    if (found !== undefined) return { path, found };
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
