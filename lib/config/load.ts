/**
 * Reading the configuration: defaults, user defaults, the root file with its
 * extends chains (files and URLs), and command-line assignments, merged with
 * the origin of every value. All I/O goes through a {@link ConfigSource}.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { clipped, oneLine, UserError } from "../errors.ts";
import {
  type AnnotatedSection,
  COMMAND_LINE_VALUE,
  COMPUTED_VALUE,
  type ConfigData,
  copyData,
  isOperatorKey,
  parseAnnotated,
  plain,
  values,
} from "./annotated.ts";
import { defaultBuildoutOptions } from "./defaults.ts";
import { update, updateSection } from "./merge.ts";
import type { ConditionEvaluator, RawOption } from "./parse.ts";

/** A `section:option=value` assignment from the command line. */
export interface Assignment {
  section: string;
  /** May end in `+` or `-` for `+=` / `-=`. */
  option: string;
  value: string;
}

/**
 * What {@link ConfigSource.readUrl} rejects with when the URL names no file
 * (HTTP 404 or 410, a missing `file:` path, or offline one not cached), so
 * an `optional-extends` URL can be skipped as a missing optional file is.
 */
export class UrlNotFound extends UserError {
  constructor(readonly url: string, message: string) {
    super(message);
    this.name = "UrlNotFound";
  }
}

/** Where configuration text comes from. */
export interface ConfigSource {
  /** A local file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /**
   * A URL's text; `download` holds the `[buildout]` options in force.
   * Rejects with {@link UrlNotFound} when there is no such file.
   */
  readUrl(url: string, download: Map<string, string>): Promise<string>;
  /** Decides conditional section headers. */
  evaluate: ConditionEvaluator;
  /** Tells the user something while reading (a skipped optional file). */
  notice?(message: string): void;
}

/** What to load. */
export interface LoadRequest {
  /** Path (relative to cwd) or URL of the root file. */
  configFile: string;
  cwd: string;
  /** Path of the user defaults file; omitted with `-U`. */
  userDefaults?: string;
  assignments: Assignment[];
  /** Value of the `executable` default. */
  executable: string;
}

const URL_PATTERN = /^[a-zA-Z0-9+.-]+:\/\//;

/** True for `scheme://...` (zc.buildout's `_isurl`). */
export function isUrl(name: string): boolean {
  return URL_PATTERN.test(name);
}

/**
 * Loads and merges the whole configuration.
 *
 * @throws {UserError} `Couldn't open PATH` for a missing root file, and the
 *   errors of parsing, extends and downloads, each naming the file or URL.
 */
export async function loadConfig(
  request: LoadRequest,
  source: ConfigSource,
): Promise<ConfigData> {
  source = readingOnce(source);
  const buildout = defaultBuildoutOptions(request.executable);
  const data: ConfigData = new Map([["buildout", buildout]]);
  let configFile = request.configFile;
  if (!isUrl(configFile)) {
    configFile = resolve(request.cwd, configFile);
    if (source.readFile(configFile) === undefined) {
      throw new UserError(`Couldn't open ${clipped(configFile)}`);
    }
    buildout.set("directory", {
      value: dirname(configFile),
      notes: [{ op: "=", source: COMPUTED_VALUE }],
    });
  }
  const commandLine = commandLineData(request.assignments);
  const override = commandLine.get("buildout") ?? new Map();

  let userDefaults: ConfigData | undefined;
  if (
    request.userDefaults && source.readFile(request.userDefaults) !== undefined
  ) {
    const own = await new Loader(source, override).open(
      dirname(request.userDefaults),
      request.userDefaults,
      [],
      new Map(buildout),
    );
    update(data, own);
    userDefaults = resolvedLayer(own, data);
  }
  // The user defaults' options (extends-cache, offline) govern the
  // downloads of the project's configuration. A loader of its own: a URL
  // the user defaults extend too is downloaded again, into the project's
  // extends cache, as zc.buildout does.
  const root = await new Loader(source, override, userDefaults).open(
    isUrl(configFile) ? "" : dirname(configFile),
    configFile,
    [],
    new Map(data.get("buildout")),
  );
  update(data, root);
  update(data, commandLine);
  return data;
}

/**
 * The options `layer` sets (`x +` as `x`), with their values as merged into
 * `data`: the user defaults as the base of the project's files.
 */
function resolvedLayer(layer: ConfigData, data: ConfigData): ConfigData {
  const result: ConfigData = new Map();
  for (const [name, section] of layer) {
    const merged = data.get(name)!;
    const options: AnnotatedSection = new Map();
    for (const key of section.keys()) {
      const option = isOperatorKey(key) ? key.slice(0, -1).trimEnd() : key;
      const value = merged.get(option);
      if (value) options.set(option, value);
    }
    result.set(name, plain(options));
  }
  return result;
}

/**
 * The same source, reading each local file at most once: existence checks
 * (root file, user defaults, optional extends) are followed by the read.
 */
function readingOnce(source: ConfigSource): ConfigSource {
  const texts = new Map<string, string | undefined>();
  return {
    ...source,
    readFile(path) {
      if (!texts.has(path)) texts.set(path, source.readFile(path));
      return texts.get(path);
    },
  };
}

function commandLineData(assignments: Assignment[]): ConfigData {
  const data: ConfigData = new Map();
  const notes = [{ op: "=" as const, source: COMMAND_LINE_VALUE }];
  for (const { section, option, value } of assignments) {
    if (!data.has(section)) data.set(section, new Map());
    data.get(section)!.set(option, { value, notes });
  }
  return data;
}

/** One load: remembers each file's merged result, since chains share files. */
class Loader {
  private readonly merged = new Map<string, ConfigData>();

  /**
   * @param userDefaults merged under the first file that extends nothing, as
   *   zc.buildout >= 3.0.0b1 does, so that its `+=`/`-=` (and those of the
   *   files extending it) apply to the user defaults.
   */
  constructor(
    private readonly source: ConfigSource,
    private readonly override: AnnotatedSection,
    private userDefaults?: ConfigData,
  ) {}

  /**
   * zc.buildout's `_open`: one file merged over everything it extends.
   * `seen` is the chain of files being opened, for cycle detection. The
   * result is shared with later opens of the same file: read it, or copy
   * it to change it.
   */
  async open(
    base: string,
    name: string,
    seen: string[],
    download: AnnotatedSection,
  ): Promise<ConfigData> {
    updateSection(download, this.override);
    const { location, base: fileBase } = locate(base, name);
    const resolved = resolvedUrl(location);
    if (seen.some((file) => resolvedUrl(file) === resolved)) {
      throw new UserError(
        `Recursive file include: ${
          [...seen, location].map((file) => clipped(file)).join(" -> ")
        }`,
      );
    }
    const known = this.merged.get(location);
    if (known) return known;

    const text = await this.read(location, seen, download);
    let result = parseAnnotated(text, location, this.source.evaluate);
    const own = result.get("buildout");
    const extendsValue = own?.get("extends")?.value;
    const optionalValue = own?.get("optional-extends")?.value;
    own?.delete("extends");
    own?.delete("optional-extends");
    // A value holds the marker only if the text does: a value is made of
    // pieces of lines, and the marker spans no line break.
    if (text.includes(BASE_LOCATION)) {
      for (const section of result.values()) {
        // Values fresh from parse, which nothing else has seen yet.
        for (const option of section.values() as Iterable<RawOption>) {
          const value = substituteBaseLocation(option.value, fileBase);
          if (value === option.value) continue;
          option.value = value;
          option.notes = [{ op: "=", source: location, base: fileBase }];
        }
      }
    }
    const rootFile = seen.length === 0;
    const buildoutSection = result.get("buildout");
    if (rootFile && buildoutSection) updateSection(download, buildoutSection);

    seen.push(location);
    const bases: ConfigData[] = [];
    try {
      for (const name of extendsValue?.split(/\s+/).filter(Boolean) ?? []) {
        bases.push(await this.open(fileBase, name, seen, download));
      }
      for (
        const name of optionalValue?.split(/\s+/).filter(Boolean) ?? []
      ) {
        const data = await this.openOptional(fileBase, name, seen, download);
        if (data) bases.push(data);
      }
      if (bases.length) {
        const combined = copyData(bases[0]);
        for (const next of bases.slice(1)) update(combined, next);
        result = update(combined, result);
      }
    } finally {
      seen.pop();
    }
    this.merged.set(location, result);
    if (this.userDefaults && bases.length === 0) {
      result = update(copyData(this.userDefaults), result);
      this.userDefaults = undefined;
    }
    return result;
  }

  /** {@link open} for `optional-extends`: undefined when there is no such file. */
  private async openOptional(
    base: string,
    name: string,
    seen: string[],
    download: AnnotatedSection,
  ): Promise<ConfigData | undefined> {
    const { location } = locate(base, name);
    // zc.buildout's words for a skipped file.
    const skip = () => {
      this.source.notice?.(`optional-extends file not found: ${name}`);
      return undefined;
    };
    if (!isUrl(location)) {
      if (this.source.readFile(location) === undefined) return skip();
      return await this.open(base, name, seen, download);
    }
    try {
      return await this.open(base, name, seen, download);
    } catch (err) {
      // Only the optional file itself may be missing, not what it extends.
      if (err instanceof UrlNotFound && err.url === location) return skip();
      throw err;
    }
  }

  private async read(
    location: string,
    seen: string[],
    download: AnnotatedSection,
  ): Promise<string> {
    if (isUrl(location)) {
      return await this.source.readUrl(location, values(download));
    }
    const text = this.source.readFile(location);
    if (text === undefined && location.includes("${")) {
      throw new UserError(
        oneLine(
          `Couldn't open ${clipped(location)}, extended by ${
            clipped(seen[seen.length - 1])
          }: ` +
            "extends cannot use ${...} substitutions (they are resolved " +
            "only after all files are read)",
        ),
      );
    }
    if (text === undefined) {
      const by = seen.length
        ? `, extended by ${clipped(seen[seen.length - 1])}`
        : "";
      throw new UserError(`Couldn't open ${clipped(location)}${by}`);
    }
    return text;
  }
}

/** Where `name` points when read from a file whose directory or URL is `base`. */
function locate(
  base: string,
  name: string,
): { location: string; base: string } {
  if (isUrl(name)) return { location: name, base: urlBase(name) };
  if (isUrl(base)) {
    if (isAbsolute(name)) return { location: name, base: dirname(name) };
    // Joined as zc.buildout joins, not by URL rules: a base holding a query
    // (`get?f=dir`) keeps it, and `..` stays in the extends cache's key.
    const location = `${base}/${name}`;
    return { location, base: urlBase(location) };
  }
  const location = resolve(base, name);
  return { location, base: dirname(location) };
}

/**
 * A URL as a server resolves it (`a/./b/../c` is `a/c`), so a file that
 * extends itself through `.` or `..` is a cycle, not an ever longer URL.
 */
function resolvedUrl(location: string): string {
  return isUrl(location) && URL.canParse(location)
    ? new URL(location).href
    : location;
}

function urlBase(url: string): string {
  return url.slice(0, url.lastIndexOf("/"));
}

const BASE_LOCATION = "${:_profile_base_location_}";

/**
 * `${:_profile_base_location_}` is the directory or URL of the file the
 * value is written in (SlapOS's extension, later adopted by users at large),
 * replaced when the file is read so macros and overrides keep it. `$$` escapes.
 */
function substituteBaseLocation(value: string, base: string): string {
  if (!value.includes(BASE_LOCATION)) return value;
  return value.split("$$").map((part) => part.replaceAll(BASE_LOCATION, base))
    .join("$$");
}
