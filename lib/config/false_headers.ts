/**
 * Section headers skipped for a false condition (`[a:windows]` on Linux),
 * remembered so that a reference to a section no true header defines can
 * say why it is missing.
 */

const skipped = new Map<string, string>();

/** Records that `header`, at `where` (`FILE, line N`), named `name`. */
export function noteFalseHeader(
  name: string,
  header: string,
  where: string,
): void {
  if (!skipped.has(name)) skipped.set(name, `${header} at ${where}`);
}

/** The first skipped header of `name` and where it is, if any. */
export function falseHeaderOf(name: string): string | undefined {
  return skipped.get(name);
}
