/**
 * The eggs directory: unpacked distributions as `<name>-<version>/`,
 * shared between buildouts and never modified once there. An archive is
 * unpacked into a hidden temporary directory beside them, checked, then
 * renamed into place, so the directory never holds half a distribution.
 */
import { randomBytes } from "../lazy_crypto.ts";
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type DistName, parseDistName } from "./archive_name.ts";
import { checkEntryModules, type Dist, readMetadata } from "./metadata.ts";
import { compareVersions } from "./version.ts";

/** An unpacked distribution's name, version and directory. */
export interface InstalledDist extends DistName {
  dir: string;
}

/** Reads and fills one eggs directory. */
export class EggsDirectory {
  private scanned?: Map<string, InstalledDist[]>;
  private readonly dists = new Map<string, Dist>();

  constructor(readonly path: string) {}

  /** The unpacked distributions of project `key`, newest first. */
  installed(key: string): InstalledDist[] {
    if (!this.scanned) {
      this.scanned = new Map();
      let names: string[] = [];
      try {
        names = readdirSync(this.path);
      } catch {
        // Not created yet: nothing is installed.
      }
      for (const name of names) {
        // Hidden names are unpacks in progress (or abandoned).
        if (name.startsWith(".")) continue;
        const found = parseDistName(name);
        if (found) this.add({ ...found, dir: join(this.path, name) });
      }
    }
    return this.scanned.get(key) ?? [];
  }

  /**
   * The distribution unpacked in `installed.dir`, its package.json read.
   *
   * @throws {UserError} when its package.json is missing or invalid.
   */
  read(installed: InstalledDist): Dist {
    let dist = this.dists.get(installed.dir);
    if (!dist) {
      const metadata = readMetadata(installed.dir, installed.dir);
      dist = {
        name: installed.name,
        key: installed.key,
        version: installed.version,
        dir: installed.dir,
        develop: false,
        ...metadata,
      };
      this.dists.set(installed.dir, dist);
    }
    return dist;
  }

  /**
   * Unpacks `archive` as `<name>-<version>/` with `extract`, checks its
   * package.json and entry modules, and returns it. `label` names the
   * archive in messages. When another process unpacked the same
   * distribution meanwhile, its copy is kept and used.
   *
   * @throws {UserError} from `extract` or the checks; nothing is left in
   *   the eggs directory then.
   */
  async unpack(
    archive: string,
    name: DistName,
    label: string,
    extract: (archive: string, destination: string) => Promise<void>,
  ): Promise<Dist> {
    const dirname = `${name.name}-${name.version}`;
    const target = join(this.path, dirname);
    mkdirSync(this.path, { recursive: true });
    // Hidden, and new: extraction moves its result there in one rename.
    const temporary = join(
      this.path,
      `.${dirname}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`,
    );
    let metadata;
    try {
      await extract(archive, temporary);
      metadata = readMetadata(temporary, label);
      checkEntryModules(temporary, label, metadata);
      try {
        renameSync(temporary, target);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
        rmSync(temporary, { recursive: true, force: true });
        metadata = readMetadata(target, target);
      }
    } catch (err) {
      rmSync(temporary, { recursive: true, force: true });
      throw err;
    }
    const installed = { ...name, dir: target };
    this.installed(name.key);
    this.add(installed);
    const dist: Dist = {
      ...installed,
      develop: false,
      ...metadata,
    };
    this.dists.set(target, dist);
    return dist;
  }

  private add(installed: InstalledDist): void {
    const list = this.scanned!.get(installed.key) ?? [];
    if (list.some((d) => d.dir === installed.dir)) return;
    list.push(installed);
    list.sort((a, b) => compareVersions(b.version, a.version));
    this.scanned!.set(installed.key, list);
  }
}
