/** Whether a process runs: for temporaries and locks a killed run left. */
import process from "node:process";

/**
 * True when a process `pid` exists on this host (one we may not signal
 * counts as existing); false for what is no process id.
 */
export function processExists(pid: number): boolean {
  // 0 and negative numbers name process groups; NaN and larger numbers
  // (read from a damaged lock) make kill() throw a TypeError.
  if (!Number.isInteger(pid) || pid <= 0 || pid >= 2 ** 31) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
}
