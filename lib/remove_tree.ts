/**
 * Removal of recorded paths: a file, with the file system's own error when
 * it refuses, and a directory tree that holds read-only directories: Go's
 * module cache, a tree packed from a read-only store or an archive's `r-x`
 * directories refuse a recursive remove to anyone but root. As
 * zc.buildout's `rmtree` makes what refuses removal writable and tries
 * again, the directories of the tree the user running owns are given
 * owner write and search permission, and the removal is tried once more.
 */
import { chmodSync, lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { removePath } from "./remove_path.ts";

/**
 * Removes `path` and everything under it; nothing if it does not exist.
 *
 * @throws the file system's error when it still refuses.
 */
export function removeTree(path: string): void {
  try {
    removePath(path, { recursive: true, force: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code !== "EACCES" && code !== "EPERM") || !unlock(path)) throw err;
    removePath(path, { recursive: true, force: true });
  }
}

/**
 * Removes the file (or link) `path`; nothing if it does not exist.
 * `unlink`, not a forced `rm`: Bun reports a refused forced `rm` (EPERM:
 * another user's file in a sticky directory, an immutable file) as EFAULT,
 * "bad address", and Deno's error names no path.
 *
 * @throws the file system's error when it refuses.
 */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
}

/**
 * Gives the owner full permissions on the directories under `path` (itself
 * included) that the user running owns and lacks them on; whether any
 * changed. Links are not followed; a loop, not recursion, walks a deep tree.
 */
function unlock(path: string): boolean {
  const uid = process.getuid?.();
  let changed = false;
  const pending = [path];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    try {
      const stat = lstatSync(dir);
      if (!stat.isDirectory()) continue;
      if (stat.uid === uid && (stat.mode & 0o700) !== 0o700) {
        chmodSync(dir, (stat.mode & 0o7777) | 0o700);
        changed = true;
      }
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) pending.push(join(dir, entry.name));
      }
    } catch {
      // Another user's directory, or gone meanwhile: the retry says.
    }
  }
  return changed;
}
