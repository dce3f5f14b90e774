/**
 * Reading the text of an installation database. Files written by buildout
 * (this one or zc.buildout) use a narrow subset of the configuration
 * dialect: `[name]` headers, `name = value` lines with no space at either
 * end of the value, and tab-indented continuation lines. That subset is
 * read through one native split, several times faster than the general
 * parser on large databases; any other line (comments, hand edits, block
 * values, a tab at the edge of a value's line) sends the whole file to the
 * general parser, so both readings agree; only such tabs, which the parser
 * would strip, are kept as the writers meant them.
 * An unterminated last line is dropped first, unless an editor left it so
 * (see {@link editedLastLine}).
 */
import { HEADER, OPTION_NAME } from "../config/_plain_config.ts";
import { parse } from "../config/parse.ts";
import { firstBadLine } from "../config/text.ts";
import { UserError } from "../errors.ts";
import { OptionValues } from "../option_values.ts";
import { words } from "../words.ts";

/** Sections of a database file, values as written (still quoted). */
export type DatabaseText = Map<string, OptionValues>;

const NEWLINE = 0x0a;

// Python's spaces, which no value of the subset starts or ends with.
const EDGE = "[^\\s\\x1c-\\x1f\\x85]";
// An option line: a plain name, then ` = ` and the value, found for the
// whole text by one native split. The code runs mostly interpreted, where
// each call (charCodeAt, trim) costs more than the regular expression's
// work.
const OPTION_LINE = new RegExp(
  `^(${OPTION_NAME}) = (${EDGE}(?:[^\\n]*${EDGE})?)?$`,
  "m",
);
const CONTINUATION = new RegExp(`^\\t${EDGE}(?:.*${EDGE})?$`);

/**
 * The subset described above, or undefined when the text leaves it.
 * Exported for the tests that compare it with the general parser.
 */
export function scanWritten(text: string): DatabaseText | undefined {
  // The general parser also ends lines at a lone \r; `$` and `.` end them
  // at U+2028 and U+2029 too.
  if (/[\r\u2028\u2029]/.test(text)) return undefined;
  const sections: DatabaseText = new Map();
  let section: OptionValues | undefined;
  let option = "";
  let value = "";
  // [text, name, value, text, ...]: the text between two option lines
  // starts with the first one's line feed and ends with the one before
  // the second; mostly it is that one line feed.
  const pieces = text.split(OPTION_LINE);
  const count = pieces.length;
  for (let i = 0; i < count; i += 3) {
    const between = pieces[i];
    if (between.length > 1 || (i === 0 && between)) {
      const lines = between.split("\n");
      // Not the rest of an option line, nor the start of the next; the
      // text ends with a line feed.
      for (let k = i === 0 ? 0 : 1, n = lines.length - 1; k < n; k++) {
        const line = lines[k];
        if (!line) continue;
        if (line[0] === "\t") {
          // A continuation of a non-empty first line (an empty one starts
          // a block value, which the general parser dedents).
          if (!value || !CONTINUATION.test(line)) return undefined;
          value += "\n" + line.slice(1);
          section!.set(option, value);
        } else if (line[0] === "[" && HEADER.test(line)) {
          const name = line.slice(1, -1);
          section = sections.get(name);
          if (!section) sections.set(name, section = new OptionValues());
          option = value = "";
        } else return undefined;
      }
    }
    if (i + 1 === count) break;
    if (!section) return undefined;
    option = pieces[i + 1];
    value = pieces[i + 2] ?? "";
    section.set(option, value);
  }
  return sections;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The sections of the database file content `bytes` read from `source`.
 *
 * @example readDatabaseText(bytes, "/srv/app/.installed.cfg") // Map {"buildout" => ...}
 * @throws {UserError} for bytes that are not UTF-8 or a NUL character,
 *   and from the general parser for text that is not in the configuration
 *   dialect at all.
 */
export function readDatabaseText(
  bytes: Uint8Array,
  source: string,
): DatabaseText {
  // Buildout ends every write with a newline: an unterminated last line is
  // an append cut short by a crash (see database.ts), and is ignored; it
  // may end in half a character.
  let last: string | undefined;
  if (bytes.length && bytes[bytes.length - 1] !== NEWLINE) {
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    try {
      last = UTF8.decode(bytes.subarray(end));
    } catch {
      // Half a character: cut short.
    }
    bytes = bytes.subarray(0, end);
  }
  // Not decoded with U+FFFD: a recorded path would silently name another
  // file, an option value would reinstall the part.
  let text;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new UserError(`line ${firstBadLine(bytes)} is not UTF-8 text`);
  }
  if (last !== undefined && editedLastLine(text, last)) text += last + "\n";
  // No path or value holds one: a recorded path with it would be skipped
  // when uninstalling, an option value with it would reinstall the part.
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    throw new UserError(`line ${line} holds a NUL character`);
  }
  const fast = scanWritten(text);
  if (fast) return fast;
  // Writers quote a value's edge spaces but not its tabs: past the tab
  // starting a continuation line, a tab is the value's (a tab-indented line
  // of a command), which the parser would strip: the changed value would
  // reinstall the part on every run. Such tabs go through the parser as
  // NUL, which no text here holds.
  let tabs = CONTENT_TAB.test(text);
  let parsed;
  try {
    parsed = parse(tabs ? text.replace(CONTENT_TABS, "\0") : text, source);
  } catch (err) {
    if (!tabs || !(err instanceof UserError)) throw err;
    // The error quotes the lines as written; a hand edit such as `[a]<TAB>`
    // may be refused only with the tabs replaced.
    parsed = parse(text, source);
    tabs = false;
  }
  const sections: DatabaseText = new Map();
  for (const [name, options] of parsed) {
    const values = new OptionValues();
    for (const [key, { value }] of options) {
      if (tabs) values.set(untab(key), untab(value));
      else values.set(key, value);
    }
    sections.set(tabs ? untab(name) : name, values);
  }
  return sections;
}

/**
 * True when `line`, the unterminated last line after `text`, was saved so
 * by an editor (as many do by default) rather than cut short by a crash:
 * it continues a part's section, and the `[buildout]` section above that
 * one lists the part. An append (see database.ts) adds the sections of
 * parts that no `[buildout]` section above them lists yet, then a
 * `[buildout]` section, so none of its lines is such a line.
 */
function editedLastLine(text: string, line: string): boolean {
  // An option or a continuation line; a header is the start of an append.
  if (!/^(?:[ \t]+\S|[^\s[#;][^=]*=)/.test(line)) return false;
  const headers = [...text.matchAll(/^\[([^\s[\]]+)\][ \t]*$/gm)];
  const own = headers.at(-1);
  if (!own || own[1] === "buildout") return false;
  for (let i = headers.length - 2; i >= 0; i--) {
    if (headers[i][1] !== "buildout") continue;
    const body = text.slice(headers[i].index!, headers[i + 1].index);
    const parts = /^parts[ \t]*=(.*(?:\n[ \t].*)*)/m.exec(body);
    return parts !== null && words(parts[1]).includes(own[1]);
  }
  return false;
}

// A tab that is not the first character of its line.
const CONTENT_TAB = /[^\n]\t/;
const CONTENT_TABS = /(?<=[^\n])\t/g;

function untab(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\t") : text;
}
