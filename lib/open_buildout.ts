/**
 * Building the Buildout object for a command: load the configuration with
 * real file and URL access, then initialize `[buildout]` the way zc.buildout's
 * constructor does (absolute directories, logging, boolean checks).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Buildout, resolveIn } from "./buildout.ts";
import type { ConfigData } from "./config/annotated.ts";
import { evaluateCondition } from "./config/condition.ts";
import {
  defaultBuildoutOptions,
  DIRECTORY_OPTIONS,
} from "./config/defaults.ts";
import {
  type Assignment,
  type ConfigSource,
  loadConfig,
} from "./config/load.ts";
import { doing, doingAsync, UserError } from "./errors.ts";
import { fetchText } from "./fetch/fetch_text.ts";
import { configureLogging } from "./log.ts";

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
};

/** Reads files from disk and URLs over the network. */
export const realSource: ConfigSource = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      const reason = READ_ERRORS[code ?? ""] ?? (err as Error).message;
      throw new UserError(`Couldn't read ${path}: ${reason}`);
    }
  },
  readUrl(url, download) {
    const timeout = Number(download.get("socket-timeout") || "") || undefined;
    return fetchText(url, { timeoutSeconds: timeout });
  },
  evaluate: evaluateCondition,
};

/** The path of the user defaults file (`BUILDOUT_HOME` wins over `HOME`). */
export function userDefaultsPath(env: Record<string, string | undefined>) {
  if (env.BUILDOUT_HOME) return join(env.BUILDOUT_HOME, "default.cfg");
  return join(env.HOME ?? homedir(), ".buildout", "default.cfg");
}

/**
 * Loads and merges the configuration without resolving any value: what
 * `annotate` shows, so it works on partial and instance profiles too.
 *
 * @throws {UserError} with the `Initializing.` context.
 */
export function loadBuildoutConfig(
  request: OpenRequest,
  source: ConfigSource = realSource,
): Promise<ConfigData> {
  return doingAsync("Initializing.", () =>
    loadConfig({
      configFile: request.configFile,
      cwd: request.cwd,
      userDefaults: request.userDefaults
        ? userDefaultsPath(request.env)
        : undefined,
      assignments: request.assignments,
      executable: process.execPath,
    }, source));
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
  const buildout = new Buildout(await loadBuildoutConfig(request, source));
  doing("Initializing.", () => {
    const options = buildout.section("buildout");
    const directory = options.require("directory");
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
    // Reading every default marks it used: no "Unused options" warning.
    for (const name of defaultBuildoutOptions("").keys()) options.get(name);
  });
  return buildout;
}
