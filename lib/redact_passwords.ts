/**
 * Hides the credentials of URLs in printed text, as pip does: a password
 * becomes `****`, and so does a user name given alone to http(s) (a token
 * such as `https://TOKEN@host/`; `ssh://git@host` keeps its user). Log lines, `While:` blocks and error messages go
 * through it; `annotate` and `.installed.cfg` hold the user's own values
 * and keep them.
 */

// The password runs to the authority's last `@` (an unescaped `@` in it
// is taken so by URL parsers), never past its end. Quotes are allowed in
// it as URL parsers allow them: a URL quoted in a message ends at a space,
// except in a password of words apart by spaces and followed by an `@`
// (`http://me:pass word@host/`, which URL parsers send as `pass%20word`).
// A password written with a raw `/`, `?` or `#` (`http://me:ab/cd@host/`)
// makes no valid URL, yet is one to hide up to its first `@` (never past
// another URL's `://`, so text of many URLs is read once); unless digits
// before that character make it a port (`http://host:8080/a@b`).
const USER_INFO =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(?::([^\s/?#]*|[^\s/?#@]+(?: +[^\s/?#@]+)+|(?!\d+[/?#])[^\s/?#@]*[/?#](?:(?!:\/\/)[^\s@])*))?@/gi;

/**
 * `text` with the password of every URL in it replaced by `****`.
 *
 * @example redactPasswords("Downloading https://me:pw@host/x") // "Downloading https://me:****@host/x"
 */
export function redactPasswords(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(
    USER_INFO,
    (_all, scheme: string, user: string, password: string | undefined) =>
      password === undefined
        ? /^https?:/i.test(scheme) ? `${scheme}****@` : `${scheme}${user}@`
        : `${scheme}${user}:****@`,
  );
}
