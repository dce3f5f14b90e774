/** The path part of a URL, as zc.buildout's Python reads it. */

/**
 * The path of `url` as written, as Python's `urlparse(url)[2]`: nothing
 * percent-encoded or decoded, so `café.tar.gz` is cached under that name,
 * as zc.buildout caches it. A path without a scheme is itself.
 */
export function urlPath(url: string): string {
  const match = /^[A-Za-z][A-Za-z0-9+.-]+:(?:\/\/[^/?#]*)?([^?#]*)/.exec(url);
  return match ? match[1] : url;
}
