/**
 * `show-picked-versions` and `update-versions-file`, as later zc.buildout
 * releases print and write them: a `[versions]` block of every version
 * picked without a pin, dependencies last with the distributions that
 * required them.
 */
import { Buffer } from "node:buffer";
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  type Stats,
  writeSync,
} from "node:fs";
import { fsReason, oneLine, UserError } from "../errors.ts";
import { withDefaultSignals } from "../interrupt.ts";
import { writeFd } from "../log.ts";
import { APPEND_RESOLVED, trustedFile } from "../trusted_links.ts";
import type { PickedVersion } from "./installer.ts";

/**
 * The lines of a `[versions]` block for `picked`.
 *
 * ```ts
 * formatPickedVersions([{name: "spam", version: "2", requiredBy: []}])
 * // ["[versions]", "spam = 2"]
 * ```
 */
export function formatPickedVersions(picked: PickedVersion[]): string[] {
  const output = ["[versions]"];
  const required: string[] = [];
  for (const pick of picked) {
    const line = `${pick.name} = ${pick.version}`;
    if (!pick.requiredBy.length) {
      output.push(line);
      continue;
    }
    required.push("", "# Required by:");
    for (const by of pick.requiredBy) required.push(`# ${by}`);
    required.push(line);
  }
  return [...output, ...required];
}

/** What to do with the picked versions at the end of a run. */
export interface PickedReport {
  show: boolean;
  /** The file to append them to, when set. */
  versionsFile?: string;
  /**
   * How the report names the versions file: the option as written, as
   * zc.buildout prints it (`versionsFile` when not given).
   */
  versionsFileOption?: string;
  /** The buildout directory: its owner's links to the file are followed. */
  directory?: string;
  now?: Date;
}

/**
 * Prints and/or appends the picked versions, as `report` asks; nothing
 * when none was picked. The caller decides whether a report is wanted at
 * all, before listing the picks (see `Distributions.finish`).
 *
 * @throws {UserError} when the versions file cannot be written, or is
 *   reached through a link another user owns.
 */
export function reportPickedVersions(
  picked: PickedVersion[],
  report: PickedReport,
): void {
  if (!picked.length) return;
  const lines = formatPickedVersions(picked);
  if (report.show) {
    // As every line of the log: a reader gone or a full disk is no failure.
    writeFd(
      1,
      "Versions had to be automatically picked.\n" +
        "The following part definition lists the versions picked:\n" +
        lines.join("\n") + "\n",
    );
  }
  const file = report.versionsFile;
  if (!file) return;
  appendVersions(file, lines, report.now ?? new Date(), report.directory);
  writeFd(
    1,
    `Picked versions have been written to ${
      report.versionsFileOption ?? file
    }\n`,
  );
}

/**
 * Appends the `[versions]` block `lines` to `file` in one write, as
 * zc.buildout appends: a link to a shared versions file is written
 * through, the file keeps its owner and mode, and runs appending at the
 * same time each add their whole block. A write that fails is taken back.
 */
function appendVersions(
  file: string,
  lines: string[],
  now: Date,
  directory: string | undefined,
): void {
  let fd: number | undefined;
  let size = 0;
  try {
    // Only links nobody else could have planted are followed.
    const target = trustedFile(file, directory);
    // A FIFO there waits for its reader in open and write, which hold the
    // thread the run's signal handlers need: Ctrl-C must still end it.
    withDefaultSignals(() => {
      fd = openVersionsFile(target);
      const opened = fstatSync(fd);
      size = opened.size;
      // A file with no section yet (empty or only comments, made ahead for
      // `extends`) keeps the header: the block would read as text before
      // any section.
      if (size > 0) {
        const added = `\n# Added by buildout at ${timestamp(now)}`;
        lines.splice(0, holdsSection(target, opened) ? 1 : 0, added);
      }
      const bytes = Buffer.from(lines.join("\n") + "\n");
      for (let done = 0; done < bytes.length;) {
        done += writeSync(fd, bytes, done);
      }
    });
  } catch (err) {
    if (fd !== undefined) takeBack(fd, size);
    if (err instanceof UserError) throw err;
    throw new UserError(
      `Couldn't write the picked versions to ${oneLine(file)}: ${
        oneLine(fsReason(err))
      }`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `path` opened for appending, made if missing. */
function openVersionsFile(path: string): number {
  for (;;) {
    try {
      return openSync(path, APPEND_RESOLVED);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    try {
      const flags = APPEND_RESOLVED | constants.O_CREAT | constants.O_EXCL;
      return openSync(path, flags);
    } catch (err) {
      // Another run made it meanwhile: append to that.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * Whether the regular file `path`, `appending` as opened for the append,
 * holds a section header. When it cannot be read, or was replaced
 * meanwhile, it is taken to, and gets no header, as in zc.buildout.
 */
function holdsSection(path: string, appending: Stats): boolean {
  let fd: number;
  try {
    // Not blocking: what stands there now may be a FIFO put meanwhile.
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW |
      constants.O_NONBLOCK;
    fd = openSync(path, flags);
  } catch {
    return true;
  }
  try {
    const read = fstatSync(fd);
    if (read.dev !== appending.dev || read.ino !== appending.ino) return true;
    return /^\[/m.test(readFileSync(fd, "latin1"));
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Cuts a failed append off, if it can (another run may append meanwhile). */
function takeBack(fd: number, size: number): void {
  try {
    if (fstatSync(fd).size > size) ftruncateSync(fd, size);
  } catch {
    // The error being reported says what went wrong.
  }
}

/** `2024-05-01 12:30:05.123456`, as Python prints `datetime.now()`. */
function timestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${
    pad(date.getDate())
  } ${pad(date.getHours())}:${pad(date.getMinutes())}:${
    pad(date.getSeconds())
  }.${pad(date.getMilliseconds() * 1000, 6)}`;
}
