/**
 * What `buildout bundle` writes inside the buildout directory by default.
 * The install runner needs these too, without loading the bundle command:
 * in a `develop = .` buildout they must not sign the recipe, or the first
 * run after a bundle would reinstall its parts.
 */
import { basename, join } from "node:path";

/** The download cache a bundle fills, relative to the buildout. */
export const DEFAULT_DOWNLOAD_CACHE = "downloads";
/** The extends cache a bundle fills, relative to the buildout. */
export const DEFAULT_EXTENDS_CACHE = "extends-cache";

/** `<directory>/<directory name>.tar.gz`, the archive without `-o`. */
export function defaultBundlePath(directory: string): string {
  return join(directory, `${basename(directory)}.tar.gz`);
}

/** The paths a bundle of `directory` writes there without options. */
export function bundleWrites(directory: string): string[] {
  return [
    defaultBundlePath(directory),
    join(directory, DEFAULT_DOWNLOAD_CACHE),
    join(directory, DEFAULT_EXTENDS_CACHE),
  ];
}
