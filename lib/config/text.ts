/** Configuration files as text: UTF-8, checked rather than patched. */
import { UserError } from "../errors.ts";

// A byte order mark is kept: the parser reports it as zc.buildout would.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of a configuration file read from `source` (a path or URL).
 * Bytes that are not UTF-8 are an error rather than U+FFFD: a Latin-1
 * `é` in a path would otherwise change the path without a word.
 *
 * @throws {UserError} `SOURCE, line N: not UTF-8 text`.
 */
export function decodeConfigText(bytes: Uint8Array, source: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        UTF8.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new UserError(`${source}, line ${line}: not UTF-8 text`);
  }
}
