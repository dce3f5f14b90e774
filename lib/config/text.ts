/** Configuration files as text: UTF-8, checked rather than patched. */
import { oneLine, UserError } from "../errors.ts";
import { readBounded } from "../read_bounded.ts";

// A byte order mark is kept: the parser reports it as zc.buildout would.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Far beyond any configuration file (the largest real ones hold a few
 * hundred KiB), and the bound on reading a device such as `/dev/zero`,
 * which would otherwise take all the memory there is.
 */
export const MAX_CONFIG_BYTES = 2 ** 26;

/**
 * The text of the configuration file at `path`, read for `source` (the
 * path itself, or the URL it was downloaded from). Bytes that are not
 * UTF-8 are an error rather than U+FFFD: a Latin-1 `é` in a path would
 * otherwise change the path without a word.
 *
 * @example readConfigText("/srv/app/buildout.cfg") // "[buildout]\n..."
 * @throws {UserError} `SOURCE, line N: not UTF-8 text` (or a NUL
 *   character), and
 *   `Couldn't read SOURCE: ...` past 64 MiB. File-system errors
 *   (`ENOENT`, `EISDIR`) are thrown as they are.
 */
export function readConfigText(path: string, source: string = path): string {
  const bytes = readBounded(path, MAX_CONFIG_BYTES);
  if (bytes === undefined) throw tooLarge(source);
  let text;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new UserError(
      `${oneLine(source)}, line ${firstBadLine(bytes)}: not UTF-8 text`,
    );
  }
  // Valid UTF-8, but no path, URL or command can hold one: a value with it
  // would fail wherever it is used, deep in a recipe.
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    throw new UserError(
      `${oneLine(source)}, line ${line}: a NUL character, which is binary ` +
        "data, not configuration text",
    );
  }
  return text;
}

/** The error for a configuration file (or `source` URL) over the bound. */
export function tooLarge(source: string): UserError {
  return new UserError(
    `Couldn't read ${oneLine(source)}: more than ${
      MAX_CONFIG_BYTES / 2 ** 20
    } MiB, too large for a configuration file`,
  );
}

/**
 * The number of the first line of `bytes` that is not UTF-8, for the error
 * saying so (only then: it decodes line by line).
 *
 * @example firstBadLine(new Uint8Array([0x61, 0x0a, 0xe9])) // 2
 */
export function firstBadLine(bytes: Uint8Array): number {
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
  return line;
}
