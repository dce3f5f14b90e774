/**
 * What a path is, following links, false when it cannot be looked at: the
 * checks many modules make, in a module of their own so that none of them
 * pulls another in for it.
 */
import { statSync } from "node:fs";

/** True when `path` is (or links to) a regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True when `path` is (or links to) a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
