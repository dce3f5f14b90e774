/**
 * The command-line assignments of a bundle run that its offline.cfg carries
 * (`buildout parts=app bundle`, `buildout buildout:extends=prod.cfg
 * bundle`): without them the unpacked bundle would build something else
 * than what was bundled.
 */
import { relative, resolve } from "node:path";
import { clipped, UserError } from "../errors.ts";
import { type Assignment, isUrl } from "../config/load.ts";
import { parse } from "../config/parse.ts";
import { pyRepr } from "../pyrepr.ts";
import { shellQuote } from "../shell_quote.ts";

/**
 * `[buildout]` options offline.cfg sets itself, and those of the run alone
 * (its verbosity, its socket timeout): an assignment of one is not carried.
 */
export const NOT_CARRIED: ReadonlySet<string> = new Set([
  "install-from-cache",
  "offline",
  "newest",
  "relative-paths",
  "download-cache",
  "extends-cache",
  "verbosity",
  "socket-timeout",
]);

/** What offline.cfg carries of a bundle run's command line. */
export interface CarriedAssignments {
  /**
   * The files and URLs `buildout:extends=` names, files relative to the
   * buildout directory, as offline.cfg extends them after the
   * configuration.
   */
  extends: string[];
  /** Those files, absolute: the bundle must hold them. */
  extendedFiles: string[];
  /** The other options, by section, keys ending in `+`/`-` for `+=`/`-=`. */
  sections: Map<string, Map<string, string>>;
  /** The assignments carried, as shell words, for a command that rebundles. */
  words: string[];
}

/**
 * The assignments of `assignments` that offline.cfg carries, merged as the
 * command line merges them (a later one for the same option wins), the
 * extended files named relative to `directory` (they are read from `cwd`).
 *
 * @throws {UserError} for an assignment that offline.cfg cannot hold so that
 *   it reads back the same (a line break in its value, a section name the
 *   configuration syntax does not allow).
 */
export function carriedAssignments(
  assignments: Assignment[],
  cwd: string,
  directory: string,
): CarriedAssignments {
  const carried: CarriedAssignments = {
    extends: [],
    extendedFiles: [],
    sections: new Map(),
    words: [],
  };
  for (const { section, option, value } of assignments) {
    if (section === "buildout" && option === "extends") {
      carried.extends = [];
      carried.extendedFiles = [];
      for (const name of value.split(/\s+/).filter(Boolean)) {
        if (isUrl(name)) {
          carried.extends.push(name);
          continue;
        }
        const path = resolve(cwd, name);
        carried.extendedFiles.push(path);
        carried.extends.push(relative(directory, path));
      }
      continue;
    }
    const name = option.replace(/[+-]$/, "");
    if (section === "buildout" && NOT_CARRIED.has(name)) continue;
    const options = carried.sections.get(section) ?? new Map();
    options.set(option, value);
    carried.sections.set(section, options);
  }
  if (carried.extends.length) {
    carried.words.push(
      shellQuote(`buildout:extends=${carried.extends.join(" ")}`),
    );
  }
  for (const [section, options] of carried.sections) {
    for (const [option, value] of options) {
      carried.words.push(shellQuote(`${section}:${option}=${value}`));
    }
  }
  refuseUnreadable(carried);
  return carried;
}

/** The lines of `section` in offline.cfg: `name = value`, `+=`, `-=`. */
export function optionLines(options: Map<string, string>): string[] {
  return [...options].map(([option, value]) => {
    const operator = /[+-]$/.test(option) ? option.slice(-1) : "";
    const name = operator ? option.slice(0, -1) : option;
    return `${name} ${operator}= ${value}`;
  });
}

/**
 * Refuses what offline.cfg would read back otherwise than the command line
 * gave it, naming the assignment.
 */
function refuseUnreadable({ sections }: CarriedAssignments): void {
  for (const [section, options] of sections) {
    for (const [option, value] of options) {
      const text = `[${section}]\n${optionLines(new Map([[option, value]]))}\n`;
      let read: string | undefined;
      try {
        const key = option.replace(/([+-])$/, " $1");
        read = parse(text, "offline.cfg").get(section)?.get(key)?.value;
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
      }
      if (read === value) continue;
      throw new UserError(
        `bundle can't carry the assignment ${
          clipped(`${section}:${option}=${value}`, pyRepr)
        } into its offline.cfg, which would read it otherwise: set it in a ` +
          "configuration file and bundle that with -c",
      );
    }
  }
}
