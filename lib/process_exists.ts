/**
 * Whether a process runs, and what /proc says of it: for temporaries and
 * locks a killed run left, and the processes an interrupted run ends.
 */
import { readFileSync, readlinkSync } from "node:fs";
import process from "node:process";

/**
 * True when a process `pid` exists on this host (one we may not signal
 * counts as existing); false for what is no process id, and for a process
 * that has ended but is not reaped yet (a zombie: a killed run whose parent
 * has not waited for it holds nothing any more).
 */
export function processExists(pid: number): boolean {
  // 0 and negative numbers name process groups; NaN and larger numbers
  // (read from a damaged lock) make kill() throw a TypeError.
  if (!Number.isInteger(pid) || pid <= 0 || pid >= 2 ** 31) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
  const state = procStat(pid)?.[0];
  return state !== "Z" && state !== "X";
}

let namespace: string | undefined;

/**
 * This process's PID namespace (`pid:[4026531836]`), or "-" where it
 * cannot be read. Process ids name the same process only within one: a
 * container sharing the host's name (`--network host`) has its own.
 */
export function pidNamespace(): string {
  if (namespace === undefined) {
    try {
      namespace = readlinkSync("/proc/self/ns/pid");
    } catch {
      namespace = "-";
    }
  }
  return namespace;
}

/**
 * The fields of `/proc/<pid>/stat` from the state on (so the parent's pid
 * is at index 1 and the start time at index 19); undefined when the
 * process is gone or there is no /proc.
 */
export function procStat(pid: number | string): string[] | undefined {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}
