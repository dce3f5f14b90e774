/**
 * Merging configuration layers: a later layer's `=` replaces, `+=` appends
 * lines, `-=` removes lines, and the notes keep the whole chain.
 */
import type {
  AnnotatedSection,
  AnnotatedValue,
  ConfigData,
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
  for (const [key, v] of over) {
    const op = key[key.length - 1];
    if (op !== "+" && op !== "-") base.set(key, v);
  }
  for (const [key, v] of over) {
    const op = key[key.length - 1];
    if (op !== "+" && op !== "-") continue;
    const name = key.slice(0, -1).trimEnd();
    // The layer's own plain value comes first: `x = a` then `x += b` in one file.
    const previous = base.get(name);
    const lines = v.value.split("\n");
    let value: string;
    if (op === "+") {
      value = previous?.value ? previous.value + "\n" + v.value : v.value;
    } else {
      value = (previous?.value ?? "").split("\n").filter((l) =>
        !lines.includes(l)
      ).join("\n");
    }
    const opNotes = v.notes.map((n) => ({
      op: (op === "+" ? "+=" : "-=") as "+=" | "-=",
      source: n.source,
    }));
    const merged: AnnotatedValue = {
      value,
      notes: [...(previous?.notes ?? []), ...opNotes],
    };
    base.set(name, merged);
  }
  return base;
}

/**
 * Applies every section of `over` on top of `base`. `base` gets new section
 * maps where `over` changes them; the old maps, which other configurations
 * may share, are left as they were.
 */
export function update(base: ConfigData, over: ConfigData): ConfigData {
  for (const [name, section] of over) {
    const previous = base.get(name);
    // A new section without `+=`/`-=` would be copied unchanged: share it
    // instead, as most sections of long extends chains are.
    if (!previous && !hasOperators(section)) base.set(name, section);
    else base.set(name, updateSection(new Map(previous), section));
  }
  return base;
}

function hasOperators(section: AnnotatedSection): boolean {
  for (const key of section.keys()) {
    const op = key[key.length - 1];
    if (op === "+" || op === "-") return true;
  }
  return false;
}
