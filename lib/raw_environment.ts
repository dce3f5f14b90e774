/**
 * Environment variables whose values are not UTF-8 (a Latin-1 file name in
 * a variable, say), as the process got them: both runtimes hold the
 * environment as text, where Bun turns each such byte into U+FFFD and Deno
 * throws on reading the variable.
 */
import { readFileSync } from "node:fs";
import process from "node:process";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const LOSSY = new TextDecoder("utf-8");

/** A variable of the starting environment whose value is not UTF-8. */
export interface RawVariable {
  name: string;
  /** Its value as the process got it. */
  bytes: Uint8Array;
  /** Its value with each byte that is not UTF-8 read as U+FFFD. */
  text: string;
}

let started: RawVariable[] | undefined;

/**
 * The variables of this process's starting environment whose values are
 * not UTF-8 (and whose names are), read from /proc once; none where there
 * is no /proc.
 */
export function nonUtf8Variables(): RawVariable[] {
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
    const bytes = entry.subarray(eq + 1);
    try {
      const name = UTF8.decode(entry.subarray(0, eq));
      try {
        UTF8.decode(bytes);
      } catch {
        started.push({ name, bytes, text: LOSSY.decode(bytes) });
      }
    } catch {
      // A name no code here could ask for.
    }
  }
  return started;
}

/**
 * Makes `process.env` hold each value that is not UTF-8 as Bun does, its
 * bad bytes U+FFFD, where Deno throws on reading it (HOME, TMPDIR, a
 * variable a recipe reads): an internal error for a machine's setting.
 * For Deno; call it first thing.
 */
export function replaceNonUtf8Values(): void {
  for (const { name, text } of nonUtf8Variables()) process.env[name] = text;
}
