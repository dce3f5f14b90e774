/** Creating directories: the buildout's standard ones, and any a recipe needs. */
import { existsSync, mkdirSync } from "node:fs";
import { clipped, fsReason, oneLine, UserError } from "./errors.ts";
import { pyRepr } from "./pyrepr.ts";
import { logger } from "./log.ts";

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
    throw new UserError(
      `Couldn't create directory ${clipped(dir)}: ${oneLine(fsReason(err))}`,
    );
  }
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
