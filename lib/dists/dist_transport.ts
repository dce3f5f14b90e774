/**
 * The real fetch and extract layer of distributions: link pages through
 * {@link readPage} (never cached, `allow-hosts` and `socket-timeout`
 * honoured), archives through the download utility in the download
 * cache's `dist` namespace, unpacking through the archive module. An
 * archive this run put in the cache that does not unpack is removed from
 * it again: a body cut off without a Content-Length looks complete, and a
 * cached copy would be used, and fail, on every later run. One an earlier
 * run (or a copy by hand) left there stays, its error saying what to do.
 */
import { dirname, resolve } from "node:path";
import type { Options } from "../buildout.ts";
import { extractToNewDirectory } from "../fetch/archive.ts";
import { ArchiveError, DamagedArchive } from "../fetch/archive/errors.ts";
import { DIST_NAMESPACE, Download } from "../fetch/download.ts";
import { REFETCH_REMEDY } from "../fetch/errors.ts";
import { hostAllowed, httpSettings } from "../fetch/http.ts";
import { localPath } from "../fetch/local_path.ts";
import { logger } from "../log.ts";
import type { RecipeLogger } from "../recipe/api.ts";
import { readPage } from "./read_page.ts";
import type { DistTransport } from "./transport.ts";
import { removePath } from "../remove_path.ts";

// zc.buildout says "Getting distribution for ..." itself; the download
// utility's "Downloading URL" is only worth a debug line here.
const quiet: RecipeLogger = {
  debug: (message) => logger.debug(message),
  info: (message) => logger.debug(message),
  warn: (message) => logger.warn(message),
  error: (message) => logger.error(message),
};

/** The transport of a buildout, from its `[buildout]` options. */
export function distTransport(main: Options): DistTransport {
  const download = new Download(main, {
    namespace: DIST_NAMESPACE,
    logger: quiet,
  });
  // A link named by its `#egg=` fragment ends in a name links to other
  // projects share (`.../tarball/master`): its copy is cached under the
  // MD5 of its URL instead.
  let hashed: Download | undefined;
  const downloadFor = (url: string) =>
    /#egg=/.test(url)
      ? hashed ??= new Download(main, {
        namespace: DIST_NAMESPACE,
        logger: quiet,
        hashName: true,
      })
      : download;
  const http = httpSettings(main);
  const cacheDir = download.cacheDir;
  const inCache = (archive: string) =>
    cacheDir !== undefined && dirname(resolve(archive)) === cacheDir;
  // Archives this run stored in the download cache.
  const stored = new Set<string>();
  return {
    // A retry keeps the run waiting: the log says why, as for archives.
    readPage: (url) =>
      readPage(url, {
        ...http,
        onRetry: (reason) => logger.warn(`Reading ${url} again: ${reason}`),
      }),
    async fetchArchive(url, checksums) {
      // Copied into the cache when there is one (see Installer.unpack),
      // otherwise used where it is.
      if (cacheDir === undefined && localPath(url) !== undefined) {
        return { path: url, isTemp: false };
      }
      const result = await downloadFor(url).download(url, checksums);
      if (result.stored) stored.add(resolve(result.stored));
      return result;
    },
    allows: (url) => Promise.resolve(hostAllowed(url, http.allowHosts)),
    async extract(archive, destination) {
      try {
        await extractToNewDirectory(archive, destination);
      } catch (err) {
        if (err instanceof ArchiveError && stored.delete(resolve(archive))) {
          removePath(archive, { force: true });
        } else if (err instanceof DamagedArchive && inCache(archive)) {
          err.message += ` (in the download cache: ${REFETCH_REMEDY})`;
        }
        throw err;
      }
    },
  };
}
