/** Copies of local directories the download utility hands out or caches. */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  type Stats,
  statSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { copyFile } from "./copy_file.ts";

const SETGID = 0o2000;

/**
 * Copies the directory `source` to `target` (a new name), as zc.buildout's
 * `shutil.copytree` copies it: files and directories keep their
 * modification times (make compares a source tree's), each directory's
 * set once its contents are written. Symbolic links are copied as they
 * are. Modes are kept as {@link copyFile} keeps a file's, less setuid,
 * setgid and sticky bits and what the umask forbids (a directory keeps the
 * setgid bit a group-shared parent gives it). Devices, FIFOs and sockets
 * are left out, as unpacking the directory leaves them out.
 *
 * ```ts
 * copyTree("src/lib-1.0", "downloads/.tmp-lib-1.0");
 * ```
 * @throws {UserError} for a file that cannot be read; other file system
 *   errors are left to the caller to name.
 */
export function copyTree(source: string, target: string): void {
  copyDirectory(source, statSync(source), target, process.umask());
}

function copyDirectory(
  source: string,
  stat: Stats,
  target: string,
  umask: number,
): void {
  // Private until its contents are in, which a read-only mode would refuse.
  mkdirSync(target, 0o700);
  const inherited = statSync(target).mode & SETGID;
  for (const name of readdirSync(source)) {
    const from = join(source, name);
    const to = join(target, name);
    const entry = lstatSync(from);
    if (entry.isDirectory()) {
      copyDirectory(from, entry, to, umask);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else if (entry.isFile()) {
      copyFile(from, to);
      utimesSync(to, entry.atime, entry.mtime);
    }
  }
  chmodSync(target, stat.mode & 0o777 & ~umask | inherited);
  utimesSync(target, stat.atime, stat.mtime);
}
