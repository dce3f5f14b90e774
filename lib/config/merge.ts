/**
 * Merging configuration layers: a later layer's `=` replaces, `+=` appends
 * lines, `-=` removes lines, and the notes keep the whole chain.
 */
import {
  type AnnotatedSection,
  type AnnotatedValue,
  type ConfigData,
  hasOperators,
  isOperatorKey,
  type Note,
  plain,
} from "./annotated.ts";

/**
 * Applies `over` on top of `base` in place and returns `base`. Keys ending in
 * `+` or `-` (`eggs +`, `eggs+`) are the `+=`/`-=` operators.
 *
 * @example updateSection(base, new Map([["eggs +", {value: "b", notes}]]))
 */
export function updateSection(
  base: AnnotatedSection,
  over: AnnotatedSection,
): AnnotatedSection {
  const operators = hasOperators(over);
  for (const key of over.keys()) {
    if (!operators || !isOperatorKey(key)) base.set(key, over.get(key)!);
  }
  if (!operators) return base;
  // zc.buildout applies every `+=` of a layer before any `-=`; the keys are
  // walked without copies, as this runs for every section of every file.
  let removals: string[] | undefined;
  for (const key of over.keys()) {
    if (!isOperatorKey(key)) continue;
    if (key.charCodeAt(key.length - 1) === MINUS) (removals ??= []).push(key);
    else applyOperator(base, key, over.get(key)!, true);
  }
  if (removals) {
    for (const key of removals) {
      applyOperator(base, key, over.get(key)!, false);
    }
  }
  return base;
}

const MINUS = 0x2d;

/** Applies the `+=` (`add`) or `-=` option `key` with value `v` to `base`. */
function applyOperator(
  base: AnnotatedSection,
  key: string,
  v: AnnotatedValue,
  add: boolean,
): void {
  const name = key.slice(0, -1).trimEnd();
  // The layer's own plain value comes first: `x = a` then `x += b` in one file.
  const previous = base.get(name);
  const value = add
    ? addLines(previous?.value, v.value)
    : removeLines(previous?.value, v.value);
  const notes: Note[] = previous ? previous.notes.slice() : [];
  for (const note of v.notes) {
    const op = add ? "+=" : "-=";
    notes.push(
      note.base === undefined
        ? { op, source: note.source }
        : { op, source: note.source, base: note.base },
    );
  }
  base.set(name, { value, notes });
}

/** `previous` with the lines of `added` after it, as `+=` makes it. */
export function addLines(previous: string | undefined, added: string): string {
  return previous ? previous + "\n" + added : added;
}

/** `previous` without the lines of `removed`, as `-=` makes it. */
export function removeLines(
  previous: string | undefined,
  removed: string,
): string {
  // A set: removing thousands of lines from thousands stays linear.
  const lines = new Set(removed.split("\n"));
  return (previous ?? "").split("\n").filter((l) => !lines.has(l)).join("\n");
}

/**
 * Applies every section of `over` on top of `base`. `base` gets new section
 * maps where `over` changes them, free of `+=`/`-=` keys; the old maps,
 * which other configurations may share, are left as they were.
 */
export function update(base: ConfigData, over: ConfigData): ConfigData {
  for (const name of over.keys()) {
    const section = over.get(name)!;
    const previous = base.get(name);
    // A new section without `+=`/`-=` would be copied unchanged: share it
    // instead, as most sections of long extends chains are. A new `<=`
    // section keeps its operators for the values it extends (macros.ts).
    if (!previous && (!hasOperators(section) || section.has("<"))) {
      base.set(name, section);
    } else {
      const merged = updateSection(new Map(previous), section);
      // `over`'s operators are applied, never copied.
      base.set(
        name,
        previous && hasOperators(previous) ? merged : plain(merged),
      );
    }
  }
  return base;
}
