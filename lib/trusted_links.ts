/**
 * Paths followed only through symbolic links nobody else could have
 * planted. Runs change owners and modes and remove recorded paths, often as
 * root, in directories other users may write: a service user owning a
 * part's `var` directory could replace `var/log` with a link to `/etc` and
 * have the next run hand `/etc` over, or remove what it points into. A link
 * is followed when owned by root, by the user running, or by the owner of
 * the buildout directory (who can change what the run does anyway).
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  lstatSync,
  openSync,
  readlinkSync,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fsReason, oneLine, UserError } from "./errors.ts";

/** Links followed when resolving one path (Linux's own limit). */
const MAX_LINKS = 40;

/** A symbolic link no trusted user owns, met on the way to a path. */
export class UntrustedLink extends UserError {
  constructor(readonly link: string, readonly owner: number) {
    super(
      `${oneLine(link)} is a symbolic link owned by user ${owner}, ` +
        "not by root, " +
        "the user running buildout or the buildout directory's owner",
    );
  }
}

/** The owners whose links a run in `directory` follows. */
export function trustedOwners(directory: string): Set<number> {
  const owners = new Set([0]);
  const euid = process.geteuid?.();
  if (euid !== undefined) owners.add(euid);
  try {
    owners.add(statSync(directory).uid);
  } catch {
    // No buildout directory yet: nothing in it to follow either.
  }
  return owners;
}

/**
 * `path` (made absolute) with every symbolic link on the way resolved, as
 * `realpath` does, provided `trusted` owns each; the part from the first
 * missing component on is kept as written.
 *
 * @throws {UntrustedLink} naming the first link another user owns.
 * @throws {UserError} for a loop of links.
 */
export function trustedRealPath(path: string, trusted: Set<number>): string {
  const pending = resolve(path).split("/").filter(Boolean).reverse();
  let done = "/";
  let links = 0;
  while (pending.length) {
    const name = pending.pop()!;
    if (name === ".") continue;
    if (name === "..") {
      done = dirname(done);
      continue;
    }
    const next = join(done, name);
    let stat;
    try {
      stat = lstatSync(next);
    } catch {
      return join(next, ...pending.reverse());
    }
    if (!stat.isSymbolicLink()) {
      done = next;
      continue;
    }
    if (!trusted.has(stat.uid)) throw new UntrustedLink(next, stat.uid);
    if (++links > MAX_LINKS) {
      throw new UserError(
        `Too many levels of symbolic links in ${oneLine(path)}`,
      );
    }
    const target = readlinkSync(next);
    if (target.startsWith("/")) done = "/";
    pending.push(...target.split("/").filter(Boolean).reverse());
  }
  return done;
}

/**
 * The file `path` of the buildout in `directory` (by default the file's
 * own directory) with its links resolved, each made by a trusted owner.
 *
 * @throws {UntrustedLink} naming the first link another user owns.
 */
export function trustedFile(
  path: string,
  directory: string = dirname(path),
): string {
  return trustedRealPath(path, trustedOwners(directory));
}

/**
 * Flags that open a file `trustedFile` resolved for appending: a link
 * put at its name since then is not followed.
 */
export const APPEND_RESOLVED = constants.O_WRONLY | constants.O_APPEND |
  constants.O_NOFOLLOW;

/**
 * Sets the mode and/or owner of the directory `path`, reached through
 * trusted links only, on the directory opened, so that a component
 * replaced meanwhile changes nothing elsewhere.
 *
 * @throws {UntrustedLink} for a link another user owns on the way.
 * @throws {UserError} when `path` changed while being opened, or cannot be
 *   opened or changed.
 */
export function setDirectoryPermissions(
  path: string,
  trusted: Set<number>,
  mode: number | undefined,
  uid: number,
  gid: number,
): void {
  const real = trustedRealPath(path, trusted);
  let fd;
  try {
    fd = openSync(
      real,
      constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
    );
  } catch (err) {
    throw new UserError(
      `Couldn't open ${oneLine(path)}: ${oneLine(fsReason(err))}`,
    );
  }
  try {
    // O_NOFOLLOW guards the last component only: where /proc tells what
    // was opened, a directory on the way swapped for a link shows.
    let opened = real;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // No /proc: the last component is still never a link.
    }
    if (opened !== real) {
      throw new UserError(
        `${oneLine(path)} changed while its permissions were set`,
      );
    }
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      if (uid !== -1 || gid !== -1) fchownSync(fd, uid, gid);
    } catch (err) {
      throw new UserError(
        `Couldn't set permissions of ${oneLine(path)}: ${
          oneLine(fsReason(err))
        }`,
      );
    }
  } finally {
    closeSync(fd);
  }
}
