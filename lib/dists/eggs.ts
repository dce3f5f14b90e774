/**
 * The eggs directory: unpacked distributions as `<name>-<version>/`,
 * shared between buildouts and never modified once there. An archive is
 * unpacked into a hidden temporary directory beside them, checked, then
 * renamed into place, so the directory never holds half a distribution.
 */
import {
  accessSync,
  constants,
  readdirSync,
  renameSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { createDirectory, makeDirectories } from "../directories.ts";
import { clipped, fsReason, UserError } from "../errors.ts";
import { hiddenTemp, sweepAbandoned } from "../fetch/hidden_temp.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
import { type DistName, parseDistName } from "./archive_name.ts";
import {
  checkEntryModules,
  type Dist,
  type DistMetadata,
  readMetadata,
} from "./metadata.ts";
import { compareVersions } from "./version.ts";

/** An unpacked distribution's name, version and directory. */
export interface InstalledDist extends DistName {
  dir: string;
}

/** A distribution unpacked and checked, not yet in place: see {@link EggsDirectory.prepare}. */
export interface Prepared {
  name: DistName;
  /** The hidden temporary directory holding it. */
  temporary: string;
  metadata: DistMetadata;
}

/**
 * The identity of `dir`'s package.json (device, inode, size, modification
 * and change times), or undefined when it cannot be read.
 */
export function packageStat(dir: string): number[] | undefined {
  try {
    const s = statSync(join(dir, "package.json"));
    return [s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs];
  } catch {
    return undefined;
  }
}

/** Reads and fills one eggs directory. */
export class EggsDirectory {
  private names?: string[];
  private scanned?: Map<string, InstalledDist[]>;
  private readonly dists = new Map<string, Dist>();
  /**
   * The identity of each package.json read (see {@link packageStat}),
   * taken before reading it, once {@link noteStats} asked for them.
   */
  private stats?: Map<string, number[] | undefined>;

  constructor(readonly path: string) {}

  /** The directory's entries as this run first read them. */
  private entries(): string[] {
    if (!this.names) {
      try {
        this.names = readdirSync(this.path);
      } catch {
        // Not created yet: nothing is installed.
        this.names = [];
      }
    }
    return this.names;
  }

  /** The entries as this run first read them, hidden ones left out, sorted. */
  listing(): string[] {
    return this.entries().filter((name) => !name.startsWith(".")).sort();
  }

  /** The unpacked distributions of project `key`, newest first. */
  installed(key: string): InstalledDist[] {
    if (!this.scanned) {
      this.scanned = new Map();
      const names = this.entries();
      // Every run using distributions reads this directory, while only one
      // unpacking here would sweep what killed runs left half-unpacked.
      if (names.some((name) => name.startsWith("."))) {
        sweepAbandoned(this.path);
      }
      for (const name of names) {
        // Hidden names (unpacks in progress or abandoned) name no project:
        // parseDistName refuses a name that does not start with a letter
        // or digit.
        const found = parseDistName(name);
        if (found) this.add({ ...found, dir: join(this.path, name) });
      }
    }
    return this.scanned.get(key) ?? [];
  }

  /** Makes {@link read} note each package.json's identity from now on. */
  noteStats(): void {
    this.stats ??= new Map();
  }

  /** The identity {@link read} noted for the package.json in `dir`. */
  statOf(dir: string): number[] | undefined {
    return this.stats?.get(dir);
  }

  /**
   * Makes `dist`, kept from an earlier run, what {@link read} gives for
   * its directory; `stat` is its package.json's identity, checked.
   */
  adopt(dist: Dist, stat: number[]): void {
    this.dists.set(dist.dir, dist);
    this.stats?.set(dist.dir, stat);
  }

  /**
   * The distribution unpacked in `installed.dir`, its package.json read.
   *
   * @throws {UserError} when its package.json is missing or invalid.
   */
  read(installed: InstalledDist): Dist {
    let dist = this.dists.get(installed.dir);
    if (!dist) {
      // Before reading: a change made meanwhile shows in the next run.
      this.stats?.set(installed.dir, packageStat(installed.dir));
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
   * `archive` unpacked as `<name>-<version>` with `extract` and checked
   * (package.json, entry modules) in a hidden temporary directory of the
   * eggs directory, which {@link commit} moves into place or
   * {@link discard} removes. `label` names the archive in messages.
   *
   * @throws {UserError} from `extract` or the checks, naming where the
   *   distribution was going; nothing is left in the eggs directory then.
   */
  async prepare(
    archive: string,
    name: DistName,
    label: string,
    extract: (archive: string, destination: string) => Promise<void>,
  ): Promise<Prepared> {
    // Said when made here: offline, nothing makes it before an extension's
    // distribution from a local find-links is unpacked.
    createDirectory(this.path);
    // What stands in its place (a file) is named.
    makeDirectories(this.path);
    refuseUnwritable(this.path);
    // Hidden, and new: extraction moves its result there in one rename.
    // Removed when the run ends, however it ends, unless moved into place,
    // and by the next run after a SIGKILL.
    const target = join(this.path, `${name.name}-${name.version}`);
    const temporary = hiddenTemp(target);
    try {
      await extract(archive, temporary);
      const metadata = readMetadata(temporary, label, name);
      checkEntryModules(temporary, label, metadata);
      return { name, temporary, metadata };
    } catch (err) {
      removeTempFile(temporary);
      // The temporary is gone by the time the message is read.
      if (err instanceof UserError) {
        err.message = err.message.replaceAll(temporary, target);
      }
      throw err;
    }
  }

  /**
   * Moves a prepared distribution into place and returns it; when another
   * process unpacked the same distribution meanwhile, its copy is kept.
   *
   * @throws {UserError} when the move fails, or that copy's package.json
   *   cannot be read.
   */
  commit(prepared: Prepared): Dist {
    const { name, temporary } = prepared;
    let { metadata } = prepared;
    const target = join(this.path, `${name.name}-${name.version}`);
    try {
      renameSync(temporary, target);
      untrackTempFile(temporary);
    } catch (err) {
      removeTempFile(temporary);
      const code = (err as { code?: string }).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") {
        throw new UserError(
          `Couldn't write ${clipped(target)}: ${fsReason(err)}`,
        );
      }
      metadata = readMetadata(target, target);
    }
    const installed = {
      name: name.name,
      key: name.key,
      version: name.version,
      dir: target,
    };
    this.installed(name.key);
    this.add(installed);
    const dist: Dist = { ...installed, develop: false, ...metadata };
    this.dists.set(target, dist);
    return dist;
  }

  /** Removes a prepared distribution that is not wanted after all. */
  discard(prepared: Prepared): void {
    removeTempFile(prepared.temporary);
  }

  private add(installed: InstalledDist): void {
    const list = this.scanned!.get(installed.key) ?? [];
    if (list.some((d) => d.dir === installed.dir)) return;
    list.push(installed);
    list.sort((a, b) => compareVersions(b.version, a.version));
    this.scanned!.set(installed.key, list);
  }
}

/**
 * Refuses an eggs directory this run may not write (read-only, another
 * user's), naming it: extraction would otherwise fail on a hidden
 * temporary name inside it, gone by the time the message is read.
 *
 * @throws {UserError} `Couldn't write to the eggs directory PATH: reason`.
 */
function refuseUnwritable(path: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw new UserError(
      `Couldn't write to the eggs directory ${clipped(path)}: ${fsReason(err)}`,
    );
  }
}
