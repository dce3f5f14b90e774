/**
 * Hidden temporaries next to their destination, named
 * `.buildout-HOST-PID-RANDOM-name` so that the next run on this host can
 * remove those of a killed run (its process is gone): a SIGKILL gives no
 * chance to clean up, and downloads and unpacked archives are large.
 */
import { Buffer } from "node:buffer";
import { lstatSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { createHash, randomBytes } from "../lazy_crypto.ts";
import { removeTree } from "../remove_tree.ts";
import { trackTempFile } from "./temp_files.ts";
import { pidNamespace, processExists } from "../process_exists.ts";

let tag: string | undefined;

/**
 * The host part of temporary names (8 hex digits): runs elsewhere are never swept, nor
 * those of another PID namespace (a container sharing the host's name),
 * whose process ids mean other processes here.
 */
export function hostTag(): string {
  return tag ??= createHash("md5")
    .update(`${hostname()} ${pidNamespace()}`).digest("hex").slice(0, 8);
}

/**
 * Whether `tag` and `pid`, read from a temporary's name, are those of a run
 * on this host (and PID namespace) whose process is gone.
 */
export function goneRunHere(tag: string, pid: number): boolean {
  return tag === hostTag() && pid !== process.pid && !processExists(pid);
}

const TEMP_PREFIX = ".buildout-";
const TEMP_PATTERN = /^\.buildout-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}-/;
/**
 * Whether `name` is that of a hidden temporary: a file on its way in, or
 * one a killed run left, never part of what a run built.
 */
export function isHiddenTemp(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/** Temporaries this old are abandoned whoever wrote them. */
const ABANDONED_MS = 24 * 3600 * 1000;
const swept = new Set<string>();

/**
 * A hidden temporary name next to `target`, registered for removal. The
 * directory's temporaries left by killed runs are removed first.
 *
 * @example hiddenTemp("/srv/cache/abc") // "/srv/cache/.buildout-1a2b3c4d-42-0f1e2d3c-abc"
 */
export function hiddenTemp(target: string): string {
  const dir = dirname(resolve(target));
  sweepAbandoned(dir);
  const name = `${TEMP_PREFIX}${hostTag()}-${process.pid}-${
    randomBytes(4).toString("hex")
  }-${clipName(basename(target))}`;
  const temp = join(dir, name);
  trackTempFile(temp);
  return temp;
}

/**
 * `name` cut to at most 100 bytes of UTF-8, never inside a character: a
 * temporary's prefix plus a valid name (up to 255 bytes) may be too long.
 */
export function clipName(name: string): string {
  let clipped = "";
  let size = 0;
  for (const char of name) {
    size += Buffer.byteLength(char);
    if (size > 100) break;
    clipped += char;
  }
  return clipped;
}

/**
 * Removes the temporaries in `dir` of dead processes on this host, and
 * ancient ones; once per directory and run.
 */
export function sweepAbandoned(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const dead = goneRunHere(match[1], Number(match[2]));
      const old = Date.now() - lstatSync(path).mtimeMs > ABANDONED_MS;
      if (dead || old) removeTree(path);
    } catch {
      // Another run may be sweeping too, or the directory is read-only.
    }
  }
}
