/**
 * File system helpers shared by the built-in recipes: copies that reach
 * their place by rename, tree removal, read-only trees, file and directory
 * tests.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
} from "node:fs";
import { join } from "node:path";
import {
  clipped,
  fsReason,
  isSystemError,
  oneLine,
  UserError,
} from "../lib/errors.ts";

import { copyFile } from "../lib/fetch/copy_file.ts";
import { hiddenTemp } from "../lib/fetch/hidden_temp.ts";
import { removeTempFile, untrackTempFile } from "../lib/fetch/temp_files.ts";
import { urlPath } from "../lib/fetch/url_path.ts";
import { exists, isDirectory, isFile, isReadable } from "../lib/fs_kinds.ts";
import { removeTree as removeWholeTree } from "../lib/remove_tree.ts";

export { exists, isDirectory, isFile };

/**
 * Copies the file `source` to `target` through a hidden temporary next to
 * it (removed if the run is interrupted, swept by a later run if killed),
 * given `mode` when set and renamed over `target` once complete; never
 * readable by more users than `mode` allows on its way.
 *
 * @throws {UserError} naming `target` when it cannot be written (a full,
 *   read-only or forbidden directory), or `source` when it cannot be read.
 */
export function copyInto(source: string, target: string, mode?: number): void {
  const temp = hiddenTemp(target);
  // A copy has the source's bits until given `mode`: with one (600 for a
  // credential), it is made in a directory only the user may enter.
  const copy = mode === undefined ? temp : join(temp, "copy");
  try {
    if (mode !== undefined) mkdirSync(temp, 0o700);
    copyFile(source, copy);
    if (mode !== undefined) chmodSync(copy, mode);
    renameSync(copy, target);
    if (mode !== undefined) rmdirSync(temp);
    untrackTempFile(temp);
  } catch (err) {
    // Never throws: on a read-only file system even removing a file that
    // is not there fails, and that must not hide why the copy failed.
    removeTempFile(temp);
    if (!isSystemError(err)) throw err;
    if (err.code === "ENAMETOOLONG") {
      throw new UserError(`File name too long: ${clipped(target)}`);
    }
    // A copy's error names its source whichever side failed, and the
    // temporary as its target: the message names the file to look at.
    throw isReadable(source)
      ? new UserError(oneLine(`Couldn't write ${target}: ${fsReason(err)}`))
      : new UserError(oneLine(`Couldn't read ${source}: ${fsReason(err)}`));
  }
}

/** Removes a file, link or directory tree; nothing if it does not exist. */
export function removeTree(path: string): void {
  try {
    removeWholeTree(path);
  } catch (err) {
    // Nothing is below a file (parts is one): what creates the path next
    // reports it in words. force ignores only ENOENT.
    if ((err as { code?: string }).code !== "ENOTDIR") throw err;
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
    throw new UserError(`The URL ${clipped(url)} names no file`);
  }
  return name;
}
