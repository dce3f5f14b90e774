/**
 * The buildout INI dialect, as zc.buildout's own `configparser.parse` reads
 * it, plus two things zc.buildout 1.5.2 accepted that later releases refuse:
 * option names with spaces (`File 1 = ...`) and `name: value` on a line
 * without `=`.
 */
import { UserError } from "../errors.ts";

/** One option as written in a file. */
export interface RawOption {
  value: string;
  /** 1-based line of the option's first line. */
  line: number;
}

/**
 * Sections of one file. Option keys are spelled as upstream keeps them:
 * `eggs`, `eggs +` for `eggs +=`, `eggs -` for `eggs -=`.
 */
export type ParsedFile = Map<string, Map<string, RawOption>>;

/** Decides a `[name:expression]` header; throws UserError when invalid. */
export type ConditionEvaluator = (expression: string) => boolean;

const SECTION_HEADER =
  /^\[\s*([^\s#[\]:;{}]+)\s*(?::([^#;]*))?\s*\]\s*(?:[#;].*)?$/;
const OPTION_START = /^([^\s{}[\]=:]+\s*[-+]?)=(.*)$/;
// 1.5.2 compatibility: inner spaces in names, `:` as the separator.
const LEGACY_OPTION_START = /^([^\s{}[\]=:][^{}[\]=:]*?\s*[-+]?)[=:](.*)$/;

/**
 * Parses buildout configuration text.
 *
 * @example parse("[a]\nx = 1\n", "a.cfg") // Map { "a" => Map { "x" => {value: "1", line: 2} } }
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
): ParsedFile {
  const sections: ParsedFile = new Map();
  const lines = (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text)
    .split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const bad: string[] = [];
  let current: Map<string, RawOption> | undefined;
  let optionName: string | undefined;
  let option: RawOption | undefined; // the option named optionName
  let blockMode = false;
  let conditionTrue = true;
  // Sections holding `+=`/`-=` keys, the only ones a plain `=` must clean.
  const withOperators = new Set<Map<string, RawOption>>();

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineno = i + 1;
    const first = line.charCodeAt(0); // NaN for ""
    if (first === HASH || first === SEMICOLON) continue;

    if (isSpaceCode(first) && option) {
      if (!conditionTrue) continue;
      if (blockMode) option.value += "\n" + pyRstrip(line);
      else {
        const stripped = pyStrip(line);
        if (stripped) option.value += "\n" + stripped;
      }
      continue;
    }
    if (line === "" && option) {
      // A blank line inside a value: kept only in block mode.
      if (conditionTrue && blockMode) option.value += "\n";
      continue;
    }

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
        if (!conditionTrue) continue;
      }
      current = sections.get(name);
      if (!current) sections.set(name, current = new Map());
      optionName = option = undefined;
      continue;
    }
    if (!current) {
      if (!pyStrip(line)) continue;
      throw new UserError(
        `${source}, line ${lineno}: text before the first section header: ${
          pyRepr(line)
        }`,
      );
    }
    const started = first === EQUALS && line.charCodeAt(1) === GREATER
      ? "<part-dependencies> = " + line.slice(2)
      : line;
    const equals = optionEquals(started);
    const match = equals < 0
      ? OPTION_START.exec(started) ?? LEGACY_OPTION_START.exec(started)
      : null;
    if (equals > 0 || match) {
      if (!conditionTrue) continue;
      optionName = pyRstrip(match ? match[1] : started.slice(0, equals));
      const value = pyStrip(match ? match[2] : started.slice(equals + 1));
      option = mergeOption(current, optionName, value, lineno, withOperators);
      blockMode = !value;
    } else if (!optionName && !pyStrip(line)) {
      continue;
    } else {
      bad.push(`line ${lineno}: ${pyRepr(line)}`);
    }
  }
  if (bad.length) {
    throw new UserError(
      `${source}, ${bad.join("; ")}: not an option, section header or ` +
        "continuation line",
    );
  }
  for (const section of sections.values()) {
    for (const option of section.values()) {
      if (isSpaceCode(option.value.charCodeAt(0))) {
        option.value = dedentBlock(option.value);
      }
    }
  }
  return sections;
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
      throw new UserError(
        `${source}, line ${lineno}: invalid condition in ${line.trim()}: ${err.message}`,
      );
    }
    throw err;
  }
}

/**
 * `+=`/`-=` repeated in one file (conditional sections) accumulate; a later
 * plain `=` drops the pending ones, as upstream's `_merge_option` does.
 */
function mergeOption(
  section: Map<string, RawOption>,
  name: string,
  value: string,
  line: number,
  withOperators: Set<Map<string, RawOption>>,
): RawOption {
  const op = name[name.length - 1];
  if (op === "+" || op === "-") {
    const existing = section.get(name);
    if (existing) {
      existing.value = pyRstrip(existing.value);
      if (value) existing.value += "\n" + value;
      return existing;
    }
    withOperators.add(section);
  } else if (withOperators.has(section)) {
    section.delete(name + " +");
    section.delete(name + " -");
  }
  const option = { value, line };
  section.set(name, option);
  return option;
}

/**
 * The index of the `=` of an option line as OPTION_START reads it, found
 * without the expression for the common ASCII spellings (`name = value`,
 * `name += value`); -1 when only the expressions can tell.
 */
function optionEquals(line: string): number {
  const length = line.length;
  let i = 0;
  while (i < length && NAME_CHAR[line.charCodeAt(i)] === 1) i++;
  if (i === 0) return -1;
  while (i < length) {
    const code = line.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09) break;
    i++;
  }
  const code = line.charCodeAt(i);
  if (code === 0x2b || code === 0x2d) i++;
  return line.charCodeAt(i) === EQUALS ? i : -1;
}

const HASH = 0x23, SEMICOLON = 0x3b, BRACKET = 0x5b, EQUALS = 0x3d;
const GREATER = 0x3e;

/** 1 for the ASCII characters OPTION_START allows in a name. */
const NAME_CHAR = new Uint8Array(128);
for (let code = 0x21; code < 0x7f; code++) {
  if (!"{}[]=:".includes(String.fromCharCode(code))) NAME_CHAR[code] = 1;
}

// Python's str.isspace() also counts the separators U+001C..U+001F.
const PY_SPACE = "\\s\\x1c-\\x1f";
const SPACE = new RegExp(`^[${PY_SPACE}]$`);

/**
 * Whether the UTF-16 code unit `code` is in PY_SPACE (false for NaN, past the
 * end of a string). ASCII, nearly every character of a file, is decided
 * without the regular expression.
 */
function isSpaceCode(code: number): boolean {
  if (code < 0x80) {
    return code === 0x20 || (code >= 0x09 && code <= 0x0d) ||
      isSeparator(code);
  }
  return code >= 0x80 && SPACE.test(String.fromCharCode(code));
}

const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

/**
 * Python's str.strip(): JS trim() plus the separators Python counts. The
 * native trim() settles nearly every string; the expression handles edges
 * holding a separator.
 */
function pyStrip(s: string): string {
  const t = s.trim();
  return isSeparator(t.charCodeAt(0)) || isSeparator(t.charCodeAt(t.length - 1))
    ? s.replace(EDGE_SPACE, "")
    : t;
}

function pyRstrip(s: string): string {
  const t = s.trimEnd();
  return isSeparator(t.charCodeAt(t.length - 1))
    ? s.replace(TRAILING_SPACE, "")
    : t;
}

/** U+001C..U+001F: space to Python, not to JS trim(). */
function isSeparator(code: number): boolean {
  return code >= 0x1c && code <= 0x1f;
}

/**
 * textwrap.dedent, then drop leading blank lines (block-mode values). Lines
 * of spaces and tabs only count as blank.
 */
function dedentBlock(value: string): string {
  const lines = pyRstrip(value).split("\n");
  let margin: string | undefined; // indentation common to non-blank lines
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let n = 0; // indentation of this line
    while (n < line.length && isIndent(line.charCodeAt(n))) n++;
    if (n === line.length) lines[i] = "";
    else if (margin === undefined) margin = line.slice(0, n);
    else {
      let common = 0;
      while (
        common < margin.length && common < n &&
        margin.charCodeAt(common) === line.charCodeAt(common)
      ) {
        common++;
      }
      if (common < margin.length) margin = margin.slice(0, common);
    }
  }
  // Non-blank lines all start with the margin; blank ones are empty.
  const dedented = margin ? lines.map((l) => l.slice(margin.length)) : lines;
  return dedented.join("\n").replace(/^(\s*\n)+/, "");
}

function isIndent(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Python repr of a line, for error messages. */
function pyRepr(line: string): string {
  const body = line.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return body.includes("'") && !body.includes('"')
    ? `"${body}"`
    : `'${body.replace(/'/g, "\\'")}'`;
}
