/**
 * Texts made of lines picked from a list, the same on every run, for tests
 * that compare a fast reading with the general one.
 */

/**
 * `count` texts of 1 to `most` lines of `lines`, picked by a fixed linear
 * congruential sequence; `unterminated` leaves the line feed off the end
 * of every other text.
 */
export function generatedTexts(
  lines: string[],
  { count = 3000, most, unterminated = false }: {
    count?: number;
    most: number;
    unterminated?: boolean;
  },
): string[] {
  let seed = 20261122;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    const picked = Array.from(
      { length: 1 + next(most) },
      () => lines[next(lines.length)],
    );
    const text = picked.join("\n");
    return unterminated && next(2) ? text : text + "\n";
  });
}
