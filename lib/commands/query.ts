/**
 * `buildout query [section:]option`: one option's value, as zc.buildout 2.x
 * and later print it for scripts and continuous integration.
 */
import type { ConfigData } from "../config/annotated.ts";
import { DIRECTORY_OPTIONS } from "../config/defaults.ts";
import { resolveIn } from "../buildout.ts";
import { clipped, oneLine, UserError } from "../errors.ts";

/** The option a query names. */
export interface QueryTarget {
  section: string;
  option: string;
}

/** `[buildout]` options holding paths, shown absolute as zc.buildout does. */
const PATH_OPTIONS = [...DIRECTORY_OPTIONS, "download-cache", "extends-cache"];

/**
 * The option `args` name: one `[section:]option`, in `buildout` when no
 * section is given, as in an assignment.
 *
 * @example queryTarget(["parts"]) // { section: "buildout", option: "parts" }
 * @throws {UserError} for no argument or more than one, or a malformed one.
 */
export function queryTarget(args: string[]): QueryTarget {
  if (args.length !== 1) {
    throw new UserError("The query command requires a single argument.");
  }
  const names = args[0].split(":");
  if (names.length === 1) names.unshift("buildout");
  const [section, option] = names;
  if (names.length !== 2 || !section || !option) {
    throw new UserError(oneLine(
      `Invalid option: ${clipped(args[0])} (query takes [section:]option)`,
    ));
  }
  return { section, option };
}

/**
 * The value of `target` in `data`, the merged configuration `annotate`
 * shows: as written, not substituted, except that `[buildout]`'s
 * `directory` and paths are absolute, as zc.buildout makes them before a
 * query, a relative `directory` being from `cwd`, as a run reads it.
 *
 * @example queryValue(data, { section: "app", option: "port" }, "/") // "8080"
 * @throws {UserError} when the section or the option is missing.
 */
export function queryValue(
  data: ConfigData,
  target: QueryTarget,
  cwd: string,
): string {
  const { section, option } = target;
  const options = data.get(section);
  if (!options) throw new UserError(`Section not found: ${clipped(section)}`);
  const found = options.get(option);
  if (!found) throw new UserError(`Key not found: ${clipped(option)}`);
  const written = data.get("buildout")?.get("directory")?.value;
  if (section !== "buildout" || written === undefined) return found.value;
  const directory = resolveIn(cwd, written);
  if (option === "directory") return directory;
  // An empty cache is none, not the buildout directory.
  if (found.value && PATH_OPTIONS.includes(option)) {
    return resolveIn(directory, found.value);
  }
  return found.value;
}
