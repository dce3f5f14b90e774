/**
 * `~` in the cache and eggs directories, which zc.buildout 2 and later
 * expand to the home directory: its own docs put
 * `eggs-directory = ~/.buildout/eggs` in `~/.buildout/default.cfg`.
 */
import type { AnnotatedSection } from "./annotated.ts";

/** The `[buildout]` options whose leading `~` zc.buildout expands. */
const HOME_PATH_OPTIONS = ["download-cache", "eggs-directory", "extends-cache"];

/**
 * `section` (a `[buildout]` section) with a leading `~` of its
 * `download-cache`, `eggs-directory` and `extends-cache` made `home`, as
 * Python's `os.path.expanduser` does for the user running; the same
 * section when none has one. A value holding `${` is left as zc.buildout
 * leaves it, and so is every value when there is no home.
 *
 * ```ts
 * withHomePaths(section, "/home/me").get("eggs-directory")?.value
 * // "/home/me/.buildout/eggs" for "~/.buildout/eggs"
 * ```
 */
export function withHomePaths(
  section: AnnotatedSection,
  home: string | undefined,
): AnnotatedSection {
  if (home === undefined) return section;
  let result = section;
  for (const name of HOME_PATH_OPTIONS) {
    const option = section.get(name);
    if (!option || !/^~(?:\/|$)/.test(option.value)) continue;
    if (option.value.includes("${")) continue;
    // Sections are shared between layers: changed in a copy.
    if (result === section) result = new Map(section);
    const value = home.replace(/\/+$/, "") + option.value.slice(1) || "/";
    result.set(name, { ...option, value });
  }
  return result;
}
