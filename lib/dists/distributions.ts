/**
 * A buildout's distributions: the `[buildout]` options that govern finding
 * and picking (`find-links`, `index`, `newest`, `offline`,
 * `install-from-cache`, `prefer-final`, `accept-buildout-test-releases`,
 * `versions`, `allow-picked-versions`, `show-picked-versions`,
 * `update-versions-file`, `use-dependency-links`, `download-cache`), read and checked once when the
 * buildout opens, and the installer built from them when a recipe or
 * extension first needs a distribution.
 */
import { join, resolve } from "node:path";
import type { Buildout, Options } from "../buildout.ts";
import type { ConfigCache } from "../config/load_cache.ts";
import { clipped, oneLine, UserError } from "../errors.ts";
import { effectiveLevel, LEVELS } from "../log.ts";
import { DevelopLinks } from "../recipe/develop_links.ts";
import { readPackage } from "../recipe/package_json.ts";
import { EggsDirectory } from "./eggs.ts";
import { Finder, isUrl } from "./finder.ts";
import { Installer } from "./installer.ts";
import { type ResolutionKeeper, resolutionKeeper } from "./kept_resolution.ts";
import { type Dist, readMetadata } from "./metadata.ts";
import { reportPickedVersions } from "./picked.ts";
import {
  type Clause,
  isProjectName,
  parseRequirement,
  projectKey,
  type Requirement,
  unscopedName,
} from "./requirement.ts";
import type { DistTransport } from "./transport.ts";
import { words } from "../words.ts";
import { isValidVersion, satisfiesSpecifier } from "./version.ts";

/** The distribution options of a buildout, checked. */
export interface DistSettings {
  eggsDirectory: string;
  developEggsDirectory: string;
  findLinks: string[];
  indexes: string[];
  newest: boolean;
  /** `offline` or `install-from-cache`: no network location is read. */
  offline: boolean;
  /** Which of the two is on (`offline` when both are), for messages. */
  offlineBy: "offline" | "install-from-cache";
  preferFinal: boolean;
  allowPicked: boolean;
  showPicked: boolean;
  /** `use-dependency-links`, unless installing from the cache. */
  useDependencyLinks: boolean;
  /** `update-versions-file`, resolved from the buildout directory. */
  versionsFile?: string;
  /** `update-versions-file` as written, which the report names. */
  versionsFileOption?: string;
  /** The buildout directory. */
  directory: string;
  /** Pins: project key to version. */
  versions: Map<string, string>;
  /**
   * Pins that are no version (such as SlapOS's `1.0:whl`): project key to
   * the error reported only when that project is needed, as zc.buildout
   * reads a pin only then.
   */
  badPins: Map<string, string>;
  /**
   * Constraints instead of pins (`spam = >=1.0,<2`, as later zc.buildout
   * releases allow): project key to the clauses added to its requirements.
   */
  constraints: Map<string, Clause[]>;
  /** `<download-cache>/dist`, when a download cache is set. */
  cacheDirectory?: string;
}

/**
 * Makes the fetch and extract layer from the `[buildout]` options; it may
 * load its modules first, which only happens when one is needed.
 */
export type TransportFactory = (main: Options) => Promise<DistTransport>;

const registry = new WeakMap<Buildout, Distributions>();

/**
 * Reads and checks the distribution options of `buildout`'s `[buildout]`
 * section and its versions section (`versions = NAME`, or `[versions]`
 * when the option is absent, an empty value pinning nothing), reading
 * each so none is reported unused.
 *
 * @throws {UserError} for a non-boolean flag or a missing versions
 *   section.
 */
export function readDistSettings(buildout: Buildout): DistSettings {
  const main = buildout.section("buildout");
  const directory = main.require("directory");
  const local = (location: string) =>
    isUrl(location) ? location : resolve(directory, location);
  const offline = main.getBool("offline") ||
    main.getBool("install-from-cache");
  const cache = main.get("download-cache");
  const versionsFile = main.get("update-versions-file");
  const settings: DistSettings = {
    eggsDirectory: resolve(directory, main.require("eggs-directory")),
    developEggsDirectory: resolve(
      directory,
      main.require("develop-eggs-directory"),
    ),
    findLinks: words(main.get("find-links")).map(local),
    indexes: words(main.get("index")).map(local),
    newest: main.getBool("newest") && !offline,
    offline,
    offlineBy: main.getBool("offline") ? "offline" : "install-from-cache",
    // zc.buildout 1.5.2 gets recipes and extensions preferring final
    // releases unless accept-buildout-test-releases is on.
    preferFinal: main.getBool("prefer-final") &&
      !main.getBool("accept-buildout-test-releases"),
    allowPicked: main.getBool("allow-picked-versions"),
    showPicked: main.has("show-picked-versions") &&
      main.getBool("show-picked-versions"),
    useDependencyLinks: main.getBool("use-dependency-links") &&
      !main.getBool("install-from-cache"),
    versionsFile: versionsFile ? resolve(directory, versionsFile) : undefined,
    versionsFileOption: versionsFile || undefined,
    directory,
    versions: new Map(),
    badPins: new Map(),
    constraints: new Map(),
    cacheDirectory: cache ? join(resolve(directory, cache), "dist") : undefined,
  };
  const named = main.get("versions");
  const section = named ?? (buildout.has("versions") ? "versions" : "");
  if (section) {
    for (const [name, value] of buildout.section(section).entries()) {
      // An empty value is no pin: it unpins what an extended file pinned.
      if (!value.trim()) continue;
      const version = value.trim().replace(/^==\s*/, "");
      if (!isProjectName(unscopedName(name))) continue;
      const refuse = (what: string, expected: string) =>
        settings.badPins.set(
          projectKey(name),
          oneLine(
            `Invalid version ${what} in [${section}]: ${clipped(name)} = ${
              clipped(value)
            } (expected ${expected})`,
          ),
        );
      if (version.startsWith("<") || version.startsWith(">")) {
        try {
          const { clauses } = parseRequirement(name + version);
          settings.constraints.set(projectKey(name), clauses);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          refuse("constraint", "clauses such as >=1.0, <2");
        }
        continue;
      }
      if (!isValidVersion(version)) {
        refuse("pin", "a version such as 1.0");
        continue;
      }
      settings.versions.set(projectKey(name), version);
    }
  }
  return settings;
}

/** Getting distributions for one buildout run. */
export class Distributions {
  private readonly eggs: EggsDirectory;
  private installer?: Installer;
  /** The installer's keeper of resolutions, when a cache is given. */
  private keeper?: ResolutionKeeper;
  /** Set once {@link finish} has run. */
  private finished = false;
  /**
   * The develop packages' links, shared with the recipe loader, which
   * forgets them once the develop step has linked this run's.
   */
  readonly developLinks: DevelopLinks;

  /**
   * `cache` keeps the resolution of a run that found everything unpacked,
   * for the next run to repeat (see kept_resolution.ts).
   */
  constructor(
    readonly settings: DistSettings,
    private readonly transport: DistTransport,
    private readonly cache?: ConfigCache,
  ) {
    this.eggs = new EggsDirectory(settings.eggsDirectory);
    this.developLinks = new DevelopLinks(settings.developEggsDirectory);
  }

  /**
   * The distribution for requirement `spec` and all it requires, in
   * resolution order, unpacking what is missing; `requirer` names who
   * asked (`recipe spam`) in conflict messages.
   *
   * @throws {UserError} see {@link Installer.install}.
   */
  install(spec: string, requirer: string): Promise<Dist[]> {
    return this.getInstaller().install([spec], requirer);
  }

  /**
   * The distributions for the requirements `specs`, resolved together,
   * and all they require, as {@link install}; `requirers[i]` names who
   * asked for `specs[i]`.
   */
  installAll(specs: string[], requirers: string[]): Promise<Dist[]> {
    return this.getInstaller().install(specs, requirers);
  }

  /**
   * Starts looking up and downloading the distributions of `specs` that
   * {@link install} will be asked for; invalid requirements are skipped
   * here and reported there.
   */
  prefetch(specs: string[]): void {
    const requirements = [];
    const installer = this.getInstaller();
    for (const spec of specs) {
      if (!this.searchable(spec) || this.keeper?.expects(spec)) continue;
      try {
        requirements.push(parseRequirement(spec));
      } catch {
        continue;
      }
    }
    if (requirements.length) installer.prefetch(requirements);
  }

  /**
   * True when a distribution for requirement `spec` may be found: some
   * location is configured, one is already unpacked, or a develop package
   * of its project is linked.
   */
  searchable(spec: string): boolean {
    const { findLinks, indexes, cacheDirectory } = this.settings;
    if (findLinks.length || indexes.length || cacheDirectory) {
      return true;
    }
    let requirement: Requirement;
    try {
      requirement = parseRequirement(spec);
    } catch {
      // Not a requirement: the caller reports what it could not find.
      return false;
    }
    // A link that cannot be read is an error, not a package missing.
    return this.eggs.installed(requirement.key).length > 0 ||
      this.developLinks.packageDirectory(requirement.name) !== undefined;
  }

  /**
   * The newest unpacked distribution of `spec`'s project that `spec` and
   * the project's pin or constraint in the versions section allow (the
   * newest at all when none does), without looking further: what runs the uninstall recipe of a
   * part whose recipe is no longer configured. zc.buildout loads that
   * recipe with the pins in force, so a pinned buildout never runs the
   * uninstall code of a release it does not use.
   */
  installed(spec: string): Dist | undefined {
    const { key, clauses: own } = parseRequirement(spec);
    const clauses = [...own, ...this.settings.constraints.get(key) ?? []];
    const pin = this.settings.versions.get(key);
    if (pin !== undefined) clauses.push(["==", pin]);
    const allowed = clauses.map(([op, version]) => op + version).join(",");
    const unpacked = this.eggs.installed(key);
    const found =
      unpacked.find((dist) => satisfiesSpecifier(dist.version, allowed)) ??
        unpacked[0];
    return found ? this.eggs.read(found) : undefined;
  }

  /** The distributions this run got (develop packages left out). */
  got(): Dist[] {
    return this.installer?.got() ?? [];
  }

  /**
   * Ends the run's use of distributions: downloads looked ahead for but
   * not started are dropped, and the picked versions are printed or
   * written, as configured. Only the first call does anything: a run that
   * succeeds reports before its unload entry points, one that fails at
   * its end.
   */
  finish(): void {
    if (!this.installer || this.finished) return;
    this.finished = true;
    this.installer.stopLookAhead();
    this.keeper?.keep();
    const { showPicked, versionsFile, versionsFileOption, directory } =
      this.settings;
    // Listing and sorting the picks costs up to 0.5 ms per 200 of them, for
    // nothing in the usual run, which reports none.
    if (!showPicked && !versionsFile) return;
    reportPickedVersions(this.installer.picked(), {
      show: showPicked,
      versionsFile,
      versionsFileOption,
      directory,
    });
  }

  private getInstaller(): Installer {
    if (!this.installer) {
      const { settings, transport, cache, eggs } = this;
      const develop = (name: string) => this.develop(name);
      if (cache) {
        eggs.noteStats();
        this.keeper = resolutionKeeper(
          cache,
          settings,
          eggs,
          develop,
          () => effectiveLevel() > LEVELS.DEBUG,
        );
      }
      this.installer = new Installer({
        eggs: this.eggs,
        finder: new Finder({
          findLinks: settings.findLinks,
          indexes: settings.indexes,
          cacheDirectory: settings.cacheDirectory,
          offline: settings.offline,
          offlineBy: settings.offlineBy,
          transport,
        }),
        transport,
        newest: settings.newest,
        preferFinal: settings.preferFinal,
        allowPicked: settings.allowPicked,
        useDependencyLinks: settings.useDependencyLinks,
        versions: settings.versions,
        badPins: settings.badPins,
        constraints: settings.constraints,
        develop: (requirement) => develop(requirement.name),
        keeper: this.keeper,
      });
    }
    return this.installer;
  }

  /** The develop package linked for project `name`, if any. */
  private develop(name: string): Dist | undefined {
    const dir = this.developLinks.packageDirectory(name);
    if (!dir) return undefined;
    const pkg = readPackage(dir);
    const version = pkg.version && isValidVersion(pkg.version)
      ? pkg.version
      : "0";
    const { requires, dependencyLinks } = readMetadata(dir, dir);
    return {
      ...pkg,
      key: projectKey(pkg.name),
      version,
      develop: true,
      requires,
      dependencyLinks,
    };
  }
}

/**
 * Reads the distribution settings of `buildout` (see
 * {@link readDistSettings}) and keeps them for {@link distributionsOf}.
 *
 * @throws {UserError} from {@link readDistSettings}.
 */
export function configureDistributions(
  buildout: Buildout,
  transport: TransportFactory,
  cache?: ConfigCache,
): void {
  const settings = readDistSettings(buildout);
  registry.set(
    buildout,
    new Distributions(
      settings,
      lazyTransport(() => transport(buildout.section("buildout"))),
      cache,
    ),
  );
}

/** The distributions of a buildout set up by {@link configureDistributions}. */
export function distributionsOf(buildout: Buildout): Distributions | undefined {
  return registry.get(buildout);
}

/**
 * A transport made on its first use: a run that finds everything unpacked
 * never loads the fetcher and the archive modules.
 */
function lazyTransport(make: () => Promise<DistTransport>): DistTransport {
  let made: Promise<DistTransport> | undefined;
  const get = () => made ??= make();
  return {
    readPage: async (url) => await (await get()).readPage(url),
    fetchArchive: async (url, checksums) =>
      await (await get()).fetchArchive(url, checksums),
    allows: async (url) => await (await get()).allows(url),
    extract: async (archive, destination) =>
      await (await get()).extract(archive, destination),
  };
}
