/**
 * The installation database (`.installed.cfg` by default): which parts are
 * installed, with the options they were installed with, the paths to remove
 * on uninstall (`__buildout_installed__`) and their recipe's signature
 * (`__buildout_signature__`), in zc.buildout's format. It is replaced
 * atomically (write a temporary file, then rename) every time it changes,
 * so an interrupted run leaves the previous complete version.
 */
import { Buffer } from "node:buffer";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { formatSection } from "../config/serialize.ts";
import { UserError } from "../errors.ts";
import { readDatabaseText } from "./_database_text.ts";

/** Options as saved: each value exactly as the part had it. */
export type SavedOptions = Map<string, string>;

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
export function sameOptions(a: SavedOptions, b: SavedOptions): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

function unquote(value: string): string {
  if (!value.includes("%(")) return value;
  for (const [quoted, space] of SPACEY) value = value.replaceAll(quoted, space);
  return value;
}

/** The database of one buildout; `path` empty means none is kept. */
export class InstallDatabase {
  /** Installed parts, in installation order (a Set keeps insertion order). */
  private readonly order = new Set<string>();
  private developLinks = "";
  private readonly sections = new Map<string, SavedOptions>();
  /**
   * The part sections as last written, in order, as bytes: a save during a
   * first install only appends the new part's section to it.
   */
  private readonly body = new ByteBuilder();
  /** Parts recorded at the end since the last write, while `body` holds. */
  private readonly appended: string[] = [];
  /** False when `body` no longer matches the records and their order. */
  private bodyValid = true;
  /** A record was added, changed or removed since the file was written. */
  private recordsChanged = false;
  /** The `parts` value as last read or written. */
  private writtenOrder = "";
  /** The `parts` value now, kept up to date while parts are appended. */
  private orderText?: string;

  private constructor(readonly path: string, public exists: boolean) {}

  /**
   * Reads the database at `path`; an absent file (or empty `path`) is an
   * empty database.
   *
   * @throws {UserError} when the file cannot be parsed or lacks what
   *   zc.buildout writes, explaining how to recover.
   */
  static read(path: string): InstallDatabase {
    if (!path || !existsSync(path)) return new InstallDatabase(path, false);
    const db = new InstallDatabase(path, true);
    const corrupt = (detail: string) =>
      new UserError(
        `The installation database ${path} is corrupt: ${detail}\n` +
          "Buildout cannot tell which parts are installed, so it changed nothing. " +
          "Restore the file, or move it away to reinstall every part " +
          "(the old parts' files are then left in place), and run buildout again.",
      );
    let sections;
    try {
      sections = readDatabaseText(readFileSync(path, "utf8"), path);
    } catch (err) {
      if (err instanceof UserError) throw corrupt(err.message);
      throw err;
    }
    const main = sections.get("buildout");
    if (!main) throw corrupt("it has no [buildout] section");
    db.developLinks = unquote(main.get("installed_develop_eggs") ?? "");
    const parts = unquote(main.get("parts") ?? "").split(/\s+/)
      .filter(Boolean);
    for (const part of parts) {
      const section = sections.get(part);
      if (!section) throw corrupt(`the installed part ${part} has no section`);
      const options: SavedOptions = new Map();
      for (const [key, value] of section) options.set(key, unquote(value));
      for (const required of [INSTALLED, "recipe"]) {
        if (!options.has(required)) {
          throw corrupt(`the section [${part}] has no ${required} option`);
        }
      }
      db.sections.set(part, options);
      db.order.add(part);
    }
    db.writtenOrder = db.partsValue();
    db.bodyValid = false;
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

  /** The `parts` option: the part names in order, space-separated. */
  private partsValue(): string {
    this.orderText ??= this.parts.join(" ");
    return this.orderText;
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
    if (!old) {
      this.appended.push(part);
      if (this.orderText !== undefined) {
        this.orderText += this.orderText ? " " + part : part;
      }
    } else {
      // Its section moves to the end, maybe changed: rewrite them all.
      this.order.delete(part);
      this.orderText = undefined;
      this.bodyValid = false;
    }
    if (!old || !sameOptions(old, options)) {
      this.sections.set(part, options);
      this.recordsChanged = true;
    }
    this.order.add(part);
  }

  /** Forgets `part` (after it was uninstalled). */
  forget(part: string): void {
    if (!this.sections.delete(part)) return;
    this.order.delete(part);
    this.orderText = undefined;
    this.bodyValid = false;
    this.recordsChanged = true;
  }

  /** The file's text, as zc.buildout writes it. */
  format(): string {
    return this.header() + this.sectionBytes().toString();
  }

  /** The `[buildout]` section. */
  private header(): string {
    const main: Array<[string, string]> = [["parts", this.partsValue()]];
    if (this.developLinks) {
      main.push(["installed_develop_eggs", this.developLinks]);
    }
    return formatSection("buildout", main);
  }

  /** The parts' sections, each preceded by a blank line. */
  private sectionBytes(): Uint8Array {
    if (!this.bodyValid) {
      this.body.clear();
      this.appended.length = 0;
      this.appended.push(...this.order);
      this.bodyValid = true;
    }
    for (const part of this.appended) {
      this.body.append("\n" + formatSection(part, this.sections.get(part)!));
    }
    this.appended.length = 0;
    return this.body.bytes();
  }

  /**
   * Writes the database atomically when a record was added, changed or
   * removed since it was read or last written. A change
   * of order alone waits for {@link save}: every record on disk is then
   * still true, and a no-op run rewrites nothing.
   */
  saveRecords(): void {
    if (this.recordsChanged) this.write();
  }

  /** Writes the database atomically when it differs from the file. */
  save(): void {
    if (this.recordsChanged || this.partsValue() !== this.writtenOrder) {
      this.write();
    }
  }

  private write(): void {
    if (!this.path) return;
    const temp = join(
      dirname(this.path),
      `.${basename(this.path)}.${process.pid}.tmp`,
    );
    const fd = openSync(temp, "w");
    try {
      writeSync(fd, this.header());
      const sections = this.sectionBytes();
      writeSync(fd, sections, 0, sections.length);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    this.exists = true;
    this.recordsChanged = false;
    this.writtenOrder = this.partsValue();
  }

  /** Deletes the file (a buildout without parts keeps none). */
  remove(): void {
    if (this.path) rmSync(this.path, { force: true });
    this.exists = false;
  }
}

/** A growing byte buffer (capacity doubles): appends cost their own size. */
class ByteBuilder {
  private buffer = Buffer.alloc(64 * 1024);
  private length = 0;

  append(text: string): void {
    const needed = this.length + Buffer.byteLength(text);
    if (needed > this.buffer.length) {
      const bigger = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    this.length += this.buffer.write(text, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  /** The bytes appended so far (a view, valid until the next append). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
