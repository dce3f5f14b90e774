/**
 * `buildout bundle`: build on a connected host with the download and extends
 * caches inside the buildout directory, then pack the directory, the filled
 * caches, this executable as `bin/buildout` and an `offline.cfg` into one
 * `.tar.gz` that builds the same buildout where there is no network.
 */
import { Buffer } from "node:buffer";
import {
  createReadStream,
  createWriteStream,
  lstatSync,
  readdirSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { packTar, type TarSource } from "modern-tar/fs";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";
import { logger } from "../log.ts";
import { expandGlob } from "../install/develop.ts";
import { runInstall } from "../install/runner.ts";
import { words } from "../words.ts";
import { cachedUrls, Download } from "../fetch/download.ts";
import { removeTempFile, untrackTempFile } from "../fetch/temp_files.ts";
import { InstallDatabase, INSTALLED } from "../install/database.ts";
import { type ConfigSource, isUrl } from "../config/load.ts";
import type { ConfigData } from "../config/annotated.ts";
import {
  defaultBuildoutOptions,
  ZC_BUILDOUT_ONLY_OPTIONS,
} from "../config/defaults.ts";
import { isDirectory, isFile } from "../fs_kinds.ts";
import { hiddenTemp, isHiddenTemp } from "../fetch/hidden_temp.ts";
import {
  loadBuildoutConfig,
  openBuildout,
  type OpenRequest,
  realSource,
  userDefaultsPath,
} from "../open_buildout.ts";
import type { SelfCommand } from "./bootstrap.ts";
import { checkPackedExecutable } from "./bundle_executable.ts";
import { bundledConfig, OFFLINE_CFG, offlineConfig } from "./offline_cfg.ts";
import { requireSameReading } from "./offline_cfg_reading.ts";
import {
  type CarriedAssignments,
  carriedAssignments,
} from "./carried_assignments.ts";
import type { Buildout, Options } from "../buildout.ts";
import { type Distributions, distributionsOf } from "../dists/distributions.ts";
import { isUrl as isLinkUrl, localArchives } from "../dists/finder.ts";
import { compareVersions } from "../dists/version.ts";
import { projectKey } from "../dists/requirement.ts";
import { holds } from "../path_holds.ts";
import {
  DEFAULT_DOWNLOAD_CACHE,
  DEFAULT_EXTENDS_CACHE,
  defaultBundlePath,
} from "./bundle_paths.ts";
import { makeDirectories } from "../directories.ts";

/**
 * Options of the bundle command line: `[-o OUT.tar.gz] [--with-parts]
 * [--ignore-uncached] [--executable FILE]`, `-o` also spelt `-oOUT`,
 * `--output OUT` and `--output=OUT`, `--executable=FILE` too.
 */
export interface BundleArgs {
  output?: string;
  /** The executable packed as bin/buildout instead of this one. */
  executable?: string;
  withParts: boolean;
  /** Pack even when parts name URLs that are not in the download cache. */
  ignoreUncached: boolean;
}

/**
 * The archive's name as given to `-o`: an empty name (the current
 * directory) or one ending in `/` names no file, and would otherwise be
 * refused only after the build, or written as a file of that name.
 */
function outputName(option: string, name: string): string {
  if (!name) throw new UserError(`${option} needs a file name`);
  if (name.endsWith("/")) {
    throw new UserError(
      `${option} needs a file name, not the directory name ${clipped(name)}`,
    );
  }
  return name;
}

/** bundle's arguments, as its error messages show them. */
const BUNDLE_USAGE =
  "bundle [-o OUT.tar.gz] [--with-parts] [--ignore-uncached] [--executable FILE]";

/** The name given to `--executable`, which must name something. */
function executableName(name: string): string {
  if (!name) throw new UserError("--executable needs a file name");
  return name;
}

/**
 * Parses the bundle command's arguments.
 *
 * @throws {UserError} for anything else.
 */
export function parseBundleArgs(args: string[]): BundleArgs {
  const result: BundleArgs = { withParts: false, ignoreUncached: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--with-parts") result.withParts = true;
    else if (arg === "--ignore-uncached") result.ignoreUncached = true;
    else if (arg === "-o" || arg === "--output") {
      if (i + 1 >= args.length) throw new UserError(`${arg} needs a file name`);
      result.output = outputName(arg, args[++i]);
    } else if (arg.startsWith("-o") && arg.length > 2) {
      result.output = outputName("-o", arg.slice(2));
    } else if (arg.startsWith("--output=")) {
      // As GNU tools take long options.
      result.output = outputName("--output", arg.slice("--output=".length));
    } else if (arg === "--executable") {
      if (i + 1 >= args.length) throw new UserError(`${arg} needs a file name`);
      result.executable = executableName(args[++i]);
    } else if (arg.startsWith("--executable=")) {
      result.executable = executableName(arg.slice("--executable=".length));
    } else {
      throw new UserError(
        `bundle: unexpected argument ${clipped(arg)} (usage: ${BUNDLE_USAGE})`,
      );
    }
  }
  return result;
}

// Version-control data is no use on the target and can be large.
const SKIPPED_NAMES = new Set([".git", ".hg", ".svn", ".bzr"]);

/**
 * Whether a file named `name` stays out of the archive: version-control
 * data, and the hidden temporaries of runs (a half download a killed run
 * left in the download cache).
 */
function skipped(name: string): boolean {
  return SKIPPED_NAMES.has(name) || isHiddenTemp(name);
}

/** Where a bundle is packed from and written to. */
interface BundleTarget {
  configFile: string;
  directory: string;
  output: string;
  defaultOutput: string;
  /** What offline.cfg carries of the command line. */
  carried: CarriedAssignments;
}

/** The download and extends caches a bundle fills inside the directory. */
type BundleCaches = Record<"download-cache" | "extends-cache", string>;

/** What the bundle leaves out: files, and directories packed empty. */
interface BundleExclusions {
  excluded: Set<string>;
  emptied: Set<string>;
}

/** Runs the buildout with caches inside its directory and packs it. */
export async function bundle(
  request: OpenRequest,
  args: BundleArgs,
  self: SelfCommand,
): Promise<void> {
  const target = bundleTarget(request, args, self);
  const { directory } = target;
  const executable = args.executable === undefined
    ? self.path
    : resolve(request.cwd, args.executable);
  if (args.executable !== undefined) {
    checkPackedExecutable(executable, args.withParts);
  }
  const configured = (await openBuildout(
    request,
    throughBundledExtends(join(directory, DEFAULT_EXTENDS_CACHE)),
  )).section("buildout");
  // Without it .installed.cfg names the parts by this directory's absolute
  // paths: the unpacked copy would rebuild them after uninstalling these.
  if (args.withParts && !configured.getBool("relative-paths")) {
    throw new UserError(
      "bundle --with-parts needs relative-paths = true in [buildout], so " +
        "that the unpacked parts are the copy's own wherever it is unpacked",
    );
  }
  const caches: BundleCaches = {
    "download-cache": cacheInside(
      directory,
      configured.get("download-cache"),
      DEFAULT_DOWNLOAD_CACHE,
    ),
    "extends-cache": cacheInside(
      directory,
      configured.get("extends-cache"),
      DEFAULT_EXTENDS_CACHE,
    ),
  };
  const assignments = [...request.assignments];
  for (const [option, path] of Object.entries(caches)) {
    makeDirectories(path);
    assignments.push({ section: "buildout", option, value: path });
  }
  const built = { ...request, assignments };
  const buildout = await openBuildout(built);
  if (target.carried.words.length) {
    await requireSameReading(
      built,
      directory,
      offlineConfig(
        basename(target.configFile),
        directory,
        caches,
        target.carried,
      ),
    );
  }
  // Held until the archive is written: a run changing the parts meanwhile
  // would have half of them packed, or fail the bundle on a file it removed.
  const unlock = await runInstall(buildout, [], true);
  try {
    const main = buildout.section("buildout");
    const installedDb = InstallDatabase.read(main.get("installed") ?? "", {
      directory,
      relocatable: main.getBool("relative-paths"),
    });
    requireCaptured(buildout, installedDb, caches, directory, args);
    const exclusions = bundleExclusions(main, installedDb, target, args);
    const data = await loadBuildoutConfig(built);
    const userDefaults = request.userDefaults
      ? userDefaultsPath(request.env)
      : undefined;
    outsideFiles(data, main, directory, userDefaults, [
      ...Object.values(caches),
      ...target.carried.extendedFiles,
    ]);
    if (userDefaults) {
      requireOwnValues(buildout, data, userDefaults, args);
    }
    const stats = countBundled(directory, exclusions, caches);
    const binTarget = join(
      basename(directory),
      relative(directory, bundledExecutable(main, directory)),
    );
    const exeSize = statSync(executable).size;
    await writeBundle(
      target,
      caches,
      exclusions,
      executable,
      binTarget,
      exeSize,
    );
    logger.info(
      `Bundled ${target.output} (${size(lstatSync(target.output).size)}):`,
    );
    logger.info(
      `  ${counted(stats.files, "file", "files")} of the buildout directory (${
        size(stats.bytes)
      })`,
    );
    logger.info(
      `  ${
        counted(stats.downloads, "file", "files")
      } of the download and extends caches (${size(stats.downloadBytes)})`,
    );
    logger.info(`  ${binTarget} (${size(exeSize)})`);
    logger.info(`  ${join(basename(directory), OFFLINE_CFG)}`);
  } finally {
    unlock();
  }
}

/**
 * The sources of the configuration's first reading, which finds the caches
 * to fill: a URL it extends is read through the extends cache `bundled`, the
 * one the bundle fills, when the configuration names none and that cache
 * exists. Offline (an unpacked bundle bundled again with -o), the URLs are
 * only there.
 */
function throughBundledExtends(bundled: string): ConfigSource {
  return {
    ...realSource,
    readUrl(url, download) {
      if (download.get("extends-cache") || !isDirectory(bundled)) {
        return realSource.readUrl(url, download);
      }
      const options = new Map(download).set("extends-cache", bundled);
      return realSource.readUrl(url, options);
    },
  };
}

/**
 * The configuration to bundle, its directory, the archive to write and
 * what offline.cfg carries of the command line.
 *
 * @throws {UserError} for a URL configuration, a run from the sources, the
 *   bundle's own offline.cfg, a name offline.cfg cannot extend, outputs
 *   that cannot be written, and assignments offline.cfg cannot carry.
 */
function bundleTarget(
  request: OpenRequest,
  args: BundleArgs,
  self: SelfCommand,
): BundleTarget {
  if (isUrl(request.configFile)) {
    throw new UserError(
      `bundle needs a local configuration file, not ${
        clipped(request.configFile)
      }`,
    );
  }
  if (self.args.length && args.executable === undefined) {
    throw new UserError(
      "bundle puts this executable into the archive, so it must run as the " +
        "compiled executable (dist/buildout), not from the sources " +
        "(or name one: bundle --executable dist/buildout)",
    );
  }
  const configFile = resolve(request.cwd, request.configFile);
  const directory = dirname(configFile);
  refuseBackslash(directory);
  if (basename(configFile) === OFFLINE_CFG) {
    const from = bundledConfig(configFile);
    const carried = from?.assignments ? ` ${from.assignments}` : "";
    throw new UserError(
      `bundle writes its own ${OFFLINE_CFG}: bundle ` +
        (from
          ? `${clipped(from.config)}, which this one extends` +
            (carried ? ", with the assignments it carries" : "") +
            ` (\`buildout -c ${clipped(from.config)}${carried} -o bundle\` ` +
            "where there is no network)"
          : "another configuration"),
    );
  }
  refuseUnextendable(basename(configFile));
  refuseOwnOfflineConfig(join(directory, OFFLINE_CFG));
  const defaultOutput = defaultBundlePath(directory);
  const output = args.output === undefined
    ? defaultOutput
    : resolve(request.cwd, args.output);
  refuseSpecialOutput(output);
  refuseMissingOutputDirectory(output);
  const carried = carriedAssignments(
    request.assignments,
    request.cwd,
    directory,
  );
  // Named from the buildout directory, not as the command line named them.
  for (const name of carried.extends) refuseUnextendable(name);
  return { configFile, directory, output, defaultOutput, carried };
}

/**
 * Checks that the download cache holds what the offline build needs: the
 * URLs the installed parts name and the distributions they use.
 *
 * @throws {UserError} listing what is missing and how to capture it,
 *   unless --ignore-uncached (then a warning).
 */
function requireCaptured(
  buildout: Buildout,
  installedDb: InstallDatabase,
  caches: BundleCaches,
  directory: string,
  args: BundleArgs,
): void {
  const shared = sharedOutside(installedDb, directory);
  // The copy unpacked would look for them where they are here, and only
  // update them: what it records must not need them shared.
  if (args.withParts && shared.size) {
    throw new UserError(oneLine(
      "bundle --with-parts cannot carry the shared parts built outside " +
        `${directory}: ${[...shared.values()].join(", ")}; set ` +
        "shared-part-list empty in the buildout's [buildout] to build them " +
        "in parts",
    ));
  }
  const uncached = uncachedUrls(installedDb, caches["download-cache"]);
  if (uncached.length) {
    const list = uncached.map((url) => `\n  ${url}`).join("");
    const sharedUncached = [...shared.keys()].filter((part) =>
      uncached.some((line) => line.includes(`[${clipped(part)}]`))
    ).map((part) => shared.get(part));
    if (!args.ignoreUncached) {
      throw new UserError(
        "bundle could not capture these URLs in the download cache, so the " +
          `offline build would miss them:${list}` +
          "\nA part installed by an earlier run without this cache " +
          "downloads nothing when only updated: remove what it installed " +
          "(its directory in parts) and bundle again." +
          (sharedUncached.length
            ? " A shared part found built downloads nothing either " +
              `(${sharedUncached.join(", ")}): run ` +
              "`buildout buildout:shared-part-list= bundle` to build them " +
              "in parts."
            : "") +
          " A recipe fetching " +
          "without buildout's download utility is never captured: use " +
          "--ignore-uncached to bundle anyway.",
      );
    }
    logger.warn(`Not in the download cache, bundled anyway:${list}`);
  }
  const uncachedDists = distsNotCarried(
    distributionsOf(buildout),
    caches["download-cache"],
    directory,
  );
  if (uncachedDists.length) {
    const list = uncachedDists.map((dist) => `\n  ${dist}`).join("");
    if (!args.ignoreUncached) {
      const eggs = buildout.section("buildout").require("eggs-directory");
      // One shared by other buildouts (user defaults often set it) is
      // theirs too: removing from it is no remedy, building beside it is.
      const remedy = holds(directory, eggs)
        ? "remove its directory there and bundle again."
        : `${eggs} is outside the buildout directory: run ` +
          "`buildout buildout:eggs-directory=eggs bundle` to get them " +
          "into one inside.";
      throw new UserError(
        "bundle could not capture these distributions in the download " +
          `cache, so the offline build would miss them:${list}` +
          "\nA distribution an earlier run unpacked into the eggs directory " +
          `is not downloaded again: ${remedy} Use --ignore-uncached to ` +
          "bundle anyway.",
      );
    }
    logger.warn(`Not in the download cache, bundled anyway:${list}`);
  }
}

/**
 * `[buildout]` options that are the settings of the host running: the
 * target reads its own user defaults for them, or needs them not (where to
 * download from; the caches the bundle replaces).
 */
const HOST_SETTINGS = new Set([
  ...defaultBuildoutOptions("").keys(),
  ...ZC_BUILDOUT_ONLY_OPTIONS,
  "download-cache",
  "extends-cache",
  "index",
  "shared-part-list",
  "show-picked-versions",
  "update-versions-file",
  "verbosity",
]);

/**
 * Checks that the build used nothing from the user defaults, which the
 * archive does not carry (they may hold credentials): the offline build
 * would miss a section or value defined there, or pick other versions.
 * The host's own settings (`index`, `eggs-directory`, ...) are left out.
 *
 * @throws {UserError} naming the values and the file, unless
 *   --ignore-uncached (then a warning).
 */
function requireOwnValues(
  buildout: Buildout,
  data: ConfigData,
  userDefaults: string,
  args: BundleArgs,
): void {
  const used: string[] = [];
  // Pins are all read, but only those of the distributions used matter.
  const versions = buildout.section("buildout").get("versions") ?? "versions";
  const got = new Set(distributionsOf(buildout)?.got().map((d) => d.key));
  for (const options of buildout.initializedSections()) {
    const section = data.get(options.name);
    const unused = new Set(options.unused());
    for (const option of options.keys()) {
      const notes = section?.get(option)?.notes ?? [];
      if (
        unused.has(option) ||
        options.name === "buildout" && HOST_SETTINGS.has(option) ||
        options.name === versions && !got.has(projectKey(option)) ||
        !notes.some((note) => note.source === userDefaults)
      ) continue;
      used.push(`[${clipped(options.name)}] ${clipped(option)}`);
    }
  }
  if (!used.length) return;
  const list = used.map((value) => `\n  ${value}`).join("");
  if (args.ignoreUncached) {
    logger.warn(`From the user defaults, bundled without them:${list}`);
    return;
  }
  throw new UserError(
    `bundle does not carry the user defaults ${clipped(userDefaults)}, ` +
      `and the build used these values from them, which the offline build ` +
      `would miss:${list}\nSet them in the buildout's own configuration ` +
      "and bundle again. Use --ignore-uncached to bundle anyway.",
  );
}

/**
 * What stays out of the archive: the archives being and once written,
 * bin/buildout (this executable goes there), this run's lock, the bundle's
 * own offline.cfg; without --with-parts also what the parts built, which
 * the target builds again.
 */
function bundleExclusions(
  main: Options,
  installedDb: InstallDatabase,
  target: BundleTarget,
  args: BundleArgs,
): BundleExclusions {
  const { directory, output, defaultOutput } = target;
  const bin = main.require("bin-directory");
  // Always this executable as bin/buildout, whatever the directory holds;
  // never the archive being written, nor an earlier bundle's, when inside.
  // Its hidden temporary: one a killed bundle left is swept, never packed.
  const excluded = new Set([
    output,
    defaultOutput,
    hiddenTemp(output),
    bundledExecutable(main, directory),
  ]);
  const emptied = new Set([
    main.require("eggs-directory"),
    main.require("develop-eggs-directory"),
  ]);
  const installed = main.get("installed");
  // This run's, held while packing.
  if (installed) excluded.add(`${installed}.lock`);
  if (!args.withParts) {
    emptied.add(bin);
    emptied.add(main.require("parts-directory"));
    if (installed) {
      excluded.add(installed);
      // What the parts created, wherever it is: the target builds it again.
      for (const part of installedDb.parts) {
        const record = installedDb.get(part);
        const paths = record?.get(INSTALLED) ?? "";
        for (const path of paths.split("\n")) {
          if (path) excluded.add(resolve(directory, path));
        }
        // A shared build records nothing, but one inside (zc.recipe.cmmi's
        // under the download cache) was made for this directory's paths.
        const location = record?.get("location");
        if (!paths && record?.get("shared") && location) {
          excluded.add(resolve(directory, location));
        }
      }
    }
  }
  excluded.add(join(directory, OFFLINE_CFG));
  return { excluded, emptied };
}

/**
 * Where in the directory the archive puts this executable: `buildout` in
 * the bin directory, or in `bin` when that is outside, since the archive
 * holds nothing beyond its top directory (and the target runs
 * `bin/buildout -c offline.cfg` there).
 */
function bundledExecutable(main: Options, directory: string): string {
  const bin = main.require("bin-directory");
  const inside = bin === directory || bin.startsWith(directory + sep);
  return join(inside ? bin : join(directory, "bin"), "buildout");
}

/** Whether the file or directory at `path` is packed. */
function packed(path: string, { excluded, emptied }: BundleExclusions) {
  return !excluded.has(path) && !skipped(basename(path)) &&
    ![...emptied].some((dir) => path.startsWith(dir + sep));
}

/**
 * The files the archive takes from the directory, and their bytes, apart
 * from those of the caches; refuses a path the target could not unpack.
 */
function countBundled(
  directory: string,
  exclusions: BundleExclusions,
  caches: BundleCaches,
) {
  const stats = { files: 0, bytes: 0, downloads: 0, downloadBytes: 0 };
  walk(directory, (path, stat) => {
    if (!packed(path, exclusions)) return false;
    refuseBackslash(path);
    if (!stat.isFile()) return true;
    if (Object.values(caches).some((cache) => path.startsWith(cache + sep))) {
      stats.downloads++;
      stats.downloadBytes += stat.size;
    } else {
      stats.files++;
      stats.bytes += stat.size;
    }
    return true;
  });
  return stats;
}

/**
 * Packs the directory, the offline.cfg and `executable` as `binTarget`
 * into the archive, written under a hidden temporary name.
 *
 * @throws {UserError} naming the archive when it cannot be written.
 */
async function writeBundle(
  target: BundleTarget,
  caches: BundleCaches,
  exclusions: BundleExclusions,
  executable: string,
  binTarget: string,
  exeSize: number,
): Promise<void> {
  const { configFile, directory, output } = target;
  const top = basename(directory);
  // Packed from where it is: a directory reached through a link
  // (-c /srv/app/current/buildout.cfg) would be packed as that link alone.
  const real = realpathSync(directory);
  const sources: TarSource[] = [
    // Owned by root, as the executable and offline.cfg are: GNU tar run by
    // root gives files their archived owner, and a uid of this host is a
    // stranger there, who could rewrite what root runs next.
    { type: "directory", source: real, target: top, uid: 0, gid: 0 },
    {
      type: "content",
      content: offlineConfig(
        basename(configFile),
        directory,
        caches,
        target.carried,
      ),
      target: join(top, OFFLINE_CFG),
      mode: 0o644,
    },
    // A stream, which the filter sees by its target: run as bin/buildout,
    // this executable is also the excluded bin/buildout of the directory.
    {
      type: "stream",
      content: createReadStream(executable),
      size: exeSize,
      target: binTarget,
      mode: 0o755,
    },
  ];
  const filter = (source: string) => {
    const path = source === real || source.startsWith(real + sep)
      ? directory + source.slice(real.length)
      : source;
    return !exclusions.excluded.has(source) && packed(path, exclusions);
  };
  const temp = hiddenTemp(output);
  try {
    await pipeline(
      packTar(sources, { filter }),
      createGzip(),
      createWriteStream(temp),
    );
    renameSync(temp, output);
    untrackTempFile(temp);
  } catch (err) {
    removeTempFile(temp);
    throw new UserError(
      `Couldn't write ${clipped(output)}: ${oneLine(fsReason(err))}`,
    );
  }
}

/** `1 file`, `2 files`: the summary of a small buildout reads as English. */
function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * The parts installed as shared builds (`shared = true`, nothing recorded
 * for uninstall) outside `directory`, each named `[part] (location)`: the
 * archive does not carry them, and a run that found them built downloaded
 * nothing for them.
 */
function sharedOutside(
  db: InstallDatabase,
  directory: string,
): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of db.parts) {
    const record = db.get(part);
    const location = record?.get("location");
    if (
      record?.get("shared") === "true" && !record.get(INSTALLED) &&
      location && !holds(directory, resolve(directory, location))
    ) {
      found.set(part, `[${clipped(part)}] (${clipped(location)})`);
    }
  }
  return found;
}

const URL_IN_TEXT = /\b(?:https?|ftp):\/\/[^\s'"#<>]+/g;

/**
 * URLs named in the installed parts' options that no download served from
 * or stored in the cache during this run, and that no earlier run left in
 * the cache (parts only updated need not download again), each followed by
 * the parts naming it.
 */
function uncachedUrls(db: InstallDatabase, cache: string): string[] {
  const missing = new Map<string, Set<string>>();
  const cacheDirs = [cache, ...subdirectories(cache)];
  for (const part of db.parts) {
    for (const [option, value] of db.get(part) ?? []) {
      if (option.startsWith("__buildout_")) continue;
      for (const [url] of value.matchAll(URL_IN_TEXT)) {
        if (cachedUrls.has(url) || inCache(cacheDirs, url)) continue;
        missing.set(
          url,
          (missing.get(url) ?? new Set()).add(`[${clipped(part)}]`),
        );
      }
    }
  }
  return [...missing].map(([url, parts]) =>
    `${clipped(url)} (${[...parts].join(" ")})`
  )
    .sort();
}

/**
 * The distributions the run got whose archive is neither in the download
 * cache's `dist` (where those of local find-links are copied too) nor in a
 * local find-links location inside the buildout directory, the only places
 * the unpacked bundle reads them from (the eggs directory is not packed):
 * `name version (unpacked dir)`.
 */
function distsNotCarried(
  dists: Distributions | undefined,
  cache: string,
  directory: string,
): string[] {
  const got = dists?.got() ?? [];
  if (!got.length) return [];
  const places = [join(cache, "dist")].concat(
    dists!.settings.findLinks.filter((link) =>
      !isLinkUrl(link) && holds(directory, link)
    ),
  );
  const archives = places.flatMap((place) => {
    try {
      return localArchives(place) ?? [];
    } catch {
      return []; // not an archive: the run that got `got` read none there
    }
  });
  return got.filter((dist) =>
    !archives.some((archive) =>
      archive.key === dist.key &&
      compareVersions(archive.version, dist.version) === 0
    )
  ).map((dist) => `${dist.name} ${dist.version} (${dist.dir})`);
}

/**
 * Whether the download utility would find a copy of `url` in one of
 * `cacheDirs` (the cache and its namespaces), by either of its names.
 */
function inCache(cacheDirs: string[], url: string): boolean {
  const names = [false, true].flatMap((hashName) =>
    new Download(new Map(), { hashName }).cacheNames(url)
  );
  return cacheDirs.some((dir) => names.some((name) => isFile(join(dir, name))));
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name));
}

/**
 * The cache directory to use: the configured one when it is inside the
 * buildout directory, else `fallback` there (the bundle must carry it).
 */
function cacheInside(
  directory: string,
  configured: string | undefined,
  fallback: string,
): string {
  if (configured && configured.startsWith(directory + sep)) return configured;
  if (configured) {
    logger.info(
      `${configured} is outside the buildout directory: bundling with ${
        join(directory, fallback)
      } instead.`,
    );
  }
  return join(directory, fallback);
}

/**
 * Refuses a file of the name the bundle gives its own offline.cfg, unless an
 * earlier bundle wrote it: the archive would silently hold the bundle's file
 * in its place (a workflow's hand-written offline.cfg, other parts).
 *
 * @throws {UserError} naming the file.
 */
function refuseOwnOfflineConfig(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  // Unreadable, it is refused like any other file.
  if (stat.isFile() && bundledConfig(path) !== undefined) return;
  throw new UserError(
    `${clipped(path)} exists, and bundle puts its own ${OFFLINE_CFG} ` +
      `in the archive instead: rename it to bundle it`,
  );
}

/**
 * Refuses a buildout that reads configuration files, develop packages or
 * caches from outside its directory, directly or through a symbolic link
 * inside it: the bundle could not carry them.
 */
function outsideFiles(
  data: ConfigData,
  main: { get(option: string): string | undefined },
  directory: string,
  userDefaults: string | undefined,
  caches: string[],
): void {
  const used = new Set(caches);
  for (const section of data.values()) {
    for (const value of section.values()) {
      for (const note of value.notes) {
        const source = note.source;
        if (source.startsWith("/") && source !== userDefaults) used.add(source);
      }
    }
  }
  // A glob names the packages it matches, as the run just developed them.
  for (const develop of words(main.get("develop"))) {
    for (const path of expandGlob(directory, develop)) used.add(path);
  }
  const realDirectory = realpathSync(directory);
  const outside = new Set<string>();
  // The directory itself is carried too: `develop = .` in a buildout that
  // is its own recipe package.
  for (const path of used) {
    if (path !== directory && !path.startsWith(directory + sep)) {
      outside.add(path);
      continue;
    }
    const real = realpathSync(path);
    if (real !== realDirectory && !real.startsWith(realDirectory + sep)) {
      outside.add(`${real} (linked as ${path})`);
    }
  }
  if (outside.size) {
    throw new UserError(
      `bundle can only carry files inside ${directory}; the buildout uses ${
        [...outside].sort().join(", ")
      }`,
    );
  }
}

/**
 * The archive writer takes a backslash in a name for a directory separator,
 * so the target would unpack the buildout elsewhere or miss a file.
 *
 * @throws {UserError} when the last name of `path` holds a backslash.
 */
function refuseBackslash(path: string): void {
  if (!basename(path).includes("\\")) return;
  throw new UserError(
    `bundle can't archive ${oneLine(path)}: its name holds a backslash, ` +
      "which the archive would turn into a directory separator; rename it",
  );
}

/**
 * offline.cfg extends the configuration by its file name, and the files
 * the command line extended by their names from the buildout directory;
 * `extends` is split at whitespace: the unpacked bundle would look for two
 * files.
 *
 * @throws {UserError} when `name` holds whitespace.
 */
function refuseUnextendable(name: string): void {
  if (!/\s/.test(name)) return;
  throw new UserError(
    `bundle can't extend ${
      clipped(name, pyRepr)
    } from its ${OFFLINE_CFG}: extends reads a name holding whitespace ` +
      "as several files; rename it",
  );
}

/**
 * The archive arrives by rename, which would replace a FIFO, a device (such
 * as `/dev/stdout`) or a link with a regular file rather than write to it.
 *
 * @throws {UserError} when `output` exists and is not a regular file.
 */
function refuseSpecialOutput(output: string): void {
  let stat;
  try {
    stat = lstatSync(output);
  } catch {
    return;
  }
  if (stat.isFile()) return;
  throw new UserError(
    `Couldn't write ${oneLine(output)}: not a regular file, which bundle ` +
      "would replace by renaming the archive over it",
  );
}

/**
 * Refuses, before the build, an archive whose directory is missing or not a
 * directory: writing it would otherwise fail only after everything is built.
 *
 * @throws {UserError} as the write itself would report it.
 */
function refuseMissingOutputDirectory(output: string): void {
  let reason = "not a directory";
  try {
    if (statSync(dirname(output)).isDirectory()) return;
  } catch (err) {
    reason = fsReason(err);
  }
  throw new UserError(`Couldn't write ${clipped(output)}: ${oneLine(reason)}`);
}

/**
 * Visits every entry under `dir`; `visit` returning false skips a subtree.
 *
 * @throws {UserError} for a name that is not UTF-8: read as text it names
 *   no file, so it could be neither checked nor packed.
 */
function walk(dir: string, visit: (path: string, stat: Stats) => boolean) {
  for (const raw of readdirSync(dir, { encoding: "buffer" })) {
    const name = raw.toString("utf8");
    const path = join(dir, name);
    if (!Buffer.from(name).equals(raw)) {
      throw new UserError(
        `bundle can't archive ${
          oneLine(path)
        }: its name is not UTF-8, so it cannot be read by name; rename it`,
      );
    }
    const stat = lstatSync(path);
    if (!visit(path, stat)) continue;
    if (stat.isDirectory()) walk(path, visit);
  }
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
