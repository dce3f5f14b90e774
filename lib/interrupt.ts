/**
 * Ending a run interrupted by SIGINT (Ctrl-C, sent to the whole process
 * group), SIGTERM (`docker stop`, systemd, CI time-outs, often sent to
 * buildout alone) or SIGHUP. zc.buildout ends with a KeyboardInterrupt;
 * here the run says it was interrupted, ends the processes it started,
 * removes its temporaries and what the pending install created, and dies
 * of the same signal, as its caller expects of an interrupted program.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { exitRun } from "./early_exit.ts";
import { removeTempFiles } from "./fetch/temp_files.ts";
import { releaseOutput, waitForReadersWith, writeFd } from "./log.ts";
import { endDescendants } from "./process_tree.ts";

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** A signal that ends the run. */
export type EndingSignal = keyof typeof SIGNALS;

/**
 * How long the processes the run started get to end (`make` removing the
 * target it was writing) before they are killed.
 */
const GRACE_MS = 3000;

/**
 * How long a child killed by one of {@link SIGNALS} waits for this
 * process's own signal: Ctrl-C and systemd signal the child and buildout
 * at once, and the child's end may be seen first.
 */
const SIGNAL_WAIT_MS = 50;

/** How long the run waits for its own signal to end it. */
const SIGNAL_DELIVERY_MS = 1000;

/** What endRun waits on: nothing ever wakes it before its timeout. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Makes SIGINT, SIGTERM and SIGHUP end the run (see {@link endRun}); while
 * output waits for its reader, by their default action. A signal ignored
 * when the run started (SIGHUP under `nohup`, SIGINT of a shell's
 * background job) stays ignored, as Python leaves it.
 */
export function endRunOnSignals(): void {
  const ignored = ignoredAtStart();
  for (const signal of Object.keys(SIGNALS) as EndingSignal[]) {
    if (!ignored.has(signal)) process.on(signal, () => endRun(signal));
  }
  // A reader that stopped reading (`buildout | less`) holds the thread.
  waitForReadersWith(withDefaultSignals);
}

/**
 * Runs `fn`, which may block the thread in a system call (opening a FIFO
 * that has no writer, reading a pipe that stays empty), with the default
 * action for the signals that end the run: their handlers need the thread,
 * so the run would go on until a SIGKILL. A signal ignored at start stays
 * ignored.
 */
export function withDefaultSignals<T>(fn: () => T): T {
  const ignored = ignoredAtStart();
  const saved = (Object.keys(SIGNALS) as EndingSignal[])
    .filter((signal) => !ignored.has(signal))
    .map((signal) => [signal, process.listeners(signal)] as const)
    .filter(([, listeners]) => listeners.length);
  for (const [signal] of saved) process.removeAllListeners(signal);
  try {
    return fn();
  } finally {
    for (const [signal, listeners] of saved) {
      for (const listener of listeners) process.on(signal, listener);
    }
  }
}

/**
 * Keeps the signals of {@link SIGNALS} ignored at start ignored, for a
 * runtime that takes them over: Deno installs its own handlers for them,
 * which end the process when no listener is left, so under `nohup` a
 * SIGHUP ended the run. A listener doing nothing holds each. Call it first
 * thing, before the runtime's handlers hide the inherited dispositions.
 */
export function holdIgnoredSignals(): void {
  for (const signal of ignoredAtStart()) process.on(signal, () => {});
}

/**
 * `script` for `/bin/sh -c`, first ignoring the signals of {@link SIGNALS}
 * this run ignored at start, as its commands would have inherited them:
 * the runtime starts children with every signal at its default action, so
 * under `nohup` a hang-up ended the build commands of a run that went on,
 * where zc.buildout's, started by Python, ignore it as the run does.
 */
export function ignoringAsAtStart(script: string): string {
  const ignored = [...ignoredAtStart()].map((name) => name.slice(3));
  // On the script's first line: the shell's errors number its lines.
  return ignored.length ? `trap '' ${ignored.join(" ")}; ${script}` : script;
}

const SIGCHLD = 17;

/**
 * Takes SIGCHLD back when the run started with it ignored (a supervisor's
 * disposition, inherited): the kernel then reaps the children itself, their
 * exit status is lost, and every build command failed with "Couldn't start
 * /bin/sh ...: unknown error" (ECHILD) after running. A listener doing
 * nothing restores it, for the commands' own children too.
 */
export function keepChildStatuses(): void {
  if (isIgnoredAtStart(SIGCHLD)) process.on("SIGCHLD", () => {});
}

let ignoredMask: bigint | undefined;

/**
 * Whether signal `number` was ignored when this process started, read from
 * /proc the first time (where there is no /proc, none are taken for
 * ignored). Only an inherited disposition shows: the first call comes
 * before any handler is installed.
 */
function isIgnoredAtStart(number: number): boolean {
  ignoredMask ??= readIgnored();
  return ((ignoredMask >> BigInt(number - 1)) & 1n) === 1n;
}

/** /proc's mask of the signals ignored, 0 where it cannot be read. */
function readIgnored(): bigint {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    return BigInt("0x" + (/^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? 0));
  } catch {
    return 0n;
  }
}

let ignoredSignals: Set<EndingSignal> | undefined;

/** The signals of {@link SIGNALS} this process ignored when it started. */
function ignoredAtStart(): Set<EndingSignal> {
  ignoredSignals ??= new Set(
    (Object.keys(SIGNALS) as EndingSignal[])
      .filter((name) => isIgnoredAtStart(SIGNALS[name])),
  );
  return ignoredSignals;
}

/**
 * Ends the run as interrupted by `signal`. Synchronous from start to end,
 * so no code of the run goes on meanwhile, and a second signal (Ctrl-C
 * pressed again) changes nothing.
 */
function endRun(signal: EndingSignal): never {
  // What a full pipe cannot take now is dropped: a reader that stopped
  // would keep the run from ending its processes and itself.
  waitForReadersWith(() => {});
  releaseOutput();
  writeFd(2, `Error: Interrupted by ${signal}\n`);
  endDescendants(GRACE_MS);
  removeTempFiles();
  process.removeAllListeners(signal);
  // A process 1 (buildout as a container's command) ignores a signal it has
  // no handler for; Deno, sending it there, ended with SIGSEGV.
  if (process.pid !== 1) {
    process.kill(process.pid, signal);
    // Still here: Deno acts on the signal from another thread, a moment
    // later; exiting at once ended the run with a status instead.
    Atomics.wait(PAUSE, 0, 0, SIGNAL_DELIVERY_MS);
  }
  exitRun(128 + SIGNALS[signal]);
}

/**
 * Calls `then` with the end of a child process that was killed by
 * `signal` (null when it exited), after a moment when the signal is one
 * that also ends this run: when it was sent to buildout too, the run ends
 * as interrupted instead of reporting the child's failure.
 */
export function afterChildEnded(
  signal: string | null,
  then: () => void,
): void {
  if (signal !== null && signal in SIGNALS) {
    setTimeout(then, SIGNAL_WAIT_MS);
  } else {
    then();
  }
}
