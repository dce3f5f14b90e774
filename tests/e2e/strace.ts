/**
 * Runs of the executable under strace (`sample.system(args, { through })`),
 * for what nothing else can reach: a run killed at a given call, a disk
 * failing one call on one file. Tests using it are ignored, saying why,
 * where strace cannot run.
 */
import { spawnSync } from "node:child_process";

/** Why strace cannot run here, or null when it can. */
export const straceSkip: string | null = (() => {
  const probe = spawnSync("strace", ["-qq", "-o", "/dev/null", "true"]);
  if (probe.error) return "needs strace";
  return probe.status === 0 ? null : "strace cannot trace here";
})();

/** Appended to the names of tests using strace when they are ignored. */
export const straceNote: string = straceSkip ? ` (skipped: ${straceSkip})` : "";

/**
 * The `through` of a run whose `syscalls` (comma-separated) fail with
 * `errno`: every one on `path` (named as the first argument, or through a
 * descriptor), or only the `when`th of each thread (on `path`, if given). strace matches only a
 * rename's source, a hidden temporary with a random name: a rename is
 * picked by its place in the run.
 *
 * ```ts
 * await sample.system("", { through: failing("read", "EIO", { path }) });
 * ```
 */
export function failing(
  syscalls: string,
  errno: string,
  where: { path: string; when?: number } | { when: number },
): string[] {
  const filter = "path" in where ? ["-P", where.path] : [];
  const when = where.when !== undefined ? `:when=${where.when}` : "";
  return [
    "strace",
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    ...filter,
    "-e",
    `trace=${syscalls}`,
    "-e",
    `inject=${syscalls}:error=${errno}${when}`,
  ];
}

/**
 * The `through` of a run killed (SIGKILL) at the `when`th of its
 * `syscalls` (comma-separated) naming `path`, counted over the whole run,
 * before that call is made.
 *
 * ```ts
 * await sample.system("", { through: killedAt("openat", journal, 2) });
 * ```
 */
export function killedAt(
  syscalls: string,
  path: string,
  when: number,
): string[] {
  return [
    "strace",
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    "-P",
    path,
    "-e",
    `trace=${syscalls}`,
    "-e",
    `inject=${syscalls}:signal=SIGKILL:when=${when}`,
  ];
}

/**
 * The `through` of a run killed (SIGKILL) at its first chmod by name, before
 * it is made: right after the run wrote a file it then gives its mode.
 *
 * ```ts
 * await sample.system("", { through: KILLED_AT_FIRST_CHMOD });
 * ```
 */
export const KILLED_AT_FIRST_CHMOD: string[] = [
  "strace",
  "-f",
  "-qq",
  "-o",
  "/dev/null",
  "-e",
  "trace=chmod,fchmodat",
  "-e",
  "inject=chmod,fchmodat:signal=SIGKILL:when=1",
];
