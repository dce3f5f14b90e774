/**
 * A run that code it loaded (a recipe, an extension) ends with
 * `process.exit()` before it finished: no `finally` of the run's own runs
 * then, so without this the lock on `.installed.cfg` and the temporaries
 * stayed behind, and `process.exit(0)` ended an unfinished build with
 * status 0.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import process from "node:process";

/** True once the process ends as the run means it to. */
let expected = false;

/**
 * The `While:` lines of the loaded code running; made when some first
 * runs, so that a run of built-in recipes only does not load the module.
 */
let running: AsyncLocalStorage<string[]> | undefined;

/**
 * Runs `fn`, code the run loaded (a recipe's constructor or method, an
 * extension), as `doing`: the `While:` lines an early exit from it, or
 * from what it scheduled (a timer), reports.
 *
 * ```ts
 * runLoadedCode(["Installing x."], () => recipe.install());
 * ```
 */
export function runLoadedCode<T>(doing: string[], fn: () => T): T {
  running ??= new (process.getBuiltinModule("node:async_hooks")
    .AsyncLocalStorage)();
  return running.run(doing, fn);
}

/**
 * Calls `onEarly(code, doing)`, synchronously, when the process exits
 * before {@link exitRun} or the returned function (the run is over) is
 * called; `doing` holds the `While:` lines of the loaded code that exited
 * (see {@link runLoadedCode}), if known. What it sets `process.exitCode`
 * to is the status.
 *
 * ```ts
 * const over = onEarlyExit((code) => { cleanUp(); process.exitCode = 1; });
 * try { await build(); } finally { over(); }
 * ```
 */
export function onEarlyExit(
  onEarly: (code: number, doing: string[]) => void,
): () => void {
  process.on("exit", (code) => {
    if (!expected) onEarly(code, running?.getStore() ?? []);
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
