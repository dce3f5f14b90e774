/**
 * The real fetch and extract layer of distributions: link pages through
 * {@link readPage} (never cached, `allow-hosts` and `socket-timeout`
 * honoured), archives through the download utility in the download
 * cache's `dist` namespace, unpacking through the archive module.
 */
import type { Options } from "../buildout.ts";
import { extractToNewDirectory } from "../fetch/archive.ts";
import { DIST_NAMESPACE, Download } from "../fetch/download.ts";
import { httpSettings } from "../fetch/http.ts";
import { logger } from "../log.ts";
import type { RecipeLogger } from "../recipe/api.ts";
import { readPage } from "./read_page.ts";
import type { DistTransport } from "./transport.ts";

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
  const http = httpSettings(main);
  return {
    readPage: (url) => readPage(url, http),
    fetchArchive: (url, checksums) => download.download(url, checksums),
    extract: extractToNewDirectory,
  };
}
