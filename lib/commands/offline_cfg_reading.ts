/**
 * Checks that a bundle's offline.cfg reads back the configuration of the
 * bundle run: the command line is read otherwise than a file's lines (a
 * `buildout:extends=` file is read on its own, so a file it shares with
 * the configuration adds its `+=` lines again; an `optional-extends=`
 * assignment extends nothing), and the unpacked bundle would build
 * something else than what was bundled.
 */
import { join } from "node:path";
import { clipped, UserError } from "../errors.ts";
import type { ConfigData } from "../config/annotated.ts";
import type { ConfigSource } from "../config/load.ts";
import { pyRepr } from "../pyrepr.ts";
import {
  loadBuildoutConfig,
  type OpenRequest,
  realSource,
} from "../open_buildout.ts";
import { NOT_CARRIED } from "./carried_assignments.ts";
import { OFFLINE_CFG } from "./offline_cfg.ts";

/**
 * Refuses a bundle run whose configuration (`request`, its assignments
 * included) the offline.cfg `text` in `directory` would read otherwise,
 * naming the first option that differs. The `[buildout]` options
 * offline.cfg sets itself and those of the run alone are not compared.
 *
 * @throws {UserError} for a value that differs, and for what loading
 *   either configuration throws.
 */
export async function requireSameReading(
  request: OpenRequest,
  directory: string,
  text: string,
): Promise<void> {
  const offlinePath = join(directory, OFFLINE_CFG);
  const source: ConfigSource = {
    ...realSource,
    // What will be written, not an earlier bundle's file.
    readFile: (path) => path === offlinePath ? text : realSource.readFile(path),
  };
  const run = await loadBuildoutConfig(request, source);
  const offline = await loadBuildoutConfig(
    { ...request, configFile: offlinePath, assignments: [] },
    source,
  );
  const difference = firstDifference(run, offline);
  if (!difference) return;
  const [section, option, ran, read] = difference;
  const shown = (value: string | undefined) =>
    value === undefined ? "unset" : clipped(value, pyRepr);
  throw new UserError(
    `bundle can't carry the command line into its ${OFFLINE_CFG}, which ` +
      `would read ${clipped(`${section}:${option}`)} as ${shown(read)} ` +
      `where this run has ${shown(ran)}: write the assignments into a ` +
      "configuration file and bundle that with -c",
  );
}

/** The first option whose values in `run` and `offline` differ. */
function firstDifference(
  run: ConfigData,
  offline: ConfigData,
): [string, string, string | undefined, string | undefined] | undefined {
  for (const section of new Set([...run.keys(), ...offline.keys()])) {
    const ran = run.get(section) ?? new Map();
    const read = offline.get(section) ?? new Map();
    for (const option of new Set([...ran.keys(), ...read.keys()])) {
      if (section === "buildout" && NOT_CARRIED.has(option)) continue;
      const [a, b] = [ran.get(option)?.value, read.get(option)?.value];
      if (a !== b) return [section, option, a, b];
    }
  }
  return undefined;
}
