/**
 * The processes a run started (recipe shells and whatever they started in
 * turn, such as `make` and its compilers), found through /proc, so that an
 * interrupted run can end them instead of leaving them writing into
 * `parts/` after it has gone. Where there is no /proc none are found.
 */
import { readdirSync, readlinkSync } from "node:fs";
import process from "node:process";
import { procStat } from "./process_exists.ts";

/** A process as /proc shows it. */
interface Proc {
  ppid: number;
  /** Field 22 of its stat, telling it from a later process with its pid. */
  start: string;
  /** Exited (a zombie): it will do nothing more. */
  done: boolean;
}

/**
 * Every process /proc shows, by pid; empty where there is no /proc, or
 * where it is another PID namespace's (`unshare -p` without
 * `--mount-proc`): its numbers are not this run's, and the processes it
 * shows would be taken for ours.
 */
function processes(): Map<number, Proc> {
  const found = new Map<number, Proc>();
  let names: string[];
  try {
    if (readlinkSync("/proc/self") !== String(process.pid)) return found;
    names = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const fields = procStat(name);
    if (!fields) continue; // It exited meanwhile.
    found.set(Number(name), {
      ppid: Number(fields[1]),
      start: fields[19],
      done: fields[0] === "Z" || fields[0] === "X",
    });
  }
  return found;
}

/** How long processes sent SIGKILL are waited for. */
const KILLED_MS = 1000;

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Ends every process below this one: SIGTERM to each (so that `make`
 * removes the target it was writing), then, for those still running after
 * `graceMs`, SIGKILL. Returns when none runs any more (or a second after
 * SIGKILL, which a process stuck in the kernel outlives); blocks
 * meanwhile, so the run's own code cannot go on while they end.
 *
 * The processes are gathered again on every round and remembered: a shell
 * that ends first leaves its children to init, and they must still be
 * found, as must a process started in between.
 */
export function endDescendants(graceMs: number): void {
  const known = new Map<number, string>();
  let deadline = Date.now() + graceMs;
  for (let signal = "SIGTERM";;) {
    const all = processes();
    const running = (pid: number) => {
      const proc = all.get(pid);
      return proc !== undefined && !proc.done && proc.start === known.get(pid);
    };
    let added = true;
    while (added) {
      added = false;
      for (const [pid, proc] of all) {
        if (known.has(pid)) continue;
        if (proc.ppid === process.pid || running(proc.ppid)) {
          known.set(pid, proc.start);
          added = true;
          if (!proc.done) kill(pid, signal);
        }
      }
    }
    const left = [...known.keys()].filter(running);
    if (!left.length) return;
    if (Date.now() >= deadline) {
      if (signal === "SIGKILL") return;
      signal = "SIGKILL";
      for (const pid of left) kill(pid, signal);
      deadline += KILLED_MS;
    }
    Atomics.wait(PAUSE, 0, 0, 10);
  }
}

function kill(pid: number, signal: string): void {
  try {
    process.kill(pid, signal);
  } catch {
    // It has just exited.
  }
}
