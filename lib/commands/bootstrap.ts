/**
 * `buildout bootstrap` and `buildout init`: the buildout directories and a
 * `bin/buildout` that is this very executable, so a buildout needs nothing
 * but the one file that was copied onto the machine.
 */
import {
  chmodSync,
  copyFileSync,
  linkSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Buildout } from "../buildout.ts";
import { createStandardDirectories, inTheWayOf } from "../directories.ts";
import { fsReason, oneLine, UserError } from "../errors.ts";
import { isFile, isReadable, sameFile } from "../fs_kinds.ts";
import { easyInstallLogger, logger } from "../log.ts";
import { pyRepr } from "../pyrepr.ts";
import { hiddenTemp } from "../fetch/hidden_temp.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
import { shellQuote } from "../shell_quote.ts";
import { whatStandsAt } from "../what_stands_at.ts";

/**
 * How to start this program again: a compiled executable (`args` empty) or
 * a runtime running the entry script (`args` holds e.g. `run -A main.ts`).
 */
export interface SelfCommand {
  path: string;
  args: string[];
}

/**
 * The configuration `init` writes when there is none: zc.buildout's bytes,
 * the space after `=` included.
 */
const MINIMAL_CONFIG = "[buildout]\nparts = \n";

/**
 * Writes a minimal configuration at `path`.
 *
 * @throws {UserError} when a file is already there (init never
 *   overwrites), or a directory or a dangling link is in the way.
 */
export function writeInitialConfig(path: string): void {
  if (isFile(path)) {
    throw new UserError(
      `${
        oneLine(path)
      } already exists; init never overwrites a configuration: use 'buildout bootstrap'`,
    );
  }
  // "file exists" would not say what: bootstrap could not read it either.
  const found = whatStandsAt(path, "file");
  if (found !== undefined) {
    throw new UserError(`Couldn't create ${oneLine(path)}: it ${found}`);
  }
  try {
    writeFileSync(path, MINIMAL_CONFIG, { flag: "wx" });
  } catch (err) {
    const reason = inTheWayOf(dirname(path), err) ?? fsReason(err);
    throw new UserError(`Couldn't create ${oneLine(path)}: ${oneLine(reason)}`);
  }
  logger.info(`Creating ${pyRepr(path)}.`);
}

/** Creates the standard directories and installs `bin/buildout`. */
export function bootstrap(buildout: Buildout, self: SelfCommand): void {
  const main = buildout.section("buildout");
  createStandardDirectories(main);
  const script = join(main.require("bin-directory"), "buildout");
  try {
    installSelf(self, script);
  } catch (err) {
    if (err instanceof UserError) throw err;
    // A bin-directory that is a file was left as it is, as zc.buildout does.
    const reason = inTheWayOf(dirname(script), err) ?? fsReason(err);
    throw new UserError(
      `Couldn't write ${oneLine(script)}: ${oneLine(reason)}`,
    );
  }
  easyInstallLogger.info(`Generated script ${pyRepr(script)}.`);
}

/**
 * Puts the program at `target` through a temporary name, so a running
 * `bin/buildout` is replaced, never truncated: a hard link to one's own
 * executable on the same filesystem, a copy otherwise; a small shell script
 * when not compiled.
 */
function installSelf(self: SelfCommand, target: string): void {
  if (!self.args.length && sameFile(self.path, target)) return;
  // A hidden temporary: a copy a killed run left goes with the next one.
  const temp = hiddenTemp(target);
  try {
    if (self.args.length) {
      const words = [self.path, ...self.args].map(shellQuote).join(" ");
      writeFileSync(temp, `#!/bin/sh\nexec ${words} "$@"\n`);
      chmodSync(temp, 0o755);
    } else if (!linkOwnFile(self.path, temp)) {
      // Else the copy's "permission denied" would blame the bin directory.
      if (!isReadable(self.path)) throw unreadableSelf(self.path, target);
      copyFileSync(self.path, temp);
      chmodSync(temp, 0o755);
    }
    renameSync(temp, target);
    untrackTempFile(temp);
  } catch (err) {
    // At best: the write's own error says what is wrong, in words.
    removeTempFile(temp);
    throw err;
  }
}

/** The error for an executable this user may run but not read, so not copy. */
function unreadableSelf(path: string, target: string): UserError {
  return new UserError(
    `Couldn't write ${oneLine(target)}: it is a copy of ${
      oneLine(path)
    }, which this user may run but not read (make it readable: chmod a+r)`,
  );
}

/**
 * A hard link is the same file, with its owner and mode: another user's
 * executable is copied instead (its owner could rewrite our bin/buildout),
 * and the link is never chmodded (that would change the original's mode).
 */
function linkOwnFile(source: string, link: string): boolean {
  if (statSync(source).uid !== process.geteuid?.()) return false;
  try {
    linkSync(source, link);
    return true;
  } catch {
    return false;
  }
}
