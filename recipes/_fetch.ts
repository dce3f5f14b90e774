/**
 * Downloading for the download and cmmi recipes, on top of
 * `buildout.download`: temporary downloads are released after use, and
 * files reach their final path only by rename.
 */
import { resolve } from "node:path";
import { clipped } from "../lib/errors.ts";
import { ArchiveError, DamagedArchive } from "../lib/fetch/archive/errors.ts";
import { REFETCH_REMEDY } from "../lib/fetch/errors.ts";
import type {
  DownloadOptions,
  RecipeBuildout,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { removeTree } from "./_paths.ts";

/**
 * Downloads `url`, calls `use` with the file's absolute path, then removes
 * the file if it was a temporary one. An archive this download put in the
 * download cache that turns out damaged (not an archive, cut short,
 * corrupt) is removed from the cache: a body cut short without a
 * Content-Length looks complete, and every later run (offline ones too)
 * would use the cached copy and fail again. A damaged copy found in the
 * cache stays there, its error naming the URL it came from.
 *
 * @throws {UserError} from the download (offline, checksum, HTTP error).
 */
export async function withDownload<T>(
  buildout: RecipeBuildout,
  url: string,
  options: DownloadOptions,
  use: (path: string) => T | Promise<T>,
): Promise<T> {
  const result = await buildout.download(url, options);
  const path = resolve(result.path);
  // A file fetched from the alternate URL is that URL's to answer for.
  const source = result.fetchedFrom ?? url;
  try {
    return await use(path);
  } catch (err) {
    const damaged = err instanceof DamagedArchive ? result.stored : undefined;
    if (damaged) removeTree(damaged);
    // A file gone by the time the user reads the message: an archive error
    // names the URL instead.
    const prefix = `Couldn't extract ${path}`;
    if (
      err instanceof buildout.UserError && err.message.startsWith(prefix)
    ) {
      if (result.isTemp || damaged) {
        err.message = `Couldn't extract ${clipped(source)}${
          err.message.slice(prefix.length)
        }`;
      } else if (result.cached && err instanceof ArchiveError) {
        // A copy put there by an earlier run or by hand: the user must know
        // which download it is before removing it. (Not for a destination
        // that refused the files: the archive is not to blame.)
        err.message += ` (downloaded from ${clipped(url)}${
          err instanceof DamagedArchive ? `; ${REFETCH_REMEDY}` : ""
        })`;
      }
    }
    throw err;
  } finally {
    if (result.isTemp) removeTree(result.path);
  }
}

/**
 * Downloads `url` to exactly `target` (its directory must exist). The
 * download utility writes it under a hidden temporary name and renames it
 * once complete, so errors name `target`.
 */
export async function downloadTo(
  buildout: RecipeBuildout,
  url: string,
  options: DownloadOptions,
  target: string,
): Promise<void> {
  await buildout.download(url, { ...options, path: target });
}

/**
 * The `url` option, which must name something to download: an empty one
 * (often an unset value substituted into it) would be read as a local path.
 *
 * @throws {UserError} naming the part when it is empty.
 */
export function urlOption(
  buildout: RecipeBuildout,
  options: RecipeOptions,
): string {
  const url = options.require("url");
  if (!url.trim()) {
    throw new buildout.UserError(
      `The url of [${clipped(options.name)}] is empty: name the file to ` +
        "download",
    );
  }
  return url;
}
