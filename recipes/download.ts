/**
 * The download recipes: fetch a file through the buildout's download cache
 * (offline-aware, checksum-verified) and unpack it, or place it as it is.
 * Each name keeps the options, defaults and return values of the recipe it
 * stands for (see docs/recipe-options.md in the shared reference):
 *
 * - `download` (built-in): hexagonit.recipe.download, plus `sha256sum`,
 *   `strip-top-level-dir = auto` and an exported `target`;
 * - `hexagonit.recipe.download`;
 * - `gocept.download` (1.0 behaviour, but a copy kept in `download-directory`
 *   is checked against `md5sum`, as 0.9.5 does);
 * - `slapos.recipe.build:download` (one file, not unpacked);
 * - `slapos.recipe.build:download-unpacked`.
 *
 * Unpacking always happens in a temporary directory next to the destination
 * and reaches it by rename, so a failure leaves nothing behind.
 */
import { readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { makeDirectories } from "../lib/directories.ts";
import { holds } from "../lib/path_holds.ts";
import { clipped, oneLine } from "../lib/errors.ts";
import { ChecksumError } from "../lib/fetch/errors.ts";
import { pyRepr } from "../lib/pyrepr.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { hexagonitBool, hexagonitHashName, slaposBool } from "./_bool.ts";
import { downloadTo, urlOption, withDownload } from "./_fetch.ts";
import {
  copyInto,
  exists,
  isDirectory,
  isFile,
  urlFileName,
} from "./_paths.ts";
import { oneFile, onePath } from "./_one_path.ts";
import { SharedPart } from "./_shared_part.ts";

/**
 * Parses an octal `mode` option.
 *
 * @throws {UserError} when it is not an octal number.
 */
function octalMode(
  value: string | undefined,
  UserError: new (message: string) => Error,
): number | undefined {
  const text = (value ?? "").trim();
  if (!text) return undefined;
  const digits = text.replace(/^0o/i, "");
  if (!/^[0-7]+$/.test(digits)) {
    throw new UserError(`'mode' must be an octal number: ${clipped(text)}`);
  }
  return parseInt(digits, 8);
}

/**
 * Before `file`, downloaded from `url`, is copied as it is.
 *
 * @throws {UserError} when it is a directory (a local directory as `url`).
 */
function requireFile(buildout: RecipeBuildout, url: string, file: string) {
  if (isDirectory(file)) {
    throw new buildout.UserError(
      `${oneLine(url)} is a directory, not a file to place`,
    );
  }
}

/**
 * hexagonit.recipe.download. Options: `url` (required), `md5sum`,
 * `destination` (default `parts/<name>`, not empty; exported also as
 * `location`),
 * `strip-top-level-dir` (false), `ignore-existing` (false), `download-only`
 * (false), `filename` and `mode` (with `download-only`), `hash-name` (true),
 * `excludes` (fnmatch lines), `on-update` (false). Booleans: yes/true/1/on,
 * in any case but for `hash-name`.
 *
 * Returns the destination when it created it, else only the entries it
 * moved in, so a shared destination survives uninstall; a file placed
 * outside the destination (a `filename` of `../x`) is returned too.
 */
export class HexagonitDownload implements Recipe {
  protected readonly logger: RecipeLogger;
  protected readonly url: string;
  protected readonly destination: string;
  protected readonly filename: string;
  protected readonly mode?: number;
  protected readonly excludes: string[];
  protected readonly strip: boolean | "auto";
  protected readonly sha256?: string;

  constructor(
    protected readonly buildout: RecipeBuildout,
    name: string,
    protected readonly options: RecipeOptions,
    builtin = false,
  ) {
    this.logger = buildout.logger(name);
    this.url = urlOption(buildout, options);
    const main = buildout.section("buildout");
    const inParts = join(main.require("parts-directory"), name);
    const given = onePath(options, "destination");
    // The original fails on it; the files would land in the buildout
    // directory.
    if (given === "") {
      throw new buildout.UserError(
        `The destination of [${clipped(name)}] is empty: name a directory, ` +
          `or leave the option out for ${clipped(inParts)}`,
      );
    }
    // Exported as written, as the original does: a relative destination
    // recorded by zc.buildout then still matches and is only updated.
    const destination = given ?? inParts;
    options.set("destination", destination);
    options.set("location", destination);
    this.destination = resolve(main.require("directory"), destination);
    for (
      const [option, fallback] of [
        ["strip-top-level-dir", "false"],
        ["ignore-existing", "false"],
        ["download-only", "false"],
        ["hash-name", "true"],
        ["on-update", "false"],
      ]
    ) {
      options.set(option, options.get(option) ?? fallback);
    }
    // The file download-only writes: a name ending in '/' would be cut
    // to the directory's name and written as a file.
    this.filename =
      ((this.downloadOnly ? oneFile : onePath)(options, "filename") ?? "")
        .trim();
    options.set("filename", this.filename);
    const mode = options.get("mode");
    if (mode !== undefined) options.set("mode", mode.trim());
    this.mode = octalMode(mode, buildout.UserError);
    this.excludes = (options.get("excludes") ?? "").split("\n")
      .map((line) => line.trim()).filter(Boolean);
    const strip = options.require("strip-top-level-dir").trim().toLowerCase();
    this.strip = builtin && strip === "auto" ? "auto" : hexagonitBool(strip);
    if (builtin) {
      this.sha256 = options.get("sha256sum")?.trim() || undefined;
      options.set(
        "target",
        this.downloadOnly
          ? resolve(this.destination, this.filename || urlFileName(this.url))
          : this.destination,
      );
    }
  }

  private get downloadOnly(): boolean {
    return hexagonitBool(this.options.get("download-only"));
  }

  async install(): Promise<string[]> {
    // The original file name, even when the cache names files by hash;
    // a URL naming none is refused before anything is downloaded.
    const name = this.downloadOnly
      ? this.filename || urlFileName(this.url)
      : "";
    return await withDownload(
      this.buildout,
      this.url,
      {
        md5: this.options.get("md5sum")?.trim() || undefined,
        sha256: this.sha256,
        hashName: hexagonitHashName(this.options.get("hash-name")),
      },
      (file) => name ? this.place(file, name) : this.unpack(file),
    );
  }

  /** With `on-update`, installs again; the recorded paths stay as they were. */
  async update(): Promise<void> {
    if (hexagonitBool(this.options.get("on-update"))) await this.install();
  }

  /**
   * `download-only`: copies the file into the destination as `name`, a
   * path joined to it as Python's `os.path.join` joins it (an absolute one
   * replaces it), as the original does.
   */
  private place(file: string, name: string): string[] {
    const destination = this.destination;
    requireFile(this.buildout, this.url, file);
    this.checkDestination();
    const created = !exists(destination);
    const target = resolve(destination, name);
    // Registered, so a failure or a killed run has it removed.
    if (created) this.options.created(destination);
    makeDirectories(destination);
    copyInto(file, target, this.mode);
    if (!created) return [target];
    // A file placed outside the destination (`filename = ../x`) is
    // recorded too, where the original leaves it behind on uninstall.
    return holds(destination, target) ? [destination] : [destination, target];
  }

  /** Unpacks into the destination, refusing or skipping existing entries. */
  private async unpack(file: string): Promise<string[]> {
    this.checkDestination();
    return await unpackMerging(
      this.buildout,
      this.logger,
      file,
      this.destination,
      {
        strip: this.strip,
        excludes: this.excludes,
        ignoreExisting: hexagonitBool(this.options.get("ignore-existing")),
        created: (path) => this.options.created(path),
      },
    );
  }

  private checkDestination(): void {
    if (exists(this.destination) && !isDirectory(this.destination)) {
      throw new this.buildout.UserError(
        `The destination ${this.destination} is not a directory`,
      );
    }
  }
}

/**
 * hexagonit.recipe.download's unpacking: `file` goes into `destination`
 * (created if missing), whose existing top-level entries are an error, or
 * skipped with `ignoreExisting`; `created` is told of each path before it
 * is created there. Logs how many members `excludes` skipped
 * (and, from `-vv` on, each of them), then, once the archive passed the
 * strip check, `Extracting package to`, as the original does. Returns
 * `[destination]` when it created it, else the entries it moved in.
 *
 * @throws {UserError} for an existing entry (before anything is moved) and
 *   for extraction errors.
 */
export async function unpackMerging(
  buildout: RecipeBuildout,
  logger: RecipeLogger,
  file: string,
  destination: string,
  options: {
    strip: boolean | "auto";
    excludes: string[];
    ignoreExisting: boolean;
    created?: (path: string) => void;
  },
): Promise<string[]> {
  const created = !exists(destination);
  const verbose = parseInt(
    buildout.section("buildout").get("verbosity") ?? "0",
    10,
  ) >= 20;
  // Logged once the archive passed the strip check, before the first
  // entry is placed, skipped or refused, as the original logs it.
  let announced = false;
  const announce = () => {
    if (announced) return;
    announced = true;
    logger.info(`Extracting package to ${destination}`);
  };
  const added = await buildout.extract(file, destination, {
    stripTopLevelDir: options.strip,
    excludes: options.excludes,
    onUnpacked: (excluded) => {
      if (verbose) {
        for (const member of excluded) {
          logger.debug(`Excluding ${oneLine(member)}`);
        }
      }
      if (excluded.length > 0) {
        logger.info(
          `Excluding ${excluded.length} file(s) matching the exclusion pattern.`,
        );
      }
    },
    onExisting: (path) => {
      announce();
      if (!options.ignoreExisting) {
        throw new buildout.UserError(
          `Target ${oneLine(path)} already exists. Either remove it or set ` +
            "ignore-existing = true to skip existing files and directories.",
        );
      }
      logger.info(`Ignoring existing target: ${oneLine(path)}`);
      return "skip";
    },
    onCreating: (path) => {
      announce();
      options.created?.(path);
    },
  });
  announce();
  return created ? [destination] : added;
}

/**
 * The built-in `download` recipe: {@link HexagonitDownload} (same options
 * and defaults) plus `sha256sum`, `strip-top-level-dir = auto` (strip only
 * a single top-level directory) and the exported option `target` (the
 * unpacked directory, or the file with `download-only`).
 */
export default class Download extends HexagonitDownload {
  constructor(buildout: RecipeBuildout, name: string, options: RecipeOptions) {
    super(buildout, name, options, true);
  }
}

/** File names gocept.download unpacks; any other file is placed as is. */
const GOCEPT_ARCHIVES = [".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".zip"];

/**
 * gocept.download. Options: `url` (required), `md5sum`, `destination` (an
 * absent or empty directory; not recorded, so never removed),
 * `strip-top-level-dir` (default `true`; only the exact value `true`
 * strips, and the archive must then hold a single entry),
 * `download-directory` (keeps a copy of the file there and reuses it
 * without downloading again, once checked against `md5sum`). Exports
 * `location` (`parts/<name>`, when there is no destination) and
 * `bin-directory`. Files named `.tar.gz`, `.tgz`, `.tar.bz2`, `.tbz2` or
 * `.zip` are unpacked, any other file is placed as it is.
 */
export class GoceptDownload implements Recipe {
  private readonly url: string;
  private readonly filename: string;
  private readonly directory: string;
  private readonly keep?: string;

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    const main = buildout.section("buildout");
    this.directory = main.require("directory");
    options.set(
      "download-directory",
      options.get("download-directory") ?? main.get("download-directory") ??
        "",
    );
    this.keep = onePath(options, "download-directory");
    if (!onePath(options, "destination")) {
      options.set("location", join(main.require("parts-directory"), name));
    }
    options.set("bin-directory", main.require("bin-directory"));
    options.set(
      "strip-top-level-dir",
      options.get("strip-top-level-dir") ?? "true",
    );
    this.url = urlOption(buildout, options);
    this.filename = urlFileName(this.url);
  }

  async install(): Promise<string[]> {
    const given = this.options.get("destination");
    const destination = given ? resolve(this.directory, given) : undefined;
    if (
      destination && exists(destination) &&
      (!isDirectory(destination) || readdirSync(destination).length)
    ) {
      throw new this.buildout.UserError(
        `Destination ${destination} must be an empty directory.`,
      );
    }
    const location = destination ?? this.options.require("location");
    if (!destination && exists(location)) {
      throw new this.buildout.UserError(
        `${
          oneLine(location)
        } already exists (left over from a broken install?): ` +
          "remove it and run buildout again",
      );
    }
    await this.fetch((file) => this.unpack(file, location));
    return destination ? [] : [location];
  }

  update(): void {}

  /** Unpacks (or copies) `file` into `target`, absent or empty. */
  private async unpack(file: string, target: string): Promise<void> {
    if (GOCEPT_ARCHIVES.some((ext) => this.filename.endsWith(ext))) {
      await this.buildout.extract(file, target, {
        stripTopLevelDir: this.options.get("strip-top-level-dir") === "true",
        onCreating: (path) => this.options.created(path),
      });
      return;
    }
    requireFile(this.buildout, this.url, file);
    // Registered, so a failure or a killed run has it removed.
    if (!exists(target)) this.options.created(target);
    makeDirectories(target);
    copyInto(file, join(target, this.filename));
  }

  /** Downloads through `download-directory` when one is set. */
  private async fetch<T>(use: (file: string) => Promise<T>): Promise<T> {
    const options = {
      md5: this.options.get("md5sum")?.trim() || undefined,
      hashName: false,
    };
    if (!this.keep) {
      return await withDownload(this.buildout, this.url, options, use);
    }
    const dir = resolve(this.directory, this.keep);
    const kept = join(dir, this.filename);
    if (exists(kept)) {
      await this.checkKept(kept, options.md5);
    } else {
      makeDirectories(dir);
      await downloadTo(this.buildout, this.url, options, kept);
    }
    return await use(kept);
  }

  /**
   * Checks a copy kept in `download-directory` against `md5sum`, as
   * gocept.download 0.9.5 does: the copy is found by file name only, so it
   * may be an older release or another URL's file.
   *
   * @throws {ChecksumError} naming the copy when it does not match.
   * @throws {UserError} naming it when it is no file (a directory).
   */
  private async checkKept(kept: string, md5?: string): Promise<void> {
    const copy = `${clipped(kept, pyRepr)}, the copy of ${
      clipped(this.url)
    } kept in download-directory`;
    if (!isFile(kept)) {
      throw new this.buildout.UserError(
        `${copy}, is not a file: remove it to download it again`,
      );
    }
    try {
      await this.buildout.download(kept, { md5, cache: "" });
    } catch (err) {
      if (!(err instanceof ChecksumError)) throw err;
      throw new ChecksumError(
        `MD5 checksum mismatch for ${copy}: remove it to download it again`,
      );
    }
  }
}

/**
 * slapos.recipe.build:download: one file, not unpacked. Options: `url`
 * (required), `alternate-url` (fetched when `url` cannot be), `md5sum`
 * (required with `shared`; without it every update downloads again),
 * `filename` (default: the part name), `destination` (a
 * full file path, not with `shared`), `offline`, `shared`. Exports
 * `location` (the part directory, without `destination`) and `target` (the
 * file). Returns the file or the part directory; nothing when shared.
 */
export class SlaposDownload implements Recipe {
  private readonly shared: SharedPart;
  private readonly url: string;
  private readonly alternateUrl?: string;
  private readonly target: string;
  private readonly destination?: string;

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    if (options.has("mode")) {
      throw new buildout.UserError(
        `The 'mode' option of ${clipped(name)} is not supported by ` +
          "slapos.recipe.build:download (it was removed)",
      );
    }
    this.shared = new SharedPart(buildout, name, options);
    this.url = urlOption(buildout, options);
    this.alternateUrl = options.get("alternate-url") || undefined;
    if (this.shared.maybeShared && !options.get("md5sum")) {
      this.shared.assertNotShared("option 'md5sum' must be set");
    }
    const destination = onePath(options, "destination");
    if (destination) {
      this.shared.assertNotShared("option 'destination' can't be set");
      this.destination = resolve(
        buildout.section("buildout").require("directory"),
        destination,
      );
      this.target = this.destination;
      // Exported as written, as the original does (see HexagonitDownload).
      options.set("target", destination);
    } else {
      const location = this.shared.location;
      options.set("location", location);
      this.target = join(
        location,
        basename(onePath(options, "filename") || name),
      );
      options.set("target", this.target);
    }
  }

  async install(): Promise<string[]> {
    if (this.destination) {
      makeDirectories(resolve(this.destination, ".."));
      await this.fetch();
      return [this.destination];
    }
    return await this.shared.install(() => this.fetch());
  }

  /** Downloads again unless an md5sum pins the file. */
  async update(): Promise<void> {
    if (!this.options.get("md5sum")) await this.fetch();
  }

  private async fetch(): Promise<void> {
    await downloadTo(
      this.buildout,
      this.url,
      {
        md5: this.options.get("md5sum") || undefined,
        alternateUrl: this.alternateUrl,
        hashName: true,
        offline: slaposOffline(this.buildout, this.options),
      },
      this.target,
    );
  }
}

/** The per-part `offline` option of the slapos recipes. */
export function slaposOffline(
  buildout: RecipeBuildout,
  options: RecipeOptions,
): boolean | undefined {
  const value = options.get("offline");
  if (!value) return undefined;
  return slaposBool("offline", value, false, buildout.UserError);
}

/**
 * slapos.recipe.build:download-unpacked. Options: `url` (required),
 * `alternate-url` (fetched when `url` cannot be), `md5sum`, `destination` (default `parts/<name>` or the shared location),
 * `strip-top-level-dir` (unset: strip a single top-level directory; `true`:
 * there must be exactly one entry; `false`: never), `offline`, `shared`,
 * `environment` (read for compatibility; unpacking needs no helper
 * program). Exports `location` and `target`, both the directory. Returns it,
 * or nothing when shared; update does nothing.
 */
export class SlaposDownloadUnpacked implements Recipe {
  private readonly shared: SharedPart;
  private readonly url: string;
  private readonly alternateUrl?: string;
  private readonly strip: boolean | "auto";

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    this.strip = slaposBool(
      "strip-top-level-dir",
      options.get("strip-top-level-dir"),
      "auto" as const,
      buildout.UserError,
    );
    this.url = urlOption(buildout, options);
    this.alternateUrl = options.get("alternate-url") || undefined;
    this.shared = new SharedPart(buildout, name, options);
    const destination = onePath(options, "destination");
    if (destination) {
      this.shared.assertNotShared("option 'destination' can't be set");
      this.shared.location = resolve(
        buildout.section("buildout").require("directory"),
        destination,
      );
    }
    // A destination is exported as written (see HexagonitDownload).
    const location = destination || this.shared.location;
    options.set("location", location);
    options.set("target", location);
    options.get("environment");
  }

  async install(): Promise<string[]> {
    return await this.shared.install(() =>
      unpackUrl(this.buildout, this.url, this.shared.location, {
        md5: this.options.get("md5sum") || undefined,
        alternateUrl: this.alternateUrl,
        offline: slaposOffline(this.buildout, this.options),
        strip: this.strip,
      })
    );
  }

  update(): void {}
}

/**
 * Downloads `url` (cache names hashed) and unpacks it into the existing,
 * empty directory `location`: what download-unpacked and slapos.recipe.cmmi
 * do.
 */
export async function unpackUrl(
  buildout: RecipeBuildout,
  url: string,
  location: string,
  options: {
    md5?: string;
    alternateUrl?: string;
    offline?: boolean;
    strip: boolean | "auto";
  },
): Promise<void> {
  await withDownload(
    buildout,
    url,
    {
      md5: options.md5,
      alternateUrl: options.alternateUrl,
      hashName: true,
      offline: options.offline,
    },
    async (file) => {
      await buildout.extract(file, location, {
        stripTopLevelDir: options.strip,
      });
    },
  );
}
