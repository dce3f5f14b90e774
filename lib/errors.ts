import { redactPasswords } from "./redact_passwords.ts";

/**
 * Errors a user can fix. `main.ts` prints them as `Error: message` with no
 * stack trace; anything else is an internal error and shows its stack.
 */
export class UserError extends Error {
  /** `options.cause`: what failed underneath, whose stack `-D` shows too. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UserError";
  }
}

/**
 * True for a stack overflow: input nested deeper than the stack
 * (substitution chains, condition expressions), reported as a user error
 * where it overflowed. V8 (Deno) words one met while compiling a regular
 * expression as a SyntaxError.
 */
export function isStackOverflow(err: unknown): boolean {
  return (err instanceof RangeError && err.message.includes("call stack")) ||
    (err instanceof SyntaxError && err.message.endsWith(": Stack overflow"));
}

/** A required option is missing: `Missing option: section:option`. */
export class MissingOption extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "MissingOption";
  }
}

/**
 * A referenced section does not exist; `falseHeader` names a header of it
 * that a false condition skipped (`[a:windows] at FILE, line N`), and
 * `listedWithComma` says that the name less its final comma is defined
 * (`parts = a, b`).
 */
export class MissingSection extends UserError {
  constructor(
    readonly section: string,
    falseHeader?: string,
    listedWithComma = false,
  ) {
    super(
      `The referenced section, '${clipped(section)}', was not defined.` +
        (falseHeader
          ? ` Its header ${clipped(falseHeader)} has a false condition.`
          : "") +
        (listedWithComma
          ? ` Names in a list are separated by white space, not commas: ` +
            `[${clipped(section.slice(0, -1))}] is defined.`
          : ""),
    );
    this.name = "MissingSection";
  }
}

/**
 * A `versions` pin that a requirement excludes: `Bad version 0.2`, as
 * zc.buildout's IncompatibleVersionError; `reason` is what it logs first.
 */
export class IncompatibleVersionError extends UserError {
  constructor(readonly version: string, readonly reason: string) {
    super(`Bad version ${version}`);
    this.name = "IncompatibleVersionError";
  }
}

/**
 * No distribution satisfies a requirement (`Couldn't find a distribution
 * for 'spam==1' ...`); `key` is its project's key, so that whoever asked
 * for a distribution can tell its own requirement from one it pulled in;
 * `pythonOffered` when the message already names Python distributions
 * offered for it.
 */
export class DistributionNotFound extends UserError {
  constructor(
    message: string,
    readonly key: string,
    readonly pythonOffered = false,
  ) {
    super(message);
    this.name = "DistributionNotFound";
  }
}

const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with control characters escaped as `\n`, `\x1b` or `\u2028`: a
 * value, or a name from an archive, quoted in an error message keeps the
 * message on one line that cannot drive the terminal.
 *
 * ```ts
 * oneLine("member 'a\nb'"); // "member 'a\\nb'"
 * ```
 */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ??
      (code < 0x100
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}

/** The longest part of a value an error message quotes. */
const CLIPPED = 200;
/** How much of a cut value's end is kept: a path's file name, a URL's file. */
const TAIL = 60;

/**
 * `text` as an error message quotes it (escaped by `show`, `oneLine` by
 * default), cut in the middle to its first 140 and last 60 characters and
 * followed by its length: an option value, a URL or a configuration line
 * may run to megabytes, and the end of a long path or URL names its file.
 * A text past 200 characters has its URL passwords hidden first, and is
 * shown whole when that brings it within them.
 *
 * ```ts
 * clipped("a\nb"); // "a\\nb"
 * clipped("x".repeat(1000)); // "xxx...xxx (1000 characters)", 140 + 60 x
 * ```
 */
export function clipped(
  text: string,
  show: (text: string) => string = oneLine,
): string {
  if (text.length <= CLIPPED) return show(text);
  // Output hides URL passwords by the `@` after them, which a cut may drop.
  const redacted = redactPasswords(text);
  // A long password hidden may leave nothing to cut: the halves would
  // overlap, repeating the middle.
  if (redacted.length <= CLIPPED) return show(redacted);
  let head = redacted.slice(0, CLIPPED - TAIL);
  let tail = redacted.slice(-TAIL);
  // Not half of a character outside the Basic Multilingual Plane.
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  if (/^[\udc00-\udfff]/.test(tail)) tail = tail.slice(1);
  return `${show(head)}...${show(tail)} (${text.length} characters)`;
}

/**
 * A part's name as the lines printed for every part of every run quote it
 * (`Updating x.`): as it is up to 200 characters, where {@link clipped}
 * would scan it for control characters each time (a configuration's section
 * name holds no line break), else clipped.
 */
export function clippedName(name: string): string {
  return name.length <= CLIPPED ? name : clipped(name);
}

/**
 * Something recipe code threw that is not an object (`throw "text"`),
 * made an error so that it can carry its `While:` context and `-D` report.
 */
export class ThrownValue extends Error {
  constructor(readonly value: unknown) {
    super(String(value));
    this.name = "ThrownValue";
    // Where it was thrown is unknown: buildout's own frames would mislead.
    this.stack = `Thrown, not an Error: ${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    }`;
  }
}

/** `err` itself if it is an object, else wrapped in a {@link ThrownValue}. */
export function asObject(err: unknown): object {
  return err !== null && typeof err === "object" ? err : new ThrownValue(err);
}

/**
 * The `While:` context of thrown objects, outermost first. Kept beside
 * them, not on them: recipe code may throw a frozen object, or one whose
 * properties throw.
 */
const CONTEXT = new WeakMap<object, string[]>();

/** The `While:` context collected so far on any thrown value. */
export function doingOf(err: unknown): string[] {
  if (err === null || typeof err !== "object") return [];
  return CONTEXT.get(err) ?? [];
}

/** Adds `label` as the outermost line of the `While:` context of `err`. */
export function addDoing(err: unknown, label: string): void {
  if (err === null || typeof err !== "object") return;
  const context = CONTEXT.get(err);
  if (context) context.unshift(label);
  else CONTEXT.set(err, [label]);
}

/**
 * Runs `fn`, adding `label` to the `While:` context of anything it throws,
 * the way zc.buildout's `__doing__` frame locals do.
 */
export function doing<T>(label: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const error = asObject(err);
    addDoing(error, label);
    throw error;
  }
}

/** The async form of {@link doing}. */
export async function doingAsync<T>(
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const error = asObject(err);
    addDoing(error, label);
    throw error;
  }
}

const FS_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  // The runtime's message names the code and quotes the path again.
  ELOOP: "too many levels of symbolic links",
  EEXIST: "file exists",
  EBUSY: "device or resource busy",
  EMFILE: "too many open files (see ulimit -n)",
  ENFILE: "too many open files in the system",
  // A file-size limit (ulimit -f); the message names a temporary.
  EFBIG: "file too large",
  // The runtime's message quotes the path again, up to 4 KB of it.
  ENAMETOOLONG: "file name too long",
  // A failing disk or network file system: the machine's, not a bug.
  EIO: "input/output error",
  EXDEV: "invalid cross-device link",
};

/**
 * The description in node:fs's message of an error with another code
 * (`ESTALE: stale file handle, open '/nfs/x'`), without the code, the call
 * and the paths, which the message around it names already.
 */
const SYSTEM_MESSAGE = /^E[A-Z0-9]+: (.+?), [a-z]+(?: '.*)?$/s;

/** A file-system error as a short reason (`no space left on device`). */
export function fsReason(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  const known = FS_REASONS[code];
  if (known) return known;
  const message = err instanceof Error ? err.message : String(err);
  return SYSTEM_MESSAGE.exec(message)?.[1] ?? message;
}

const SPAWN_REASONS: Record<string, string> = {
  // fork's refusal under the process limit.
  EAGAIN: "too many processes (see ulimit -u, or the container's pids limit)",
  // execve's: Linux takes at most 128 KiB in one argument or variable.
  E2BIG: "argument list too long (over 128 KiB in the command or in one " +
    "environment variable, or over getconf ARG_MAX in all)",
};

/**
 * Why a child process could not be started: the process limit reached
 * (fork's EAGAIN), a command or environment too large to pass (E2BIG),
 * else as {@link fsReason} says (`/bin/sh` missing).
 */
export function spawnReason(err: unknown): string {
  return SPAWN_REASONS[(err as { code?: string }).code ?? ""] ??
    fsReason(err);
}

/** Errors of a file system refusing any write: the machine's, not a bug. */
const REFUSALS = new Set(["EROFS", "ENOSPC", "EDQUOT"]);

/**
 * A one-line message when `err` is the file system refusing an operation
 * on a path: `Couldn't write PATH: reason` (read-only, full, over quota),
 * `Permission denied: PATH` (which may be a read), `Too many open files
 * (see ulimit -n): PATH`, `File name too long: PATH` (a name taken from a
 * URL or an option), `Device or resource busy: PATH (...)` (a mount point
 * removed or replaced), `Input/output error: PATH` (a failing disk); else
 * undefined.
 */
export function refusedByFileSystem(err: unknown): string | undefined {
  const { code, path, dest } = err as {
    code?: unknown;
    path?: unknown;
    dest?: unknown;
  };
  if (typeof code !== "string" || typeof path !== "string") return undefined;
  if (REFUSALS.has(code)) {
    return `Couldn't write ${clipped(path)}: ${oneLine(fsReason(err))}`;
  }
  if (code === "EACCES" || code === "EPERM") {
    return `Permission denied: ${clipped(path)}`;
  }
  if (code === "EMFILE" || code === "ENFILE") {
    return `Too many open files (see ulimit -n): ${clipped(path)}`;
  }
  if (code === "EBUSY") {
    // A recursive removal names the tree, not the mount point inside it.
    return `Device or resource busy: ${
      clipped(typeof dest === "string" ? dest : path)
    } (is something mounted there?)`;
  }
  if (code === "EIO") {
    // A failing disk or network file system; a rename names its target.
    return `Input/output error: ${
      clipped(typeof dest === "string" ? dest : path)
    }`;
  }
  if (code === "ENAMETOOLONG") {
    // A copy or rename names its source `path` and its target `dest`.
    return `File name too long: ${
      clipped(typeof dest === "string" ? dest : path)
    }`;
  }
  return undefined;
}

/**
 * True for errors node:fs raises: an errno `code` (`ENAMETOOLONG`), with a
 * `syscall` but for some calls (`symlinkSync` in Bun and Deno).
 */
export function isSystemError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown })?.code;
  return err instanceof Error && typeof code === "string" &&
    /^E[A-Z0-9]+$/.test(code);
}
