/** The path part of a URL, as zc.buildout's Python reads it. */

/** The schemes whose URLs Python's `urlparse` reads `;params` from. */
const USES_PARAMS = new Set([
  "ftp",
  "hdl",
  "prospero",
  "http",
  "imap",
  "https",
  "shttp",
  "rtsp",
  "rtsps",
  "rtspu",
  "sip",
  "sips",
  "mms",
  "sftp",
  "tel",
]);

/** A URL's scheme and its path with `;params`, up to `?` or `#`. */
const URL_PATH = /^([A-Za-z][A-Za-z0-9+.-]+):(?:\/\/[^/?#]*)?([^?#]*)/;

/**
 * The path of `url` as written, as Python's `urlparse(url)[2]`: nothing
 * percent-encoded or decoded, so `café.tar.gz` is cached under that name,
 * as zc.buildout caches it, and without the `;params` of its last segment
 * (`https://host/x.tar.gz;jsessionid=1` is `/x.tar.gz`). A path without a
 * scheme is itself.
 */
export function urlPath(url: string): string {
  const match = URL_PATH.exec(url);
  if (!match) return url;
  const path = match[2];
  if (!USES_PARAMS.has(match[1].toLowerCase())) return path;
  const params = path.indexOf(";", path.lastIndexOf("/"));
  return params < 0 ? path : path.slice(0, params);
}

/**
 * The path of `url` as written, `;params` included
 * (`https://host/x.tar.gz;jsessionid=1` is `/x.tar.gz;jsessionid=1`), as
 * earlier releases read it to name cached copies. A path without a
 * scheme is itself.
 */
export function urlPathWithParams(url: string): string {
  return URL_PATH.exec(url)?.[2] ?? url;
}
