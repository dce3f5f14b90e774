/**
 * What stands at a path that is not what was wanted, in words: "file
 * exists" or "is a directory" from the file system hides a dangling link
 * (a shared disk not mounted) or which kind of file is in the way.
 */
import { lstatSync, readlinkSync, statSync } from "node:fs";
import { clipped, fsReason } from "./errors.ts";
import { specialKind } from "./fs_kinds.ts";
import { pyRepr } from "./pyrepr.ts";

/**
 * What is at `path` in words, for a path that is no readable `wanted`;
 * undefined when nothing is there.
 *
 * @example whatStandsAt("/etc/hostname", "directory") // "is a file, not a directory"
 */
export function whatStandsAt(
  path: string,
  wanted: "file" | "directory",
): string | undefined {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    return `cannot be looked at: ${fsReason(err)}`;
  }
  if (stat.isSymbolicLink()) {
    let target;
    try {
      target = statSync(path, { throwIfNoEntry: false });
    } catch (err) {
      return `is a symbolic link that cannot be followed: ${fsReason(err)}`;
    }
    if (target === undefined) {
      return `is a symbolic link to ${
        clipped(readlinkSync(path), pyRepr)
      }, which does not exist`;
    }
    stat = target;
  }
  const kind = stat.isDirectory()
    ? "directory"
    : stat.isFile()
    ? "file"
    : specialKind(stat) ?? "special file";
  return `is a ${kind}, not a ${wanted}`;
}
