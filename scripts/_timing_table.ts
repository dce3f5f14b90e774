/**
 * The timings the start-up-ratio benchmarks print: a table of blocks of
 * runs, and a line of runs from idle.
 *
 * Each command is timed in a block of back-to-back runs. Alternating the
 * commands run by run was tried: on this VM a short run started right after
 * another program, or after the machine idled for a moment, is slower
 * (`--version` ~7.5 ms back to back, ~9.5 ms after a 50 ms pause), so
 * bare start-up read ~2 ms higher and every ratio looked better than the
 * blocks, where both terms run warm, show. The targets are checked against
 * the blocks; {@link printFromIdle} shows the other reading beside them.
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
  const width = Math.max(26, ...rows.map(([name]) => name.length + 1));
  console.log(
    "command".padEnd(width) + col("median ms") + col("min ms") +
      col("x start-up") + col("peak MB"),
  );
  for (const [name, t, mb] of rows) {
    const ratio = t === startup ? "-" : (t.median / startup.median).toFixed(2);
    console.log(
      name.padEnd(width) + col(t.median) + col(t.min) + col(ratio) +
        col(mb ?? "-"),
    );
  }
}

/** The pause before each run of {@link printFromIdle}, in ms. */
const IDLE_MS = 100;

/**
 * Medians of `startup` and `command` (each does one timed run and returns
 * its wall ms) over `rounds` rounds, every run started after the machine
 * idled 100 ms, as when a person types each command; then prints them and
 * their ratio as one line, `label` naming the command.
 */
export async function printFromIdle(
  label: string,
  startup: () => number | Promise<number>,
  command: () => number | Promise<number>,
  rounds: number,
): Promise<void> {
  const pause = () => new Promise((done) => setTimeout(done, IDLE_MS));
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < rounds; i++) {
    await pause();
    times[0].push(await startup());
    await pause();
    times[1].push(await command());
  }
  const [s, c] = times.map((t) =>
    t.sort((a, b) => a - b)[Math.floor(t.length / 2)]
  );
  console.log(
    `  from idle (a ${IDLE_MS} ms pause before each run, not the target's ` +
      `reading): --version ${s.toFixed(1)} ms, ${label} ${c.toFixed(1)} ms, ` +
      `${(c / s).toFixed(2)}x`,
  );
}
