/** Quoting for the POSIX shell scripts buildout writes and runs. */

/**
 * `text` as one POSIX shell word, as Python's `shlex.quote` writes it:
 * unquoted when plain, else in single quotes.
 *
 * @example shellQuote("/srv/my app") // "'/srv/my app'"
 * @example shellQuote("") // "''"
 */
export function shellQuote(text: string): string {
  if (!text) return "''";
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  return "'" + text.replaceAll("'", `'"'"'`) + "'";
}
