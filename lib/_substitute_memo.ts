/**
 * `substitute` with each distinct value parsed once. Large buildouts repeat
 * the same few values in many sections (macros copy them), and a parse costs
 * more than the lookups: the value is split into literal text and references
 * by running `substitute` itself once with a recording lookup, so both agree
 * by construction. Anything unusual (a malformed reference, a missing
 * option) goes to `substitute`, which reports it as it always does (after
 * a missing option, it looks up the options before it once more).
 */
import { substitute } from "./config/substitute.ts";

/** A value split at its references: `texts[0] ref0 texts[1] ref1 ...`. */
interface Template {
  readonly texts: string[];
  /** Referenced sections; undefined for the current one (`${:option}`). */
  readonly sections: Array<string | undefined>;
  readonly options: string[];
}

// Characters from the private use area stand for a looked-up value and the
// current section while recording. A value holding HOLE splits into more
// texts than it has references, and is not memoized; CURRENT could only
// be mistaken for a section a reference names, which substitute refuses.
const HOLE = "\uE000";
const CURRENT = "\uE001";

/** Parsed values; null for a value left to `substitute` every time. */
const templates = new Map<string, Template | null>();

function compile(value: string): Template | null {
  const sections: Array<string | undefined> = [];
  const options: string[] = [];
  let text;
  try {
    text = substitute(value, CURRENT, (section, option) => {
      sections.push(section === CURRENT ? undefined : section);
      options.push(option);
      return HOLE;
    });
  } catch {
    return null;
  }
  const texts = text.split(HOLE);
  return texts.length === options.length + 1
    ? { texts, sections, options }
    : null;
}

/**
 * Looks up options for the section `name`; `context` is what a
 * substitution passes along (no closure is made per value).
 */
export interface Resolver<C> {
  readonly name: string;
  lookup(section: string, option: string, context: C): string | undefined;
}

/**
 * The same as `substitute(value, resolver.name, lookup)` where `lookup`
 * is `resolver.lookup(section, option, context)`, lookups included, in the
 * same order (see the module documentation for a missing option).
 *
 * @example memoSubstitute("${:a}/x", { name: "s", lookup: (s, o) => s + o }, 0) // "sa/x"
 * @throws {UserError} as `substitute`.
 */
export function memoSubstitute<C>(
  value: string,
  resolver: Resolver<C>,
  context: C,
): string {
  let template = templates.get(value);
  if (template === undefined) {
    template = compile(value);
    templates.set(value, template);
  }
  if (template === null) return fallback(value, resolver, context);
  const { texts, sections, options } = template;
  let result = texts[0];
  for (let i = 0; i < options.length; i++) {
    const found = resolver.lookup(
      sections[i] ?? resolver.name,
      options[i],
      context,
    );
    // Missing: `substitute` knows the exception and the error message.
    if (found === undefined) return fallback(value, resolver, context);
    result += found + texts[i + 1];
  }
  return result;
}

/** `substitute` itself; its lookup closure is made only on this path. */
function fallback<C>(value: string, resolver: Resolver<C>, context: C) {
  return substitute(
    value,
    resolver.name,
    (section, option) => resolver.lookup(section, option, context),
  );
}
