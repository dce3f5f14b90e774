/**
 * Whether there is something at a path and what it is (following links),
 * false when it cannot be looked at: the checks many modules make, in a
 * module of their own so that none of them pulls another in for it.
 */
import {
  accessSync,
  constants,
  lstatSync,
  type Stats,
  statSync,
} from "node:fs";

/** True when something (even a dangling link) is at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is (or links to) a regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * True when `a` and `b` (links followed) are one file or directory, reached
 * by two paths; false when either cannot be looked at.
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
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

/**
 * What `stat` describes when it is a device, FIFO or socket: something
 * whose reading may block until a writer comes, or never end.
 *
 * @example specialKind(statSync("/dev/zero")) // "character device"
 */
export function specialKind(stat: Stats): string | undefined {
  if (stat.isCharacterDevice()) return "character device";
  if (stat.isBlockDevice()) return "block device";
  if (stat.isFIFO()) return "FIFO";
  if (stat.isSocket()) return "socket";
  return undefined;
}

/**
 * What `path` (links followed) is when it is a device, FIFO or socket;
 * undefined for anything else, and when it cannot be looked at.
 */
export function specialFile(path: string): string | undefined {
  try {
    return specialKind(statSync(path));
  } catch {
    return undefined;
  }
}

/** True when this user may read `path`. */
export function isReadable(path: string): boolean {
  return allowed(path, constants.R_OK);
}

/** True when this user may create files in, or write, `path`. */
export function isWritable(path: string): boolean {
  return allowed(path, constants.W_OK);
}

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
