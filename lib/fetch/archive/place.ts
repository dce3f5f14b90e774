/**
 * Moves what was unpacked into a temporary directory to its destination:
 * the whole directory by one rename when the destination does not exist,
 * otherwise entry by entry, merging into existing directories. Every
 * conflict is found before anything moves.
 */
import {
  chmodSync,
  lstatSync,
  readdirSync,
  renameSync,
  type Stats,
  statSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { trustedOwners, UntrustedLink } from "../../trusted_links.ts";
import { UserError } from "../../errors.ts";
import { ArchiveError } from "./errors.ts";
import { removePath } from "../../remove_path.ts";

/** What to do with a top-level entry that already exists. */
export type OnExisting = (path: string) => "merge" | "skip";

/** What {@link place} did. */
export interface Placed {
  /** Top-level entries that did not exist before, absolute. */
  added: string[];
  /** Each moved path, relative to the temporary root, → where it went. */
  moved: Map<string, string>;
}

function lstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Moves the entries of `root/top` (the whole temporary root when `top` is
 * "") into `destination`, telling `onCreating` of each path it is about
 * to create there (the destination, or each new top-level entry).
 *
 * @throws {UserError} when the destination is not a directory, or an
 *   existing entry cannot be merged with the archive's
 */
export function place(
  archive: string,
  root: string,
  top: string,
  destination: string,
  onExisting: OnExisting = () => "merge",
  onCreating: (path: string) => void = () => {},
): Placed {
  const source = top === "" ? root : join(root, top);
  const moved = new Map<string, string>();
  const existing = lstat(destination);
  if (existing === undefined) {
    onCreating(destination);
    renameSync(source, destination);
    // a new destination gets the default mode, not the archive's or
    // mkdtemp's: with the setgid bit when made in a group-shared directory
    const inherited = statSync(destination).mode & 0o2000;
    chmodSync(destination, 0o777 & ~process.umask() | inherited);
    moved.set(top, destination);
    return {
      added: readdirSync(destination).sort().map((n) => join(destination, n)),
      moved,
    };
  }
  // a symlink to a directory is one, as the recipes' os.path.isdir sees it
  if (
    !existing.isDirectory() &&
    !statSync(destination, { throwIfNoEntry: false })?.isDirectory()
  ) {
    throw new UserError(
      `Couldn't extract ${archive}: ${destination} exists and is not a directory`,
    );
  }
  // when a trusted user made it (recipes run in the buildout directory),
  // not another who planted it to have the files written elsewhere
  if (
    existing.isSymbolicLink() && !trustedOwners(process.cwd()).has(existing.uid)
  ) {
    throw new UntrustedLink(destination, existing.uid);
  }
  const moves: Array<[string, string]> = [];
  const added: string[] = [];
  for (const name of readdirSync(source).sort()) {
    const from = top === "" ? name : `${top}/${name}`;
    const target = join(destination, name);
    if (lstat(target) === undefined) {
      moves.push([from, target]);
      added.push(target);
    } else if (onExisting(target) === "merge") {
      plan(archive, root, from, target, moves);
    }
  }
  for (const target of added) onCreating(target);
  const done: string[] = [];
  try {
    for (const [from, target] of moves) {
      renameSync(join(root, from), target);
      moved.set(from, target);
      done.push(target);
    }
  } catch (err) {
    for (const target of done) {
      if (added.includes(target)) {
        removePath(target, { recursive: true, force: true });
      }
    }
    throw err;
  }
  return { added, moved };
}

/** Adds the moves merging `root/from` into the existing `target`. */
function plan(
  archive: string,
  root: string,
  from: string,
  target: string,
  moves: Array<[string, string]>,
): void {
  const ours = lstatSync(join(root, from));
  const theirs = lstat(target);
  if (theirs === undefined) {
    moves.push([from, target]);
    return;
  }
  if (ours.isDirectory() !== theirs.isDirectory()) {
    throw new ArchiveError(
      archive,
      `cannot be merged into ${target}: one is a directory, the other is not`,
      from,
    );
  }
  if (!ours.isDirectory()) {
    moves.push([from, target]);
    return;
  }
  for (const name of readdirSync(join(root, from)).sort()) {
    plan(archive, root, `${from}/${name}`, join(target, name), moves);
  }
}

/**
 * Where the directory `key` (relative to the temporary root) ended up, or
 * undefined when it was not moved (merged into an existing one, skipped).
 */
export function finalPath(placed: Placed, key: string): string | undefined {
  let ancestor = key;
  for (;;) {
    const target = placed.moved.get(ancestor);
    if (target !== undefined) {
      return ancestor === key
        ? target
        : join(target, key.slice(ancestor.length));
    }
    if (ancestor === "") return undefined;
    const slash = ancestor.lastIndexOf("/");
    ancestor = slash < 0 ? "" : ancestor.slice(0, slash);
  }
}
