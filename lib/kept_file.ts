/**
 * Files a run keeps for the next one to reuse (configuration loads,
 * distribution resolutions): JSON named after a hash of its key, holding
 * that key whole, written whole or not at all and readable by its owner
 * only. Any failure only means the next run does the work again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { removeTempFile, untrackTempFile } from "./fetch/temp_files.ts";

/**
 * The file under `directory` for `key`: 64 bits of two FNV-1a hashes.
 * Keys that share a name take turns in one file, each reader checking the
 * whole key.
 */
export function keptFilePath(directory: string, key: string): string {
  let a = 0x811c9dc5, b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return join(directory, `${hex(a)}${hex(b)}.json`);
}

/** What {@link writeKeptFile} kept at `path` for `key`, or undefined. */
export function readKeptFile<T extends { key: string }>(
  path: string,
  key: string,
): T | undefined {
  return readKeptFileAndBody<T>(path, key)?.[0];
}

/**
 * What {@link writeKeptFile} kept at `path` for `key` and the body written
 * after it ("" for none), or undefined.
 */
export function readKeptFileAndBody<T extends { key: string }>(
  path: string,
  key: string,
): [T, string] | undefined {
  let kept, text;
  try {
    text = readFileSync(path, "utf8");
    // JSON holds no line break of its own: the first ends it.
    const end = text.indexOf("\n");
    kept = JSON.parse(end < 0 ? text : text.slice(0, end));
    text = end < 0 ? "" : text.slice(end + 1);
  } catch {
    // None yet, or cut short by a crash before the rename.
    return undefined;
  }
  return kept?.key === key ? [kept, text] : undefined;
}

/**
 * Writes `kept` to `path` through `hiddenTemp`'s temporary, renamed into
 * place (a killed run leaves it for the next to sweep), mode 0600 in a
 * 0700 directory: a kept configuration holds its files' texts, which may
 * hold passwords. `body`, when given, follows on the next line: text that
 * JSON would escape at length or parse slowly. True when it was written.
 */
export function writeKeptFile(
  path: string,
  kept: { key: string },
  hiddenTemp: (destination: string) => string,
  body?: string,
): boolean {
  let temp: string | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    temp = hiddenTemp(path);
    const json = JSON.stringify(kept);
    writeFileSync(temp, body === undefined ? json : `${json}\n${body}`, {
      mode: 0o600,
    });
    renameSync(temp, path);
    untrackTempFile(temp);
    return true;
  } catch {
    // A read-only or full cache: the next run does the work again.
    if (temp) removeTempFile(temp);
    return false;
  }
}
