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
import { withHomePaths } from "./home_paths.ts";
import { settled, update, updateSection } from "./merge.ts";
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
  /** What a leading `~` of the cache and eggs directories stands for. */
  home?: string;
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
  // Files the command line extends with (zc.buildout 2 and later), not an
  // option: read after the configuration file, before the assignments.
  const commandLineExtends = override.get("extends")?.value;
  override.delete("extends");

  let userDefaults: ConfigData | undefined;
  if (
    request.userDefaults && source.readFile(request.userDefaults) !== undefined
  ) {
    const own = await new Loader(source, override, request.home).load(
      dirname(request.userDefaults),
      request.userDefaults,
      new Map(buildout),
    );
    update(data, own);
    userDefaults = resolvedLayer(own, data);
  }
  // The user defaults' options (extends-cache, offline) govern the
  // downloads of the project's configuration. A loader of its own: a URL
  // the user defaults extend too is downloaded again, into the project's
  // extends cache, as zc.buildout does.
  const root = await new Loader(
    source,
    override,
    request.home,
    userDefaults,
  ).load(
    isUrl(configFile) ? "" : dirname(configFile),
    configFile,
    new Map(data.get("buildout")),
  );
  update(data, root);
  for (const name of commandLineExtends?.split(/\s+/).filter(Boolean) ?? []) {
    // Its own reading, as zc.buildout's: relative to the current directory,
    // its `+=`/`-=` adding to what the configuration file set.
    const extension = await new Loader(source, override, request.home)
      .loadPending(request.cwd, name, new Map(data.get("buildout")));
    update(data, extension);
  }
  update(data, commandLine);
  data.set("buildout", withHomePaths(data.get("buildout")!, request.home));
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

/** A file as read: its own sections and the files it extends, in order. */
interface Profile {
  own: ConfigData;
  bases: Profile[];
  /** Extends (or the load itself) still to take its merged result. */
  users: number;
  /** Its sections merged over those of its bases, once made. */
  merged?: ConfigData;
}

/**
 * One load: reads every file once (chains share files), then merges each
 * over what it extends. A merged result its last user takes is updated in
 * place rather than copied, so that a chain of n files holds n sets of
 * sections, not one per file per level.
 */
class Loader {
  private readonly profiles = new Map<string, Profile>();

  /**
   * @param userDefaults merged under the first file that extends nothing, as
   *   zc.buildout >= 3.0.0b1 does, so that its `+=`/`-=` (and those of the
   *   files extending it) apply to the user defaults.
   */
  constructor(
    private readonly source: ConfigSource,
    private readonly override: AnnotatedSection,
    private readonly home: string | undefined,
    private userDefaults?: ConfigData,
  ) {}

  /** zc.buildout's `_open` of the file `name`: merged over all it extends. */
  async load(
    base: string,
    name: string,
    download: AnnotatedSection,
  ): Promise<ConfigData> {
    return settled(await this.loadPending(base, name, download));
  }

  /**
   * {@link load}, leaving pending the `+=`/`-=` that no file read sets a
   * value below: they apply to the configuration it is merged over.
   */
  async loadPending(
    base: string,
    name: string,
    download: AnnotatedSection,
  ): Promise<ConfigData> {
    const root = await this.open(base, name, [], new Set(), download);
    this.merge(root);
    return this.take(root);
  }

  /**
   * Reads the file `name` and, first, all it extends. `seen` is the chain
   * of files being opened (`resolved`: their resolved URLs), for cycle
   * detection.
   */
  private async open(
    base: string,
    name: string,
    seen: string[],
    resolved: Set<string>,
    download: AnnotatedSection,
  ): Promise<Profile> {
    updateSection(download, this.override);
    const { location, base: fileBase } = locate(base, name);
    const url = resolvedUrl(location);
    if (resolved.has(url)) {
      throw new UserError(
        `Recursive file include: ${
          [...seen, location].map((file) => clipped(file)).join(" -> ")
        }`,
      );
    }
    const known = this.profiles.get(location);
    if (known) {
      known.users++;
      return known;
    }

    const text = await this.read(location, seen, download);
    const own = parseAnnotated(text, location, this.source.evaluate);
    const ownBuildout = own.get("buildout");
    refuseExtendedBy(ownBuildout, location);
    const extendsValue = ownBuildout?.get("extends")?.value;
    const optionalValue = ownBuildout?.get("optional-extends")?.value;
    ownBuildout?.delete("extends");
    ownBuildout?.delete("optional-extends");
    // A value holds the marker only if the text does: a value is made of
    // pieces of lines, and the marker spans no line break.
    if (text.includes(BASE_LOCATION)) {
      for (const section of own.values()) {
        // Values fresh from parse, which nothing else has seen yet.
        for (const option of section.values() as Iterable<RawOption>) {
          const value = substituteBaseLocation(option.value, fileBase);
          if (value === option.value) continue;
          option.value = value;
          option.notes = [{ op: "=", source: location, base: fileBase }];
        }
      }
    }
    if (seen.length === 0 && ownBuildout) {
      updateSection(download, ownBuildout);
    }

    seen.push(location);
    resolved.add(url);
    const bases: Profile[] = [];
    try {
      for (const name of extendsValue?.split(/\s+/).filter(Boolean) ?? []) {
        bases.push(await this.open(fileBase, name, seen, resolved, download));
      }
      for (
        const name of optionalValue?.split(/\s+/).filter(Boolean) ?? []
      ) {
        const profile = await this.openOptional(
          fileBase,
          name,
          seen,
          resolved,
          download,
        );
        if (profile) bases.push(profile);
      }
    } finally {
      seen.pop();
      resolved.delete(url);
    }
    const profile: Profile = { own, bases, users: 1 };
    if (this.userDefaults && bases.length === 0) {
      // Only this extends sees them: later ones read the file on its own.
      // Its `+=`/`-=` made pending once, for both: merged again, the
      // lines they added over the user defaults are not added twice.
      const pending = update(new Map(), own);
      this.profiles.set(location, { own: pending, bases, users: 0 });
      profile.own = update(copyData(this.userDefaults), pending);
      this.userDefaults = undefined;
    } else {
      this.profiles.set(location, profile);
    }
    return profile;
  }

  /**
   * Merges `root` and every file below it, each before the files extending
   * it. Without recursion: chains can be thousands of files deep.
   */
  private merge(root: Profile): void {
    const stack = [root];
    const expanded = new Set<Profile>();
    while (stack.length > 0) {
      const profile = stack[stack.length - 1];
      if (profile.merged) {
        stack.pop();
      } else if (!expanded.has(profile)) {
        expanded.add(profile);
        for (let i = profile.bases.length - 1; i >= 0; i--) {
          if (!profile.bases[i].merged) stack.push(profile.bases[i]);
        }
      } else {
        stack.pop();
        this.combine(profile);
      }
    }
  }

  /** Sets `profile.merged`, once its bases are merged. */
  private combine(profile: Profile): void {
    const { own, bases } = profile;
    if (bases.length === 0) {
      // Its `+=`/`-=` become pending values, made once: merged again (the
      // file extended twice), they are not applied twice.
      profile.merged = update(new Map(), own);
      return;
    }
    const combined = this.take(bases[0]);
    for (let i = 1; i < bases.length; i++) {
      update(combined, this.take(bases[i], false));
    }
    profile.merged = update(combined, own);
  }

  /**
   * A user's share of the merged result of `profile`, to change (a copy
   * unless no other user is left to read it) or only to read.
   */
  private take(profile: Profile, change = true): ConfigData {
    const data = profile.merged!;
    if (--profile.users > 0) return change ? copyData(data) : data;
    profile.merged = undefined;
    return data;
  }

  /** {@link open} for `optional-extends`: undefined when there is no such file. */
  private async openOptional(
    base: string,
    name: string,
    seen: string[],
    resolved: Set<string>,
    download: AnnotatedSection,
  ): Promise<Profile | undefined> {
    const { location } = locate(base, name);
    // zc.buildout's words for a skipped file.
    const skip = () => {
      this.source.notice?.(`optional-extends file not found: ${name}`);
      return undefined;
    };
    if (!isUrl(location)) {
      if (this.source.readFile(location) === undefined) return skip();
      return await this.open(base, name, seen, resolved, download);
    }
    try {
      return await this.open(base, name, seen, resolved, download);
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
      return await this.source.readUrl(
        location,
        values(withHomePaths(download, this.home)),
      );
    }
    const text = this.source.readFile(location);
    if (text !== undefined) return text;
    const by = seen.length
      ? `, extended by ${clipped(seen[seen.length - 1])}`
      : "";
    if (location.includes("${")) {
      throw new UserError(
        oneLine(
          `Couldn't open ${clipped(location)}${by}: ` +
            "extends cannot use ${...} substitutions (they are resolved " +
            "only after all files are read)",
        ),
      );
    }
    throw new UserError(`Couldn't open ${clipped(location)}${by}`);
  }
}

/**
 * zc.buildout 1.x's `extended-by` (files merged over this one) is refused,
 * as zc.buildout 2 and later refuse it: ignored, those files' settings would
 * silently be missing from the build.
 */
function refuseExtendedBy(
  buildout: AnnotatedSection | undefined,
  location: string,
): void {
  if (!buildout) return;
  for (const key of ["extended-by", "extended-by +", "extended-by -"]) {
    if (!buildout.has(key)) continue;
    throw new UserError(
      `No-longer supported "extended-by" option found in ${
        clipped(location)
      } (remove it, and name this file and the files it lists, in that ` +
        "order, in the extends of a file of your own)",
    );
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
