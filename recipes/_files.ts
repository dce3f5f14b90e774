/**
 * File helpers shared by the recipes that write files (`template`,
 * `script`): atomic replacement, so a reader never sees half a file and a
 * failure leaves the previous one; creation of missing parent directories,
 * each reported so the recipe can record it for uninstall. Also the
 * temporary directories the `command` and `cmmi` recipes work in.
 */
import { Buffer } from "node:buffer";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import {
  clipped,
  fsReason,
  isSystemError,
  oneLine,
  UserError,
} from "../lib/errors.ts";
import { hiddenTemp } from "../lib/fetch/hidden_temp.ts";
import {
  systemTempDirectory,
  systemTempRoot,
} from "../lib/fetch/system_temp.ts";
import { removeTempFile, untrackTempFile } from "../lib/fetch/temp_files.ts";
import { exists, isDirectory, specialKind } from "../lib/fs_kinds.ts";

/**
 * Reasons worded for the file written: its directory, its kind. Other codes
 * get fsReason's words.
 */
const REASONS: Record<string, string> = {
  ENOENT: "its directory does not exist",
  ENOTDIR: "a parent is not a directory",
  EISDIR: "it is a directory",
};

/**
 * A user error naming `path` for a file operation the file system failed
 * (a failing disk's EIO too: the machine's, not a bug), else `err`.
 */
function fileError(err: unknown, path: string): unknown {
  if (!isSystemError(err)) return err;
  if (err.code === "ENAMETOOLONG") {
    return new UserError(`File name too long: ${clipped(path)}`);
  }
  const reason = REASONS[err.code] ?? oneLine(fsReason(err));
  return new UserError(`Couldn't write ${clipped(path)}: ${reason}`);
}

/**
 * A file mode: exact bits, or `"executable"` for the umask default plus
 * execute permission wherever it grants read permission.
 */
export type FileMode = number | "executable";

/**
 * Replaces `path` with `data`: written to a temporary file next to it, its
 * mode set (the umask default when `mode` is undefined), then renamed over
 * `path`.
 *
 * @throws {UserError} when the directory is missing or not writable.
 */
export function writeAtomic(path: string, data: Uint8Array, mode?: FileMode) {
  // An unguessable new name: the directory may be shared (/tmp), and an
  // existing name there may be a link planted to be written through.
  // Renaming over `.` or a mount point fails with EBUSY, not EISDIR.
  if (isDirectory(path)) {
    throw new UserError(`Couldn't write ${clipped(path)}: ${REASONS.EISDIR}`);
  }
  // Renaming over a device (`output = /dev/null`), FIFO or socket would
  // replace it with a file, and uninstalling would then remove it.
  const special = specialKindItself(path);
  if (special) {
    throw new UserError(
      `Couldn't write ${clipped(path)}: it is a ${special}, not a file`,
    );
  }
  const temp = hiddenTemp(path);
  try {
    // Created no more open than asked (mode 600 keeps passwords private),
    // then given the exact bits, which the umask may have narrowed.
    const initial = typeof mode === "number" ? mode & 0o777 : 0o666;
    writeFileSync(temp, data, { flag: "wx", mode: initial });
    if (mode === "executable") {
      const bits = statSync(temp).mode & 0o7777;
      chmodSync(temp, bits | ((bits & 0o444) >> 2));
    } else if (mode !== undefined) {
      chmodSync(temp, mode);
    }
    renameSync(temp, path);
    untrackTempFile(temp);
  } catch (err) {
    removeTempFile(temp);
    throw fileError(err, path);
  }
}

/** What `path` itself is when it is a device, FIFO or socket. */
function specialKindItself(path: string): string | undefined {
  let found;
  try {
    found = lstatSync(path);
  } catch {
    return undefined;
  }
  return specialKind(found);
}

/** True when `path` is a readable file holding exactly `data`. */
export function hasContent(path: string, data: Uint8Array): boolean {
  try {
    return Buffer.compare(readFileSync(path), data) === 0;
  } catch {
    return false;
  }
}

/**
 * Creates `dir` and its missing parents, outermost first, calling
 * `created` with each directory just before it is made.
 *
 * @throws {UserError} when one cannot be created.
 */
export function createParents(dir: string, created: (dir: string) => void) {
  // The missing directories, deepest first: found by a loop, as a path may
  // be deeper than the call stack.
  const missing: string[] = [];
  for (let d = dir; dirname(d) !== d && !present(d); d = dirname(d)) {
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    // Missing to stat yet taken: a dangling or looping link holds the name.
    if (exists(d)) {
      throw new UserError(`Couldn't write ${clipped(d)}: ${REASONS.ENOTDIR}`);
    }
    // Reported before it is made: a run killed in between leaves it in the
    // journal, so the next run removes it and makes it as the part's.
    created(d);
    try {
      mkdirSync(d);
    } catch (err) {
      throw fileError(err, d);
    }
  }
}

/**
 * Whether `path` exists, as existsSync tells; a name too long is thrown at
 * once (each shorter parent would be checked again, at quadratic cost), and
 * reported as `File name too long: PATH` as other writes report it.
 */
function present(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    if ((err as { code?: string }).code === "ENAMETOOLONG") throw err;
    return false;
  }
}

/**
 * A new private directory `prefix`XXXXXX in the system temporary directory
 * (see `systemTempRoot`), removed by the next run if this one is killed.
 *
 * @throws {UserError} when no directory is usable for it.
 */
export function newTempDirectory(prefix: string): string {
  try {
    return systemTempDirectory(prefix);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `Couldn't create a temporary directory in ${systemTempRoot()}: ${
        fsReason(err)
      }`,
    );
  }
}
