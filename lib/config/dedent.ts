/**
 * Python's `textwrap.dedent`, which zc.buildout applies to block values and
 * its `buildout.parse()` to the configuration text a meta-recipe writes
 * indented in its code.
 */

/**
 * `text` less the leading spaces and tabs all its non-blank lines share;
 * lines holding only spaces and tabs become empty.
 *
 * @example dedent("  [a]\n  x = 1\n    y\n") // "[a]\nx = 1\n  y\n"
 */
export function dedent(text: string): string {
  const lines = text.split("\n");
  let margin: string | undefined; // indentation common to non-blank lines
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let n = 0; // indentation of this line
    while (n < line.length && isIndent(line.charCodeAt(n))) n++;
    if (n === line.length) lines[i] = "";
    else if (margin === undefined) margin = line.slice(0, n);
    else {
      let common = 0;
      while (
        common < margin.length && common < n &&
        margin.charCodeAt(common) === line.charCodeAt(common)
      ) {
        common++;
      }
      if (common < margin.length) margin = margin.slice(0, common);
    }
  }
  // Non-blank lines all start with the margin; blank ones are empty.
  return (margin ? lines.map((l) => l.slice(margin.length)) : lines).join(
    "\n",
  );
}

/** A space or a tab, the indentation textwrap.dedent removes. */
export function isIndent(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
