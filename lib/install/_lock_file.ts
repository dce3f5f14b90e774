/**
 * Lock files of runs, created exclusively, whole (written under a draft
 * name, then linked into place), and holding `pid host start namespace`
 * (`start` is the process's start time from /proc, so a pid reused after a
 * container restart is not taken for the owner; `namespace` the PID
 * namespace the pid belongs to). A lock left by a killed run on this
 * host (its process is gone) is taken over; one from another host, or from
 * another PID namespace of this one (a container sharing the host's name),
 * is not, since its process cannot be checked from here.
 */
import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { removeTempFile, trackTempFile } from "../fetch/temp_files.ts";
import { pidNamespace, processExists, procStat } from "../process_exists.ts";
import { readPlainFile, SpecialFileError } from "../read_file.ts";

/**
 * Errors of a file system refusing writes (read-only, full, no access): a
 * run goes on without what it would have written beside the database.
 */
export const REFUSALS = new Set([
  "EROFS",
  "ENOSPC",
  "EDQUOT",
  "EACCES",
  "EPERM",
]);

/**
 * An empty lock older than this was left between its creation and write,
 * where the file system has no hard links and locks are created in place.
 */
const EMPTY_STALE_MS = 60_000;

/** A lock taken: calling it releases the lock. */
export type Release = (() => void) & {
  /**
   * A killed run's lock was found on the way: what it guarded may be half
   * done.
   */
  readonly tookOver: boolean;
};

/** The live run holding a lock; `pid` is empty while it writes the file. */
export interface LockHolder {
  pid: string;
  host: string;
  /** On this host (an empty lock counts as such). */
  here: boolean;
  /** On a host of the same name, in another PID namespace. */
  otherNamespace: boolean;
}

/**
 * The error for a lock `path` held by a run on another host, whose process
 * cannot be checked from here: `doing` says what that run is doing.
 */
export function heldElsewhere(
  { pid, host, otherNamespace }: LockHolder,
  doing: string,
  path: string,
): UserError {
  const where = otherNamespace ? " in another PID namespace" : "";
  // A damaged lock may name a process but no host, or hold anything.
  return new UserError(oneLine(
    `A buildout run on ${host || "an unknown host"} (process ${pid}${where}) ` +
      `is ${doing}; remove ${path} if it has ended`,
  ));
}

/**
 * Takes the lock file `path` for this run: returns the function releasing
 * it (the lock also goes when the run ends, however it ends, except by
 * SIGKILL, after which the next run takes it over), or the run holding it.
 * A run that cannot write there gets a release doing nothing, unless a
 * live run holds the lock.
 *
 * ```ts
 * const taken = takeLock("/srv/app/.installed.cfg.lock");
 * if (typeof taken !== "function") throw new Error(`held by ${taken.pid}`);
 * ```
 * @throws {UserError} when the lock file cannot be created, or keeps
 *   changing.
 */
export function takeLock(path: string): Release | LockHolder {
  const host = hostname();
  const start = startTime(process.pid);
  const content = `${process.pid} ${host} ${start} ${pidNamespace()}\n`;
  sweepDrafts(path, host);
  let tookOver = false;
  // Three tries: a stale lock removed here may be taken by another run first.
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = create(path, content, draftName(path, host));
    if (created === "created") {
      trackTempFile(path);
      return Object.assign(() => removeTempFile(path), { tookOver });
    }
    const owner = read(path);
    const stale = owner !== undefined && isStale(path, owner, host);
    // A run that may not write the directory may still write what the lock
    // guards (its own .installed.cfg in a directory root hardened): only a
    // live run's lock stops it.
    if (created === "refused" && (owner === undefined || stale)) {
      return Object.assign(() => {}, { tookOver });
    }
    if (owner === undefined) continue;
    if (!stale) {
      const [pid = "", ownerHost = ""] = owner.trim().split(" ");
      const local = ownerHost === host;
      const sameNamespace = inNamespace(owner);
      return {
        pid,
        host: ownerHost,
        here: !pid || (local && sameNamespace),
        otherNamespace: local && !sameNamespace,
      };
    }
    // Whoever removes it: the run taking the lock next must know.
    tookOver = true;
    // Removed only if still the same dead owner's, not a new run's.
    if (read(path) === owner) removeTempFile(path);
  }
  throw new UserError(`Couldn't lock ${clipped(path)}: it keeps changing`);
}

type Created = "created" | "exists" | "refused";

/**
 * Link errors of file systems without hard links (FAT, some FUSE and
 * network file systems): the lock is then created in place.
 */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * What the drafts of `path` by runs on this host and in this PID namespace
 * are named, before the pid: `path.HOST.NAMESPACE.`.
 */
function draftPrefix(path: string, host: string): string {
  return `${path}.${host}.${pidNamespace().replace(/\D/g, "") || "-"}.`;
}

/** The draft of this run's lock: a name no other live process uses. */
function draftName(path: string, host: string): string {
  return draftPrefix(path, host) + process.pid;
}

/**
 * Removes the drafts of `path` that runs here left when killed between
 * writing one and linking it (their process is gone).
 */
function sweepDrafts(path: string, host: string): void {
  const prefix = basename(draftPrefix(path, host));
  let names;
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = name.slice(prefix.length);
    if (/^\d+$/.test(pid) && !processExists(Number(pid))) {
      removeTempFile(join(dirname(path), name));
    }
  }
}

/**
 * Creates `path` holding `content`: "exists" when it already exists,
 * "refused" (and nothing left) when the file system refuses the write.
 * The content is written to `draft` and linked into place, so the lock
 * never exists empty: a run killed between creating it and writing its
 * pid would leave a lock naming no process to check.
 */
function create(path: string, content: string, draft: string): Created {
  // One of this pid is a dead process's: this run holds the pid now.
  removeTempFile(draft);
  // Errors name the lock: the draft's name means nothing to a user.
  const written = createInPlace(draft, content, path);
  if (written !== "created") return written;
  trackTempFile(draft);
  try {
    linkSync(draft, path);
    return "created";
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (code === "EEXIST") return "exists";
    if (NO_LINKS.has(code)) return createInPlace(path, content);
    if (REFUSALS.has(code)) return "refused";
    throw new UserError(
      `Couldn't create ${clipped(path)}: ${oneLine(fsReason(err))}`,
    );
  } finally {
    removeTempFile(draft);
  }
}

/**
 * Creates `path` holding `content` with one exclusive open; errors name
 * `shown`.
 */
function createInPlace(
  path: string,
  content: string,
  shown: string = path,
): Created {
  let fd;
  try {
    fd = openSync(path, "wx");
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (code === "EEXIST") return "exists";
    if (REFUSALS.has(code)) return "refused";
    throw new UserError(
      `Couldn't create ${clipped(shown)}: ${oneLine(fsReason(err))}`,
    );
  }
  try {
    writeSync(fd, content);
  } catch (err) {
    closeSync(fd);
    removeTempFile(path);
    if (REFUSALS.has((err as { code?: string }).code ?? "")) return "refused";
    throw new UserError(
      `Couldn't write ${clipped(shown)}: ${oneLine(fsReason(err))}`,
    );
  }
  closeSync(fd);
  return "created";
}

/**
 * The lock's content; undefined when it is gone.
 *
 * @throws {UserError} for a device, FIFO or socket in its place: no run
 *   made it, and none can remove it as a lock of its own.
 */
function read(path: string): string | undefined {
  try {
    return readPlainFile(path, "utf8");
  } catch (err) {
    if (err instanceof SpecialFileError) {
      throw new UserError(`Couldn't lock ${clipped(path)}: ${err.message}`);
    }
    return undefined;
  }
}

function isStale(path: string, owner: string, host: string): boolean {
  const [pid, ownerHost, start] = owner.trim().split(" ");
  if (!pid) {
    const stat = statSync(path, { throwIfNoEntry: false });
    // Either way: after the clock was set back, a lock left earlier has a
    // time in the future.
    return !stat || Math.abs(Date.now() - stat.mtimeMs) > EMPTY_STALE_MS;
  }
  return ownerHost === host && inNamespace(owner) &&
    !processAlive(Number(pid), start);
}

/**
 * Whether the lock's pid is one of this PID namespace; a lock written
 * before namespaces were recorded is taken for one.
 */
function inNamespace(owner: string): boolean {
  const namespace = owner.trim().split(" ")[3];
  return namespace === undefined || namespace === pidNamespace();
}

function processAlive(pid: number, start: string | undefined): boolean {
  // This run does not hold the lock yet: a same pid is an earlier process's.
  if (pid === process.pid) return false;
  if (!processExists(pid)) return false;
  if (!start || start === "-") return true;
  // "-": a /proc mounted with hidepid=2 hides another user's processes,
  // which kill() still finds: the owner may well be that live run.
  const now = startTime(pid);
  return now === "-" || now === start;
}

/** Field 22 of /proc/PID/stat, or "-" where there is no /proc. */
function startTime(pid: number): string {
  return procStat(pid)?.[19] ?? "-";
}
