/** Copies of downloaded and cached files. */
import { chmodSync, constants, copyFileSync, statSync } from "node:fs";
import process from "node:process";

/**
 * Copies the file `source` to `target` (a new name: it may be cloned),
 * keeping the permission bits `source` has that the umask allows, less
 * setuid, setgid and sticky bits: a file another user planted in a shared
 * download cache (its content the checksum expects) must not become a
 * setuid or world-writable file of the user running, as GNU tar extracts
 * for users other than root.
 */
export function copyFile(source: string, target: string): void {
  copyFileSync(source, target, constants.COPYFILE_FICLONE);
  const mode = statSync(target).mode & 0o7777;
  const kept = mode & 0o777 & ~process.umask();
  if (kept !== mode) chmodSync(target, kept);
}
