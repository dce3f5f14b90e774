/**
 * Building the Buildout object for a command: load the configuration with
 * real file and URL access, then initialize `[buildout]` the way zc.buildout's
 * constructor does (absolute directories, logging, boolean checks).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { Buildout, type Options, resolveIn } from "./buildout.ts";
import {
  type AnnotatedValue,
  COMPUTED_VALUE,
  type ConfigData,
} from "./config/annotated.ts";
import { evaluateCondition } from "./config/condition.ts";
import {
  defaultBuildoutOptions,
  DIRECTORY_OPTIONS,
  ZC_BUILDOUT_ONLY_OPTIONS,
} from "./config/defaults.ts";
import type { Assignment, ConfigSource } from "./config/load.ts";
import {
  configCache,
  keptLoadOf,
  loadConfigCached,
} from "./config/load_cache.ts";
import { noteKeptLoad } from "./kept_initialization.ts";
import { readConfigText } from "./config/text.ts";
import { isDirectory } from "./fs_kinds.ts";
import {
  clipped,
  doing,
  doingAsync,
  fsReason,
  oneLine,
  UserError,
} from "./errors.ts";
import { pyRepr } from "./pyrepr.ts";
import { configureLogging, logger, writeFd } from "./log.ts";
import { redactPasswords } from "./redact_passwords.ts";

/** What the command line decided. */
export interface OpenRequest {
  configFile: string;
  assignments: Assignment[];
  userDefaults: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
}

const BOOLEAN_OPTIONS = [
  "offline",
  "newest",
  "prefer-final",
  "accept-buildout-test-releases",
  "use-dependency-links",
  "allow-picked-versions",
  "install-from-cache",
  "unzip",
  "include-site-packages",
  "exec-sitecustomize",
];

const READ_ERRORS: Record<string, string> = {
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
};

/** Reads files from disk and URLs over the network. */
export const realSource: ConfigSource = {
  readFile(path) {
    try {
      return readConfigText(path);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      const reason = READ_ERRORS[code ?? ""] ?? fsReason(err);
      throw new UserError(
        `Couldn't read ${clipped(path)}: ${oneLine(reason)}`,
      );
    }
  },
  // Loaded on first use: HTTP costs start-up time most runs never need.
  // A retry is told each time: each keeps the run waiting.
  readUrl: async (url, download) =>
    (await import("./fetch/fetch_text.ts")).fetchText(url, download, tell),
  evaluate: evaluateCondition,
  // Once, though bundle reads the configuration twice.
  notice(message) {
    if (noticed.has(message)) return;
    noticed.add(message);
    tell(message);
  },
};

const noticed = new Set<string>();

/**
 * Prints a line before logging is set up: on stderr, as stdout may be
 * `annotate --json`. It may quote a URL: its password is hidden, as in
 * log lines.
 */
function tell(message: string): void {
  writeFd(2, `${redactPasswords(message)}\n`);
}

/**
 * The home directory as Python's `expanduser` finds it: `HOME`, else the
 * passwd entry; undefined with neither (as in a minimal container).
 */
function homeDirectory(
  env: Record<string, string | undefined>,
): string | undefined {
  if (env.HOME !== undefined) return env.HOME;
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/**
 * The user defaults file (`BUILDOUT_HOME` wins over `HOME`), or undefined
 * when none can be seen: as zc.buildout's `os.path.exists` has it, a home
 * that cannot be searched, or no home at all, holds no user defaults.
 */
export function userDefaultsPath(
  env: Record<string, string | undefined>,
): string | undefined {
  let path: string;
  if (env.BUILDOUT_HOME) path = join(env.BUILDOUT_HOME, "default.cfg");
  else {
    const home = homeDirectory(env);
    if (home === undefined) return undefined;
    // An empty HOME is the root, as Python's expanduser has it, not the
    // current directory.
    path = join(home || "/", ".buildout", "default.cfg");
  }
  // A relative HOME is from the current directory, where existsSync looks:
  // read as is, it would be joined to its own directory again.
  return existsSync(path) ? resolve(path) : undefined;
}

/**
 * Loads and merges the configuration without resolving any value: what
 * `annotate` shows, so it works on partial and instance profiles too.
 * From the real files, the last load is reused while they hold the same
 * texts (see load_cache.ts).
 *
 * @throws {UserError} with the `Initializing.` context.
 */
export function loadBuildoutConfig(
  request: OpenRequest,
  source: ConfigSource = realSource,
): Promise<ConfigData> {
  return doingAsync("Initializing.", () =>
    loadConfigCached(
      {
        configFile: request.configFile,
        cwd: request.cwd,
        userDefaults: request.userDefaults
          ? userDefaultsPath(request.env)
          : undefined,
        assignments: request.assignments,
        executable: process.execPath,
        home: homeDirectory(request.env),
      },
      source,
      source === realSource ? configCache(request.env) : undefined,
    ));
}

/**
 * Loads the configuration and initializes `[buildout]` as zc.buildout's
 * constructor does.
 *
 * @throws {UserError} with the `Initializing.` context.
 */
export async function openBuildout(
  request: OpenRequest,
  source: ConfigSource = realSource,
): Promise<Buildout> {
  const data = await loadBuildoutConfig(request, source);
  refuseReferenceInDirectory(data);
  const buildout = new Buildout(data);
  const cache = source === realSource ? configCache(request.env) : undefined;
  const load = keptLoadOf(data);
  if (cache && load) noteKeptLoad(buildout, cache, load);
  doing("Initializing.", () => {
    const options = buildout.section("buildout");
    let directory = options.require("directory");
    // A written directory is absolute already (see Buildout); one made by a
    // substitution may still be relative: from the current directory, as
    // zc.buildout joins it, since a run changes into it more than once.
    if (!isAbsolute(directory)) {
      directory = resolve(request.cwd, directory);
      options.set("directory", directory);
    }
    for (const name of DIRECTORY_OPTIONS) {
      options.set(name, resolveIn(directory, options.require(name)));
    }
    const installed = options.require("installed");
    if (installed) options.set("installed", resolveIn(directory, installed));
    for (const name of ["download-cache", "extends-cache"]) {
      const value = options.get(name);
      if (value) options.set(name, resolveIn(directory, value));
    }
    configureLogging(
      options.require("log-level"),
      options.get("verbosity") ?? "0",
      options.require("log-format"),
    );
    for (const name of BOOLEAN_OPTIONS) options.getBool(name);
    if (options.getBool("offline")) options.set("newest", "false");
    checkDownloadOptions(options, data.get("buildout")?.get("download-cache"));
    // Reading every default marks it used: no "Unused options" warning.
    for (const name of defaultBuildoutOptions("").keys()) options.get(name);
    for (const name of ZC_BUILDOUT_ONLY_OPTIONS) options.get(name);
  });
  const { configureDistributions } = await import("./dists/distributions.ts");
  doing("Initializing.", () =>
    configureDistributions(
      buildout,
      async (main) =>
        (await import("./dists/dist_transport.ts")).distTransport(main),
      cache,
    ));
  return buildout;
}

/**
 * The buildout directory found from the configuration file's place is a
 * path, but `[buildout]` values are substituted: a `${` in it (a directory
 * named after a shell variable that was never expanded, such as
 * `${WORKSPACE}`) would be read as a reference, an error naming a
 * substitution the configuration does not hold or, worse, another
 * directory to build in.
 *
 * @throws {UserError} naming the directory, when it holds `${`.
 */
function refuseReferenceInDirectory(data: ConfigData): void {
  const directory = data.get("buildout")?.get("directory");
  // Substitution keeps `$${` as written (see substitute.ts).
  if (
    !directory?.value.split("$$").some((piece) => piece.includes("${")) ||
    directory.notes[directory.notes.length - 1]?.source !== COMPUTED_VALUE
  ) return;
  throw new UserError(
    `The buildout directory's path holds '\${', which option values would ` +
      `read as a substitution: ${oneLine(directory.value)}; rename it`,
  );
}

/**
 * For a relative `download-cache` that a file in another directory (user
 * defaults) sets, where zc.buildout 2 and later read it, from that file's
 * directory, when a directory is there: the cache the user meant.
 */
function fromItsFile(written: AnnotatedValue | undefined): string {
  const source = written?.notes.at(-1)?.source;
  if (
    !written || !source || !isAbsolute(source) ||
    isAbsolute(written.value) || written.value.includes("${")
  ) return "";
  const there = resolve(dirname(source), written.value);
  if (!isDirectory(there)) return "";
  return `\n(${clipped(source)} sets it to ${
    clipped(written.value, pyRepr)
  }, ` +
    `which zc.buildout 2 and later read as ${clipped(there)}, from that ` +
    "file's directory; here, as in zc.buildout 1.5.2, a relative path is " +
    "from the buildout directory: write the absolute path)";
}

/**
 * The download options zc.buildout checks on start: the download cache
 * must exist, installing from the cache needs one, and a socket timeout
 * that is not a number is ignored with a warning.
 *
 * @throws {UserError} for a download cache that is missing or not a
 *   directory (zc.buildout says `Doesn't exist.` for both), or
 *   `install-from-cache` without one.
 */
function checkDownloadOptions(
  options: Options,
  written: AnnotatedValue | undefined,
): void {
  const cache = options.get("download-cache");
  if (cache && !isDirectory(cache)) {
    throw new UserError(
      `The specified download cache:\n${clipped(cache, pyRepr)}\n` +
        (existsSync(cache) ? "Is not a directory." : "Doesn't exist.") +
        fromItsFile(written),
    );
  }
  if (!cache && options.getBool("install-from-cache")) {
    throw new UserError(
      "install-from-cache is true but no download-cache is set to install from",
    );
  }
  const timeout = options.get("socket-timeout") ?? "";
  if (timeout && !/^\s*\d+\s*$/.test(timeout)) {
    logger.warn(
      "Default socket timeout is used !\n" +
        `Value in configuration is not numeric: [${clipped(timeout)}].`,
    );
  } else if (/^\s*0+\s*$/.test(timeout)) {
    logger.warn(
      "Default socket timeout is used !\n" +
        `Value in configuration is not a positive number: [${
          clipped(timeout.trim())
        }].`,
    );
  }
}
