/**
 * Running a recipe's shell command (configure, make, patch, snippets): through
 * `/bin/sh -c`, in a given directory, with a given environment, stdin, stdout
 * and stderr inherited so build output streams live.
 */
import { spawn } from "node:child_process";
import { clipped, oneLine, spawnReason } from "../lib/errors.ts";
import { isDirectory } from "../lib/fs_kinds.ts";
import { noexecMountOf } from "../lib/noexec_mount.ts";
import { afterChildEnded, ignoringAsAtStart } from "../lib/interrupt.ts";
import { inheritedBytes } from "./_inherited_bytes.ts";

/** How to run a command. */
export interface ShellOptions {
  /** Directory the command runs in. */
  cwd: string;
  /** The complete environment of the command. */
  env: Record<string, string>;
  /** The buildout's `UserError`, thrown when the command fails. */
  UserError: new (message: string) => Error;
  /** Stop at the first failing line of a multi-line snippet (`set -e`). */
  errexit?: boolean;
}

/** Exit status of a POSIX shell that could not find the command. */
const NOT_FOUND = 127;

/** Exit status of a POSIX shell that found the command but could not run it. */
const NOT_EXECUTABLE = 126;

/** What a shell's exit status of `code` in `cwd` says, in parentheses. */
function statusNote(code: number | null, cwd: string): string {
  if (code === NOT_FOUND) return " (command not found)";
  const noexec = code === NOT_EXECUTABLE ? noexecMountOf(cwd) : undefined;
  return noexec
    ? ` (${clipped(noexec)} is mounted noexec: no program there may run)`
    : "";
}

/**
 * Runs `command` with `/bin/sh -c` and resolves when it exits with status 0.
 *
 * ```ts
 * await runShell("make install", { cwd: build, env, UserError });
 * ```
 *
 * @throws {UserError} `Command 'make install' failed with exit status 2 in
 *   /path/to/build`, naming the status (or signal) and the directory.
 */
export function runShell(command: string, opts: ShellOptions): Promise<void> {
  const shown = command.trim().split("\n").map((line) => line.trim())
    .filter(Boolean).join("; ");
  return new Promise((resolve, reject) => {
    const script = ignoringAsAtStart(
      opts.errexit ? "set -e;" + command : command,
    );
    // Checked here: spawn blames /bin/sh for a missing directory, and Bun
    // throws at once for a file.
    if (!isDirectory(opts.cwd)) {
      return reject(
        new opts.UserError(
          `Couldn't run '${clipped(shown)}' in ${
            clipped(opts.cwd)
          }: no such directory`,
        ),
      );
    }
    // The directory is there: what failed is the shell. By code: Bun and
    // Deno word the message differently.
    const refused = (err: unknown) =>
      reject(
        new opts.UserError(
          `Couldn't start /bin/sh to run '${clipped(shown)}' in ${
            clipped(opts.cwd)
          }: ${oneLine(spawnReason(err))}`,
        ),
      );
    let child;
    try {
      child = spawn("/bin/sh", ["-c", inheritedBytes(opts.env) + script], {
        cwd: opts.cwd,
        env: opts.env,
        stdio: "inherit",
      });
    } catch (err) {
      // Bun throws some refusals (E2BIG) at once instead of emitting them.
      return refused(err);
    }
    child.on("error", refused);
    child.on("close", (code, signal) =>
      afterChildEnded(signal, () => {
        if (code === 0) return resolve();
        const how = signal
          ? `was killed by signal ${signal}`
          : `failed with exit status ${code}${statusNote(code, opts.cwd)}`;
        reject(
          new opts.UserError(
            `Command '${clipped(shown)}' ${how} in ${clipped(opts.cwd)}`,
          ),
        );
      }));
  });
}
