/**
 * Configuration data with the origin of every value, the shape `annotate`
 * prints and every later stage reads.
 */

/** Where a value came from. */
export const DEFAULT_VALUE = "DEFAULT_VALUE";
export const COMPUTED_VALUE = "COMPUTED_VALUE";
export const COMMAND_LINE_VALUE = "COMMAND_LINE_VALUE";

/** One step of a value's history: set by, added by or removed by `source`. */
export interface Note {
  op: "=" | "+=" | "-=";
  /** A file path, a URL, or one of the *_VALUE names above. */
  source: string;
}

/** A value and the chain of operations that produced it. Never mutated. */
export interface AnnotatedValue {
  readonly value: string;
  readonly notes: readonly Note[];
}

/** Options of one section, by name. */
export type AnnotatedSection = Map<string, AnnotatedValue>;

/** Sections by name. */
export type ConfigData = Map<string, AnnotatedSection>;

/**
 * Annotates every option of every section with one source. Takes `sections`
 * over: its maps become the result's, their values replaced in place, since
 * building new maps was most of the cost of loading large configurations.
 */
export function annotate(
  sections: Map<string, Map<string, { value: string }>>,
  source: string,
): ConfigData {
  const notes: Note[] = [{ op: "=", source }];
  for (const options of sections.values()) {
    // Replacing the value of an existing key keeps the map's order.
    const annotated = options as Map<string, unknown>;
    for (const [key, option] of options) {
      annotated.set(key, { value: option.value, notes });
    }
  }
  return sections as unknown as ConfigData;
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
  for (const [key, v] of section) result.set(key, v.value);
  return result;
}
