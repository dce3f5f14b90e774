/**
 * The sections a run may initialize, found in the raw configuration before
 * any is: zc.buildout constructs a recipe only when its section is used,
 * and getting a recipe distribution for any other section would change the
 * versions the parts get (one working set per run), the picked versions
 * and what is downloaded.
 */
import { isStackOverflow } from "../errors.ts";

/** Each section's options, by name. */
export interface OptionsLookup {
  get(name: string): Iterable<[string, string]> | undefined;
  has(name: string): boolean;
}

const REFERENCE = /\$\{([^:}]*):/g;
const SEPARATORS = /[\s${}:,;=()'"]+/;

/**
 * `roots` and every section one of them names in an option value, by
 * substitution (`${name:option}`) or as a word (`parts = a b`,
 * `<= base`, `eggs-section = name`, which a recipe may read), repeated for
 * each section found: more than is used, never less, unless code computes
 * a section name no option spells. `[buildout] parts` is not followed
 * when `withoutParts` (`buildout install p1 p2` installs only those).
 */
export function reachableSections(
  sections: OptionsLookup,
  roots: string[],
  withoutParts = false,
): Set<string> {
  const found = new Set<string>();
  const pending = roots.filter((name) => sections.has(name));
  const add = (name: string) => {
    if (name && !found.has(name) && sections.has(name)) pending.push(name);
  };
  while (pending.length) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    found.add(name);
    for (const [option, value] of sections.get(name) ?? []) {
      if (withoutParts && name === "buildout" && option === "parts") continue;
      for (const reference of value.matchAll(REFERENCE)) add(reference[1]);
      for (const word of value.split(SEPARATORS)) add(word);
    }
  }
  return found;
}

/**
 * The sections of `roots` and `parts` in the order zc.buildout initializes
 * them, which is the order it gets their recipes: each after the sections
 * its option values (those of its `<=` macros too) substitute from, as it
 * makes those substitutions first, then after its `=>` dependencies.
 * Sections a recipe only names (`eggs-section = name`) are not in it:
 * their turn comes when the recipe reads them; nor are those beyond a
 * chain of references too deep to walk.
 */
export function initializationOrder(
  sections: OptionsLookup,
  roots: string[],
  parts: string[],
): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (!name || seen.has(name) || !sections.has(name)) return;
    seen.add(name);
    const dependencies: string[] = [];
    const follow = (section: string, bases: Set<string>) => {
      for (const [option, value] of sections.get(section) ?? []) {
        for (const reference of value.matchAll(REFERENCE)) {
          visit(reference[1]);
        }
        const names = value.split(/\s+/).filter(Boolean);
        if (option === "<part-dependencies>") dependencies.push(...names);
        if (option !== "<") continue;
        for (const base of names) {
          if (bases.has(base)) continue;
          bases.add(base);
          follow(base, bases);
        }
      }
    };
    follow(name, new Set([name]));
    for (const dependency of dependencies) visit(dependency);
    order.push(name);
  };
  try {
    for (const name of [...roots, ...parts]) visit(name);
  } catch (err) {
    // Such a chain fails as a user error when its sections initialize;
    // until then, the sections ordered so far are enough.
    if (!isStackOverflow(err)) throw err;
  }
  return order;
}
