/**
 * The user and password of a URL as a Basic `Authorization` header, made
 * here rather than by the runtime's `fetch`: Bun's silently sends none when
 * the password holds a `%` that starts no escape (`50%off`), where
 * zc.buildout (Python's `unquote`), curl and Deno send it as written;
 * and which redirects carry them.
 */

/**
 * `url` without its credentials, and the header they make (escapes
 * decoded, a `%` starting none kept); `url` alone when it has none.
 *
 * @example requestCredentials("http://me:50%off@host/x").authorization // "Basic bWU6NTAlb2Zm"
 */
export function requestCredentials(
  url: string,
): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const userinfo = `${parsed.username}:${parsed.password}`;
  parsed.username = "";
  parsed.password = "";
  return {
    url: parsed.href,
    authorization: `Basic ${btoa(unquotedBytes(userinfo))}`,
  };
}

/**
 * `text` with its `%XX` escapes decoded, as a string of bytes (one
 * character each) for `btoa`. URL parsers escape every character outside
 * ASCII in credentials, so any other character is a byte as it is.
 */
function unquotedBytes(text: string): string {
  let bytes = "";
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else {
      bytes += text[i];
    }
  }
  return bytes;
}

/**
 * The address a redirect from `from` leads to, with `from`'s credentials
 * when it names none and the same server (host name, scheme and port, or
 * http:// to https:// on their default ports), as pip and curl carry them;
 * never to another server. A relative address keeps them already.
 *
 * @example redirectTarget("http://me:pw@h/a", "http://h/a/") // "http://me:pw@h/a/"
 */
export function redirectTarget(from: string, to: string): string {
  const source = new URL(from);
  const target = new URL(to);
  if (target.username || target.password) return to;
  if (!source.username && !source.password) return to;
  if (source.hostname !== target.hostname) return to;
  const upgrade = source.protocol === "http:" &&
    target.protocol === "https:" && !source.port && !target.port;
  const same = source.protocol === target.protocol &&
    source.port === target.port;
  if (!upgrade && !same) return to;
  target.username = source.username;
  target.password = source.password;
  return target.href;
}
