/**
 * The Buildout object: merged configuration as lazily resolved sections.
 * A section is initialized on first use (macros, then substitution of every
 * value that references another); referencing a section initializes it, which
 * is how the install engine discovers parts in dependency order.
 */
import { resolve } from "node:path";
import process from "node:process";
import {
  addDoing,
  clipped,
  isStackOverflow,
  MissingOption,
  MissingSection,
  UserError,
} from "./errors.ts";
import { Logger } from "./log.ts";
import {
  type AnnotatedSection,
  COMPUTED_VALUE,
  type ConfigData,
  isOperatorKey,
  values,
} from "./config/annotated.ts";
import { DIRECTORY_OPTIONS } from "./config/defaults.ts";
import { rawValue } from "./config/load_cache.ts";
import { evaluateCondition } from "./config/condition.ts";
import { dedent } from "./config/dedent.ts";
import { falseHeaderOf } from "./config/false_headers.ts";
import {
  extendSection,
  type OwnSection,
  type RawSection,
  type SectionLookup,
  setOwnOptions,
} from "./config/macros.ts";
import { parse } from "./config/parse.ts";
import { memoSubstitute } from "./_substitute_memo.ts";
import { OptionValues } from "./option_values.ts";
import { checkOptions } from "./recipe/check_options.ts";
import type {
  DownloadOptions,
  DownloadResult,
  ExtractOptions,
} from "./recipe/api.ts";

/**
 * The options being substituted, outermost first, as section and option
 * names in turn (no string made per option).
 */
type Chain = string[];

/** A section's configured values as a run that kept them substituted them. */
export interface KeptSection {
  values: OptionValues;
  /** Its own options its substitutions read, marked read again. */
  reads: readonly string[];
}

/**
 * @internal Told of each section's initialization, and asked for the
 * values a run kept of it: see kept_initialization.ts.
 */
export interface InitializationKeeper {
  /** The kept values of section `name`, if any; {@link holds} decides. */
  kept(name: string): KeptSection | undefined;
  /** True when the other sections' values `kept` read are what they were. */
  holds(kept: KeptSection): boolean;
  /** Section `name` initializes anew. */
  begin(name: string): void;
  /** Section `resolver`'s substitution read `section:option`. */
  looked(
    resolver: string,
    section: string,
    option: string,
    value: string | undefined,
  ): void;
  /** Section `name` initialized with `values`; undefined when it failed. */
  end(name: string, values: OptionValues | undefined): void;
}

/** The merged configuration, section by section. */
export class Buildout {
  /** Raw options of the sections used so far, views of the config. */
  private readonly raw = new Map<string, RawSection>();
  private readonly initialized = new Map<string, Options>();
  /** Sections {@link addSection} added. */
  private readonly added = new Set<string>();
  /** Macro bases as plain maps, see {@link baseValues}. */
  private readonly bases = new Map<string, Map<string, string>>();
  /** Called once per section, after its values are substituted. */
  onInitialize?: (options: Options) => void;
  /**
   * While set, called with a section the first time one of its options is
   * read (or listed) after its initialization.
   */
  onFirstRead?: (options: Options) => void;
  /** @internal see {@link InitializationKeeper}. */
  initializations?: InitializationKeeper;
  /**
   * The error class for mistakes a user can fix, for recipes: a recipe
   * module loaded from outside the executable cannot import it.
   */
  readonly UserError: typeof UserError = UserError;

  constructor(private readonly annotated: ConfigData) {
    const section = annotated.get("buildout");
    if (!section) return;
    // A copy, not a view: the standard directories are made absolute before
    // substitution, in case another section reads one (as zc.buildout does).
    const buildout = values(section);
    this.raw.set("buildout", buildout);
    let directory = buildout.get("directory");
    if (directory !== undefined) {
      // Relative (or empty) is from the current directory, as zc.buildout
      // joins it: absolute before any value substitutes it.
      directory = resolveIn(process.cwd(), directory);
      buildout.set("directory", directory);
      for (const name of DIRECTORY_OPTIONS) {
        const value = buildout.get(name);
        if (value !== undefined) {
          buildout.set(name, resolveIn(directory, value));
        }
      }
    }
  }

  /** Section names, in configuration order. */
  sectionNames(): string[] {
    return [...this.annotated.keys()];
  }

  /** True when the configuration defines `name`. */
  has(name: string): boolean {
    return this.annotated.has(name);
  }

  /**
   * The section `name`, initialized on first use.
   *
   * @throws {MissingSection} when no file defines it.
   * @throws {TypeError} when `name` is not a string.
   */
  section(name: string): Options {
    const known = this.initialized.get(name);
    if (known) return known;
    // Said in the recipe's terms (`section(options.get("absent"))`), not
    // by the string functions below.
    if (typeof name !== "string") {
      throw new TypeError(
        `Section names must be strings: the buildout was asked for ${
          kind(name)
        }`,
      );
    }
    // Inline try/catch rather than doing(): sections initialize recursively
    // through substitutions, and fewer frames per level keep deep chains fast.
    try {
      if (!this.annotated.has(name)) {
        throw new MissingSection(
          name,
          falseHeaderOf(name),
          name.endsWith(",") && this.annotated.has(name.slice(0, -1)),
        );
      }
      const options = new Options(this, name);
      this.initialized.set(name, options);
      options.initialize();
      return options;
    } catch (caught) {
      const err = isStackOverflow(caught)
        ? new UserError(
          `Too many nested substitutions at [${clipped(name)}]`,
        )
        : caught;
      addDoing(err, `Getting section ${clipped(name)}.`);
      throw err;
    }
  }

  /**
   * Adds section `name` holding `options`, as zc.buildout's
   * `buildout[name] = {...}` does for meta-recipes and extensions, and
   * initializes it: its values substitute (`${:path}`, `${other:x}`), other
   * sections may read it, and with a recipe it is a part, installed before
   * the part whose recipe's constructor added it. Returns its options.
   *
   * @example buildout.addSection("main", { recipe: "mkdir", paths: "var" })
   * @throws {UserError} when a section of that name exists.
   * @throws {TypeError} for a name that would not read back as a section
   *   header, or an option name or value that would not read back from
   *   `.installed.cfg` (values must be strings).
   */
  addSection(
    name: string,
    options: Record<string, string> | Map<string, string>,
  ): Options {
    this.checkNew(name);
    const entries = options instanceof Map
      ? options.entries()
      : Object.entries(options ?? {});
    this.annotated.set(name, computedSection(name, entries));
    this.added.add(name);
    return this.section(name);
  }

  /**
   * Adds the sections of `text`, configuration as a file holds it (indented
   * as a whole, as a template literal in a recipe's code is), as
   * zc.buildout's `buildout.parse()` does for meta-recipes: each as
   * {@link addSection} adds one, all of them before any is initialized, so
   * that they may substitute from each other in any order.
   *
   * @example buildout.parse(`
   *   [main]
   *   recipe = mkdir
   *   paths = var
   * `)
   * @throws {UserError} for a line the configuration parser refuses (naming
   *   it), a `+=` or `-=` (a new section has nothing to add to), or a
   *   section that exists; nothing is added then.
   * @throws {TypeError} when `text` is not a string.
   */
  parse(text: string): void {
    if (typeof text !== "string") {
      throw new TypeError(
        `buildout.parse() takes configuration text: given ${kind(text)}`,
      );
    }
    const parsed = parse(dedent(text), PARSED_TEXT, evaluateCondition);
    const sections: Array<[string, AnnotatedSection]> = [];
    for (const [name, options] of parsed) {
      this.checkNew(name);
      for (const key of options.keys()) {
        if (isOperatorKey(key)) {
          throw new UserError(
            `${PARSED_TEXT}: ${clipped(key)}= in [${
              clipped(name)
            }] has no value to add to: the section is new, use =`,
          );
        }
      }
      const values = [...options].map(([key, option]) =>
        [key, option.value] as [string, string]
      );
      sections.push([name, computedSection(name, values)]);
    }
    for (const [name, section] of sections) {
      this.annotated.set(name, section);
      this.added.add(name);
    }
    for (const [name] of sections) this.section(name);
  }

  /**
   * Refuses to add section `name`: one that would not read back as a
   * header, or one that exists.
   */
  private checkNew(name: string): void {
    if (typeof name !== "string" || !SECTION_NAME.test(name)) {
      throw new TypeError(
        typeof name === "string"
          ? `Section names must read back from a configuration file: ` +
            `[${clipped(name)}]`
          : `Section names must be strings: asked to add ${kind(name)}`,
      );
    }
    if (this.annotated.has(name)) {
      throw new UserError(
        `Cannot add section [${clipped(name)}]: a section of that name ` +
          "already exists",
      );
    }
  }

  /** @internal true when {@link addSection} added section `name`. */
  wasAdded(name: string): boolean {
    return this.added.has(name);
  }

  /** Sections initialized so far, in the order they were first used. */
  initializedSections(): Options[] {
    return [...this.initialized.values()];
  }

  /**
   * Downloads `url` with the `[buildout]` download settings, overridden by
   * `options`; see `fetch/download.ts`.
   */
  async download(
    url: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    checkOptions("download", options);
    const { md5, sha256, path, alternateUrl, ...settings } = options;
    // Loaded on first use: HTTP and crypto cost start-up time.
    const { Download } = await import("./fetch/download.ts");
    return new Download(this.section("buildout"), settings).download(url, {
      md5,
      sha256,
      path,
      alternateUrl,
    });
  }

  /** A logger printing `name: message`, as recipes log under their part. */
  logger(name: string): Logger {
    return new Logger(name);
  }

  /** Archive extraction (`fetch/archive.ts`), for recipes. */
  async extract(
    file: string,
    destination: string,
    options: ExtractOptions = {},
  ): Promise<string[]> {
    checkOptions("extract", options);
    const { extract } = await import("./fetch/archive.ts");
    return extract(file, destination, options);
  }

  /** @internal the raw options of a section, for macros. */
  rawSections(): SectionLookup {
    return this.rawLookup;
  }

  /**
   * @internal the options of section `name` with its `<=` macros applied,
   * in a map of its own; undefined when it has none (`[buildout]` never
   * extends). A section extending one section without macros of its own
   * (the usual case) is a copy of that section's map plus its own options;
   * anything else, mistakes included, is `extendSection`'s.
   */
  extendedSection(name: string): OwnSection | undefined {
    const own = this.annotated.get(name);
    const bases = own?.get("<")?.value;
    if (own === undefined || bases === undefined || name === "buildout") {
      return undefined;
    }
    const base = bases.trim();
    if (base && !base.includes("\n")) {
      const values = this.baseValues(base);
      if (values) {
        return setOwnOptions(
          new OptionValues(values),
          own.keys(),
          (key) => own.get(key)!.value,
        );
      }
    }
    return extendSection(name, this.rawLookup);
  }

  /**
   * The raw options of a section without macros, as a map to copy (made
   * once: many sections extend the same few); undefined for `[buildout]`,
   * a missing section or one with macros.
   */
  private baseValues(name: string): Map<string, string> | undefined {
    let base = this.bases.get(name);
    if (base === undefined && name !== "buildout") {
      const section = this.annotated.get(name);
      if (section === undefined || section.has("<")) return undefined;
      base = values(section);
      this.bases.set(name, base);
    }
    return base;
  }

  /**
   * @internal one raw option, without building the section's options
   * (what the recipe loader scans every section for).
   */
  rawOption(section: string, option: string): string | undefined {
    const built = this.raw.get(section);
    if (built) return built.get(option);
    return rawValue(this.annotated, section, option);
  }

  /**
   * @internal what `${:_profile_base_location_}` stood for in the values
   * of section `name` and of the sections it extends with `<=`.
   */
  profileBases(name: string, seen = new Set<string>()): Set<string> {
    const bases = new Set<string>();
    const section = this.annotated.get(name);
    if (section === undefined || seen.has(name)) return bases;
    seen.add(name);
    for (const value of section.values()) {
      for (const note of value.notes) if (note.base) bases.add(note.base);
    }
    const extended = name === "buildout" ? undefined : section.get("<");
    for (const base of extended?.value.split("\n") ?? []) {
      if (base.trim()) {
        for (const b of this.profileBases(base.trim(), seen)) bases.add(b);
      }
    }
    return bases;
  }

  private readonly rawLookup: SectionLookup = {
    get: (name) => this.rawSection(name),
    has: (name) => this.annotated.has(name),
  };

  private rawSection(name: string): RawSection | undefined {
    let options = this.raw.get(name);
    if (options === undefined) {
      const section = this.annotated.get(name);
      if (section === undefined) return undefined;
      options = new SectionValues(section);
      this.raw.set(name, options);
    }
    return options;
  }
}

/** The plain values of an annotated section, read in place. */
class SectionValues implements RawSection {
  /** The entries, listed on first iteration: macro bases are iterated often. */
  private list?: Array<[string, string]>;

  constructor(private readonly section: AnnotatedSection) {}

  get(option: string): string | undefined {
    return this.section.get(option)?.value;
  }

  has(option: string): boolean {
    return this.section.has(option);
  }

  keys(): Iterable<string> {
    return this.section.keys();
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    if (!this.list) {
      // Keys then values: a map's entries would each be one more array.
      this.list = [];
      for (const key of this.section.keys()) {
        this.list.push([key, this.section.get(key)!.value]);
      }
    }
    return this.list[Symbol.iterator]();
  }
}

/**
 * An option name as the parser reads one back: no line break, `=`, `:`,
 * brackets or braces; no space at either end; not starting as a comment
 * (`#`, `;`) nor ending as an operator (`+`, `-`).
 */
const OPTION_NAME =
  /^(?![#;])(?!.*[+-]$)[^\s{}[\]=:](?:[^\n\r{}[\]=:]*[^\s{}[\]=:])?$/;

/**
 * True when a recipe may set an option named `name`: one the parser reads
 * back from `.installed.cfg`.
 *
 * @example isOptionName("HOME") // true; isOptionName("A:B") // false
 */
export function isOptionName(name: string): boolean {
  return OPTION_NAME.test(name);
}

/**
 * Refuses a value no configuration file holds: not a string, or holding a
 * NUL character (the database recording it would be refused as corrupt).
 *
 * @throws {TypeError} naming `section:option`.
 */
function checkValue(section: string, option: string, value: unknown): void {
  if (typeof value !== "string") {
    throw new TypeError(
      `Option values must be strings: ${clipped(section)}:${clipped(option)}`,
    );
  }
  if (value.includes("\0")) {
    throw new TypeError(
      `Option values must read back from a configuration file: ` +
        `${clipped(section)}:${clipped(option)} holds a NUL character`,
    );
  }
}

/** Where the text of {@link Buildout.parse} is said to be, in errors. */
const PARSED_TEXT = "buildout.parse() text";

/**
 * Section `name` holding `entries` as values a recipe computed.
 *
 * @throws {TypeError} for an option name or value that would not read back
 *   from `.installed.cfg`.
 */
function computedSection(
  name: string,
  entries: Iterable<[string, unknown]>,
): AnnotatedSection {
  const notes = [{ op: "=" as const, source: COMPUTED_VALUE }];
  const section: AnnotatedSection = new Map();
  for (const [option, value] of entries) {
    checkValue(name, option, value);
    checkName(name, option);
    section.set(option, { value: value as string, notes });
  }
  return section;
}

/**
 * Refuses an option name that would not read back from `.installed.cfg`.
 *
 * @throws {TypeError} naming the option and its section.
 */
function checkName(section: string, option: string): void {
  if (!isOptionName(option)) {
    throw new TypeError(
      `Option names must read back from a configuration file: ` +
        `'${clipped(option)}' in [${clipped(section)}]`,
    );
  }
}

/**
 * A section name the parser reads back from a header: no line break,
 * brackets, braces, `:`, `;` or `#`; inner spaces and tabs only.
 */
const SECTION_NAME = /^[^\s#[\]:;{}]+(?:[ \t]+[^\s#[\]:;{}]+)*$/;

/** The options of a section that has none, until it is initialized. */
const NO_OPTIONS: RawSection = new Map<string, string>();

/** One section's options: raw, substituted, and those read or set. */
export class Options {
  /**
   * Options as configured (after `<=` macros), substitutions unresolved:
   * shared with the Buildout and never changed, unless macros made it for
   * this section alone, then initialization substitutes in place.
   */
  private raw: RawSection = NO_OPTIONS;
  // `cooked` and `data` are objects without a prototype, not Maps: every
  // section holds them, and a small Map allocates several times as much,
  // which made a buildout of 1,000 parts collect garbage once more.
  /** Values substituted at initialization, when `raw` is shared. */
  private cooked?: Record<string, string>;
  /** Values read or set: what the section's state is. */
  private readonly data: Record<string, string> = Object.create(null);
  /** Option names of `raw`, once asked for (`raw` is final by then). */
  private rawKeys?: string[];
  /** Options set that are not configured, in the order they were set. */
  private extraKeys?: string[];
  /** Configured options deleted (and not set again): `raw` is shared. */
  private deleted?: Set<string>;
  /** Calls of set() and delete() so far. */
  private sets = 0;
  /** Paths registered by `created()` during a recipe call, else undefined. */
  private createdPaths?: string[];
  /** Told of each registration, before the recipe goes on. */
  private onCreated?: (paths: string[]) => void;
  /** Initialized, and not yet read while `onFirstRead` was set. */
  private unread = false;

  constructor(readonly buildout: Buildout, readonly name: string) {}

  /** @internal applies macros and substitutes every `${...}` value. */
  initialize(): void {
    const keeper = this.buildout.initializations;
    if (keeper) {
      const kept = keeper.kept(this.name);
      if (kept) {
        // Set first: a section whose recipe reads this one sees its values.
        this.raw = kept.values;
        if (keeper.holds(kept)) {
          for (const read of kept.reads) this.resolved(read);
          this.unread = true;
          this.buildout.onInitialize?.(this);
          return;
        }
        this.raw = NO_OPTIONS;
        for (const key in this.data) delete this.data[key];
      }
      keeper.begin(this.name);
    }
    let option = "";
    try {
      const extended = this.buildout.extendedSection(this.name);
      this.raw = extended ?? this.buildout.rawSections().get(this.name) ??
        NO_OPTIONS;
      for (const key of this.raw.keys()) {
        const value = this.raw.get(key)!;
        if (!value.includes("${")) continue;
        option = key;
        const substituted = this.substitute(value, [this.name, key]);
        if (extended) extended.set(key, substituted);
        else (this.cooked ??= Object.create(null))[key] = substituted;
      }
    } catch (caught) {
      const err = option ? tooLong(caught, this.name, option) : caught;
      if (option) {
        addDoing(
          err,
          `Getting option ${clipped(this.name)}:${clipped(option)}.`,
        );
      }
      addDoing(err, `Initializing section ${clipped(this.name)}.`);
      keeper?.end(this.name, undefined);
      throw err;
    }
    keeper?.end(this.name, this.configuredValues());
    this.unread = true;
    this.buildout.onInitialize?.(this);
  }

  /** Tells `onFirstRead`, if set, of the first read since initialization. */
  private firstRead(): void {
    const hook = this.buildout.onFirstRead;
    if (hook && this.unread) {
      this.unread = false;
      hook(this);
    }
  }

  /**
   * The value of `option`, substituted; `fallback` (undefined unless
   * given) when not defined, as zc.buildout's `options.get(name, default)`.
   *
   * @example options.get("mode", "0755") // "0755" unless mode is set
   */
  get(option: string, fallback?: string): string | undefined {
    return this.resolved(option) ?? fallback;
  }

  /**
   * The value of `option`, substituted; undefined when not defined.
   * `seen` tracks the substitution chain for cycle detection.
   */
  private resolved(option: string, seen?: Chain): string | undefined {
    this.firstRead();
    const known = this.data[option];
    if (known !== undefined) return known;
    let value = this.configured(option);
    if (value === undefined) return undefined;
    if (value.includes("${")) value = this.substituted(option, value, seen);
    this.data[option] = value;
    return value;
  }

  /**
   * The value of `option`.
   *
   * @throws {MissingOption} `Missing option: section:option`.
   */
  require(option: string): string {
    const value = this.get(option);
    if (value === undefined) {
      if (typeof option !== "string") {
        throw new TypeError(
          `Option names must be strings: ${clipped(this.name)} was asked ` +
            `for ${kind(option)}`,
        );
      }
      throw new MissingOption(
        `Missing option: ${clipped(this.name)}:${clipped(option)}`,
      );
    }
    return value;
  }

  /** Sets `option` (what recipes do in their constructor). */
  set(option: string, value: string): void {
    // A number would be recorded beside the configured option of its name,
    // which the next run reads as a changed part.
    if (typeof option !== "string") {
      throw new TypeError(
        `Option names must be strings: ${clipped(this.name)} was given ` +
          kind(option),
      );
    }
    checkValue(this.name, option, value);
    if (this.raw.has(option)) this.deleted?.delete(option);
    else if (this.data[option] === undefined) {
      // Configured names read back; a new one must too, or the database
      // recording it would be refused as corrupt or differ on every run.
      checkName(this.name, option);
      (this.extraKeys ??= []).push(option);
    }
    this.data[option] = value;
    this.sets++;
  }

  /**
   * Deletes `option`, configured or set, as Python's `del options[name]`:
   * it is neither read nor recorded, nor reported unused. Returns whether
   * it was defined.
   */
  delete(option: string): boolean {
    if (!this.has(option)) return false;
    delete this.data[option];
    if (this.raw.has(option)) (this.deleted ??= new Set()).add(option);
    else this.extraKeys!.splice(this.extraKeys!.indexOf(option), 1);
    this.sets++;
    return true;
  }

  /**
   * @internal how many times set() or delete() was called: what changes
   * tell apart.
   */
  get setCount(): number {
    return this.sets;
  }

  /** True when the option is defined or set. */
  has(option: string): boolean {
    this.firstRead();
    return this.data[option] !== undefined ||
      (this.raw.has(option) && !this.deleted?.has(option));
  }

  /** Option names: configured ones first, then ones only set. */
  keys(): string[] {
    this.firstRead();
    this.rawKeys ??= [...this.raw.keys()];
    const deleted = this.deleted;
    const configured = deleted?.size
      ? this.rawKeys.filter((key) => !deleted.has(key))
      : this.rawKeys;
    return this.extraKeys
      ? configured.concat(this.extraKeys)
      : configured.slice();
  }

  /** Every option with its substituted value. */
  entries(): Array<[string, string]> {
    const keys = this.keys();
    const result = new Array<[string, string]>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      result[i] = [keys[i], this.require(keys[i])];
    }
    return result;
  }

  /**
   * Every option with its substituted value, without marking any as read:
   * what the installation database records.
   */
  copy(): Map<string, string> {
    const result = new Map<string, string>();
    for (const key of this.keys()) {
      let value = this.data[key];
      if (value === undefined) {
        value = this.configured(key)!;
        if (value.includes("${")) value = this.substituted(key, value);
      }
      result.set(key, value);
    }
    return result;
  }

  /**
   * What `${:_profile_base_location_}` was replaced with in the values of
   * this section (and of those it extends with `<=`).
   */
  profileBases(): string[] {
    return [...this.buildout.profileBases(this.name)];
  }

  /** Configured options nobody read: zc.buildout warns about these. */
  unused(): string[] {
    const names: string[] = [];
    for (const key of this.raw.keys()) {
      if (this.data[key] === undefined && !this.deleted?.has(key)) {
        names.push(key);
      }
    }
    return names;
  }

  /**
   * `true`/`false` option as a boolean.
   *
   * @throws {UserError} `Invalid value for NAME option: VALUE`.
   */
  getBool(option: string): boolean {
    const value = this.require(option);
    if (value !== "true" && value !== "false") {
      throw new UserError(
        `Invalid value for ${option} option: ${clipped(value)}`,
      );
    }
    return value === "true";
  }

  /**
   * Registers paths a recipe created, so they are removed when its install
   * or update fails; returns the list of every path registered so far in
   * this call, itself as zc.buildout does: a recipe registering its paths
   * one at a time stays linear.
   *
   * @throws {TypeError} outside a recipe's install or update, or for a
   *   path that is not a string.
   */
  created(...paths: string[]): string[] {
    if (!this.createdPaths) {
      throw new TypeError(
        `Attempt to register a created path while not installing (${
          clipped(this.name)
        })`,
      );
    }
    for (const path of paths) {
      // Said here, in the recipe's terms, rather than by path functions.
      if (typeof path !== "string") {
        throw new TypeError(
          `Created paths must be strings: ${clipped(this.name)} ` +
            `registered ${kind(path)}`,
        );
      }
    }
    this.onCreated?.(paths);
    for (const path of paths) this.createdPaths.push(path);
    return this.createdPaths;
  }

  /**
   * @internal enables `created()` for a recipe's install or update;
   * `onCreated` is told of each registration.
   */
  startCreated(onCreated?: (paths: string[]) => void): void {
    this.createdPaths = [];
    this.onCreated = onCreated;
  }

  /** @internal disables `created()`; returns the paths it registered. */
  stopCreated(): string[] {
    const paths = this.createdPaths ?? [];
    this.createdPaths = undefined;
    this.onCreated = undefined;
    return paths;
  }

  /** Every configured option with its value, substituted if it was. */
  private configuredValues(): OptionValues {
    const values = new OptionValues();
    for (const key of this.raw.keys()) values.set(key, this.configured(key)!);
    return values;
  }

  /** The value of `option` as configured, substituted if it was. */
  private configured(option: string): string | undefined {
    if (this.deleted?.has(option)) return undefined;
    return this.cooked?.[option] ?? this.raw.get(option);
  }

  /** `value`, the value of `option`, substituted. */
  private substituted(
    option: string,
    value: string,
    seen?: Chain,
  ): string {
    const chain = seen ?? [];
    for (let i = 0; i < chain.length; i += 2) {
      if (chain[i] === this.name && chain[i + 1] === option) {
        const names = [];
        for (let j = 0; j < chain.length; j += 2) {
          names.push(`\${${clipped(chain[j])}:${clipped(chain[j + 1])}}`);
        }
        names.push(`\${${clipped(this.name)}:${clipped(option)}}`);
        throw new UserError(
          `Circular reference in substitutions: ${names.join(" -> ")}`,
        );
      }
    }
    chain.push(this.name, option);
    // Inline try/catch rather than doing(): no closure per lookup.
    let substituted;
    try {
      substituted = this.substitute(value, chain);
    } catch (caught) {
      // A second overflow here reaches the caller's frame, which tries again.
      const err = isStackOverflow(caught)
        ? new UserError(
          `Too many nested substitutions (${chain.length / 2}) at ` +
            `\${${clipped(this.name)}:${clipped(option)}}`,
        )
        : tooLong(caught, this.name, option);
      addDoing(err, `Getting option ${clipped(this.name)}:${clipped(option)}.`);
      throw err;
    }
    chain.length -= 2;
    return substituted;
  }

  private substitute(value: string, seen: Chain): string {
    const result = memoSubstitute(value, this, seen);
    // Refused while the runtime still has memory to say so.
    if (result.length > MAX_VALUE_LENGTH) {
      throw new UserError(
        `The value of \${${clipped(seen[seen.length - 2])}:${
          clipped(seen[seen.length - 1])
        }} ` +
          `is too long: its substitutions make it longer than ` +
          `${MAX_VALUE_LENGTH} characters`,
      );
    }
    return result;
  }

  /** @internal a referenced option, for substitutions in this section. */
  lookup(
    section: string,
    option: string,
    seen: Chain,
  ): string | undefined {
    const value =
      (section === this.name ? this : this.buildout.section(section))
        .resolved(option, seen);
    this.buildout.initializations?.looked(this.name, section, option, value);
    return value;
  }
}

/**
 * The longest value substitution may make (64 Mi characters): far beyond
 * any configuration's, and short of what exhausts a runtime's memory when
 * values double (`a = ${:b}${:b}`, `b = ${:c}${:c}`, ...).
 */
const MAX_VALUE_LENGTH = 2 ** 26;

/**
 * A user error for a value whose substitutions make it longer than a
 * string can be (`a = ${:b}${:b}`, `b = ${:c}${:c}`, ...); `err` itself
 * for anything else. The runtime reports that as a RangeError: "Out of
 * memory" (JavaScriptCore) or "Invalid string length" (V8).
 */
function tooLong(err: unknown, section: string, option: string): unknown {
  if (
    !(err instanceof RangeError) ||
    (err.message !== "Out of memory" && err.message !== "Invalid string length")
  ) {
    return err;
  }
  return new UserError(
    `The value of \${${clipped(section)}:${
      clipped(option)
    }} is too long: its substitutions ` +
      "make it longer than a value can be",
  );
}

/** What a value that should have been a string is: `undefined`, `null`, `number`. */
function kind(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** `value` joined to `directory` unless it holds a substitution. */
export function resolveIn(directory: string, value: string): string {
  return value.includes("${") ? value : resolve(directory, value);
}
