/**
 * The sections a run may initialize, found in the raw configuration before
 * any is: zc.buildout constructs a recipe only when its section is used,
 * and getting a recipe distribution for any other section would change the
 * versions the parts get (one working set per run), the picked versions
 * and what is downloaded.
 */
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
