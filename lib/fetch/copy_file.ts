/** Copies of downloaded and cached files. */
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  openSync,
  statSync,
} from "node:fs";
import process from "node:process";
import { fsReason, oneLine, UserError } from "../errors.ts";
import { specialFile } from "../fs_kinds.ts";

/**
 * Copies the file `source` to `target` (a new name: it may be cloned),
 * keeping the permission bits `source` has that the umask allows, less
 * setuid, setgid and sticky bits: a file another user planted in a shared
 * download cache (its content the checksum expects) must not become a
 * setuid or world-writable file of the user running, as GNU tar extracts
 * for users other than root.
 *
 * @throws {UserError} when `source` is a device, FIFO or socket: reading
 *   one would block the run where no signal ends it (a FIFO without a
 *   writer), or never end (/dev/zero); and when `source` cannot be read.
 *   What writing `target` throws is left to the caller to name.
 */
export function copyFile(source: string, target: string): void {
  const special = specialFile(source);
  if (special) {
    throw new UserError(
      oneLine(`Couldn't read ${source}: it is a ${special}, not a file`),
    );
  }
  try {
    copyFileSync(source, target, constants.COPYFILE_FICLONE);
  } catch (err) {
    refuseUnreadable(source);
    throw err;
  }
  const mode = statSync(target).mode & 0o7777;
  const kept = mode & 0o777 & ~process.umask();
  if (kept !== mode) chmodSync(target, kept);
}

/**
 * Refuses a `source` that cannot be opened for reading: a failed copy's
 * error does not say which of its two files it failed on.
 */
function refuseUnreadable(source: string): void {
  let fd: number;
  try {
    fd = openSync(source, "r");
  } catch (err) {
    throw new UserError(oneLine(`Couldn't read ${source}: ${fsReason(err)}`));
  }
  closeSync(fd);
}
