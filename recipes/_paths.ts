/**
 * File system helpers shared by the built-in recipes: temporary
 * siblings (so a rename puts a finished result in place), tree removal,
 * read-only trees, file and directory tests.
 */
import { randomBytes } from "../lib/lazy_crypto.ts";
import { chmodSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { oneLine, UserError } from "../lib/errors.ts";
import { urlPath } from "../lib/fetch/url_path.ts";
import { isDirectory, isFile } from "../lib/fs_kinds.ts";

export { isDirectory, isFile };

/**
 * A path that does not exist yet, next to `path` (same directory, so same
 * file system): `<dir>/.<name>.buildout-<random>`, `<name>` cut to 100
 * characters so that any name the file system holds has a temporary.
 */
export function siblingTemp(path: string): string {
  return join(
    dirname(path),
    `.${basename(path).slice(0, 100)}.buildout-${
      randomBytes(6).toString("hex")
    }`,
  );
}

/** Removes a file, link or directory tree; nothing if it does not exist. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** True when something (even a dangling link) is at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The single directory inside `dir` when `dir` holds exactly one entry and
 * it is a directory; else `dir`. What the cmmi recipes build in.
 */
export function singleDirectory(dir: string): string {
  const entries = readdirSync(dir);
  if (entries.length === 1 && isDirectory(join(dir, entries[0]))) {
    return join(dir, entries[0]);
  }
  return dir;
}

/** Clears the write bits of `path` and everything under it (not links). */
export function makeReadOnly(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    for (const name of readdirSync(path)) makeReadOnly(join(path, name));
  }
  chmodSync(path, stat.mode & 0o555);
}

/**
 * The name of the file downloaded from `url` when placed as it is: the
 * last segment of its path, as Python's `urlparse(url)[2].split('/')[-1]`.
 *
 * @throws {UserError} when the path ends in `/`, `.` or `..`, which would
 *   name the directory the file goes into (or its parent).
 */
export function urlFileName(url: string): string {
  const name = urlPath(url).split("/").pop() ?? "";
  if (name === "" || name === "." || name === "..") {
    throw new UserError(oneLine(`The URL ${url} names no file`));
  }
  return name;
}
