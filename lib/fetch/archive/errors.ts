/**
 * The error every archive problem a user can fix turns into: an unknown
 * format, truncated or corrupt data, a member that would land outside the
 * destination. One line, naming the archive and, when one is to blame, the
 * member.
 */
import { oneLine, UserError } from "../../errors.ts";

/**
 * `Couldn't extract FILE: REASON`, or `Couldn't extract FILE: member
 * 'NAME' REASON` when a member is to blame.
 *
 * ```ts
 * throw new ArchiveError("/tmp/x.tgz", "has an absolute path", "/etc/passwd");
 * // Couldn't extract /tmp/x.tgz: member '/etc/passwd' has an absolute path
 * ```
 */
export class ArchiveError extends UserError {
  constructor(
    readonly archive: string,
    readonly reason: string,
    readonly member?: string,
  ) {
    super(oneLine(
      member === undefined
        ? `Couldn't extract ${archive}: ${reason}`
        : `Couldn't extract ${archive}: member '${member}' ${reason}`,
    ));
    this.name = "ArchiveError";
  }
}

/**
 * An archive whose data cannot be read: not an archive at all, cut short,
 * or corrupt. Unlike other archive errors (a member that would land outside
 * the destination, no top-level directory to strip), another copy of the
 * file may well be fine.
 */
export class DamagedArchive extends ArchiveError {
  constructor(archive: string, reason: string, member?: string) {
    super(archive, reason, member);
    this.name = "DamagedArchive";
  }
}
