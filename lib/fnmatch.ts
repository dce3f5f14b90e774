/**
 * Python's `fnmatch.fnmatch` on POSIX, which hexagonit.recipe.download
 * applies to archive member names for its `excludes`, and Python's `glob`
 * to each path segment of a `develop` entry.
 */

/**
 * A test of names against shell-style `patterns`, as Python's
 * `fnmatch.fnmatch` does on POSIX: case-sensitive (unless `ignoreCase`,
 * as for host names), the whole name must
 * match, `*` and `?` match `/` and leading dots too, `[...]` is a set (`!`
 * negates it; `]` first is literal; a range running backwards matches
 * nothing) and a `[` without a closing `]` is literal.
 *
 * ```ts
 * const excluded = fnmatch(["pkg-1.0/docs/*", "*.pyc"]);
 * excluded("pkg-1.0/docs/api/index.html"); // true
 * excluded("pkg-1.0/lib/a.pyc"); // true
 * excluded("pkg-1.0/docs"); // false
 * ```
 */
export function fnmatch(
  patterns: string[],
  { ignoreCase = false } = {},
): (name: string) => boolean {
  const regexp = new RegExp(
    `^(?:${patterns.map(translate).join("|")})$`,
    ignoreCase ? "sui" : "su",
  );
  return (name) => regexp.test(name);
}

/** The regular expression source matching what `pattern` does. */
function translate(pattern: string): string {
  const chars = [...pattern];
  let source = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c !== "[") source += literal(c);
    else {
      const end = setEnd(chars, i + 1);
      if (end < 0) source += "\\[";
      else {
        source += set(chars.slice(i + 1, end));
        i = end;
      }
    }
  }
  return source;
}

/** The index of the `]` closing a set whose body starts at `start`, or -1. */
function setEnd(chars: string[], start: number): number {
  let j = start;
  if (chars[j] === "!") j++;
  if (chars[j] === "]") j++;
  while (j < chars.length && chars[j] !== "]") j++;
  return j < chars.length ? j : -1;
}

/** A set's body (between `[` and `]`) as a regular expression. */
function set(body: string[]): string {
  const negated = body[0] === "!";
  const members = negated ? body.slice(1) : body;
  let items = "";
  for (let k = 0; k < members.length; k++) {
    if (members[k + 1] === "-" && k + 2 < members.length) {
      const [low, high] = [members[k], members[k + 2]];
      // compared by code point, as Python's re does
      if (low.codePointAt(0)! <= high.codePointAt(0)!) {
        items += `${codePoint(low)}-${codePoint(high)}`;
      }
      k += 2;
    } else {
      items += codePoint(members[k]);
    }
  }
  if (items === "") return negated ? "." : "(?!)";
  return `[${negated ? "^" : ""}${items}]`;
}

/** `c` as a literal outside a set. */
function literal(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** `c` as a `\u{...}` escape, literal anywhere in a `u` expression. */
function codePoint(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}
