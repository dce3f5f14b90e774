/**
 * Temporaries in the system temp directory: downloads handed to recipes,
 * build directories. That directory is the first usable one of TMPDIR, TEMP,
 * TMP, /tmp, /var/tmp, /usr/tmp and the current directory (the buildout's,
 * while recipes run), as Python's `tempfile`, which zc.buildout uses, picks
 * it: a container without a writable /tmp still builds. Each is leased by a symlink
 * `.buildout-lease-HOST-PID-RANDOM` naming it, which the run removes when
 * it ends. A run killed with SIGKILL cannot, so the next run that makes a
 * temporary there removes the leases of gone processes of this host and
 * user together with what they name: a killed download or build is large,
 * and nothing else would ever remove it. A directory a recipe keeps on
 * purpose (a failed build, for inspection) outlives its lease and stays.
 */
import {
  closeSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { UserError } from "../errors.ts";
import { removeTree } from "../remove_tree.ts";
import { randomBytes } from "../lazy_crypto.ts";
import { clipName, goneRunHere, hostTag } from "./hidden_temp.ts";
import { trackTempFile } from "./temp_files.ts";

const LEASE_PREFIX = ".buildout-lease-";
const LEASE_PATTERN = /^\.buildout-lease-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$/;
const swept = new Set<string>();
let root: string | undefined;

/**
 * The system temp directory (see the module documentation), chosen on
 * first use: the first candidate where a file can be created and written.
 *
 * @throws {UserError} when no candidate is usable.
 */
export function systemTempRoot(): string {
  if (root === undefined) root = usableRoot();
  return root;
}

function usableRoot(): string {
  const candidates: string[] = [];
  for (const name of ["TMPDIR", "TEMP", "TMP"]) {
    const value = process.env[name];
    if (value) candidates.push(value);
  }
  candidates.push("/tmp", "/var/tmp", "/usr/tmp", process.cwd());
  const tried: string[] = [];
  for (const candidate of candidates) {
    const dir = resolve(candidate);
    const probe = join(
      dir,
      `.buildout-probe-${randomBytes(4).toString("hex")}`,
    );
    try {
      const fd = openSync(probe, "wx", 0o600);
      try {
        // A full file system takes the file but not its contents.
        writeSync(fd, "blat");
      } finally {
        closeSync(fd);
        unlinkSync(probe);
      }
      return dir;
    } catch {
      tried.push(dir);
    }
  }
  throw new UserError(
    `No usable temporary directory found in ${tried.join(", ")}`,
  );
}

/**
 * A new temporary file path `buildout-XXXXXXXX-name` in the system temp
 * directory (not created; `name` clipped to 100 bytes), leased and
 * registered for removal when the run ends.
 *
 * @example systemTempFile("foo.txt") // "/tmp/buildout-0f1e2d3c-foo.txt"
 */
export function systemTempFile(name: string): string {
  const temp = join(
    systemTempRoot(),
    `buildout-${randomBytes(4).toString("hex")}${
      name ? "-" + clipName(name) : ""
    }`,
  );
  lease(temp);
  trackTempFile(temp);
  return temp;
}

/**
 * A new private directory `prefix`XXXXXX in the system temp directory,
 * leased for this run; the caller removes it, or keeps it on purpose.
 *
 * @throws {UserError} when no temp directory is usable; the file-system
 *   error of `mkdtemp`.
 */
export function systemTempDirectory(prefix: string): string {
  const dir = mkdtempSync(join(systemTempRoot(), prefix));
  lease(dir);
  return dir;
}

/** Leases `path` (in the system temp directory) for this run. */
function lease(path: string): void {
  // Absolute: TMPDIR may be relative, and a link's target is read from its
  // own directory.
  path = resolve(path);
  const dir = dirname(path);
  sweepLeases(dir);
  const link = join(
    dir,
    `${LEASE_PREFIX}${hostTag()}-${process.pid}-${
      randomBytes(4).toString("hex")
    }`,
  );
  try {
    symlinkSync(path, link);
  } catch {
    // No lease (a file system without symlinks): the temporary is removed
    // as before when the run ends, only not after a SIGKILL.
    return;
  }
  trackTempFile(link);
}

/**
 * Removes, once per run, the leases in `dir` of gone processes of this
 * host and user, and the temporaries in `dir` they name.
 */
function sweepLeases(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(LEASE_PREFIX));
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const match = LEASE_PATTERN.exec(name);
    if (!match || !goneRunHere(match[1], Number(match[2]))) continue;
    const link = join(dir, name);
    try {
      const stat = lstatSync(link);
      if (!stat.isSymbolicLink() || (uid !== undefined && stat.uid !== uid)) {
        continue;
      }
      const target = readlinkSync(link);
      // Only what a lease can name: a temporary beside it.
      if (
        dirname(target) === dir &&
        target.slice(dir.length + 1).startsWith("buildout-")
      ) {
        removeTree(target);
      }
      unlinkSync(link);
    } catch {
      // Another run may be sweeping too; what is left waits for the next.
    }
  }
}
