/**
 * Whether programs may run from a directory: a hardened host mounts /tmp
 * (where builds unpack) `noexec`, and then `./configure` fails with only
 * the shell's "Permission denied" to say why.
 */
import { readFileSync, realpathSync } from "node:fs";

/**
 * The mount point of the file system holding `path` when it is mounted
 * `noexec`, else undefined (also where /proc/self/mountinfo cannot be
 * read).
 *
 * @example noexecMountOf("/tmp/buildout-x-1/hello-1.0") // "/tmp", on a host mounting /tmp noexec
 */
export function noexecMountOf(path: string): string | undefined {
  let table: string;
  let real: string;
  try {
    table = readFileSync("/proc/self/mountinfo", "utf8");
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  let holder: { point: string; noexec: boolean } | undefined;
  for (const line of table.split("\n")) {
    // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT MOUNT-OPTIONS ...
    const fields = line.split(" ");
    if (fields.length < 6) continue;
    const point = unescapeMountPath(fields[4]);
    const holds = point === "/" || real === point ||
      real.startsWith(point + "/");
    // The deepest mount point holds it; of equal ones, the last mounted.
    if (!holds || (holder && point.length < holder.point.length)) continue;
    holder = { point, noexec: fields[5].split(",").includes("noexec") };
  }
  return holder?.noexec ? holder.point : undefined;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountPath(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}
