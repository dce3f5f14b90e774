/**
 * The `offline.cfg` a bundle writes beside the buildout's configuration:
 * how to recognise one, and the note a download failure gets in a buildout
 * unpacked from a bundle but run without it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DistributionNotFound, UserError } from "../errors.ts";
import {
  DownloadError,
  ExtendsDownloadError,
  OfflineError,
} from "../fetch/errors.ts";
import { UrlNotFound } from "../config/load.ts";

/** Name of the configuration the bundle adds for the offline host. */
export const OFFLINE_CFG = "offline.cfg";

/** First line of the offline.cfg a bundle writes, which a rebundle replaces. */
export const OFFLINE_CFG_HEADER =
  "# Written by buildout bundle: build from the bundled caches only.";

/**
 * The configuration an earlier bundle's offline.cfg at `path` extends;
 * undefined for any other file.
 */
export function bundledConfig(path: string): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path, "utf8").split("\n");
  } catch {
    return undefined;
  }
  if (lines[0] !== OFFLINE_CFG_HEADER) return undefined;
  return lines.find((line) => line.startsWith("extends = "))?.slice(10);
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
