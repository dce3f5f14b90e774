/**
 * The installation database (`.installed.cfg` by default): which parts are
 * installed, with the options they were installed with, the paths to remove
 * on uninstall (`__buildout_installed__`) and their recipe's signature
 * (`__buildout_signature__`), in zc.buildout's format.
 *
 * It is brought up to date after every part whose record changed, so an
 * interrupted run loses only the part in progress, in one of two ways:
 * - a new part, or an uninstalled one, is appended: its section and a new
 *   `[buildout]` section with the `parts` list, in one write at the end of
 *   the file, as zc.buildout itself appends its `[buildout]` updates.
 *   Readers merge repeated sections (the last `parts` wins), and the reader
 *   here ignores a last line left unterminated by a crash during the write,
 *   so a first install costs a part's own size and the `parts` list per
 *   part, not the file's. As those lists add up to the square of the number
 *   of parts, the file is rewritten once they outweigh it 16 times (and
 *   16 MiB): 20,000 parts appended 1.4 GB otherwise. An append refused
 *   for room (`ulimit -f`, a full disk) is made a rewrite, which may fit;
 * - any other change rewrites the file atomically (write a temporary file,
 *   then rename), as does the end of every run that changed anything, which
 *   leaves the file in zc.buildout's plain format. In a directory the user
 *   may not write, the file is rewritten in place, as zc.buildout does,
 *   never left holding part of a text.
 *
 * As zc.buildout writes the file in place, a link to it is written through
 * (a link only root, the user running or the buildout directory's owner
 * owns: see trusted_links.ts) and a rewrite keeps the file's mode and owner.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  renameSync,
  type Stats,
  statSync,
  writeFileSync,
  writeSync,
  writevSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import { formatSection } from "../config/serialize.ts";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { readDatabaseText } from "./_database_text.ts";
import { pyRepr } from "../pyrepr.ts";
import { readPlainFile } from "../read_file.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
import { hiddenTemp } from "../fetch/hidden_temp.ts";
import { APPEND_RESOLVED, trustedFile } from "../trusted_links.ts";
import { removePath } from "../remove_path.ts";
import type { OptionValues } from "../option_values.ts";
import { words } from "../words.ts";

/**
 * Options as saved: each value exactly as the part had it; read from the
 * file into the lighter OptionValues.
 */
export type SavedOptions = Map<string, string> | OptionValues;

/** The key of the paths a part installed, one per line. */
export const INSTALLED = "__buildout_installed__";
/** The key of the recipe signature. */
export const SIGNATURE = "__buildout_signature__";

const SPACEY: Array<[string, string]> = [
  ["%(__buildout_space__)s", " "],
  ["%(__buildout_space_n__)s", "\n"],
  ["%(__buildout_space_r__)s", "\r"],
  ["%(__buildout_space_f__)s", "\f"],
  ["%(__buildout_space_v__)s", "\v"],
];

/** True when both hold the same options with the same values. */
function sameOptions(a: SavedOptions, b: SavedOptions): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

// A space zc.buildout has no name for, as config/serialize.ts spells it.
const CODED_SPACE = /%\(__buildout_space_u([0-9a-f]{4})__\)s/g;

function unquote(value: string): string {
  if (!value.includes("%(")) return value;
  for (const [quoted, space] of SPACEY) value = value.replaceAll(quoted, space);
  return value.replace(
    CODED_SPACE,
    (_, code) => String.fromCharCode(parseInt(code, 16)),
  );
}

/**
 * Where the buildout is, and whether the database records that place
 * (`relative-paths = true`), so a moved or copied buildout reads its
 * records as its own.
 */
export interface DatabaseLocation {
  directory: string;
  relocatable: boolean;
}

/**
 * Rewrites `from` as `to` in `value`: the directory itself or a path below
 * it, not `/dir2` or `/dir.old`, nor `/mnt/backup/dir`, which only ends
 * like it (uninstalling that would remove another path). A path starts a
 * value, a word or a list item, or follows `=`, a quote, a URL's `://`
 * or a joined compiler flag (`-I`, `-L`, `-isystem`): options such as
 * `CPPFLAGS=-I${buildout:directory}/include` would otherwise differ after a
 * move, and the part be built again.
 */
function relocate(from: string, to: string): (value: string) => string {
  const pattern = new RegExp(
    "(?<=^|[\\s:;,=\"'(]|://|(?:^|[\\s,=\"'])-[A-Za-z]+)" +
      from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?![\\w.-])",
    "g",
  );
  return (value) => value.includes(from) ? value.replace(pattern, to) : value;
}

/** The database of one buildout; `path` empty means none is kept. */
export class InstallDatabase {
  /** Installed parts, in installation order (a Set keeps insertion order). */
  private readonly order = new Set<string>();
  private developLinks = "";
  private readonly sections = new Map<string, SavedOptions>();
  /** Each part's formatted section, kept while its record is unchanged. */
  private readonly texts = new Map<string, string>();
  /** The `parts` value now, kept up to date while parts are appended. */
  private orderText?: string;
  /** The same, as the appended `[buildout]` section puts it. */
  private partsLine?: PartsLine;

  // What the file holds, to decide how to bring it up to date.
  /** Sections present in the file, stale ones included. */
  private fileSections = new Set<string>();
  /** The file has no appended sections. */
  private compact = true;
  /** The file ends with a newline, so a piece can be appended to it. */
  private appendable = true;
  /** The bytes appended to the file since it was last written whole. */
  private appended = 0;
  /** The file's size when last written whole (or read). */
  private plainSize = 0;
  /** The `installed_develop_eggs` value in the file. */
  private writtenLinks = "";
  /** The last `parts` value in the file. */
  private writtenOrder = "";
  /** A record was added, changed or removed since the file was written. */
  private recordsChanged = false;
  /** Parts recorded since then whose sections the file lacks. */
  private readonly unwritten = new Set<string>();
  /** A record the file holds changed: only a rewrite can replace it. */
  private rewriteNeeded = false;

  /** The buildout directory the file records, when relocatable. */
  private readonly recordedDirectory?: string;
  /** The buildout directory: its owner's links to the file are followed. */
  private readonly directory?: string;
  /** The file written, links resolved; found at the first write. */
  private target?: string;

  private constructor(
    readonly path: string,
    public exists: boolean,
    location?: DatabaseLocation,
  ) {
    this.directory = location?.directory;
    if (location?.relocatable) this.recordedDirectory = location.directory;
  }

  /**
   * Reads the database at `path`; an absent file (or empty `path`) is an
   * empty database.
   *
   * @throws {UserError} when the file cannot be read, or cannot be parsed
   *   or lacks what zc.buildout writes, explaining how to recover.
   */
  static read(path: string, location?: DatabaseLocation): InstallDatabase {
    if (!path || !existsSync(path)) {
      return new InstallDatabase(path, false, location);
    }
    const db = new InstallDatabase(path, true, location);
    const corrupt = (detail: string) =>
      new UserError(
        `The installation database ${oneLine(path)} is corrupt: ${
          oneLine(detail)
        }. ` +
          "Buildout cannot tell which parts are installed, so it changed nothing. " +
          "Restore the file, or move it away to reinstall every part " +
          "(the old parts' files are then left in place), and run buildout again.",
      );
    let bytes;
    try {
      bytes = readPlainFile(path);
    } catch (err) {
      // A directory in its place, say: the machine's state, not a bug.
      throw new UserError(`Couldn't read ${pyRepr(path)}: ${fsReason(err)}`);
    }
    let sections;
    try {
      sections = readDatabaseText(bytes, path);
    } catch (err) {
      if (err instanceof UserError) throw corrupt(err.message);
      throw err;
    }
    const main = sections.get("buildout");
    if (!main) throw corrupt("it has no [buildout] section");
    // zc.buildout stops on it too (Missing option: buildout:parts): taken
    // for "nothing installed", every part would be installed again
    if (!main.has("parts")) {
      throw corrupt("its [buildout] section has no parts option");
    }
    // A relocatable buildout that moved: its records, written where it
    // was, name the new place.
    const was = main.get("directory");
    const here = location && was && was !== location.directory
      ? relocate(was, location.directory)
      : undefined;
    // Moved, or `relative-paths` turned on or off: rewritten at once to
    // record the place (or not), so a copy made after this run does not
    // take the original's parts for its own stale ones and uninstall them.
    if (was !== db.recordedDirectory) {
      db.rewriteNeeded = db.recordsChanged = true;
    }
    db.developLinks = unquote(main.get("installed_develop_eggs") ?? "");
    if (here) db.developLinks = here(db.developLinks);
    const parts = words(unquote(main.get("parts") ?? ""));
    // Values change only when quoted or relocated: most files need no pass.
    const rewrite = here !== undefined || bytes.includes("%(");
    for (const part of parts) {
      if (db.order.has(part)) continue;
      const section = sections.get(part);
      if (!section) {
        throw corrupt(
          `the installed part ${clipped(part)} has no section`,
        );
      }
      if (rewrite) {
        for (const [key, value] of section) {
          const local = here ? here(unquote(value)) : unquote(value);
          if (local !== value) section.set(key, local);
        }
      }
      if (!section.has(INSTALLED)) {
        throw corrupt(
          `the section [${clipped(part)}] has no ${INSTALLED} option`,
        );
      }
      if (!section.has("recipe")) {
        throw corrupt(`the section [${clipped(part)}] has no recipe option`);
      }
      db.sections.set(part, section);
      db.order.add(part);
    }
    db.fileSections = new Set(sections.keys());
    db.compact = !bytes.includes("\n[buildout]\n");
    db.appendable = bytes.at(-1) === 0x0a;
    db.plainSize = bytes.length;
    db.writtenLinks = db.developLinks;
    db.writtenOrder = db.partsValue();
    return db;
  }

  /** Installed parts, in installation order. */
  get parts(): string[] {
    return [...this.order];
  }

  /** True when `part` is installed. */
  has(part: string): boolean {
    return this.order.has(part);
  }

  /** The saved options of an installed part. */
  get(part: string): SavedOptions | undefined {
    return this.sections.get(part);
  }

  /** `installed_develop_eggs`: the develop links of the last run. */
  get developEggs(): string {
    return this.developLinks;
  }

  set developEggs(links: string) {
    if (links !== this.developLinks) this.recordsChanged = true;
    this.developLinks = links;
  }

  /** Records `part` as installed with `options`, last in order. */
  record(part: string, options: SavedOptions): void {
    const old = this.sections.get(part);
    if (old) {
      this.order.delete(part);
      this.orderText = this.partsLine = undefined;
    } else if (this.orderText !== undefined) {
      this.orderText += this.orderText ? " " + part : part;
      this.partsLine?.add(part);
    }
    this.order.add(part);
    if (old && sameOptions(old, options)) return;
    this.sections.set(part, options);
    this.texts.delete(part);
    this.recordsChanged = true;
    // An appended section would merge with the one the file holds.
    if (this.fileSections.has(part)) this.rewriteNeeded = true;
    else this.unwritten.add(part);
  }

  /** Forgets `part` (after it was uninstalled). */
  forget(part: string): void {
    if (!this.sections.delete(part)) return;
    this.order.delete(part);
    this.dropFromOrder(part);
    this.texts.delete(part);
    this.unwritten.delete(part);
    this.recordsChanged = true;
  }

  /**
   * Takes `part` off the kept `parts` value: in place when it is the last
   * one, as parts are uninstalled last installed first (building the list
   * anew for each of thousands made uninstalling them quadratic), else
   * the list is built again when next needed.
   */
  private dropFromOrder(part: string): void {
    const text = this.orderText;
    // Part names hold no white space: a last word equal to `part` is it.
    if (text !== undefined && (text === part || text.endsWith(" " + part))) {
      this.orderText = text.slice(
        0,
        Math.max(0, text.length - part.length - 1),
      );
      this.partsLine?.removeLast(part);
    } else {
      this.orderText = this.partsLine = undefined;
    }
  }

  /** The file's text, as zc.buildout writes it. */
  format(): string {
    const main: Array<[string, string]> = [["parts", this.partsValue()]];
    if (this.recordedDirectory) {
      main.push(["directory", this.recordedDirectory]);
    }
    if (this.developLinks) {
      main.push(["installed_develop_eggs", this.developLinks]);
    }
    const blocks = [formatSection("buildout", main)];
    for (const part of this.order) blocks.push(this.text(part));
    return blocks.join("\n");
  }

  /**
   * Brings the file up to date when a record was added, changed or removed
   * since it was read or last written; by an append when that suffices. A
   * change of order alone waits for {@link save}: every record on disk is
   * then still true, and a no-op run writes nothing.
   */
  saveRecords(): void {
    if (!this.recordsChanged) return;
    const appendable = this.exists && this.appendable &&
      !this.rewriteNeeded && this.developLinks === this.writtenLinks &&
      this.appended <= Math.max(16 * this.plainSize, APPENDED_BYTES);
    // The file rewritten drops the repeated `parts` lists: it may fit where
    // the append did not (a file-size limit, a nearly full disk).
    if (!appendable || !this.append()) this.rewrite();
  }

  /**
   * Rewrites the file in the plain format when it differs from the
   * records or holds appended pieces.
   */
  save(): void {
    if (
      this.recordsChanged || !this.compact ||
      this.partsValue() !== this.writtenOrder
    ) {
      this.rewrite();
    }
  }

  /** Deletes the file (a buildout without parts keeps none). */
  remove(): void {
    if (this.path) removePath(this.path, { force: true });
    this.exists = false;
  }

  /** The `parts` option: the part names in order, space-separated. */
  private partsValue(): string {
    this.orderText ??= this.parts.join(" ");
    return this.orderText;
  }

  /** The formatted section of a recorded part. */
  private text(part: string): string {
    let text = this.texts.get(part);
    if (text === undefined) {
      text = formatSection(part, this.sections.get(part)!);
      this.texts.set(part, text);
    }
    return text;
  }

  /**
   * The file to write: `path` with links resolved, followed only when a
   * trusted user owns them, so a run writes nowhere a link planted by
   * someone else points.
   *
   * @throws {UntrustedLink} for a link another user owns on the way.
   */
  private realPath(): string {
    this.target ??= trustedFile(this.path, this.directory);
    return this.target;
  }

  private rewrite(): void {
    if (this.path) {
      const target = this.realPath();
      // A hidden temporary: those of runs killed while writing are swept.
      const temp = hiddenTemp(target);
      const text = this.format();
      const old = existingFile(target);
      let made = false;
      try {
        // Never more open than the file it replaces, even while written: a
        // database made private may hold passwords.
        writeFileSync(temp, text, { mode: old ? old.mode & 0o777 : 0o666 });
        made = true;
        if (old) keepModeAndOwner(old, temp);
        renameSync(temp, target);
        untrackTempFile(temp);
      } catch (err) {
        removeTempFile(temp);
        // A directory the user may not write, holding a file they may: as
        // zc.buildout writes the file in place, so does this.
        const code = (err as { code?: string }).code;
        if (made || (code !== "EACCES" && code !== "EPERM")) {
          throw this.writeError(err);
        }
        let written;
        try {
          written = rewriteInPlace(target, Buffer.from(text));
        } catch (inPlace) {
          throw this.writeError(inPlace);
        }
        if (!written) throw this.writeError(err);
      }
      this.exists = true;
      this.plainSize = Buffer.byteLength(text);
      this.appended = 0;
      // Only a file holds sections: without one, every part's save would
      // copy the whole list.
      this.fileSections = new Set(this.order);
    }
    this.compact = true;
    this.appendable = true;
    this.rewriteNeeded = false;
    this.written();
  }

  /**
   * Appends the sections of new parts and the `parts` list in one write;
   * if the write fails, the file is cut back to its previous end. False
   * when there was no room for it (see {@link NO_ROOM}).
   *
   * @throws {UserError} when the write failed otherwise.
   */
  private append(): boolean {
    let piece = "";
    for (const part of this.unwritten) piece += "\n" + this.text(part);
    this.partsLine ??= new PartsLine(this.partsValue());
    const pieces = [Buffer.from(piece + "\n"), this.partsLine.bytes, NEWLINE];
    const length = pieces[0].length + pieces[1].length + 1;
    let fd: number;
    try {
      fd = openSync(this.realPath(), APPEND_RESOLVED);
    } catch (err) {
      throw this.writeError(err);
    }
    try {
      const end = fstatSync(fd).size;
      try {
        const written = writevSync(fd, pieces);
        // A write cut short by a full disk: the rest is tried, which says so.
        if (written !== length) {
          writeAll(fd, Buffer.concat(pieces).subarray(written), end + written);
        }
        this.appended += length;
      } catch (err) {
        ftruncateSync(fd, end);
        if (NO_ROOM.has((err as { code?: string }).code ?? "")) return false;
        throw this.writeError(err);
      }
    } finally {
      closeSync(fd);
    }
    for (const part of this.unwritten) this.fileSections.add(part);
    this.compact = false;
    this.written();
    return true;
  }

  private writeError(err: unknown): UserError {
    if (err instanceof UserError) return err;
    return new UserError(
      `Couldn't write ${pyRepr(this.path)}: ${fsReason(err)}`,
    );
  }

  private written(): void {
    this.unwritten.clear();
    this.recordsChanged = false;
    this.writtenLinks = this.developLinks;
    this.writtenOrder = this.partsValue();
  }
}

const NEWLINE = Buffer.from("\n");

/** Errors of a file that may not grow: `ulimit -f`, a full disk, a quota. */
const NO_ROOM = new Set(["EFBIG", "ENOSPC", "EDQUOT"]);

/** Appended bytes any file may hold before it is rewritten; see above. */
const APPENDED_BYTES = 2 ** 24;

/**
 * A `[buildout]` section holding the `parts` list, as bytes grown in place
 * as parts are added: each append writes the whole list, and building it
 * anew every time made a first install of n parts allocate n² bytes.
 */
class PartsLine {
  private buffer: Buffer;
  private length: number;
  private empty: boolean;
  /** The length of the section up to the first part name. */
  private readonly start: number;

  constructor(parts: string) {
    const text = Buffer.from(formatSection("buildout", [["parts", parts]]));
    // Without the newline that ends the section, so names can follow.
    this.length = text.length - 1;
    this.start = this.length - Buffer.byteLength(parts);
    this.buffer = Buffer.allocUnsafe(Math.max(2 * this.length, 256));
    text.copy(this.buffer, 0, 0, this.length);
    this.empty = parts === "";
  }

  /** The section, less its final newline. */
  get bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  add(part: string): void {
    const needed = this.length + 1 + Buffer.byteLength(part);
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(2 * needed);
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (!this.empty) this.buffer[this.length++] = 0x20;
    this.length += this.buffer.write(part, this.length);
    this.empty = false;
  }

  /** Takes off the last part name, which is `part`. */
  removeLast(part: string): void {
    this.length -= Buffer.byteLength(part);
    if (this.length > this.start) this.length--;
    else this.empty = true;
  }
}

/**
 * Replaces the contents of `target` with `bytes`, in place; false when it
 * cannot be opened for writing. Newlines (which a reader skips) first make
 * it as long as both texts, so a full disk refuses before anything is
 * overwritten, then the new text and newlines overwrite it in one write,
 * and it is cut to `bytes` last: a killed run leaves either text whole.
 */
function rewriteInPlace(target: string, bytes: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const end = fstatSync(fd).size;
    if (bytes.length > end) {
      try {
        writeAll(fd, Buffer.alloc(bytes.length - end, 0x0a), end);
      } catch (err) {
        ftruncateSync(fd, end);
        throw err;
      }
    }
    const padded = Buffer.alloc(Math.max(end, bytes.length), 0x0a);
    bytes.copy(padded);
    writeAll(fd, padded, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Writes all of `bytes` at `position`. */
function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  }
}

/** The status of the file at `path`; undefined for anything else. */
function existingFile(path: string): Stats | undefined {
  try {
    const found = lstatSync(path);
    return found.isFile() ? found : undefined;
  } catch {
    // Missing, or not to be reached: the write says which.
    return undefined;
  }
}

/**
 * Gives `temp` the mode and owner `old` of the file it replaces, as far
 * as the user running may: zc.buildout rewrites the file in place, so a
 * database made private (it may hold passwords) or shared with a group
 * stays so.
 */
function keepModeAndOwner(old: Stats, temp: string): void {
  const now = statSync(temp);
  if (old.uid !== now.uid || old.gid !== now.gid) {
    try {
      chownSync(temp, old.uid, old.gid);
    } catch {
      try {
        // Not root: the group still, when the user is in it.
        chownSync(temp, -1, old.gid);
      } catch {
        // Only root gives a file away: the running user's it stays.
      }
    }
  }
  chmodSync(temp, old.mode & 0o777);
}
