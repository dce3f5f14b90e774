/**
 * Where a generated shell script is, for the scripts the recipes write.
 */

/**
 * POSIX shell lines setting `self` to the running script's path, links to
 * it followed (`readlink` without `-f`, which BusyBox and BSD have too): a
 * script that reads files next to it then also works through a link, say
 * one on PATH, as zc.buildout's scripts do by taking `realpath(__file__)`.
 */
export const FIND_SELF: readonly string[] = [
  "self=$0",
  'while [ -L "$self" ]; do',
  '  link=$(readlink -- "$self")',
  '  case $link in /*) self=$link ;; *) self=$(dirname -- "$self")/$link ;; esac',
  "done",
];
