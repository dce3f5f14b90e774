/** Whether a process runs: for temporaries and locks a killed run left. */
import process from "node:process";

/**
 * True when a process `pid` exists on this host (one we may not signal
 * counts as existing).
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
}
