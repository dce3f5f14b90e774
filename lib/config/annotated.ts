/**
 * Configuration data with the origin of every value, the shape `annotate`
 * prints and every later stage reads.
 */

import {
  type ConditionEvaluator,
  parse,
  parsedWithoutOperators,
} from "./parse.ts";

/** Where a value came from. */
export const DEFAULT_VALUE = "DEFAULT_VALUE";
export const COMPUTED_VALUE = "COMPUTED_VALUE";
export const COMMAND_LINE_VALUE = "COMMAND_LINE_VALUE";

/** One step of a value's history: set by, added by or removed by `source`. */
export interface Note {
  op: "=" | "+=" | "-=";
  /** A file path, a URL, or one of the *_VALUE names above. */
  source: string;
  /**
   * What `${:_profile_base_location_}` was replaced with in this value (the
   * directory or URL of `source`), when it was written there: shared parts
   * write it back, so their key does not depend on where the profile is.
   */
  base?: string;
}

/** One `+=` (`add`) or `-=` of `value`, as merge.ts applies it. */
export interface Step {
  readonly add: boolean;
  readonly value: string;
  /** Its origins, as `+=`/`-=` notes. */
  readonly notes: readonly Note[];
}

/** A value and the chain of operations that produced it. Never mutated. */
export interface AnnotatedValue {
  readonly value: string;
  readonly notes: readonly Note[];
  /** The `+=`/`-=` applied since the value was last set with `=`. */
  readonly steps?: readonly Step[];
  /**
   * True when `steps` found no value to apply to (`value` is what they make
   * of none): merged over a file that sets one, they apply to that.
   */
  readonly pending?: boolean;
}

/** Options of one section, by name. */
export type AnnotatedSection = Map<string, AnnotatedValue>;

/** Sections by name. */
export type ConfigData = Map<string, AnnotatedSection>;

/**
 * Parses configuration text with every option annotated `= source`: the
 * options `parse` makes become the annotated values (one notes array for
 * the whole file).
 */
export function parseAnnotated(
  text: string,
  source: string,
  evaluate?: ConditionEvaluator,
): ConfigData {
  return parse(text, source, evaluate, [{ op: "=", source }]) as ConfigData;
}

const PLUS = 0x2b, MINUS = 0x2d;

/** Sections known to hold no `+=`/`-=` keys, so merging can share them. */
const PLAIN = new WeakSet<AnnotatedSection>();

/** Records that `section` holds no `+=`/`-=` keys; returns it. */
export function plain(section: AnnotatedSection): AnnotatedSection {
  PLAIN.add(section);
  return section;
}

/** Whether `section` holds `+=`/`-=` keys (`eggs +`, `eggs-`). */
export function hasOperators(section: AnnotatedSection): boolean {
  if (PLAIN.has(section) || parsedWithoutOperators(section)) return false;
  for (const key of section.keys()) if (isOperatorKey(key)) return true;
  return false;
}

/** Whether `key` spells `+=`/`-=` (`eggs +`, `eggs-`). */
export function isOperatorKey(key: string): boolean {
  const op = key.charCodeAt(key.length - 1);
  return op === PLUS || op === MINUS;
}

/**
 * A copy that can be updated on its own. Shallow: section maps are shared
 * and never changed in place once built ({@link update} copies a section
 * before changing it), which keeps long extends chains linear.
 */
export function copyData(data: ConfigData): ConfigData {
  return new Map(data);
}

/** The plain values of a section. */
export function values(section: AnnotatedSection): Map<string, string> {
  const result = new Map<string, string>();
  for (const key of section.keys()) result.set(key, section.get(key)!.value);
  return result;
}
