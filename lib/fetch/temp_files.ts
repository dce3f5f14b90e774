/**
 * The files a run must not leave behind: temporary downloads handed to
 * callers (`isTemp`), downloads still being written, and what an
 * interrupted recipe install registered with `options.created()`.
 * `lib/cli.ts` removes them when the run ends, however it ends.
 */
import { removeTree } from "../remove_tree.ts";

const live = new Set<string>();

/** Registers `path` for removal when the run ends. */
export function trackTempFile(path: string): void {
  live.add(path);
}

/** Forgets `path`: it was renamed into place or already removed. */
export function untrackTempFile(path: string): void {
  live.delete(path);
}

/** Removes `path` now and forgets it; never throws. */
export function removeTempFile(path: string): void {
  live.delete(path);
  remove(path);
}

const cleanups = new Set<() => void>();

/**
 * Registers `cleanup` (removing what a part's pending install created so
 * far) to run if the run ends before {@link untrackCleanup}, i.e. when it
 * is interrupted.
 */
export function trackCleanup(cleanup: () => void): void {
  cleanups.add(cleanup);
}

/** Forgets `cleanup`: the install it guards has finished or failed. */
export function untrackCleanup(cleanup: () => void): void {
  cleanups.delete(cleanup);
}

/**
 * Removes every registered file still present and runs the registered
 * cleanups; never throws.
 */
export function removeTempFiles(): void {
  for (const path of live) remove(path);
  live.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort, as for files: the run is ending anyway.
    }
  }
  cleanups.clear();
}

function remove(path: string): void {
  try {
    removeTree(path);
  } catch {
    // Best effort: the caller has its own outcome to report, and a file
    // that cannot be removed (read-only file system) was never written.
  }
}
