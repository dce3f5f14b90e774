/**
 * Writing options the way zc.buildout saves them (`.installed.cfg`, the
 * `-vv` configuration dump): sorted, one `name = value` per option, line
 * breaks as a newline plus tab, edge whitespace spelled `%(__buildout_space__)s`,
 * and every carriage return `%(__buildout_space_r__)s`. Edge spaces zc.buildout
 * has no name for, which the parser strips as Python does (U+00A0, U+3000,
 * ...), are spelt with their code, `%(__buildout_space_u00a0__)s`.
 */

import { sortNames } from "./_sort_names.ts";

// Python's spaces beyond zc.buildout's named ones: U+001C..U+001F, U+0085
// and Unicode's. Left as they are at a line's edge, a value set by a recipe
// would read back without them, and its part be installed again each run.
const OTHER_SPACES =
  "\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EDGE = ` \\t\\r\\f\\v${OTHER_SPACES}`;
const SPACEY = new RegExp(
  `[${EDGE}]*\\n[${EDGE}\\n]*|^[${EDGE}]+|[${EDGE}]+$`,
  "g",
);
const OTHER_SPACE = new RegExp(`[${OTHER_SPACES}]`, "g");
const OTHER_SPACE_AT = new RegExp(`^[${OTHER_SPACES}]$`);

function quote(s: string): string {
  return s.replaceAll(" ", "%(__buildout_space__)s")
    .replaceAll("\r", "%(__buildout_space_r__)s")
    .replaceAll("\f", "%(__buildout_space_f__)s")
    .replaceAll("\v", "%(__buildout_space_v__)s")
    .replaceAll("\n", "%(__buildout_space_n__)s")
    .replace(OTHER_SPACE, (c) => codedSpace(c.charCodeAt(0)));
}

/** A space zc.buildout has no name for, spelt with its code. */
function codedSpace(code: number): string {
  return `%(__buildout_space_u${code.toString(16).padStart(4, "0")}__)s`;
}

/** Whether the character at `index` (negative: from the end) is in SPACEY. */
function isSpace(value: string, index: number): boolean {
  const at = index < 0 ? value.length + index : index;
  const code = value.charCodeAt(at);
  if (code < 0x1c) return code >= 0x09 && code <= 0x0d && code !== 0x0a;
  return code === 0x20 ||
    ((code < 0x20 || code >= 0x80) && OTHER_SPACE_AT.test(value[at]));
}

/** One option line, as zc.buildout's `_save_option` writes it. */
export function formatOption(name: string, value: string): string {
  if (
    !value.includes("\n") && !value.includes("\r") && !isSpace(value, 0) &&
    !isSpace(value, -1)
  ) {
    return `${name} = ${value}`;
  }
  let v = value.replace(SPACEY, (match) => {
    const newline = match.indexOf("\n");
    const parts = newline < 0
      ? [match]
      : [match.slice(0, newline), match.slice(newline + 1)];
    return parts.map(quote).join("\n\t");
  });
  if (v.startsWith("\n\t")) v = "%(__buildout_space_n__)s" + v.slice(2);
  if (v.endsWith("\n\t")) v = v.slice(0, -2) + "%(__buildout_space_n__)s";
  // A \r inside a line ends it when read back (zc.buildout, on Python 2,
  // kept it): a database holding one was refused as corrupt.
  if (v.includes("\r")) v = v.replaceAll("\r", "%(__buildout_space_r__)s");
  return `${name} = ${v}`;
}

/** A `[section]` block with its options sorted by name. */
export function formatSection(
  name: string,
  options: Iterable<[string, string]>,
): string {
  const lines = [`[${name}]`];
  const values = new Map(options);
  for (const key of sortNames([...values.keys()])) {
    lines.push(formatOption(key, values.get(key)!));
  }
  return lines.join("\n") + "\n";
}

/**
 * `[section]` blocks sorted by section name, as zc.buildout prints its
 * `-vv` configuration dump.
 *
 * @example formatSections([["b", []], ["a", [["x", "1"]]]]) // "[a]\nx = 1\n[b]\n"
 */
export function formatSections(
  sections: Iterable<[string, Iterable<[string, string]>]>,
): string {
  const byName = new Map(sections);
  return sortNames([...byName.keys()])
    .map((name) => formatSection(name, byName.get(name)!))
    .join("");
}
