/**
 * Reading a configuration file from a URL, as zc.buildout's `_open` does:
 * through the download utility with the extends cache in fall-back mode, so
 * online a fresh copy is always fetched (and cached), while offline or when
 * the server fails the cached copy is used. With `newest = false` (`-N`) a
 * cached copy is used without asking the server. A fresh copy replaces the
 * cached one only when it reads as configuration. The cache keeps each file
 * under the MD5 of its URL.
 */
import { UrlNotFound } from "../config/load.ts";
import { parse } from "../config/parse.ts";
import { MAX_CONFIG_BYTES, readConfigText, tooLarge } from "../config/text.ts";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";
import { Download, type OptionSource, silentLogger } from "./download.ts";
import {
  BodyTooLarge,
  DownloadError,
  ExtendsDownloadError,
  OfflineError,
  REFETCH_REMEDY,
} from "./errors.ts";
import { removeTempFile } from "./temp_files.ts";

/**
 * Returns the text at `url`. `options` are the `[buildout]` options in
 * force: `extends-cache`, `offline`, `install-from-cache`, `newest`,
 * `socket-timeout` and `directory` (for a relative cache) are read.
 * `tell` gets each retry's `Downloading URL again: reason`.
 *
 * @throws {UserError} `Couldn't download 'URL' in offline mode.`, an
 *   `extends-cache` holding `${...}` (zc.buildout >= 2 refuses it), the
 *   missing-cache error, `Couldn't read URL: more than 64 MiB, ...` (the
 *   bound of local files too, checked as the body arrives), or
 *   `Error downloading extends for URL URL: reason`,
 *   a {@link UrlNotFound} when the server has no such file (404, 410),
 *   offline when the URL is not cached (the message saying so), or when a
 *   `file:` URL names none. A cached copy used that does not read as
 *   configuration is named in the error, with what to do about it.
 */
export async function fetchText(
  url: string,
  options: OptionSource = new Map(),
  tell: (message: string) => void = () => {},
): Promise<string> {
  const cache = options.get("extends-cache") ?? "";
  // Read before any substitution is made: a `${...}` would stay literal.
  if (/\$\{[^}]*\}/.test(cache)) {
    throw new UserError(
      `extends-cache ${
        clipped(cache, pyRepr)
      } may not contain \${section:variable} to expand.`,
    );
  }
  const download = new Download(options, {
    cache,
    // zc.buildout's `fallback = newest`: not asking for the newest of
    // everything, a run takes what it has.
    fallback: options.get("newest") !== "false",
    hashName: true,
    // Only retries are told: they keep a run waiting before logging is set
    // up, where zc.buildout says nothing of the files it extends.
    logger: { ...silentLogger, warn: tell },
    // allow-hosts governs what buildout installs, not the files it is told
    // to extend (as in zc.buildout).
    http: { allowHosts: ["*"], maxBytes: MAX_CONFIG_BYTES },
    // A server answering with something else (a maintenance page) must
    // not replace the copy an offline run will need.
    accept: (path) => {
      let text;
      try {
        text = readConfigText(path, url);
      } catch (err) {
        if (err instanceof UserError) throw err;
        // The fresh copy cannot be read back (a failing disk).
        throw new DownloadError(url, fsReason(err));
      }
      parse(text, url, () => true);
    },
  });
  let path: string;
  let isTemp: boolean;
  let cachedCopy: string | undefined;
  try {
    ({ path, isTemp, cached: cachedCopy } = await download.download(url));
  } catch (err) {
    if (err instanceof BodyTooLarge) throw tooLarge(url);
    // Offline, a URL not cached is missing as far as this run can tell.
    if (err instanceof OfflineError) throw new UrlNotFound(url, err.message);
    if (err instanceof DownloadError) {
      const failed = new ExtendsDownloadError(url, err.reason);
      // A file: URL's only download error is a missing file.
      if (
        err.status === 404 || err.status === 410 || /^file:/i.test(url)
      ) throw new UrlNotFound(url, failed.message);
      throw failed;
    }
    throw err;
  }
  try {
    const text = readConfigText(path, url);
    // The server's copy was checked on arrival; one used from the cache
    // (offline, the server failing) that does not read is damaged there.
    if (cachedCopy !== undefined) parse(text, url, () => true);
    return text;
  } catch (err) {
    if (err instanceof UserError && cachedCopy !== undefined) {
      err.message = oneLine(
        `${err.message} (read from its extends-cache copy ${
          clipped(cachedCopy)
        }: ${REFETCH_REMEDY})`,
      );
    }
    if (err instanceof UserError) throw err;
    // A copy in the extends cache is the file to look at (its mode, owner).
    const cached = !isTemp && !/^file:/i.test(url);
    throw new UserError(
      oneLine(
        cached
          ? `Couldn't read ${clipped(path)}, the extends-cache copy of ${
            clipped(url)
          }: ${fsReason(err)}`
          : `Error downloading extends for URL ${clipped(url)}: ${
            fsReason(err)
          }`,
      ),
    );
  } finally {
    if (isTemp) removeTempFile(path);
  }
}
