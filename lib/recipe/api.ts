/**
 * What a recipe author writes and what a recipe is given.
 *
 * A recipe module is loaded from outside the executable and cannot import
 * it, so everything it needs reaches it through the two objects it gets:
 * `buildout` (sections, `UserError`, loggers, downloads) and `options` (its
 * section). These interfaces describe exactly that surface; recipe packages
 * may copy them to type-check their code.
 *
 * ```ts
 * export default class Mkdir implements Recipe {
 *   constructor(
 *     buildout: RecipeBuildout,
 *     name: string,
 *     private options: RecipeOptions,
 *   ) {
 *     options.set("path", buildout.section("buildout").require("directory") + "/x");
 *   }
 *   install() { ... return this.options.require("path"); }
 * }
 * export function uninstall(name: string, options: Record<string, string>) {}
 * ```
 */

/** A logger: `info("x")` prints `partname: x` at the INFO level. */
export interface RecipeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * What {@link RecipeBuildout.logger} returns: a {@link RecipeLogger} that
 * also has Python's names (`warning`, `critical`) and formats `args` into
 * the message as Python's logging does: `info("Got %s", name)`.
 */
export interface PartLogger extends RecipeLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  warning(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
  critical(message: string, ...args: unknown[]): void;
}

/** One section's options, as a recipe sees them. */
export interface RecipeOptions {
  /** The section (part) name. */
  readonly name: string;
  /**
   * The substituted value; when the option is not defined, `fallback` if
   * given (as Python's `options.get(name, default)`), else undefined.
   */
  get(option: string, fallback?: string): string | undefined;
  /** The substituted value; a user error `Missing option: s:o` if absent. */
  require(option: string): string;
  /**
   * Sets an option: constructors record what they computed here, for other
   * sections to read and `.installed.cfg` to keep. The name must be a
   * string that reads back from a configuration file, the value a string
   * without a NUL character (anything else is a TypeError). What
   * install or update sets is not kept, as in zc.buildout, which records a
   * part's options as they were before the call.
   */
  set(option: string, value: string): void;
  /**
   * Deletes an option, configured or set, as Python's `del options[name]`:
   * the part neither records it nor reports it unused. Returns whether it
   * was defined.
   */
  delete(option: string): boolean;
  has(option: string): boolean;
  keys(): string[];
  entries(): Array<[string, string]>;
  /** `true`/`false` only; anything else is a user error. */
  getBool(option: string): boolean;
  /**
   * The directories or URLs `${:_profile_base_location_}` was replaced with
   * in this section's values (one per profile writing it there), so that
   * a recipe keying a build by its options can leave out where the
   * profiles are. Absent from options made outside a buildout.
   */
  profileBases?(): string[];
  /**
   * Registers created paths (removed if install/update throws) and returns
   * the list of all registered so far (the list itself, as in zc.buildout);
   * only valid during install or update. For a path the next install
   * would trip over (`mkdirSync`), check that it is absent, register it,
   * then create it: registered only once made, a run killed in between
   * leaves it in the way; registered while something else holds the name,
   * a failed install removes that.
   */
  created(...paths: string[]): string[];
}

/** The buildout, as a recipe sees it. */
export interface RecipeBuildout {
  /** A section, initialized (and its recipe constructed) on first use. */
  section(name: string): RecipeOptions;
  /**
   * Adds a section, as zc.buildout's `buildout[name] = {...}`, and returns
   * it initialized: its values substitute, other sections read it. One with
   * a recipe is a part, as any section with a recipe used before the parts
   * are installed: added by a recipe's constructor (a meta-recipe), it is
   * installed before that recipe's part. Its recipe must be
   * built in or written out in some section of the configuration, as
   * modules are imported before the parts are initialized. A section of
   * that name existing is a user error; a value that is not a string, a
   * TypeError.
   */
  addSection(
    name: string,
    options: Record<string, string> | Map<string, string>,
  ): RecipeOptions;
  /**
   * Adds the sections of configuration text, as zc.buildout's
   * `buildout.parse()`: indented as a whole (a template literal in the
   * recipe's code) is fine. Each is added as {@link addSection} adds one,
   * all before any is initialized, so they may substitute from each other
   * in any order. A line the parser refuses, a `+=` or `-=`, or a section
   * that exists is a user error, and adds nothing.
   */
  parse(text: string): void;
  has(name: string): boolean;
  sectionNames(): string[];
  /**
   * Throw this for mistakes a user can fix: printed as `Error: message`;
   * `-D` also shows the stack of `options.cause`, what failed underneath.
   */
  readonly UserError: new (message: string, options?: ErrorOptions) => Error;
  /** A logger printing `name: message`. */
  logger(name: string): PartLogger;
  /**
   * Downloads a URL or local path with the buildout's settings
   * (`download-cache`, `offline`, `install-from-cache`, `socket-timeout`,
   * `allow-hosts`), which `options` override. Without a cache or `path`
   * the result is a temporary file, removed when the run ends. Mismatching
   * checksums, offline misses and network failures are user errors; an
   * option it does not know (Python's `md5sum`) or of another type
   * (`offline: "false"`) is a `TypeError`.
   */
  download(url: string, options?: DownloadOptions): Promise<DownloadResult>;
  /**
   * Extracts the archive `file` (tar, tar.gz, tar.bz2, tar.xz, tar.lz or
   * zip, recognised by content) into `destination`, created if missing, and
   * returns the top-level entries it added there: what existed before is
   * not returned, so a shared destination survives uninstall. Nothing is
   * left behind when it fails; no member lands outside `destination`. An
   * option it does not know (Python's `strip_top_level_dir`) or of another
   * type (`stripTopLevelDir: "false"`) is a `TypeError`.
   */
  extract(
    file: string,
    destination: string,
    options?: ExtractOptions,
  ): Promise<string[]>;
}

/** Per-call options of {@link RecipeBuildout.download}. */
export interface DownloadOptions {
  /** Expected MD5 (hex); a mismatch is a user error. */
  md5?: string;
  /** Expected SHA-256 (hex); a mismatch is a user error. */
  sha256?: string;
  /** Copy the result to this path instead of a temporary file. */
  path?: string;
  /**
   * Fetched instead when the URL cannot be downloaded (not when its
   * checksum fails), as SlapOS's buildout does; the copy is cached under
   * the URL's name.
   */
  alternateUrl?: string;
  /**
   * Cache directory, relative to the buildout directory; defaults to
   * `buildout:download-cache`, `""` for no cache.
   */
  cache?: string;
  /** Sub-directory of the cache. */
  namespace?: string;
  /** Store under the MD5 of the URL instead of its base name. */
  hashName?: boolean;
  /** Try the network first, the cache only when it fails. */
  fallback?: boolean;
  /** Overrides the buildout's offline setting. */
  offline?: boolean;
  /** Logs `Downloading URL` here (e.g. the part's logger). */
  logger?: RecipeLogger;
}

/** Where a download landed; `isTemp` when the caller owns a temp file. */
export interface DownloadResult {
  path: string;
  isTemp: boolean;
  /**
   * The download cache's copy, when this download fetched it and put it
   * there (a cache miss); a caller that finds the file unusable removes it,
   * so later runs do not use it again.
   */
  stored?: string;
  /**
   * The download cache's copy, when this download used one it found there:
   * a caller finding the file unusable can say which URL it came from.
   */
  cached?: string;
  /**
   * The alternate URL, when the file was fetched from it because the URL
   * could not be: the one to name when the file turns out unusable.
   */
  fetchedFrom?: string;
}

/** Options of {@link RecipeBuildout.extract}. */
export interface ExtractOptions {
  /**
   * Drop the single top-level directory: `true` requires exactly one (a
   * user error otherwise), `"auto"` drops it only when there is one.
   */
  stripTopLevelDir?: boolean | "auto";
  /**
   * Shell-style patterns of members to skip, matched as Python's
   * `fnmatch.fnmatch` does (hexagonit.recipe.download's `excludes`)
   * against each member's whole name as archived (before stripping, a
   * directory's without its trailing `/`): `*` matches `/` too, and a
   * skipped directory's members are matched on their own.
   */
  excludes?: string[];
  /**
   * Called once every member is unpacked (into a temporary directory), before
   * anything reaches the destination, with the members `excludes` skipped,
   * named as matched, in archive order.
   */
  onUnpacked?: (excluded: string[]) => void;
  /**
   * Decides, before anything moves, what happens to a top-level entry that
   * already exists in the destination (called with its absolute path):
   * `"merge"` (the default without this) merges directories and replaces
   * files, `"skip"` keeps the existing entry; throwing refuses.
   *
   * ```ts
   * onExisting: (path) => {
   *   throw new buildout.UserError(`Target ${path} already exists.`);
   * }
   * ```
   */
  onExisting?: (path: string) => "merge" | "skip";
  /**
   * Called with each path the extraction is about to create in the
   * destination (the destination itself when it did not exist, else each
   * new top-level entry), just before it appears: the moment to register it
   * with `options.created()`, so that even a run killed right afterwards
   * has it removed by the next run.
   */
  onCreating?: (path: string) => void;
}

/** Paths to remove on uninstall: one, several, or none (also `null`). */
export type InstallResult =
  | string
  | Iterable<string>
  | void
  | undefined
  | null;

/** A constructed recipe. */
export interface Recipe {
  /** Creates the part; returns the paths it created. */
  install(): InstallResult | Promise<InstallResult>;
  /**
   * Updates an unchanged part; returned paths are added to the recorded
   * ones, nothing keeps them. Without it, `install` is called.
   */
  update?(): InstallResult | Promise<InstallResult>;
}

/** A recipe class, or a factory function returning a recipe. */
export type RecipeFactory =
  | (new (
    buildout: RecipeBuildout,
    name: string,
    options: RecipeOptions,
  ) => Recipe)
  | ((
    buildout: RecipeBuildout,
    name: string,
    options: RecipeOptions,
  ) => Recipe);

/** What an uninstall recipe is given. */
type UninstallArgs = [
  name: string,
  options: Record<string, string>,
  buildout: RecipeBuildout,
];

/**
 * Runs before a part's recorded paths are removed, with the options saved
 * in the installation database (the section may no longer exist). A class
 * is constructed with them, as Python calls a class. A section it reads
 * through `buildout` has its recipe constructed, but is not installed: the
 * parts to install are decided by then.
 */
export type UninstallRecipe =
  | ((...args: UninstallArgs) => void | Promise<void>)
  | (new (...args: UninstallArgs) => unknown);

/**
 * An extension (or its unload hook), called with the buildout; a class
 * is constructed with it (as mr.developer's extension is in Python).
 */
export type Extension =
  | ((buildout: RecipeBuildout) => void | Promise<void>)
  | (new (buildout: RecipeBuildout) => unknown);
