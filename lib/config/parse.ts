/**
 * The buildout INI dialect, as zc.buildout's own `configparser.parse` reads
 * it, plus three things zc.buildout 1.5.2 accepted that later releases
 * refuse: option names with spaces (`File 1 = ...`), `name: value` on a line
 * without `=`, and section names with spaces (`[my section]`, which
 * `${my section:option}` may name).
 */
import { clipped, oneLine, UserError } from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";
import type { Note } from "./annotated.ts";
import { parsePlain } from "./_plain_config.ts";
import { noteFalseHeader } from "./false_headers.ts";
import { dedent } from "./dedent.ts";

/** One option as written in a file. */
export interface RawOption {
  value: string;
  /** The origin `parse` was given, for annotated configuration data. */
  notes?: readonly Note[];
}

/**
 * Sections of one file. Option keys are spelled as upstream keeps them:
 * `eggs`, `eggs +` for `eggs +=`, `eggs -` for `eggs -=`.
 */
export type ParsedFile = Map<string, Map<string, RawOption>>;

/** Decides a `[name:expression]` header; throws UserError when invalid. */
export type ConditionEvaluator = (expression: string) => boolean;

// Inner spaces and tabs in the name: 1.5.2 compatibility.
const SECTION_HEADER =
  /^\[\s*([^\s#[\]:;{}]+(?:[ \t]+[^\s#[\]:;{}]+)*)\s*(?::([^#;]*))?\s*\]\s*(?:[#;].*)?$/;
const OPTION_START = /^([^\s{}[\]=:]+\s*[-+]?)=(.*)$/;
// The name characters of OPTION_START, at a given index of the whole text.
const NAME_RUN = /[^\s{}[\]=:]+/y;
// 1.5.2 compatibility: inner spaces in names, `:` as the separator.
const LEGACY_OPTION_START = /^([^\s{}[\]=:][^{}[\]=:]*?\s*[-+]?)[=:](.*)$/;

/**
 * Parses buildout configuration text.
 *
 * @example parse("[a]\nx = 1\n", "a.cfg") // Map { "a" => Map { "x" => {value: "1"} } }
 * `notes`, when given, goes into every option: the options are then
 * annotated values as they are made (see annotated.ts).
 *
 * @throws {UserError} for text before the first section header, lines that
 *   are not options, headers or continuations (all listed, with line
 *   numbers), and invalid conditions.
 */
export function parse(
  text: string,
  source: string,
  evaluate: ConditionEvaluator = () => {
    throw new UserError("conditional sections are not supported here");
  },
  notes?: readonly Note[],
): ParsedFile {
  const plain = parsePlain(text, notes);
  if (!plain) return parseGeneral(text, source, evaluate, notes);
  for (const option of plain.blocks) {
    if (option.value) option.value = dropBlankEdges(option.value);
  }
  for (const section of plain.sections.values()) {
    if (!plain.withOperators.has(section)) WITHOUT_OPERATORS.add(section);
  }
  return plain.sections;
}

/**
 * {@link parse} line by line, for any text: what it does when the text
 * leaves the plain subset that _plain_config.ts reads faster. Exported for
 * the tests that compare the two readings.
 */
export function parseGeneral(
  text: string,
  source: string,
  evaluate: ConditionEvaluator,
  notes?: readonly Note[],
): ParsedFile {
  const sections: ParsedFile = new Map();
  if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
  const length = text.length;
  const bad: string[] = [];
  // A bad line that is indented: an option indented under its header.
  let indentedBad = false;
  let current: Map<string, RawOption> | undefined;
  let optionName: string | undefined;
  let option: RawOption | undefined; // the option named optionName
  let blockMode = false;
  let conditionTrue = true;
  const state: BlockState = {
    withOperators: new Set(),
    blocks: new Set(),
    margins: new Map(),
    raw: new Set(),
    heads: new Map(),
  };
  // Block lines lose the indentation of the value's first non-blank line as
  // they are read (`margin`); `rawMode` keeps them whole for dedentBlock.
  let margin: string | undefined;
  let rawMode = false;
  // The current section holds `+=`/`-=` keys.
  let operators = false;

  let lineno = 0;
  for (let start = 0, end = 0; start < length; start = end + 1) {
    end = text.indexOf("\n", start);
    if (end < 0) end = length;
    lineno++;
    const first = text.charCodeAt(start); // the next line's "\n" for ""
    if (first === HASH || first === SEMICOLON) continue;

    if (
      option && start < end && (first <= 0x20 || first >= 0x80) &&
      isSpaceCode(first)
    ) {
      if (!conditionTrue) continue;
      // Read in place: the stripped text is the one slice taken.
      const last = spaceStart(text, start, end); // past the last non-space
      if (!blockMode) {
        if (last > start) {
          let from = start + 1;
          while (isSpaceCode(text.charCodeAt(from))) from++;
          option.value += "\n" + text.slice(from, last);
        }
        continue;
      }
      if (rawMode || last === start) {
        option.value += "\n" + text.slice(start, last);
        continue;
      }
      if (margin === undefined) {
        margin = text.slice(start, indentEnd(text, start));
        // Only a `+=`/`-=` value can be added to later in the file.
        const op = optionName!.charCodeAt(optionName!.length - 1);
        if (margin && (op === PLUS || op === MINUS)) {
          state.margins.set(option, margin);
        }
      }
      if (text.startsWith(margin, start)) {
        option.value += "\n" + text.slice(start + margin.length, last);
      } else { // indented less than the first line: dedentBlock decides
        reindent(option, margin);
        state.margins.delete(option);
        state.raw.add(option);
        rawMode = true;
        option.value += "\n" + text.slice(start, last);
      }
      continue;
    }
    if (start === end && option) {
      // A blank line inside a value: kept only in block mode.
      if (conditionTrue && blockMode) option.value += "\n";
      continue;
    }

    let name = "", value: string;
    // The common `name = value` line, read in place: a run of name
    // characters, spaces, maybe `+`/`-`, `=`. test() builds no match array,
    // and the scans are written out: this runs for nearly every line.
    let equals = -1;
    NAME_RUN.lastIndex = start;
    if (current && NAME_RUN.test(text)) {
      const nameEnd = NAME_RUN.lastIndex;
      let i = nameEnd;
      let code = text.charCodeAt(i);
      while (code === 0x20 || code === 0x09) code = text.charCodeAt(++i);
      const op = code;
      if (op === PLUS || op === MINUS) code = text.charCodeAt(++i);
      if (code === EQUALS) {
        equals = i;
        name = text.slice(start, op === PLUS || op === MINUS ? i : nameEnd);
      }
    }
    if (equals >= 0) {
      let from = equals + 1;
      let code = text.charCodeAt(from);
      while (code === 0x20 || code === 0x09) code = text.charCodeAt(++from);
      let last = end;
      while (last > from) {
        const c = text.charCodeAt(last - 1);
        if ((c > 0x20 && c < 0x80) || !isSpaceCode(c)) break;
        last--;
      }
      value = text.slice(from, last);
      // Python also strips the separators U+001C..U+001F and U+0085
      if (from < last && (code < 0x20 || code >= 0x80) && isSpaceCode(code)) {
        value = pyStrip(value);
      }
    } else {
      const line = text.slice(start, end);
      const header = first === BRACKET ? SECTION_HEADER.exec(line) : null;
      if (header) {
        conditionTrue = true;
        const [, name, expression] = header;
        if (expression !== undefined && expression.trim()) {
          conditionTrue = evaluateHeader(
            expression,
            evaluate,
            source,
            lineno,
            line,
          );
          if (!conditionTrue) {
            noteFalseHeader(
              name,
              line.trim(),
              `${oneLine(source)}, line ${lineno}`,
            );
            continue;
          }
        }
        current = sections.get(name);
        if (!current) sections.set(name, current = new Map());
        operators = state.withOperators.has(current);
        optionName = option = undefined;
        continue;
      }
      if (!current) {
        if (!pyStrip(line)) continue;
        if (conditionTrue) {
          throw new UserError(
            `${
              oneLine(source)
            }, line ${lineno}: text before the first section header: ${
              quoted(line)
            }${line.startsWith("\ufeff") ? BOM_HINT : ""}`,
          );
        }
        // The file's first header had a false condition: its continuation
        // lines go here, its options below, as any false section's do.
        if (isSpaceCode(first)) continue;
      }
      const started = first === EQUALS && line.charCodeAt(1) === GREATER
        ? "<part-dependencies> = " + line.slice(2)
        : line;
      const match = OPTION_START.exec(started) ??
        LEGACY_OPTION_START.exec(started);
      if (!match) {
        if (pyStrip(line)) {
          bad.push(`line ${lineno}: ${quoted(line)}`);
          if (isSpaceCode(first)) indentedBad = true;
        }
        continue;
      }
      name = pyRstrip(match[1]);
      value = pyStrip(match[2]);
    }
    if (!conditionTrue) continue;
    optionName = name;
    const op = name.charCodeAt(name.length - 1);
    if (op === PLUS || op === MINUS || operators) {
      option = mergeOption(current!, name, value, state, notes);
      operators = state.withOperators.has(current!);
      rawMode = state.raw.has(option);
    } else { // a plain `=` in a section without operators: nothing to merge
      option = { value, notes };
      current!.set(name, option);
      rawMode = false;
    }
    blockMode = !value;
    margin = undefined;
    if (blockMode || rawMode) state.blocks.add(option);
  }
  if (bad.length) {
    throw new UserError(
      `${oneLine(source)}, ${
        bad.join("; ")
      }: not an option, section header or ` +
        "continuation line" + (indentedBad ? INDENT_HINT : ""),
    );
  }
  for (const [option, head] of state.heads) {
    option.value = head.join("") + option.value;
  }
  for (const option of state.blocks) {
    if (!isSpaceCode(option.value.charCodeAt(0))) continue;
    option.value = state.raw.has(option)
      ? dedentBlock(option.value)
      : dropBlankEdges(option.value);
  }
  for (const section of sections.values()) {
    if (!state.withOperators.has(section)) WITHOUT_OPERATORS.add(section);
  }
  return sections;
}

/**
 * Why an indented option is refused (a tab before `recipe =`): such a line
 * only continues the value of an option above it in its section.
 */
const INDENT_HINT = " (an indented line continues the value of the option " +
  "above it: start options at the beginning of their line)";

/** What to do about the mark some Windows editors put before the text. */
const BOM_HINT =
  " (\\ufeff is a byte order mark: save the file as UTF-8 without one)";

/**
 * A bad line as an error quotes it: its repr, cut in the middle when past
 * 200 characters (a minified or binary file may hold a line of megabytes).
 */
function quoted(line: string): string {
  return clipped(line, pyRepr);
}

/** Sections parse read without `+=`/`-=` keys. */
const WITHOUT_OPERATORS = new WeakSet<object>();

/** True for a section `parse` returned that holds no `+=`/`-=` keys. */
export function parsedWithoutOperators(section: object): boolean {
  return WITHOUT_OPERATORS.has(section);
}

/** What parse tracks about values that may need dedenting. */
interface BlockState {
  /** Sections holding `+=`/`-=` keys, the only ones a plain `=` must clean. */
  withOperators: Set<Map<string, RawOption>>;
  /**
   * Options whose value may start with white space, dedented at the end:
   * the others start with the stripped text of their first line.
   */
  blocks: Set<RawOption>;
  /** The margin already taken off the lines of a `+=`/`-=` block value. */
  margins: Map<RawOption, string>;
  /** Options holding their lines whole, for dedentBlock. */
  raw: Set<RawOption>;
  /**
   * The settled text of a repeated `+=`/`-=` option, before the part its
   * value holds: each repeat strips only its own part, where stripping the
   * whole value each time made thousands of repeats quadratic.
   */
  heads: Map<RawOption, string[]>;
}

/** Puts back the margin taken off the non-blank lines of a block value. */
function reindent(option: RawOption, margin: string): void {
  if (!margin) return;
  option.value = option.value.split("\n").map((l) => l && margin + l).join(
    "\n",
  );
}

function evaluateHeader(
  expression: string,
  evaluate: ConditionEvaluator,
  source: string,
  lineno: number,
  line: string,
): boolean {
  const unescaped = expression.replaceAll("\\x23", "#").replaceAll(
    "\\x3b",
    ";",
  );
  try {
    return evaluate(unescaped.trim());
  } catch (err) {
    if (err instanceof UserError) {
      throw new UserError(oneLine(
        `${source}, line ${lineno}: invalid condition in ${
          clipped(line.trim())
        }: ${err.message}`,
      ));
    }
    throw err;
  }
}

/**
 * `+=`/`-=` repeated in one file (conditional sections) accumulate; a later
 * plain `=` drops the pending ones, as upstream's `_merge_option` does. An
 * accumulated value is kept whole (`raw`) and dedented at the end.
 */
function mergeOption(
  section: Map<string, RawOption>,
  name: string,
  value: string,
  state: BlockState,
  notes: readonly Note[] | undefined,
): RawOption {
  const op = name.charCodeAt(name.length - 1);
  if (op === PLUS || op === MINUS) {
    const existing = section.get(name);
    if (existing) {
      reindent(existing, state.margins.get(existing) ?? "");
      state.margins.delete(existing);
      state.raw.add(existing);
      // What the heads hold ends in no space: stripping the part after them
      // strips the whole value.
      const settled = pyRstrip(existing.value);
      const head = state.heads.get(existing);
      if (head) head.push(settled);
      else state.heads.set(existing, [settled]);
      existing.value = value ? "\n" + value : "";
      return existing;
    }
    state.withOperators.add(section);
  } else if (state.withOperators.has(section)) {
    section.delete(name + " +");
    section.delete(name + " -");
  }
  const option = { value, notes };
  section.set(name, option);
  return option;
}

const HASH = 0x23, SEMICOLON = 0x3b, BRACKET = 0x5b, EQUALS = 0x3d;
const GREATER = 0x3e, PLUS = 0x2b, MINUS = 0x2d;

// Python's str.isspace(): JS \s without U+FEFF, with U+001C..U+001F and U+0085.
const PY_SPACE =
  "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACE = new RegExp(`^[${PY_SPACE}]$`);

/**
 * Whether the UTF-16 code unit `code` is in PY_SPACE (false for NaN, past the
 * end of a string). ASCII, nearly every character of a file, is decided
 * without the regular expression.
 */
function isSpaceCode(code: number): boolean {
  if (code < 0x21) {
    return code === 0x20 || (code >= 0x09 && code <= 0x0d) ||
      (code >= 0x1c && code <= 0x1f);
  }
  return code >= 0x80 && SPACE.test(String.fromCharCode(code));
}

// Line scanning runs once per process, mostly interpreted: the loops below
// settle printable ASCII without a call per character.

/** The index past the last non-space character of `text[from, end)`. */
function spaceStart(text: string, from: number, end: number): number {
  while (end > from) {
    const code = text.charCodeAt(end - 1);
    if ((code > 0x20 && code < 0x80) || !isSpaceCode(code)) break;
    end--;
  }
  return end;
}

/** The index of the first character at or after `i` not a space or tab. */
function indentEnd(text: string, i: number): number {
  let code = text.charCodeAt(i);
  while (code === 0x20 || code === 0x09) code = text.charCodeAt(++i);
  return i;
}

const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

/**
 * Python's str.strip(). The native trim() settles nearly every string; the
 * expression handles edges holding a space only one of the two counts.
 */
function pyStrip(s: string): string {
  const t = s.trim();
  return isPythonOnlySpace(t.charCodeAt(0)) ||
      isPythonOnlySpace(t.charCodeAt(t.length - 1)) || s.includes("\uFEFF")
    ? s.replace(EDGE_SPACE, "")
    : t;
}

function pyRstrip(s: string): string {
  const t = s.trimEnd();
  return isPythonOnlySpace(t.charCodeAt(t.length - 1)) || s.includes("\uFEFF")
    ? s.replace(TRAILING_SPACE, "")
    : t;
}

/**
 * U+001C..U+001F and U+0085: space to Python, not to JS trim() (which strips
 * U+FEFF, not a space to Python).
 */
function isPythonOnlySpace(code: number): boolean {
  return (code >= 0x1c && code <= 0x1f) || code === 0x85;
}

const LEADING_BLANK_LINES = /^(\s*\n)+/;

/**
 * textwrap.dedent, then drop leading blank lines (block-mode values). Lines
 * of spaces and tabs only count as blank.
 */
function dedentBlock(value: string): string {
  return dedent(pyRstrip(value)).replace(LEADING_BLANK_LINES, "");
}

/**
 * dedentBlock of a value whose non-blank lines are already dedented: only
 * the blank lines at both ends go.
 */
function dropBlankEdges(value: string): string {
  // The usual block: its empty first line, then text at both ends.
  if (
    value.charCodeAt(0) === 0x0a && !isSpaceCode(value.charCodeAt(1)) &&
    !isSpaceCode(value.charCodeAt(value.length - 1))
  ) {
    return value.slice(1);
  }
  return pyRstrip(value).replace(LEADING_BLANK_LINES, "");
}
