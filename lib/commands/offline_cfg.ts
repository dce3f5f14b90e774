/**
 * The `offline.cfg` a bundle writes beside the buildout's configuration:
 * its text, how to recognise one, and the note a download failure gets in a
 * buildout unpacked from a bundle but run without it.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { DistributionNotFound, UserError } from "../errors.ts";
import {
  DownloadError,
  ExtendsDownloadError,
  OfflineError,
} from "../fetch/errors.ts";
import { UrlNotFound } from "../config/load.ts";
import { type CarriedAssignments, optionLines } from "./carried_assignments.ts";

/** Name of the configuration the bundle adds for the offline host. */
export const OFFLINE_CFG = "offline.cfg";

/** First line of the offline.cfg a bundle writes, which a rebundle replaces. */
export const OFFLINE_CFG_HEADER =
  "# Written by buildout bundle: build from the bundled caches only.";

/** The comment line of offline.cfg naming the assignments it carries. */
const CARRIED_PREFIX = "# Bundled with: ";

/**
 * The configuration that turns the unpacked bundle into an offline build:
 * it extends `config` and the files the bundle run's command line extended,
 * sets the caches (relative to `directory`) and carries the other
 * assignments of that command line.
 */
export function offlineConfig(
  config: string,
  directory: string,
  caches: Record<string, string>,
  carried: CarriedAssignments,
): string {
  const lines = [OFFLINE_CFG_HEADER];
  if (carried.words.length) {
    lines.push(CARRIED_PREFIX + carried.words.join(" "));
  }
  lines.push(
    "[buildout]",
    `extends = ${[config, ...carried.extends].join(" ")}`,
    "install-from-cache = true",
    "offline = true",
    "newest = false",
    "relative-paths = true",
  );
  for (const [option, path] of Object.entries(caches)) {
    lines.push(`${option} = ${relative(directory, path)}`);
  }
  lines.push(...optionLines(carried.sections.get("buildout") ?? new Map()));
  for (const [section, options] of carried.sections) {
    if (section !== "buildout") {
      lines.push("", `[${section}]`, ...optionLines(options));
    }
  }
  return lines.join("\n") + "\n";
}

/** What an earlier bundle's offline.cfg was bundled from. */
export interface BundledFrom {
  /** The configuration it extends. */
  config: string;
  /** The assignments it carries, as shell words (empty when none). */
  assignments: string;
}

/**
 * What the earlier bundle whose offline.cfg is at `path` was bundled from;
 * undefined for any other file.
 */
export function bundledConfig(path: string): BundledFrom | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path, "utf8").split("\n");
  } catch {
    return undefined;
  }
  if (lines[0] !== OFFLINE_CFG_HEADER) return undefined;
  const extended = lines.find((line) => line.startsWith("extends = "));
  if (extended === undefined) return undefined;
  const carried = lines[1].startsWith(CARRIED_PREFIX)
    ? lines[1].slice(CARRIED_PREFIX.length)
    : "";
  // The configuration's name holds no whitespace: bundle refuses one that does.
  return { config: extended.slice(10).split(" ")[0], assignments: carried };
}

/**
 * Adds to `error`, when it is a failure to download or find something and
 * `configFile` (a local path) is not the bundle's offline.cfg beside it,
 * how to build from the bundled caches: on the offline host the plain
 * command fails on the first URL its configuration extends, and the
 * reference's message says nothing of the bundle.
 */
export function noteOfflineConfig(error: unknown, configFile: string): void {
  if (
    !(error instanceof DownloadError || error instanceof OfflineError ||
      error instanceof ExtendsDownloadError || error instanceof UrlNotFound ||
      error instanceof DistributionNotFound)
  ) return;
  const offline = join(dirname(configFile), OFFLINE_CFG);
  if (configFile === offline || bundledConfig(offline) === undefined) return;
  (error as UserError).message +=
    ` (this buildout was unpacked from a bundle: build it from the bundled ` +
    `caches with \`bin/buildout -c ${OFFLINE_CFG}\`)`;
}
