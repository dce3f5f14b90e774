/**
 * The runtime running out of memory, reported as the machine's limit it
 * is rather than as a bug: the compiled executable's JavaScriptCore throws
 * `RangeError: Out of memory` when an allocation fails, which a memory
 * limit (`ulimit -v`, `ulimit -d`) makes happen long before the machine's
 * memory is used up.
 */
import { readFileSync } from "node:fs";

/** The limits that make allocations fail, by their name in /proc. */
const LIMITS: Array<[string, string]> = [
  ["Max address space", "ulimit -v"],
  ["Max data size", "ulimit -d"],
];

/**
 * The one-line message for `err` when it is the runtime out of memory
 * (`Out of memory (ulimit -v is 600000 KiB)`, naming the limits in force),
 * else undefined.
 *
 * ```ts
 * outOfMemory(new RangeError("Out of memory")); // "Out of memory"
 * outOfMemory(new RangeError("Invalid array length")); // undefined
 * ```
 */
export function outOfMemory(err: unknown): string | undefined {
  if (!(err instanceof RangeError) || err.message !== "Out of memory") {
    return undefined;
  }
  const limits = memoryLimits();
  return limits.length
    ? `Out of memory (${limits.join(", ")})`
    : "Out of memory";
}

/** `ulimit -v is 600000 KiB` for each limit in force; none off Linux. */
function memoryLimits(): string[] {
  let table: string;
  try {
    table = readFileSync("/proc/self/limits", "latin1");
  } catch {
    return [];
  }
  const found = [];
  for (const [name, flag] of LIMITS) {
    const soft = new RegExp(`^${name}\\s+(\\d+)\\s`, "m").exec(table)?.[1];
    if (soft) found.push(`${flag} is ${Math.floor(Number(soft) / 1024)} KiB`);
  }
  return found;
}
