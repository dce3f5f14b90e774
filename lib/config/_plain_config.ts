/**
 * The plain subset of configuration text, read fast: printable ASCII, tabs
 * and line feeds only; `[name]` headers; `name = value`, `name += value`
 * and `name -= value` lines (each operator once per option and file);
 * comment lines; blank lines; continuation lines indented by spaces or
 * tabs, a block value's lines all starting with the margin of its first
 * one. Most files are nothing else. Any other line (a condition, `:` as
 * the separator, a name with spaces, text outside a section) makes the
 * whole file the general parser's, so both readings agree.
 */
import type { Note } from "./annotated.ts";
import type { ParsedFile, RawOption } from "./parse.ts";
import { isIndent } from "./dedent.ts";

/** What {@link parsePlain} read. */
export interface PlainParse {
  sections: ParsedFile;
  /** The block values (those with an empty first line). */
  blocks: RawOption[];
  /** Sections holding `+=`/`-=` keys. */
  withOperators: Set<Map<string, RawOption>>;
}

/**
 * An option name the general parser reads, not starting a comment and
 * without `+`/`-` at its end (which would make it `+=`/`-=`): the source of
 * a regular expression, shared with the installation database's reading.
 */
export const OPTION_NAME =
  "[^\\s{}[\\]=:#;+-](?:[^\\s{}[\\]=:]*[^\\s{}[\\]=:+-])?";
/** A `[name]` header without spaces, condition or comment. */
export const HEADER = /^\[[^\s#[\]:;{}]+\]$/;

// Printable ASCII, tabs and line feeds: the only spaces are those JS and
// Python agree on, and lines end only at line feeds (`.` and `$` also end
// them at a carriage return or U+2028).
const NOT_PLAIN = /[^\t\n\x20-\x7e]/;
// The option lines, found by one native split capturing the name, the
// operator with the spaces before it (`eggs +=`), and the value without
// the spaces around it. The code runs mostly interpreted, where each call
// (charCodeAt, trim) costs more than the regular expression's work.
const OPTION_LINE = new RegExp(
  `^(${OPTION_NAME})((?:[ \\t]*[-+])?)[ \\t]*=[ \\t]*([^\\n]*[^ \\t\\n])?[ \\t]*$`,
  "m",
);

/**
 * The sections of `text`, each option `{value, notes}` as `parse` makes
 * them (block values not yet stripped of their edges), or undefined when
 * the text leaves the subset.
 */
export function parsePlain(
  text: string,
  notes: readonly Note[] | undefined,
): PlainParse | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  const sections: ParsedFile = new Map();
  const blocks: RawOption[] = [];
  const withOperators = new Set<Map<string, RawOption>>();
  let section: Map<string, RawOption> | undefined;
  let operators = false; // the section holds `+=`/`-=` keys
  let option: RawOption | undefined;
  let block = false;
  let margin: string | undefined;
  // [text, name, operator, value, text, ...]: the text between two option
  // lines starts with the first one's line feed and ends with the one
  // before the second; mostly it is that one line feed.
  const pieces = text.split(OPTION_LINE);
  const count = pieces.length;
  for (let i = 0; i < count; i += 4) {
    const between = pieces[i];
    if (between.length > 1 || (i === 0 && between)) {
      // Its lines, found in place rather than split into an array: not the
      // rest of an option line (up to the first line feed), nor the start
      // of the next, which follows the last line feed.
      let start = i === 0 ? 0 : between.indexOf("\n") + 1;
      for (
        let end = between.indexOf("\n", start);
        end >= 0;
        start = end + 1, end = between.indexOf("\n", start)
      ) {
        const line = between.slice(start, end);
        if (!line) {
          if (option && block) option.value += "\n";
          continue;
        }
        const first = line[0];
        if (first === " " || first === "\t") {
          // The margin ends at `from`, the text at `to`: found in place,
          // as a regular expression's match would allocate for each line.
          let from = 1, to = line.length;
          while (isIndent(line.charCodeAt(from))) from++;
          while (to > from && isIndent(line.charCodeAt(to - 1))) to--;
          if (!option) {
            if (from < to) return undefined;
          } else if (from === to) {
            if (block) option.value += "\n";
          } else if (!block) {
            option.value += "\n" + line.slice(from, to);
          } else {
            margin ??= line.slice(0, from);
            // The line's margin holds the first line's (only spaces and
            // tabs), and what it has beyond that is the value's.
            if (from < margin.length || !line.startsWith(margin)) {
              return undefined;
            }
            option.value += "\n" + line.slice(margin.length, to);
          }
        } else if (first === "[") {
          if (!HEADER.test(line)) return undefined;
          const name = line.slice(1, -1);
          section = sections.get(name);
          if (!section) sections.set(name, section = new Map());
          operators = withOperators.has(section);
          option = undefined;
        } else if (first !== "#" && first !== ";") {
          return undefined;
        }
      }
      // The text's last line, when no line feed ends it.
      const last = between.slice(start);
      if (i + 1 === count && last && last[0] !== "#" && last[0] !== ";") {
        return undefined;
      }
    }
    if (i + 1 === count) break;
    if (!section) return undefined;
    // The key spells the operator as parse does: `eggs +` for `eggs +=`.
    const operator = pieces[i + 2];
    const name = operator ? pieces[i + 1] + operator : pieces[i + 1];
    if (operator) {
      // Repeated in one file, the values accumulate: parse's work.
      if (section.has(name)) return undefined;
      withOperators.add(section);
      operators = true;
    } else if (operators) {
      // A plain `=` drops the pending operators, as parse's mergeOption.
      section.delete(name + " +");
      section.delete(name + " -");
    }
    const value = pieces[i + 3] ?? "";
    option = { value, notes };
    section.set(name, option);
    block = !value;
    margin = undefined;
    if (block) blocks.push(option);
  }
  return { sections, blocks, withOperators };
}
