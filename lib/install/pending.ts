/**
 * What the part being installed has created so far, on disk beside the
 * installation database (`.installed.cfg.pending`), so that a run killed
 * before the part's record was written (SIGKILL, power loss) does not leave
 * those files to block the next run ("Target ... already exists"): that
 * run removes them before anything else, as a failed install's are.
 *
 * One line per entry, each a JSON value: the part's name, then each path
 * a recipe registered with `options.created()`, relative to the buildout
 * directory when inside it: a relocatable buildout moved or copied after
 * the kill then removes its own files, not those of the directory it was
 * in (where the original may have been installed since). The file is
 * written only when a recipe registers a path, so parts that register none
 * (and every no-op update) cost nothing, and it is removed once the part's
 * record is saved or its failure handled. It is never read or written
 * through a symbolic link: one planted in its place is not the journal.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import {
  fsReason,
  oneLine,
  refusedByFileSystem,
  UserError,
} from "../errors.ts";
import { REFUSALS } from "./_lock_file.ts";
import { removePath } from "../remove_path.ts";
import { specialKind } from "../fs_kinds.ts";
import { SpecialFileError } from "../read_file.ts";

/** The journal of the database `installed` (its file name plus this). */
export const PENDING_SUFFIX = ".pending";

// Opening refuses a symbolic link (ELOOP) rather than follow it, and
// does not wait for a writer to a FIFO planted there.
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT |
  constants.O_NOFOLLOW;
const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What an interrupted run's journal says. */
export interface Interrupted {
  part: string;
  paths: string[];
}

/**
 * The journal of one run; disabled when there is no database. A file
 * system refusing it leaves the run without it, as without its lock: a
 * read-only buildout directory still updates parts writing elsewhere, and
 * failing there would uninstall the part, removing its files.
 */
export class PendingPaths {
  /** The part whose paths the file holds, once written for it. */
  private written?: string;
  /** The file system refused a write: no journal for this run. */
  private refused = false;

  constructor(
    readonly path: string | undefined,
    private readonly directory: string,
  ) {}

  /**
   * Adds `paths`, which part `part` has just registered, before the recipe
   * goes on.
   *
   * @throws {UserError} when the write fails other than by a refusal.
   */
  add(part: string, paths: string[]): void {
    if (this.path === undefined || this.refused || !paths.length) return;
    let text = this.written === part ? "" : JSON.stringify(part) + "\n";
    for (const path of paths) {
      text += JSON.stringify(this.inDirectory(path)) + "\n";
    }
    try {
      // A new part's first paths replace what a previous part left, in a
      // file created anew.
      if (this.written !== part) removePath(this.path, { force: true });
      const fd = openSync(this.path, APPEND, 0o644);
      try {
        writeFileSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if (REFUSALS.has((err as { code?: string }).code ?? "")) {
        this.refused = true;
        // A full disk creates the file, then refuses its first line: an
        // empty journal would outlive a run that succeeds.
        if (this.written !== part) this.clear();
        return;
      }
      throw new UserError(
        refusedByFileSystem(err) ??
          `Couldn't write ${oneLine(this.path)}: ${oneLine(fsReason(err))}`,
      );
    }
    this.written = part;
  }

  /** `path` relative to the buildout directory when inside it. */
  private inDirectory(path: string): string {
    const inside = relative(this.directory, resolve(this.directory, path));
    const outside = inside === "" || inside === ".." ||
      inside.startsWith("../") || isAbsolute(inside);
    return outside ? path : inside;
  }

  /** Forgets the part in progress: its record is saved or it failed. */
  done(): void {
    if (this.written === undefined) return;
    this.clear();
    this.written = undefined;
  }

  /**
   * What the journal an interrupted run left says, if there is one. A line
   * cut short by the kill, or anything that is not a JSON string, ends it.
   */
  left(): Interrupted | undefined {
    if (this.path === undefined) return undefined;
    let text: string;
    try {
      const fd = openSync(this.path, READ);
      try {
        const special = specialKind(fstatSync(fd));
        if (special) throw new SpecialFileError(special);
        text = readFileSync(fd, "utf8");
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ELOOP") return undefined;
      throw new UserError(
        refusedByFileSystem(err) ??
          `Couldn't read ${oneLine(this.path)}: ${oneLine(fsReason(err))}`,
      );
    }
    return parse(text);
  }

  /**
   * Removes the journal; one a read-only directory keeps is acted on again
   * by the next run, which finds nothing left to remove.
   */
  clear(): void {
    if (this.path === undefined) return;
    try {
      removePath(this.path, { force: true });
    } catch (err) {
      if (!REFUSALS.has((err as { code?: string }).code ?? "")) throw err;
    }
  }
}

/** The part and paths of a journal's text. */
function parse(text: string): Interrupted {
  const values: string[] = [];
  for (const line of text.split("\n").slice(0, -1)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      break;
    }
    if (typeof value !== "string") break;
    values.push(value);
  }
  const [part = "", ...paths] = values;
  return { part, paths };
}
