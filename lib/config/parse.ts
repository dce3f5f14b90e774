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
  const lines = text.split(/\r\n?|\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const bad: string[] = [];
  let current: Map<string, RawOption> | undefined;
  let optionName: string | undefined;
  let blockMode = false;
  let conditionTrue = true;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineno = i + 1;
    const first = line[0];
    if (first === "#" || first === ";") continue;

    if (line !== "" && isSpace(first) && current && optionName) {
      if (!conditionTrue) continue;
      const option = current.get(optionName)!;
      if (blockMode) option.value += "\n" + pyRstrip(line);
      else if (pyStrip(line)) option.value += "\n" + pyStrip(line);
      continue;
    }
    if (line === "" && current && optionName) {
      // A blank line inside a value: kept only in block mode.
      if (conditionTrue && blockMode) current.get(optionName)!.value += "\n";
      continue;
    }

    const header = first === "[" ? SECTION_HEADER.exec(line) : null;
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
      optionName = undefined;
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
    const started = line.startsWith("=>")
      ? "<part-dependencies> = " + line.slice(2)
      : line;
    const match = OPTION_START.exec(started) ??
      LEGACY_OPTION_START.exec(started);
    if (match) {
      if (!conditionTrue) continue;
      optionName = pyRstrip(match[1]);
      mergeOption(current, optionName, pyStrip(match[2]), lineno);
      blockMode = !pyStrip(match[2]);
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
      if (isSpace(option.value[0] ?? "")) {
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
): void {
  const op = name[name.length - 1];
  const existing = section.get(name);
  if (existing && (op === "+" || op === "-")) {
    existing.value = pyRstrip(existing.value);
    if (value) existing.value += "\n" + value;
    return;
  }
  if (op !== "+" && op !== "-") {
    section.delete(name + " +");
    section.delete(name + " -");
  }
  section.set(name, { value, line });
}

// Python's str.isspace() also counts the separators U+001C..U+001F.
const PY_SPACE = "\\s\\x1c-\\x1f";
const SPACE = new RegExp(`^[${PY_SPACE}]$`);
const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);
function isSpace(ch: string): boolean {
  return ch !== "" && SPACE.test(ch);
}

/** Python's str.strip(): JS trim() plus the separators Python counts. */
function pyStrip(s: string): string {
  return s.replace(EDGE_SPACE, "");
}

function pyRstrip(s: string): string {
  return s.replace(TRAILING_SPACE, "");
}

/** textwrap.dedent, then drop leading blank lines (block-mode values). */
function dedentBlock(value: string): string {
  const lines = pyRstrip(value).split("\n").map((l) =>
    /^[ \t]+$/.test(l) ? "" : l
  );
  let margin: string | undefined;
  for (const l of lines) {
    if (!l) continue;
    const indent = /^[ \t]*/.exec(l)![0];
    if (margin === undefined) margin = indent;
    else {
      let n = 0;
      while (
        n < margin.length && n < indent.length && margin[n] === indent[n]
      ) {
        n++;
      }
      margin = margin.slice(0, n);
    }
  }
  const dedented = margin
    ? lines.map((l) => l.startsWith(margin) ? l.slice(margin.length) : l)
    : lines;
  return dedented.join("\n").replace(/^(\s*\n)+/, "");
}

/** Python repr of a line, for error messages. */
function pyRepr(line: string): string {
  const body = line.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return body.includes("'") && !body.includes('"')
    ? `"${body}"`
    : `'${body.replace(/'/g, "\\'")}'`;
}
