/**
 * Python's `textwrap.dedent`, which zc.buildout's `buildout.parse()` applies
 * to the configuration text a meta-recipe writes indented in its code.
 */

/**
 * `text` less the leading spaces and tabs all its non-blank lines share;
 * lines holding only spaces and tabs become empty.
 *
 * @example dedent("  [a]\n  x = 1\n    y\n") // "[a]\nx = 1\n  y\n"
 */
export function dedent(text: string): string {
  const lines = text.split("\n").map((line) =>
    /^[ \t]+$/.test(line) ? "" : line
  );
  let margin: string | undefined;
  for (const line of lines) {
    if (!line) continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === undefined) {
      margin = indent;
      continue;
    }
    let common = 0;
    while (
      common < margin.length && common < indent.length &&
      margin[common] === indent[common]
    ) common++;
    margin = margin.slice(0, common);
  }
  const cut = margin?.length ?? 0;
  return lines.map((line) => line.slice(cut)).join("\n");
}
