/**
 * Environment variables whose values are not UTF-8 reach the commands
 * recipes run as they came, where the runtimes, holding the environment as
 * text, would pass U+FFFD for each such byte: the shell running a command
 * sets them again from the bytes the process started with.
 */
import process from "node:process";
import { nonUtf8Variables } from "../lib/raw_environment.ts";

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
  for (const { name, bytes, text } of nonUtf8Variables()) {
    // Only what a shell can set, and only values the part left alone.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    const value = env[name];
    if (value !== undefined && value !== text) continue;
    const octal = [...bytes].map((b) => "\\" + b.toString(8).padStart(3, "0"))
      .join("");
    // The `_` keeps a trailing line break from `$(...)`.
    script += `${name}=$(printf '${octal}_'); ${name}=\${${name}%_}; ` +
      `export ${name}; `;
  }
  return script;
}
