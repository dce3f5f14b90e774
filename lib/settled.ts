/**
 * Waiting for what recipe and extension code returns. A promise it never
 * settles (`new Promise(() => {})`, a thenable whose `then` ignores its
 * callbacks) leaves nothing to run, and the process would end there with
 * status 0, as if the run had succeeded.
 */
import process from "node:process";

/** Rejects what is awaited now: run when the event loop empties. */
const waiting = new Set<() => void>();

/** One listener for all: a listener each would warn past ten modules. */
let listening = false;

function stallAll(): void {
  for (const stalled of waiting) stalled();
  waiting.clear();
}

/**
 * `value` once settled; rejected with an error naming `what` if the event
 * loop empties before: nothing is left then that could ever settle it.
 *
 * ```ts
 * await settled(recipe.install(), "The promise returned by the install method of part x");
 * ```
 */
export function settled<T>(
  value: T | PromiseLike<T>,
  what: string,
): Promise<T> {
  let stalled!: () => void;
  const stall = new Promise<never>((_, reject) => {
    stalled = () => {
      const error = new Error(
        `${what} never settled, and nothing is left running that could settle it`,
      );
      // Buildout's own frames would mislead: the recipe's code is at fault.
      error.stack = `Error: ${error.message}`;
      reject(error);
    };
  });
  if (!listening) {
    process.on("beforeExit", stallAll);
    listening = true;
  }
  waiting.add(stalled);
  return Promise.race([value, stall]).finally(() => waiting.delete(stalled));
}
