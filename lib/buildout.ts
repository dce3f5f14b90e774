/**
 * The Buildout object: merged configuration as lazily resolved sections.
 * A section is initialized on first use (macros, then substitution of every
 * value that references another); referencing a section initializes it, which
 * is how the install engine discovers parts in dependency order.
 */
import { resolve } from "node:path";
import { doing, MissingOption, MissingSection, UserError } from "./errors.ts";
import { Logger } from "./log.ts";
import { type ConfigData, values } from "./config/annotated.ts";
import { DIRECTORY_OPTIONS } from "./config/defaults.ts";
import { extendSection } from "./config/macros.ts";
import { substitute } from "./config/substitute.ts";
import { Download } from "./fetch/download.ts";
import type { DownloadOptions, DownloadResult } from "./recipe/api.ts";

type OptionKey = string;
const keyOf = (section: string, option: string): OptionKey =>
  `${section}\0${option}`;

/** The merged configuration, section by section. */
export class Buildout {
  private readonly raw: Map<string, Map<string, string>>;
  private readonly initialized = new Map<string, Options>();
  /** Called once per section, after its values are substituted. */
  onInitialize?: (options: Options) => void;
  /**
   * The error class for mistakes a user can fix, for recipes: a recipe
   * module loaded from outside the executable cannot import it.
   */
  readonly UserError: typeof UserError = UserError;

  constructor(annotated: ConfigData) {
    this.raw = new Map();
    for (const [name, section] of annotated) {
      this.raw.set(name, values(section));
    }
    const buildout = this.raw.get("buildout");
    const directory = buildout?.get("directory");
    // Absolute standard directories before substitution, in case another
    // section reads one (zc.buildout does the same).
    if (buildout && directory !== undefined) {
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
    return [...this.raw.keys()];
  }

  /** True when the configuration defines `name`. */
  has(name: string): boolean {
    return this.raw.has(name);
  }

  /**
   * The section `name`, initialized on first use.
   *
   * @throws {MissingSection} when no file defines it.
   */
  section(name: string): Options {
    return doing(`Getting section ${name}.`, () => {
      const known = this.initialized.get(name);
      if (known) return known;
      if (!this.raw.has(name)) throw new MissingSection(name);
      const options = new Options(this, name);
      this.initialized.set(name, options);
      options.initialize();
      return options;
    });
  }

  /** Sections initialized so far, in the order they were first used. */
  initializedSections(): Options[] {
    return [...this.initialized.values()];
  }

  /**
   * Downloads `url` with the `[buildout]` download settings, overridden by
   * `options`; see {@link Download}.
   */
  download(
    url: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const { md5, sha256, path, ...settings } = options;
    return new Download(this.section("buildout"), settings).download(url, {
      md5,
      sha256,
      path,
    });
  }

  /** A logger printing `name: message`, as recipes log under their part. */
  logger(name: string): Logger {
    return new Logger(name);
  }

  /** @internal the raw options of a section, for macros. */
  rawSections(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    return this.raw;
  }
}

/** One section's options: raw, substituted, and those read or set. */
export class Options {
  /** Options as configured (after `<=` macros), substitutions unresolved. */
  private raw: Map<string, string>;
  /** Substituted values computed at initialization. */
  private readonly cooked = new Map<string, string>();
  /** Values read or set: what the section's state is. */
  private readonly data = new Map<string, string>();
  /** Paths registered by `created()` during a recipe call, else undefined. */
  private createdPaths?: string[];

  constructor(readonly buildout: Buildout, readonly name: string) {
    this.raw = new Map(buildout.rawSections().get(name));
  }

  /** @internal applies macros and substitutes every `${...}` value. */
  initialize(): void {
    doing(`Initializing section ${this.name}.`, () => {
      if (this.raw.has("<")) {
        this.raw = extendSection(this.name, this.buildout.rawSections());
      }
      for (const [option, value] of this.raw) {
        if (!value.includes("${")) continue;
        doing(`Getting option ${this.name}:${option}.`, () => {
          this.cooked.set(
            option,
            this.substitute(value, [keyOf(this.name, option)]),
          );
        });
      }
    });
    this.buildout.onInitialize?.(this);
  }

  /**
   * The value of `option`, substituted; undefined when not defined.
   * `seen` tracks the substitution chain for cycle detection.
   */
  get(option: string, seen?: OptionKey[]): string | undefined {
    const known = this.data.get(option);
    if (known !== undefined) return known;
    let value = this.cooked.get(option) ?? this.raw.get(option);
    if (value === undefined) return undefined;
    if (value.includes("${")) {
      const key = keyOf(this.name, option);
      const chain = seen ?? [];
      if (chain.includes(key)) {
        const names = [...chain, key].map((k) => `\${${k.replace("\0", ":")}}`);
        throw new UserError(
          `Circular reference in substitutions: ${names.join(" -> ")}`,
        );
      }
      chain.push(key);
      value = doing(
        `Getting option ${this.name}:${option}.`,
        () => this.substitute(value!, chain),
      );
      chain.pop();
    }
    this.data.set(option, value);
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
      throw new MissingOption(`Missing option: ${this.name}:${option}`);
    }
    return value;
  }

  /** Sets `option` (what recipes do in their constructor). */
  set(option: string, value: string): void {
    if (typeof value !== "string") {
      throw new TypeError(
        `Option values must be strings: ${this.name}:${option}`,
      );
    }
    this.data.set(option, value);
  }

  /** True when the option is defined or set. */
  has(option: string): boolean {
    return this.data.has(option) || this.raw.has(option);
  }

  /** Option names: configured ones first, then ones only set. */
  keys(): string[] {
    return [
      ...this.raw.keys(),
      ...[...this.data.keys()].filter((k) => !this.raw.has(k)),
    ];
  }

  /** Every option with its substituted value. */
  entries(): Array<[string, string]> {
    return this.keys().map((k) => [k, this.require(k)]);
  }

  /**
   * Every option with its substituted value, without marking any as read:
   * what the installation database records.
   */
  copy(): Array<[string, string]> {
    return this.keys().map((k) => {
      const read = this.data.has(k);
      const value = this.require(k);
      if (!read) this.data.delete(k);
      return [k, value];
    });
  }

  /** Configured options nobody read: zc.buildout warns about these. */
  unused(): string[] {
    return [...this.raw.keys()].filter((k) => !this.data.has(k));
  }

  /**
   * `true`/`false` option as a boolean.
   *
   * @throws {UserError} `Invalid value for NAME option: VALUE`.
   */
  getBool(option: string): boolean {
    const value = this.require(option);
    if (value !== "true" && value !== "false") {
      throw new UserError(`Invalid value for ${option} option: ${value}`);
    }
    return value === "true";
  }

  /**
   * Registers paths a recipe created, so they are removed when its install
   * or update fails; returns every path registered so far in this call.
   *
   * @throws {TypeError} outside a recipe's install or update.
   */
  created(...paths: string[]): string[] {
    if (!this.createdPaths) {
      throw new TypeError(
        `Attempt to register a created path while not installing (${this.name})`,
      );
    }
    this.createdPaths.push(...paths);
    return [...this.createdPaths];
  }

  /**
   * @internal runs a recipe's install or update with `created()` enabled;
   * the registered paths go to `cleanup` when `call` throws.
   */
  async trackCreated<T>(
    call: () => Promise<T>,
    cleanup: (paths: string[]) => void,
  ): Promise<T> {
    this.createdPaths = [];
    try {
      return await call();
    } catch (err) {
      cleanup(this.createdPaths);
      throw err;
    } finally {
      this.createdPaths = undefined;
    }
  }

  private substitute(value: string, seen: OptionKey[]): string {
    return substitute(
      value,
      this.name,
      (section, option) => this.buildout.section(section).get(option, seen),
    );
  }
}

/** `value` joined to `directory` unless it holds a substitution. */
export function resolveIn(directory: string, value: string): string {
  return value.includes("${") ? value : resolve(directory, value);
}
