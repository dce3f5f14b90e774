/**
 * The table of timings the start-up-ratio benchmarks print.
 *
 * Each command is timed in a block of back-to-back runs. Alternating the
 * commands run by run was tried: on this VM a short run started right after
 * another program, or after the machine idled for a moment, is slower
 * (`--version` ~7.5 ms back to back, ~9.5 ms after a 50 ms pause), so
 * bare start-up read ~2 ms higher and every ratio looked better than the
 * blocks, where both terms run warm, show.
 */

/** Wall times of a command over several runs, in ms. */
export type Timing = { median: number; min: number };

/** One row: what ran, its timings, its peak memory in MB (null: not measured). */
export type TimingRow = [string, Timing, number | null];

/**
 * Prints `rows` with each median as a multiple of `startup`'s (the row
 * holding `startup` itself shows "-").
 */
export function printTimings(rows: TimingRow[], startup: Timing): void {
  const col = (s: string | number, w = 11) =>
    (typeof s === "number" ? s.toFixed(1) : s).padStart(w);
  console.log(
    "command".padEnd(26) + col("median ms") + col("min ms") +
      col("x start-up") + col("peak MB"),
  );
  for (const [name, t, mb] of rows) {
    const ratio = t === startup ? "-" : (t.median / startup.median).toFixed(2);
    console.log(
      name.padEnd(26) + col(t.median) + col(t.min) + col(ratio) +
        col(mb ?? "-"),
    );
  }
}
