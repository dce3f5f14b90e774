/**
 * A run that code it loaded (a recipe, an extension) ends with
 * `process.exit()` before it finished: no `finally` of the run's own runs
 * then, so without this the lock on `.installed.cfg` and the temporaries
 * stayed behind, and `process.exit(0)` ended an unfinished build with
 * status 0.
 */
import process from "node:process";

/** True once the process ends as the run means it to. */
let expected = false;

/**
 * Calls `onEarly(code)`, synchronously, when the process exits before
 * {@link exitRun} or the returned function (the run is over) is called;
 * what it sets `process.exitCode` to is the status.
 *
 * ```ts
 * const over = onEarlyExit((code) => { cleanUp(); process.exitCode = 1; });
 * try { await build(); } finally { over(); }
 * ```
 */
export function onEarlyExit(onEarly: (code: number) => void): () => void {
  process.on("exit", (code) => {
    if (!expected) onEarly(code);
  });
  return () => {
    expected = true;
  };
}

/** Ends the process with `code`, as the run means to (an interruption). */
export function exitRun(code: number): never {
  expected = true;
  process.exit(code);
}
