/** Whether a download names a local file, and which. */
import { fileUrlPath } from "./file_url.ts";

/**
 * The local path `url` names: no scheme, or `file:`; else undefined.
 *
 * ```ts
 * localPath("fix.patch"); // "fix.patch"
 * localPath("https://host/fix.patch"); // undefined
 * ```
 */
export function localPath(url: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(url)?.[1];
  if (scheme === undefined) return url;
  if (scheme.toLowerCase() !== "file") return undefined;
  if (/^file:\//i.test(url)) return fileUrlPath(url);
  return url.slice("file:".length);
}
