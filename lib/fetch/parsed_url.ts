/** A URL to fetch, parsed, or a one-line reason why it is none. */
import { DownloadError } from "./errors.ts";

/**
 * A `/`, `?` or `#` written raw in a password: parsers end the host there
 * and take the password for a port, so the URL is invalid.
 */
const RAW_IN_PASSWORD =
  /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]*:[^\s/?#@]*([/?#])[^\s@]*@/i;

/**
 * `url` parsed.
 *
 * @example parsedUrl("https://pypi.org/simple/").host // "pypi.org"
 * @throws {DownloadError} `invalid URL`, saying how to write a password's
 *   `/`, `?` or `#` when one is the cause (the message shows the password
 *   as `****`, so the user could not see it).
 */
export function parsedUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    const raw = RAW_IN_PASSWORD.exec(url)?.[1];
    throw new DownloadError(
      url,
      raw === undefined ? "invalid URL" : `invalid URL (a '${raw}' in a ` +
        `password is written ${encodeURIComponent(raw)})`,
    );
  }
}
