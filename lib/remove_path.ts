/**
 * `rmSync` naming its path in its errors, as Bun's does: Deno's carry no
 * `path`, so a refusal (a mount point, a read-only file system, no
 * permission) could not be told from a bug and showed as an internal
 * error instead of a one-line message naming the path.
 */
import { type RmOptions, rmSync } from "node:fs";

/** `rmSync(path, options)`; its error names `path` when it names none. */
export function removePath(path: string, options?: RmOptions): void {
  try {
    rmSync(path, options);
  } catch (err) {
    const error = err as { path?: unknown };
    if (typeof err === "object" && err !== null && error.path === undefined) {
      error.path = path;
    }
    throw err;
  }
}
