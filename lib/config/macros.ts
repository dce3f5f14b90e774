/** `<=` section extension (macros), applied before substitution. */
import { clipped, UserError } from "../errors.ts";
import { isOperatorKey } from "./annotated.ts";
import { addLines, removeLines } from "./merge.ts";

/** A section's raw options: a Map, or a view of another structure. */
export interface RawSection extends Iterable<[string, string]> {
  get(option: string): string | undefined;
  has(option: string): boolean;
  keys(): Iterable<string>;
}

/**
 * A section's raw options that its owner may change: a Map, or the
 * `OptionValues` of a part extending one macro section.
 */
export interface OwnSection extends RawSection {
  set(option: string, value: string): void;
}

/** Raw sections by name. */
export interface SectionLookup {
  get(name: string): RawSection | undefined;
  has(name: string): boolean;
}

/**
 * Returns the options of section `name` with the sections its `<` option
 * names copied in first (recursively), its own options over them. A
 * `buildout` base is read as written: that section never extends, and
 * callers do not pass it as `name`.
 *
 * @example extendSection("b", raw) // raw b = {"<": "a", y: "2"}, a = {x: "1"} -> {x: "1", y: "2"}
 * @throws {UserError} `No section named 'x'` and `Infinite extending loop 'x'`.
 */
export function extendSection(
  name: string,
  sections: SectionLookup,
  doing: Set<string> = new Set(),
): Map<string, string> {
  const own = sections.get(name) ?? new Map<string, string>();
  const bases = own.get("<");
  if (bases === undefined) return new Map(own);
  // A set, as the chain can be thousands deep; it keeps the chain's order.
  if (doing.has(name)) {
    throw new UserError(
      `Infinite extending loop '${clipped(name)}': ${
        [...doing, name].map((n) => clipped(n)).join(" <= ")
      }`,
    );
  }
  doing.add(name);
  try {
    let result: Map<string, string> | undefined;
    for (const base of bases.split("\n").map((b) => b.trim()).filter(Boolean)) {
      if (!sections.has(base)) {
        throw new UserError(
          `No section named '${clipped(base)}' (extended by [${
            clipped(name)
          }] with <=)`,
        );
      }
      const options = sections.get(base)!;
      if (base !== "buildout" && options.has("<")) {
        const extended = extendSection(base, sections, doing);
        // A map of its own, so the first is taken as it is: copying it
        // would make a chain of n macros cost n * n.
        if (result === undefined) result = extended;
        else for (const [k, v] of extended) result.set(k, v);
      } else {
        // A base without macros of its own is read in place, not copied.
        result ??= new Map();
        for (const [k, v] of options) result.set(k, v);
      }
    }
    result ??= new Map();
    return setOwnOptions(result, own.keys(), (key) => own.get(key)!);
  } finally {
    doing.delete(name);
  }
}

/**
 * Sets a `<=` section's own options (`keys`, read with `get`) over the
 * options it extends, in `result`: `=` replaces, then `+=` adds lines and
 * `-=` removes them, from the section's own value if it sets one, as
 * zc.buildout (>= 2.5.2) does.
 */
export function setOwnOptions<T extends OwnSection>(
  result: T,
  keys: Iterable<string>,
  get: (key: string) => string,
): T {
  let operators: string[] | undefined;
  for (const key of keys) {
    if (key === "<") continue;
    if (isOperatorKey(key)) (operators ??= []).push(key);
    else result.set(key, get(key));
  }
  if (!operators) return result;
  // zc.buildout applies every `+=` before any `-=`.
  for (const add of [true, false]) {
    for (const key of operators) {
      if (key.endsWith("+") !== add) continue;
      const name = key.slice(0, -1).trimEnd();
      const previous = result.get(name);
      result.set(
        name,
        add ? addLines(previous, get(key)) : removeLines(previous, get(key)),
      );
    }
  }
  return result;
}
