/**
 * Environment variables whose values are not UTF-8 (a Latin-1 file name in
 * a variable, say) reach the commands recipes run as they came: both
 * runtimes hold the environment as text, where Bun turns each such byte
 * into U+FFFD and Deno drops the variable, so the shell running a command
 * sets them again from the bytes the process started with.
 */
import { readFileSync } from "node:fs";
import process from "node:process";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const LOSSY = new TextDecoder("utf-8");

/** A variable of the starting environment that is not UTF-8 text. */
interface RawVariable {
  name: string;
  bytes: Uint8Array;
  /** What the runtime makes of it. */
  text: string;
}

let started: RawVariable[] | undefined;

/**
 * The variables of this process's starting environment whose values are
 * not UTF-8, read from /proc once (none where there is no /proc).
 */
function rawVariables(): RawVariable[] {
  if (started) return started;
  started = [];
  let environ: Uint8Array;
  try {
    environ = readFileSync("/proc/self/environ");
  } catch {
    return started;
  }
  let start = 0;
  while (start < environ.length) {
    let end = environ.indexOf(0, start);
    if (end < 0) end = environ.length;
    const entry = environ.subarray(start, end);
    start = end + 1;
    const eq = entry.indexOf(0x3d);
    if (eq <= 0) continue;
    const name = LOSSY.decode(entry.subarray(0, eq));
    // Only what a shell can set, and only values the runtime altered.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    const bytes = entry.subarray(eq + 1);
    try {
      UTF8.decode(bytes);
    } catch {
      started.push({ name, bytes, text: LOSSY.decode(bytes) });
    }
  }
  return started;
}

/**
 * Shell commands setting again, from their starting bytes, the variables
 * that are not UTF-8 and that `env` (the command's environment; the
 * process's when not given) leaves as the runtime has them: to put before
 * a `/bin/sh -c` script. Empty when there are none, as nearly always.
 *
 * ```ts
 * spawn("/bin/sh", ["-c", inheritedBytes(env) + command], { env });
 * ```
 */
export function inheritedBytes(
  env: Record<string, string | undefined> = process.env,
): string {
  let script = "";
  for (const { name, bytes, text } of rawVariables()) {
    let value;
    try {
      value = env[name];
    } catch {
      // Deno's process.env throws for such a value.
      value = undefined;
    }
    if (value !== undefined && value !== text) continue;
    const octal = [...bytes].map((b) => "\\" + b.toString(8).padStart(3, "0"))
      .join("");
    // The `_` keeps a trailing line break from `$(...)`.
    script += `${name}=$(printf '${octal}_'); ${name}=\${${name}%_}; ` +
      `export ${name}; `;
  }
  return script;
}
