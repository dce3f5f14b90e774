/**
 * Logging as zc.buildout sets it up: messages of the `zc.buildout` logger
 * and its children (`zc.buildout.easy_install`) print bare, others (recipes
 * log under their part's name) as `name: message`, unless `log-format` is
 * set; all to stdout.
 */
import { Buffer } from "node:buffer";
import { constants, fstatSync, openSync, writeSync } from "node:fs";
import { clipped, fsReason, UserError } from "./errors.ts";
import { formatFields, percentFormat } from "./percent_format.ts";
import { redactPasswords } from "./redact_passwords.ts";

/** Python's logging levels by name. */
export const LEVELS: Record<string, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(LEVELS).map(([name, level]) => [level, name]),
);

let threshold = LEVELS.INFO;
let format = "";

/**
 * Sets the effective level from `log-level` (a name or a number) minus
 * `verbosity`, and the `log-format` (Python logging's %-style, as in
 * `%(asctime)s %(levelname)-8s %(name)s: %(message)s`).
 *
 * @throws {UserError} `Invalid logging level X`, `Invalid verbosity X`.
 */
export function configureLogging(
  logLevel: string,
  verbosity: string,
  logFormat: string,
): number {
  // Own names only: `constructor` is no level, as in Python.
  let level = Object.hasOwn(LEVELS, logLevel) ? LEVELS[logLevel] : undefined;
  if (level === undefined) {
    if (!/^[+-]?\d+$/.test(logLevel.trim())) {
      throw new UserError(`Invalid logging level ${clipped(logLevel)}`);
    }
    level = parseInt(logLevel, 10);
  }
  if (!/^[+-]?\d+$/.test(verbosity.trim())) {
    throw new UserError(`Invalid verbosity ${clipped(verbosity)}`);
  }
  threshold = level - parseInt(verbosity, 10);
  format = logFormat;
  return threshold;
}

/** The effective level: messages below it are dropped. */
export function effectiveLevel(): number {
  return threshold;
}

const ASCII_ONLY = /^[\0-\x7f]*$/;

/** The descriptors (1, 2) whose reader has gone. */
const gone = new Set<number>();

/**
 * Write errors meaning the log can go no further there: the reader has
 * gone (EPIPE), the file the log is redirected to cannot grow (a full
 * disk, a quota, an I/O error), or the descriptor was handed over for
 * reading only (EBADF).
 */
const LOG_REFUSED = new Set([
  "EPIPE",
  "ENOSPC",
  "EDQUOT",
  "EFBIG",
  "EIO",
  "EBADF",
]);

/**
 * Writes all of `text` to stdout (1) or stderr (2): Bun's `writeSync`
 * may write only part, and a descriptor the parent made non-blocking may
 * be full for a moment (EAGAIN). Once the reader has gone (`buildout |
 * head`) or the log's file is on a full disk, the rest is dropped and the
 * run goes on, as its outcome must not depend on where its log goes (as
 * with Python's logging; Deno reported the broken pipe as an internal
 * error).
 */
export function writeFd(fd: 1 | 2, text: string): void {
  if (gone.has(fd)) return;
  if (standing !== undefined) {
    const erase = standing;
    standing = undefined;
    writeFd(2, erase);
  }
  try {
    const out = quickDescriptor(fd);
    const limit = writeLimit[fd];
    let bytes: Uint8Array | undefined;
    if (text.length * 3 <= limit) {
      // The string itself first: a copy as bytes only for what is left.
      const written = writeOnce(out, text);
      if (written < Buffer.byteLength(text)) {
        bytes = Buffer.from(text).subarray(written);
      }
    } else if (ASCII_ONLY.test(text)) {
      // A byte per character: slices of the string itself, with no copy as
      // bytes, which would count towards the next garbage collection.
      let at = 0;
      for (let n = 1; n && at < text.length; at += n) {
        n = writeOnce(out, text.slice(at, at + limit));
      }
      if (at < text.length) bytes = Buffer.from(text.slice(at));
    } else {
      bytes = Buffer.from(text);
      for (let n = 1; n && bytes.length; bytes = bytes.subarray(n)) {
        n = writeOnce(out, bytes.subarray(0, limit));
      }
    }
    if (bytes?.length) {
      let rest = bytes;
      waitForReader(() => {
        while (rest.length) {
          const n = writeOnce(fd, rest.subarray(0, limit));
          if (!n) Atomics.wait(PAUSE, 0, 0, 1);
          rest = rest.subarray(n);
        }
      });
    }
  } catch (err) {
    if (!refusedBy(fd, err)) throw err;
  }
}

/**
 * True when `err` says `fd` takes no more output (see {@link LOG_REFUSED}),
 * which is then dropped: later writes to it are skipped.
 */
function refusedBy(fd: 1 | 2, err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code);
  if (!LOG_REFUSED.has(code)) return false;
  gone.add(fd);
  // A stopped reader meant it; output lost to a full disk is worth a word.
  if (fd === 1 && code !== "EPIPE") {
    stdoutRefusal ??= code === "EBADF" ? "not open for writing" : fsReason(err);
  }
  return true;
}

let stdoutRefusal: string | undefined;

/** What erases the line standing on stderr (see writeStanding), if any. */
let standing: string | undefined;

/**
 * Writes to stderr a line that stays until `erase` is written, such as a
 * progress bar drawn with `\r`: whatever is written before then, to stdout
 * or stderr (a log line, `Error: Interrupted by SIGINT`), erases it first,
 * so that it never lands on the same line when both go to the terminal.
 * Without `erase`, `text` takes the line away.
 */
export function writeStanding(text: string, erase?: string): void {
  standing = undefined;
  writeFd(2, text);
  standing = erase;
}

/** The `console` methods that write. */
const CONSOLE_WRITERS = [
  "log",
  "info",
  "debug",
  "warn",
  "error",
  "trace",
  "dir",
  "dirxml",
  "table",
  "group",
  "groupCollapsed",
  "assert",
  "count",
  "countReset",
  "timeEnd",
  "timeLog",
];

/**
 * Makes `console`, which recipes print with, drop what stdout or stderr
 * refuses (see {@link LOG_REFUSED}) instead of throwing it into the
 * recipe, as Bun's console does: under Deno, a recipe's console.log with
 * the log on a full disk failed its part.
 */
export function dropRefusedConsoleWrites(): void {
  const methods = console as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  for (const name of CONSOLE_WRITERS) {
    const method = methods[name];
    if (typeof method !== "function") continue;
    methods[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return method.apply(this, args);
      } catch (err) {
        const code = String((err as { code?: unknown }).code);
        if (!LOG_REFUSED.has(code)) throw err;
      }
    };
  }
}

/** Whether {@link dropRefusedStreamWrites} has done its work. */
let streamsDropRefused = false;

/**
 * Makes `process.stdout` and `process.stderr`, which recipes also print
 * with, drop what the descriptor refuses (see {@link LOG_REFUSED}) instead
 * of failing the recipe's part with it: both runtimes throw it from
 * `write`, pass it to the write's callback or emit it as an 'error'
 * nothing listens to. Call it before loading code that may use them: Bun
 * makes the streams when they are first looked at, which costs time and
 * makes stdout non-blocking.
 */
export function dropRefusedStreamWrites(): void {
  if (streamsDropRefused) return;
  streamsDropRefused = true;
  for (
    const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const
  ) {
    const write = stream.write as (...a: unknown[]) => boolean;
    stream.write = function (this: unknown, ...args: unknown[]) {
      // A recipe awaiting its write's callback goes on: a refusal reaches
      // it as a write done, and Deno, which throws it, never calls it.
      const last = args.length - 1;
      const callback = typeof args[last] === "function"
        ? args[last] as (err?: unknown) => void
        : undefined;
      if (callback) {
        args[last] = (err?: unknown) =>
          callback(err && refusedBy(fd, err) ? undefined : err);
      }
      // Deno's stream, once it threw, holds every later write unwritten.
      if (!gone.has(fd)) {
        try {
          return write.apply(this, args);
        } catch (err) {
          if (!refusedBy(fd, err)) throw err;
        }
      }
      if (callback) process.nextTick(callback);
      return true;
    } as typeof stream.write;
    stream.on("error", (err) => {
      if (!refusedBy(fd, err)) throw err;
    });
  }
}

/**
 * Ends `process.stdout` and `process.stderr`, then calls `done` once what
 * was written to them is flushed or refused: a stream that failed may
 * never report its end.
 */
export function endOutput(done: () => void): void {
  let open = 2;
  for (
    const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const
  ) {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (--open === 0) done();
    };
    if (gone.has(fd)) {
      end();
      continue;
    }
    stream.once("error", end);
    stream.end(end);
  }
}

/**
 * Why standard output took no more (`no space left on device`), or
 * undefined; a reader that stopped (`buildout | head`) is not a refusal.
 */
export function stdoutRefused(): string | undefined {
  return stdoutRefusal;
}

/** One write; 0 bytes when the descriptor is full (EAGAIN). */
function writeOnce(fd: number, data: string | Uint8Array): number {
  try {
    return typeof data === "string" ? writeSync(fd, data) : writeSync(fd, data);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EAGAIN") throw err;
    return 0;
  }
}

/** By descriptor: one that never waits for the reader, see quickDescriptor. */
const quick: number[] = [];

/**
 * What a pipe takes whole or not at all (POSIX's PIPE_BUF): Deno's
 * `writeSync` goes on writing until all is written, and when the pipe
 * fills midway throws EAGAIN without saying how much went, which was then
 * written again. Unless {@link trustShortWrites} allows more, no more
 * than this goes to a pipe (or a terminal or socket) in one write, so a
 * full pipe means nothing went.
 */
const PIPE_BUF = 4096;

/** The most one write gives a pipe, terminal or socket (see PIPE_BUF). */
let pipeWriteSize = PIPE_BUF;

/**
 * Lets one write give a pipe, terminal or socket 64 KiB, for a runtime
 * whose `writeSync` returns how much a full pipe took (Bun's does): 4 KiB
 * writes made `annotate` of 11,000 options ~0.7 ms slower.
 */
export function trustShortWrites(): void {
  pipeWriteSize = 65536;
}

/** By descriptor: the most one write gives it, set by quickDescriptor. */
const writeLimit: number[] = [];

/**
 * A descriptor writing where `fd` does without ever waiting: for a pipe or
 * a terminal, which a reader can leave full (`buildout | less` left on a
 * page, Ctrl-S), a non-blocking one of its own (the shell's stays as it
 * is), so that a full pipe shows as a short write and the wait goes
 * through {@link waitForReader}; else `fd` itself (a file never waits).
 */
function quickDescriptor(fd: 1 | 2): number {
  if (quick[fd] !== undefined) return quick[fd];
  quick[fd] = fd;
  writeLimit[fd] = Infinity;
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO() || stat.isCharacterDevice() || stat.isSocket()) {
      writeLimit[fd] = pipeWriteSize;
    }
    if (stat.isFIFO() || stat.isCharacterDevice()) {
      quick[fd] = openSync(
        `/proc/self/fd/${fd}`,
        constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    }
  } catch {
    // No /proc, a socket, or a pipe without reader: `fd` itself.
  }
  return quick[fd];
}

/** Runs a wait for the reader; see {@link waitForReadersWith}. */
let waitForReader = (wait: () => void) => wait();

/**
 * Makes every wait for a slow reader of stdout or stderr run through
 * `wrap`: the run's signal handlers need this thread, which the wait
 * holds, so `wrap` gives the signals their default action meanwhile.
 */
export function waitForReadersWith(wrap: (wait: () => void) => void): void {
  waitForReader = wrap;
}

/** What writeFd waits on: nothing ever wakes it before its timeout. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Stdout text gathered while output is held, as the pieces written: joined
 * once when written out. Adding each piece to one string made a rope node
 * per piece and a copy per flattening, several times the text in garbage
 * on a run printing thousands of lines. The array is reused, its first
 * `heldCount` pieces held; `holding` says whether output is held.
 */
const heldPieces: string[] = [];
let heldCount = 0;
let heldLength = 0;
let holding = false;
const HOLD_LIMIT = 64 * 1024;

/**
 * Writes `text` to stdout, or gathers it while output is held, so that
 * many lines cost one system call (a 1,000-part run prints thousands).
 * Code printing many short pieces holds output while it writes them (see
 * {@link holdOutput}), then each costs no string of its own.
 */
export function writeOut(text: string): void {
  if (!holding) {
    writeFd(1, text);
    return;
  }
  heldPieces[heldCount++] = text;
  heldLength += text.length;
  if (heldLength >= HOLD_LIMIT) flushOutput();
}

/** Writes `text` and a line feed to stdout, as {@link writeOut} does. */
export function writeLine(text: string): void {
  if (!holding) writeFd(1, text + "\n");
  else {
    writeOut(text);
    writeOut("\n");
  }
}

/**
 * Gathers stdout writes from now on. Only buildout's own quick code may
 * run while output is held: anything that writes to stdout by other means
 * (a recipe module's console.log) would overtake the gathered lines, and
 * anything slow would leave them unseen.
 */
export function holdOutput(): void {
  holding = true;
}

/** True while stdout writes are gathered (see {@link holdOutput}). */
export function holdingOutput(): boolean {
  return holding;
}

/** Writes the gathered output, still holding what comes next. */
export function flushOutput(): void {
  if (!heldLength) {
    heldCount = 0;
    return;
  }
  heldPieces.length = heldCount;
  const text = heldPieces.join("");
  heldCount = heldLength = 0;
  writeFd(1, text);
}

/** Writes the gathered output and stops holding. */
export function releaseOutput(): void {
  flushOutput();
  holding = false;
}

/** A named logger; `zc.buildout` is the tool's own. */
export class Logger {
  constructor(readonly name: string) {}

  /**
   * Logs at `level` when the effective level lets it through. A recipe may
   * pass anything (an Error it caught): as text, as Python's logging has it.
   */
  log(level: number, message: string): void {
    if (level < threshold) return;
    const text = typeof message === "string" ? message : String(message);
    writeLine(redactPasswords(render(this.name, level, text)));
  }

  /**
   * Each logs at its level; with `args`, the message is formatted as
   * Python's logging does (`info("Got %s", name)`), so that calls ported
   * from a Python recipe print the same.
   */
  debug(message: string, ...args: unknown[]): void {
    this.log(LEVELS.DEBUG, percentFormat(message, args));
  }
  info(message: string, ...args: unknown[]): void {
    this.log(LEVELS.INFO, percentFormat(message, args));
  }
  warn(message: string, ...args: unknown[]): void {
    this.log(LEVELS.WARNING, percentFormat(message, args));
  }
  /** Python's name of {@link warn}. */
  warning(message: string, ...args: unknown[]): void {
    this.warn(message, ...args);
  }
  error(message: string, ...args: unknown[]): void {
    this.log(LEVELS.ERROR, percentFormat(message, args));
  }
  critical(message: string, ...args: unknown[]): void {
    this.log(LEVELS.CRITICAL, percentFormat(message, args));
  }
}

function render(name: string, level: number, message: string): string {
  if (!format) {
    // zc.buildout's own handler prints its children's messages too.
    const own = name === "zc.buildout" || name.startsWith("zc.buildout.");
    return own ? message : `${name}: ${message}`;
  }
  // Read once per record, as Python's LogRecord does.
  const now = performance.timeOrigin + performance.now();
  return formatFields(
    format,
    (field) => recordField(field, name, level, message, now),
  );
}

/**
 * The LogRecord attributes that mean something here; undefined for others
 * (`%(lineno)d` of Python code), which stay as written.
 */
function recordField(
  field: string,
  name: string,
  level: number,
  message: string,
  now: number,
): string | number | undefined {
  switch (field) {
    case "name":
      return name;
    case "message":
      return message;
    case "levelname":
      return NAMES[level] ?? `Level ${level}`;
    case "levelno":
      return level;
    case "asctime":
      return asctime(now);
    case "created":
      return now / 1000;
    case "msecs":
      return now % 1000;
    case "relativeCreated":
      return performance.now();
    case "process":
      return process.pid;
  }
  return undefined;
}

/** `2026-05-01 12:30:05,123`: Python logging's default time format, local. */
function asctime(now: number): string {
  const date = new Date(now);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${
    two(date.getDate())
  } ${two(date.getHours())}:${two(date.getMinutes())}:${
    two(date.getSeconds())
  },${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/** The tool's own logger. */
export const logger = new Logger("zc.buildout");

/** zc.buildout's logger of distributions and generated scripts. */
export const easyInstallLogger = new Logger("zc.buildout.easy_install");
