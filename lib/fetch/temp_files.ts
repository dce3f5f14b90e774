/**
 * The files a run must not leave behind: temporary downloads handed to
 * callers (`isTemp`) and downloads still being written. `lib/cli.ts` removes
 * them when the run ends, however it ends.
 */
import { rmSync } from "node:fs";

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

/** Removes every registered file still present; never throws. */
export function removeTempFiles(): void {
  for (const path of live) remove(path);
  live.clear();
}

function remove(path: string): void {
  try {
    rmSync(path, { force: true, recursive: true });
  } catch {
    // Best effort: the caller has its own outcome to report, and a file
    // that cannot be removed (read-only file system) was never written.
  }
}
