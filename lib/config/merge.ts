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
  type Step,
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
    if (operators && isOperatorKey(key)) continue;
    const value = over.get(key)!;
    const below = value.pending ? base.get(key) : undefined;
    base.set(key, below ? applySteps(below, value.steps!) : value);
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
  const op = add ? "+=" : "-=";
  const notes = v.notes.map((note): Note =>
    note.base === undefined
      ? { op, source: note.source }
      : { op, source: note.source, base: note.base }
  );
  // The layer's own plain value comes first: `x = a` then `x += b` in one file.
  base.set(name, applySteps(base.get(name), [{ add, value: v.value, notes }]));
}

/**
 * `below` with `steps` applied after its own, those it holds already left
 * out: a file extended twice (`a.cfg` and `b.cfg` both extend `c.cfg`)
 * adds its lines once. Without a value below, the steps stay pending, to
 * apply to the value a file merged under them gives.
 */
function applySteps(
  below: AnnotatedValue | undefined,
  steps: readonly Step[],
): AnnotatedValue {
  const done = below?.steps;
  let value = below?.value;
  const notes: Note[] = below ? below.notes.slice() : [];
  const applied: Step[] = done ? done.slice() : [];
  for (const step of steps) {
    if (done?.includes(step)) continue;
    value = step.add
      ? addLines(value, step.value)
      : removeLines(value, step.value);
    for (const note of step.notes) notes.push(note);
    applied.push(step);
  }
  return {
    value: value ?? "",
    notes,
    steps: applied,
    pending: below === undefined || below.pending === true,
  };
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

/**
 * `data` with its pending `+=`/`-=` values made plain, as what they make of
 * no value: as in zc.buildout, they do not add to the built-in defaults
 * (the user defaults are merged under the first file already).
 */
export function settled(data: ConfigData): ConfigData {
  data.forEach((section, name) => {
    let copy: AnnotatedSection | undefined;
    section.forEach((v, key) => {
      if (!v.pending) return;
      copy ??= new Map(section);
      copy.set(key, { value: v.value, notes: v.notes });
    });
    if (copy) data.set(name, hasOperators(section) ? copy : plain(copy));
  });
  return data;
}
