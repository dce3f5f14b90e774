/**
 * Python 3's `repr()` of a string, which zc.buildout's messages use
 * (`Creating directory '/x'.`, `Develop: '/x'`) and the debug recipe prints.
 */

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

// Characters Python's str.isprintable() rejects: other (C*) and separator
// (Z*) categories, except the ASCII space.
// Unassigned (Cn) follows the runtime's Unicode version (Bun 1.4: 17.0, Deno
// 2.9: 16.0), as each Python 3 follows its own (3.11: 14.0, 3.14: 16.0):
// there is no one Python 3 answer for recently assigned characters to pin.
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

// Printable ASCII without quotes or backslashes: repr only adds quotes.
const PLAIN = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;
// Printable ASCII and the escapes with names: replaced whole, not character
// by character (multi-line values are common, and this runs per option).
const ASCII = /^[\x20-\x7e\n\r\t]*$/;

/**
 * True when {@link pyRepr} only puts single quotes around `value`: callers
 * writing many values can then join the quotes into their own text.
 */
export function isPlainRepr(value: string): boolean {
  return PLAIN.test(value);
}

function escape(ch: string, quote: string): string {
  if (ch === quote) return "\\" + ch;
  const known = ESCAPES[ch];
  if (known) return known;
  if (ch === " " || !NON_PRINTABLE.test(ch)) return ch;
  const code = ch.codePointAt(0)!;
  if (code < 0x100) return "\\x" + code.toString(16).padStart(2, "0");
  if (code < 0x10000) return "\\u" + code.toString(16).padStart(4, "0");
  return "\\U" + code.toString(16).padStart(8, "0");
}

/**
 * `'value'` as Python writes it: single quotes unless the value holds a
 * single quote and no double quote, backslash escapes for the rest.
 *
 * @example pyRepr("a\nb") // "'a\\nb'"
 * @example pyRepr("it's") // "\"it's\""
 */
export function pyRepr(value: string): string {
  if (isPlainRepr(value)) return "'" + value + "'";
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  if (ASCII.test(value)) {
    let body = value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")
      .replaceAll("\r", "\\r").replaceAll("\t", "\\t");
    if (quote === "'") body = body.replaceAll("'", "\\'");
    return quote + body + quote;
  }
  let body = "";
  for (const ch of value) body += escape(ch, quote);
  return quote + body + quote;
}
