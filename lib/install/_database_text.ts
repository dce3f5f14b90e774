/**
 * Reading the text of an installation database. Files written by buildout
 * (this one or zc.buildout) use a narrow subset of the configuration
 * dialect: `[name]` headers, `name = value` lines with no space at either
 * end of the value, and tab-indented continuation lines. That subset is
 * read by a direct scan, several times faster than the general parser on
 * large databases; any other line (comments, hand edits, block values)
 * sends the whole file to the general parser, so both readings agree.
 * An unterminated last line is dropped first.
 */
import { parse } from "../config/parse.ts";
import { firstBadLine } from "../config/text.ts";
import { UserError } from "../errors.ts";

/** Sections of a database file, values as written (still quoted). */
export type DatabaseText = Map<string, Map<string, string>>;

const TAB = 0x09, BRACKET = 0x5b, NEWLINE = 0x0a;

/** Nothing the general parser would strip at either end. */
function trimmed(s: string): boolean {
  const first = s.charCodeAt(0), last = s.charCodeAt(s.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return true;
  return first > 0x20 && last > 0x20 && s.trim() === s;
}

// What the general parser accepts as an option or section name, minus the
// `+`/`-` suffixes of `+=`/`-=`.
const NAME = /^[^\s{}[\]=:#;+-][^\s{}[\]=:]*$/;
const PLAIN_NAME = /^[^\s{}[\]=:]*[^\s{}[\]=:+-]$/;
const SECTION = /^\[[^\s#[\]:;{}]+\]$/;

/** The subset described above, or undefined when the text leaves it. */
function scan(text: string): DatabaseText | undefined {
  // The general parser also ends lines at a lone \r.
  if (text.includes("\r")) return undefined;
  const sections: DatabaseText = new Map();
  let section: Map<string, string> | undefined;
  let option = "";
  let value = "";
  // The same few option names repeat in every part's section.
  const names = new Set<string>();
  // Line by line through offsets: no string per line, only per value.
  const end = text.length;
  for (let start = 0, nl = 0; start < end; start = nl + 1) {
    nl = text.indexOf("\n", start);
    if (nl < 0) nl = end;
    if (nl === start) continue;
    const first = text.charCodeAt(start);
    if (first === TAB) {
      // A continuation of a non-empty first line (an empty one starts a
      // block value, which the general parser dedents).
      const rest = text.slice(start + 1, nl);
      if (!option || !value || !rest || !trimmed(rest)) return undefined;
      value += "\n" + rest;
      section!.set(option, value);
      continue;
    }
    if (first === BRACKET) {
      const line = text.slice(start, nl);
      if (!SECTION.test(line)) return undefined;
      const name = line.slice(1, -1);
      section = sections.get(name);
      if (!section) sections.set(name, section = new Map());
      option = "";
      continue;
    }
    const eq = text.indexOf(" = ", start);
    if (!section || eq <= start || eq > nl) return undefined;
    option = text.slice(start, eq);
    value = text.slice(eq + 3, nl);
    if (!names.has(option)) {
      if (!NAME.test(option) || !PLAIN_NAME.test(option)) return undefined;
      names.add(option);
    }
    if (value && !trimmed(value)) return undefined;
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
  if (bytes.length && bytes[bytes.length - 1] !== NEWLINE) {
    bytes = bytes.subarray(0, bytes.lastIndexOf(NEWLINE) + 1);
  }
  // Not decoded with U+FFFD: a recorded path would silently name another
  // file, an option value would reinstall the part.
  let text;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new UserError(`line ${firstBadLine(bytes)} is not UTF-8 text`);
  }
  // No path or value holds one: a recorded path with it would be skipped
  // when uninstalling, an option value with it would reinstall the part.
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    throw new UserError(`line ${line} holds a NUL character`);
  }
  const fast = scan(text);
  if (fast) return fast;
  const sections: DatabaseText = new Map();
  for (const [name, options] of parse(text, source)) {
    const values = new Map<string, string>();
    for (const [key, { value }] of options) values.set(key, value);
    sections.set(name, values);
  }
  return sections;
}
