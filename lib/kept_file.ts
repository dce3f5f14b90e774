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
  let kept;
  try {
    kept = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    // None yet, or cut short by a crash before the rename.
    return undefined;
  }
  return kept?.key === key ? kept : undefined;
}

/**
 * Writes `kept` to `path` through `hiddenTemp`'s temporary, renamed into
 * place (a killed run leaves it for the next to sweep), mode 0600 in a
 * 0700 directory: a kept configuration holds its files' texts, which may
 * hold passwords. True when it was written.
 */
export function writeKeptFile(
  path: string,
  kept: { key: string },
  hiddenTemp: (destination: string) => string,
): boolean {
  let temp: string | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    temp = hiddenTemp(path);
    writeFileSync(temp, JSON.stringify(kept), { mode: 0o600 });
    renameSync(temp, path);
    untrackTempFile(temp);
    return true;
  } catch {
    // A read-only or full cache: the next run does the work again.
    if (temp) removeTempFile(temp);
    return false;
  }
}
