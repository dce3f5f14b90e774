/**
 * `show-picked-versions` and `update-versions-file`, as later zc.buildout
 * releases print and write them: a `[versions]` block of every version
 * picked without a pin, dependencies last with the distributions that
 * required them.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { writeFd } from "../log.ts";
import { hiddenTemp } from "../fetch/hidden_temp.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
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
  now?: Date;
}

/**
 * Prints and/or appends the picked versions; nothing when none was picked.
 * The file is rewritten whole (temporary file, then rename).
 *
 * @throws {UserError} when the versions file cannot be written.
 */
export function reportPickedVersions(
  picked: PickedVersion[],
  report: PickedReport,
): void {
  if (!picked.length || (!report.show && !report.versionsFile)) return;
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
  let previous = "";
  if (existsSync(file)) {
    previous = readFileSync(file, "utf8");
    lines[0] = `\n# Added by buildout at ${
      timestamp(report.now ?? new Date())
    }`;
  }
  // A new unguessable name: a link planted in a shared directory is not
  // written through.
  const temporary = hiddenTemp(file);
  try {
    writeFileSync(temporary, previous + lines.join("\n") + "\n", {
      flag: "wx",
    });
    renameSync(temporary, file);
    untrackTempFile(temporary);
  } catch (err) {
    removeTempFile(temporary);
    throw new UserError(
      `Couldn't write the picked versions to ${file}: ${
        (err as Error).message
      }`,
    );
  }
  writeFd(1, `Picked versions have been written to ${file}\n`);
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
