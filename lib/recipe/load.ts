/**
 * Resolving `recipe = name[:entry]` (entry `default` when omitted) to code:
 * a develop package of that name (found through its link in the
 * develop-eggs directory, see `install/develop.ts`), a built-in recipe, or
 * else a distribution (`name` is then a requirement such as `spam==1`,
 * see `dists/distributions.ts`).
 *
 * A develop package is a directory whose `package.json` has a `buildout`
 * field mapping entry point names to modules, per group:
 * `{"recipes": {"default": "./r.ts", "mkdir": "./mkdir.ts:Mkdir"},
 *   "uninstall": {...}, "extensions": {...}, "unload": {...}}`.
 * `./file.ts` means the module's default export, `./file.ts:name` a named
 * export. Modules are loaded with `import()` of a `file://` URL, which works
 * under `deno run` and in the compiled executable alike.
 *
 * Recipe constructors run synchronously while sections initialize, so the
 * modules are imported beforehand ({@link RecipeLoader.preload}) and looked
 * up without waiting ({@link RecipeLoader.factory}).
 */
import { statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import {
  addDoing,
  clipped,
  DistributionNotFound,
  doingAsync,
  doingOf,
  oneLine,
  UserError,
} from "../errors.ts";
import type { Distributions } from "../dists/distributions.ts";
import {
  parseRequirement,
  projectKey,
  type Requirement,
  unscopedName,
} from "../dists/requirement.ts";
import type { Dist } from "../dists/metadata.ts";
import { DevelopLinks } from "./develop_links.ts";
import {
  type DevelopPackage,
  eggLinkTarget,
  type EntryGroup,
  entryTarget,
  readPackage,
} from "./package_json.ts";
import { settled } from "../settled.ts";
import { loadFailure } from "./load_failure.ts";
import { JIT_SCALE, setJitScale } from "../jit_scale.ts";
import { dropRefusedStreamWrites } from "../log.ts";
import {
  BUILTIN_SIGNATURE,
  developSignature,
  distributionSignature,
  eggProjectKey,
  zcBuildoutRecipeProject,
} from "../install/signature.ts";
import Command, {
  Cmd,
  PloneCommand,
  uninstallCmd,
} from "../../recipes/command.ts";
import Debug from "../../recipes/debug.ts";
import Environment from "../../recipes/environment.ts";
import Mkdir from "../../recipes/mkdir.ts";
import Script from "../../recipes/script.ts";
import Template, { SlaposTemplate } from "../../recipes/template.ts";
import Cmmi, { HexagonitCmmi, SlaposCmmi, ZcCmmi } from "../../recipes/cmmi.ts";
import Download, {
  GoceptDownload,
  HexagonitDownload,
  SlaposDownload,
  SlaposDownloadUnpacked,
} from "../../recipes/download.ts";
import type { Extension, RecipeFactory, UninstallRecipe } from "./api.ts";

const BUILTINS: Record<string, RecipeFactory> = {
  "debug:default": Debug,
  "zc.buildout:debug": Debug,
  "mkdir:default": Mkdir,
  "z3c.recipe.mkdir:default": Mkdir,
  "command:default": Command,
  "plone.recipe.command:default": PloneCommand,
  "collective.recipe.cmd:default": Cmd,
  "collective.recipe.cmd:sh": Cmd,
  "environment:default": Environment,
  "collective.recipe.environment:default": Environment,
  "script:default": Script,
  "collective.recipe.scriptgen:default": Script,
  "template:default": Template,
  "collective.recipe.template:default": Template,
  "slapos.recipe.template:default": SlaposTemplate,
  // Download and build recipes, under their own names and the originals'.
  "download:default": Download,
  "hexagonit.recipe.download:default": HexagonitDownload,
  "gocept.download:default": GoceptDownload,
  "slapos.recipe.build:download": SlaposDownload,
  "slapos.recipe.build:download-unpacked": SlaposDownloadUnpacked,
  "cmmi:default": Cmmi,
  "zc.recipe.cmmi:default": ZcCmmi,
  "hexagonit.recipe.cmmi:default": HexagonitCmmi,
  "slapos.recipe.cmmi:default": SlaposCmmi,
};

/** Package names of the built-in recipes (`zc.buildout`, `mkdir`, ...). */
const BUILTIN_PACKAGES = new Set(
  Object.keys(BUILTINS).map((key) => key.slice(0, key.indexOf(":"))),
);

/** Built-ins that run no child process and print only through the logger. */
const QUIET = new Set<RecipeFactory>([
  Debug,
  Mkdir,
  Environment,
  Script,
  Template,
  SlaposTemplate,
]);

/** Uninstall entry points of built-in recipes, keyed like {@link BUILTINS}. */
const BUILTIN_UNINSTALLERS: Record<string, UninstallRecipe> = {
  "collective.recipe.cmd:default": uninstallCmd,
  "collective.recipe.cmd:sh": uninstallCmd,
};

/**
 * `pkg:entry` → `["pkg", "entry"]`; no entry means `default`. A built-in
 * recipe's name with a version (`plone.recipe.command==1.1`) or extras
 * (`collective.recipe.template[genshi]`), both valid in zc.buildout, is
 * that built-in: it stands in for every release, and has no optional
 * requirements to install.
 */
export function parseSpec(spec: string): [string, string] {
  const text = spec.trim();
  const colon = text.indexOf(":");
  const pkg = colon < 0 ? text : text.slice(0, colon).trim();
  const entry = colon < 0 ? "default" : text.slice(colon + 1).trim();
  return [REQUIREMENT.test(pkg) ? builtinName(pkg) : pkg, entry];
}

const REQUIREMENT = /[=<>!~[]/;

/**
 * The built-in package a requirement with a version or extras names, else
 * `pkg` itself.
 */
function builtinName(pkg: string): string {
  try {
    // Stripped first: parseRequirement refuses extras, which no
    // distribution here has.
    const { name } = parseRequirement(pkg.replace(/\[[^\]]*\]/, ""));
    return BUILTIN_PACKAGES.has(name) ? name : pkg;
  } catch (error) {
    // Not a requirement: reported later as an unknown recipe.
    if (error instanceof UserError) return pkg;
    throw error;
  }
}

/** Finds, loads and signs recipes, uninstall recipes and extensions. */
export class RecipeLoader {
  private readonly packages = new Map<string, DevelopPackage | undefined>();
  private readonly loaded = new Map<string, RecipeFactory | UserError>();
  /** {@link loaded} by `recipe` value, as parts spell it. */
  private readonly bySpec = new Map<string, RecipeFactory | UserError>();
  private readonly signatures = new Map<string, string>();
  /** {@link signatures} by `recipe` value. */
  private readonly specSignatures = new Map<string, string>();
  private readonly fromDists = new Map<string, Promise<Dist[]>>();
  private extensionPackages?: Promise<DevelopPackage[]>;
  /**
   * The packages of the recipes parts constructed (those they require
   * included) and of uninstall recipes, by directory, in the order they
   * were used: what zc.buildout's working set holds.
   */
  private readonly recipePackages = new Map<string, DevelopPackage>();
  /**
   * The packages behind each recipe entry point {@link preload} imported
   * (the distributions got for it included), until a part constructs it.
   */
  private readonly packagesOf = new Map<string, DevelopPackage[]>();
  private readonly links: DevelopLinks;
  /** Keys of {@link loaded} imported by {@link preloadDeveloped}. */
  private readonly early = new Set<string>();

  /**
   * `developEggs` holds the `<name>.egg-link` files of develop packages;
   * `dists` gets the packages that are neither develop nor built-in;
   * `ignored` (real paths) are left out of develop packages' signatures:
   * what the buildout itself writes, should a package hold the buildout.
   */
  constructor(
    developEggs: string,
    private readonly dists?: Distributions,
    private readonly ignored?: ReadonlySet<string>,
  ) {
    // One reading of the links for both: the develop step resets it.
    this.links = dists?.developLinks ?? new DevelopLinks(developEggs);
  }

  /**
   * Forgets the develop packages looked up so far: the develop step has
   * linked this run's (extensions load before it).
   */
  developed(): void {
    this.links.reset();
    this.packages.clear();
    // Imported from the earlier run's links: preload takes this run's.
    for (const key of this.early) {
      this.loaded.delete(key);
      this.packagesOf.delete(key);
    }
    this.early.clear();
    this.bySpec.clear();
  }

  /**
   * Imports the recipes among `specs` that develop packages linked now
   * hold (built-in ones need no import), before extensions run and before
   * the develop step: {@link developed} forgets them.
   */
  async preloadDeveloped(specs: Iterable<string>): Promise<void> {
    const developed = [...specs].filter((spec) => {
      try {
        return this.findPackage(parseSpec(spec)[0]) !== undefined;
      } catch (err) {
        // A package the develop step may unlink: reported, if still
        // used, once it ran.
        if (err instanceof UserError) return false;
        throw err;
      }
    });
    if (!developed.length) return;
    await this.load(developed, []);
    for (const spec of developed) this.early.add(parseSpec(spec).join(":"));
  }

  /** True when {@link factory} gives `spec`'s recipe, or its error, now. */
  knows(spec: string): boolean {
    if (this.loadedSpec(spec) !== undefined) return true;
    const [pkg, entry] = parseSpec(spec);
    return BUILTINS[`${pkg}:${entry}`] !== undefined && !this.findPackage(pkg);
  }

  /**
   * The develop package called `name` (in any spelling of its project
   * name), if one is linked.
   */
  findPackage(name: string): DevelopPackage | undefined {
    if (this.packages.has(name)) return this.packages.get(name);
    let found: DevelopPackage | undefined;
    // `recipe = @scope/spam` names the package known as `scope-spam`.
    const linkName = unscopedName(name);
    const dir = linkName && !linkName.includes("/")
      ? this.links.packageDirectory(linkName)
      : undefined;
    if (dir) found = readPackage(dir);
    this.packages.set(name, found);
    return found;
  }

  /** True when the recipe `spec` comes from a distribution to get. */
  needsDistribution(spec: string): boolean {
    const [pkg] = parseSpec(spec);
    return this.isDistribution(pkg) && !!this.dists?.searchable(pkg);
  }

  /** True when the package `pkg` is neither built in nor developed. */
  private isDistribution(pkg: string): boolean {
    return !BUILTIN_PACKAGES.has(pkg) && !this.findPackage(pkg);
  }

  /**
   * Imports the recipes named by `specs`, and those named by `unlikely`
   * (of sections no run is expected to use) that need no distribution. A
   * failure is kept and thrown by {@link factory} only when a section
   * actually uses that recipe.
   */
  async preload(
    specs: Iterable<string>,
    unlikely: Iterable<string> = [],
  ): Promise<void> {
    const list = [...specs];
    const { dists } = this;
    const needed = dists
      ? list.map((spec) => parseSpec(spec)[0]).filter((pkg) =>
        this.isDistribution(pkg)
      )
      : [];
    if (!dists || !needed.length) return this.load(list, unlikely);
    setJitScale(JIT_SCALE.distributions);
    try {
      dists.prefetch(needed);
      return await this.load(list, unlikely);
    } finally {
      setJitScale(JIT_SCALE.startUp);
    }
  }

  /** The rest of {@link preload}, once its distributions are prefetched. */
  private async load(
    list: string[],
    unlikely: Iterable<string>,
  ): Promise<void> {
    const isDist = (pkg: string) => this.isDistribution(pkg);
    const keyOf = (spec: string) => parseSpec(spec).join(":");
    const wanted = new Set(list.map(keyOf));
    for (const spec of unlikely) {
      const [pkg] = parseSpec(spec);
      const key = keyOf(spec);
      if (!isDist(pkg) || !this.dists?.searchable(pkg)) list.push(spec);
      else if (!wanted.has(key) && !this.loaded.has(key)) {
        // Getting it could change the versions the parts get.
        this.loaded.set(
          key,
          new UserError(oneLine(
            `Couldn't load recipe ${spec.trim()}: a distribution is got ` +
              "only for the recipes of the parts and of the sections their " +
              "options or [buildout] name",
          )),
        );
      }
    }
    // Distributions are got in order (what is installed, and the messages,
    // depend on it), then the modules are imported all at once: one import
    // after another costs twice as much.
    const points = new Map<string, EntryPoint>();
    for (const spec of list) {
      const [pkg, entry] = parseSpec(spec);
      const key = `${pkg}:${entry}`;
      if (this.loaded.has(key) || points.has(key)) continue;
      try {
        const found = await this.locateRecipe(pkg, entry, spec);
        if (typeof found === "function") this.loaded.set(key, found);
        else {
          points.set(key, found);
          this.packagesOf.set(key, [
            found.pkg,
            ...await this.fromDists.get(pkg) ?? [],
          ]);
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        this.loaded.set(key, err);
      }
    }
    const keys = [...points.keys()];
    const imported = await Promise.allSettled(
      [...points.values()].map(importRecipe),
    );
    imported.forEach((result, i) => {
      if (result.status === "fulfilled") {
        this.loaded.set(keys[i], result.value);
      } else if (result.reason instanceof UserError) {
        this.loaded.set(keys[i], result.reason);
      } else {
        throw result.reason;
      }
    });
  }

  /**
   * The recipe class or factory for `spec`, which {@link preload} must
   * have seen.
   *
   * @throws {UserError} when it cannot be found or loaded.
   */
  factory(spec: string): RecipeFactory {
    const found = this.loadedSpec(spec);
    if (found === undefined) {
      // A built-in needs no import, whatever computed its name.
      const [pkg, entry] = parseSpec(spec);
      const builtin = BUILTINS[`${pkg}:${entry}`];
      if (builtin && !this.findPackage(pkg)) return builtin;
      // Modules are imported before the parts initialize: a recipe first
      // named then (computed, or in a section a recipe added) is unknown.
      throw new UserError(
        `The recipe ${
          oneLine(spec)
        } was not loaded: only built-in recipes and those written out in ` +
          "some section of the configuration can be, not one computed from " +
          "other options or first named by a section a recipe added",
      );
    }
    // A fresh error each time: the While: context is added to the object.
    // A copy keeps its class, which callers tell failures apart by (the
    // note of an unpacked bundle for a distribution not found).
    if (found instanceof UserError) {
      const fresh: UserError = Object.create(
        Object.getPrototypeOf(found),
        Object.getOwnPropertyDescriptors(found),
      );
      for (const label of doingOf(found).toReversed()) addDoing(fresh, label);
      throw fresh;
    }
    if (this.packagesOf.size) this.used(spec);
    return found;
  }

  /** Records the packages of recipe `spec`, constructed for a part. */
  private used(spec: string): void {
    const key = parseSpec(spec).join(":");
    const packages = this.packagesOf.get(key);
    if (!packages) return;
    this.packagesOf.delete(key);
    for (const found of packages) this.addPackage(found);
  }

  /** Adds `found` to {@link recipePackages} unless it is there. */
  private addPackage(found: DevelopPackage): void {
    if (!this.recipePackages.has(found.dir)) {
      this.recipePackages.set(found.dir, found);
    }
  }

  /** What {@link preload} got for `spec`, looked up once per spelling. */
  private loadedSpec(spec: string): RecipeFactory | UserError | undefined {
    let found = this.bySpec.get(spec);
    if (found === undefined) {
      const [pkg, entry] = parseSpec(spec);
      found = this.loaded.get(`${pkg}:${entry}`);
      if (found !== undefined) this.bySpec.set(spec, found);
    }
    return found;
  }

  /**
   * True when `spec` names a built-in recipe (no develop package) that
   * prints only through buildout's logger, so its output may be gathered;
   * recipes running commands share the terminal with them and may not.
   */
  builtin(spec: string): boolean {
    const [pkg, entry] = parseSpec(spec);
    const factory = BUILTINS[`${pkg}:${entry}`];
    return factory !== undefined && QUIET.has(factory) &&
      !this.findPackage(pkg);
  }

  /** The signature of the code behind `spec` (see `install/signature.ts`). */
  signature(spec: string): string {
    let signature = this.specSignatures.get(spec);
    if (signature === undefined) {
      const [pkg] = parseSpec(spec);
      signature = this.signatures.get(pkg);
      if (signature === undefined) {
        const found = this.findPackage(pkg);
        signature = found
          ? developSignature(found.name, found.dir, this.ignored)
          : BUILTIN_SIGNATURE;
        this.signatures.set(pkg, signature);
      }
      this.specSignatures.set(spec, signature);
    }
    return signature;
  }

  /**
   * True when `recorded`, a part's signature in `.installed.cfg`, is the
   * one zc.buildout wrote for the Python recipe that the built-in `spec`
   * stands in for under the same name: a part it installed, with the
   * options the built-in sets, is then kept and updated rather than
   * uninstalled and built again just because the code behind the name
   * changed.
   */
  standsInFor(spec: string, recorded: string): boolean {
    const [pkg, entry] = parseSpec(spec);
    return BUILTINS[`${pkg}:${entry}`] !== undefined &&
      pkg.includes(".") && !this.findPackage(pkg) &&
      zcBuildoutRecipeProject(recorded) === eggProjectKey(pkg);
  }

  /**
   * The uninstall recipe registered under the same entry name as the
   * recipe `spec`, if its package exists and has one.
   */
  async uninstaller(spec: string): Promise<UninstallRecipe | undefined> {
    const [pkg, entry] = parseSpec(spec);
    let found: DevelopPackage | undefined;
    try {
      found = this.findPackage(pkg) ?? await this.usedDist(pkg) ??
        this.dists?.installed(pkg);
    } catch (err) {
      // The package is gone or broken: nothing can run, as in zc.buildout.
      if (err instanceof UserError) return undefined;
      throw err;
    }
    if (!found) return BUILTIN_UNINSTALLERS[`${pkg}:${entry}`];
    // Loaded into zc.buildout's working set, whose unload entry points
    // are all called: a package used only to uninstall included.
    this.addPackage(found);
    const target = entryTarget(found.entries.uninstall, entry);
    if (target === undefined) return undefined;
    return await importEntry(
      found,
      "uninstall",
      entry,
      target,
    ) as UninstallRecipe;
  }

  /**
   * The entry points of `group` (`extensions` or `unload`) of the
   * extension packages `names` (requirements) and of every distribution
   * they require, in resolution order, each with its package's name, as
   * zc.buildout calls every extension entry point of the distributions it
   * installed for them. The requirements are resolved together, once per
   * run: `extensions = demo demoneeded==1.0` gives `demo` that version.
   * `undeveloped` gives the directory of a package of that name that
   * `develop` lists but this run has not linked yet, for the error.
   * `unload` entry points of the packages got for recipes are called too,
   * after those: zc.buildout calls every one its working set holds, and
   * recipes are loaded into that set.
   *
   * @throws {UserError} when a package is neither linked nor found.
   */
  async extensions(
    names: string[],
    group: "extensions" | "unload",
    undeveloped?: (name: string) => string | undefined,
  ): Promise<Array<[string, Extension]>> {
    this.extensionPackages ??= this.getExtensionPackages(names, undeveloped);
    const packages = new Map(
      (await this.extensionPackages).map((found) => [found.dir, found]),
    );
    if (group === "unload") {
      for (const [dir, found] of this.recipePackages) {
        if (!packages.has(dir)) packages.set(dir, found);
      }
    }
    const result: Array<[string, Extension]> = [];
    for (const found of packages.values()) {
      for (const [entry, target] of Object.entries(found.entries[group])) {
        const extension = await importEntry(found, group, entry, target);
        result.push([found.name, extension as Extension]);
      }
    }
    return result;
  }

  private async getExtensionPackages(
    names: string[],
    undeveloped?: (name: string) => string | undefined,
  ): Promise<DevelopPackage[]> {
    const missing = names.find((name) =>
      this.dists ? !this.dists.searchable(name) : !this.findPackage(name)
    );
    if (missing !== undefined) {
      const dir = undeveloped?.(missing);
      throw new UserError(
        `Couldn't find the extension package '${clipped(missing)}': ` +
          (dir
            ? "extensions load before develop packages are linked, as in " +
              `zc.buildout, and ${dir} is not linked yet: run buildout once ` +
              `without '${clipped(missing)}' in extensions`
            : "it is not a develop package, and no find-links or index is " +
              "configured to get it as a distribution. " +
              pythonExtensionNote(missing)),
      );
    }
    if (!this.dists) return names.map((name) => this.findPackage(name)!);
    const requirers = names.map((name) => clipped(`extension ${name}`));
    try {
      return await this.dists.installAll(names, requirers);
    } catch (err) {
      const named = err instanceof DistributionNotFound &&
        names.find((name) => requirementKey(name) === err.key);
      // Python distributions named already say what it is: only the remedy.
      if (named) {
        err.message += " " +
          (err.pythonOffered
            ? pythonExtensionRemedy(named)
            : pythonExtensionNote(named));
      }
      throw err;
    }
  }

  /**
   * The distribution for requirement `pkg` and those it requires, got
   * once per run; its signature is kept for {@link signature}. `label`
   * names the requirer in messages (`recipe SPEC`, `extension NAME`).
   */
  private distribution(pkg: string, label: string): Promise<Dist[]> {
    let dists = this.fromDists.get(pkg);
    if (!dists) {
      // A spec may be of any length.
      const requirer = clipped(label);
      dists = doingAsync(
        `Installing ${requirer}.`,
        () => this.dists!.install(pkg, requirer),
      ).then((got) => {
        this.signatures.set(pkg, distributionSignature(got, this.ignored));
        return got;
      }, (err) => {
        // The recipe's own distribution, not one it requires: a migrated
        // configuration names a Python recipe egg. One offered as Python
        // distributions is named so already: only where to read on.
        if (
          err instanceof DistributionNotFound &&
          err.key === requirementKey(pkg)
        ) {
          const note = err.pythonOffered
            ? `See ${MIGRATING}`
            : pythonRecipeNote(pkg);
          if (note) err.message += ` ${note}.`;
        }
        throw err;
      });
      this.fromDists.set(pkg, dists);
    }
    return dists;
  }

  /** The distribution `pkg` got in this run, if it was. */
  private async usedDist(pkg: string): Promise<Dist | undefined> {
    const dists = this.fromDists.get(pkg);
    if (!dists) return undefined;
    try {
      return (await dists)[0];
    } catch {
      return undefined;
    }
  }

  /**
   * The built-in recipe `spec` names, or the package entry point to import
   * (getting the distribution first when it is one).
   */
  private async locateRecipe(
    pkg: string,
    entry: string,
    spec: string,
  ): Promise<RecipeFactory | EntryPoint> {
    // An option indented under `recipe = x` (a tab, a pasted block) is
    // read as more of its value, as zc.buildout reads it: say so, rather
    // than look for a recipe of that name.
    if (spec.trim().includes("\n")) {
      throw new UserError(
        `Couldn't find recipe ${
          clipped(spec.trim())
        }: the recipe option holds more than one line, as an indented ` +
          "line continues the option above it; start each option at the " +
          "beginning of its line",
      );
    }
    const found = this.findPackage(pkg);
    if (found) {
      const target = entryTarget(found.entries.recipes, entry);
      if (target === undefined) {
        throw new UserError(
          oneLine(
            `The develop package '${
              clipped(found.name)
            }' (${found.dir}) has no recipe ` +
              `entry point '${
                clipped(entry)
              }' in "buildout.recipes" of its package.json ` +
              `(recipe = ${clipped(spec.trim())})`,
          ),
        );
      }
      // zc.buildout installs what a develop package requires too, and
      // signs its recipes with those distributions.
      if (found.declaresRequires && this.dists) {
        await this.distribution(pkg, `recipe ${spec.trim()}`);
      }
      return { pkg: found, entry, target };
    }
    const builtin = BUILTINS[`${pkg}:${entry}`];
    if (builtin) return builtin;
    if (BUILTIN_PACKAGES.has(pkg)) {
      const entries = Object.keys(BUILTINS).filter((key) =>
        parseSpec(key)[0] === pkg
      ).map((key) => parseSpec(key)[1]);
      throw new UserError(
        oneLine(
          `Couldn't find recipe ${
            clipped(spec.trim())
          }: the built-in recipe '${pkg}' ` +
            `has no entry point '${clipped(entry)}' (it has: ${
              entries.join(", ")
            })${pythonEntryNote(pkg)}`,
        ),
      );
    }
    if (this.dists?.searchable(pkg)) {
      const dist = (await this.distribution(pkg, `recipe ${spec.trim()}`))[0];
      const target = entryTarget(dist.entries.recipes, entry);
      if (target === undefined) {
        throw new UserError(
          oneLine(
            `The distribution ${clipped(dist.name)} ${
              clipped(dist.version)
            } (${dist.dir}) has ` +
              `no recipe entry point '${
                clipped(entry)
              }' in "buildout.recipes" of its ` +
              `package.json (recipe = ${clipped(spec.trim())})`,
          ),
        );
      }
      return { pkg: dist, entry, target };
    }
    const names = Object.keys(BUILTINS).map((key) =>
      key.endsWith(":default") ? key.slice(0, -":default".length) : key
    );
    throw new UserError(oneLine(
      `Couldn't find recipe ${clipped(spec.trim())}: '${
        clipped(pkg)
      }' is neither a built-in ` +
        `recipe (${names.join(", ")}) nor a develop package listed in ` +
        "buildout:develop" +
        (this.dists
          ? ", and no find-links or index is configured to get it as a distribution"
          : "") +
        (this.misnamedHint(pkg, entry) || parenthesized(pythonRecipeNote(pkg))),
    ));
  }

  /**
   * When a develop directory is named `pkg` but its package.json names
   * the package otherwise, which name to use instead: the user named the
   * directory, as the link list cannot tell them.
   */
  private misnamedHint(pkg: string, entry: string): string {
    for (const link of this.links.all()) {
      const dir = eggLinkTarget(link);
      if (basename(dir) !== pkg) continue;
      const found = this.findPackage(basename(link, ".egg-link"));
      if (!found) continue;
      const spec = entry === "default" ? found.name : `${found.name}:${entry}`;
      return ` (the develop directory ${dir} holds the package ` +
        `'${clipped(found.name)}': use recipe = ${clipped(spec)})`;
    }
    return "";
  }
}

/** Where the README tells a zc.buildout user what to do about Python. */
const MIGRATING = 'the README\'s "Migrating a buildout zc.buildout built"';

/** Python recipe eggs whose names lack the `.recipe.` that marks most. */
const PYTHON_RECIPE_EGGS = new Set(["slapos.cookbook"]);

/** Why a Python recipe egg's recipes cannot run here. */
const NOT_PYTHON = "which this buildout cannot run: its recipes are " +
  `TypeScript or JavaScript packages; see ${MIGRATING}`;

/**
 * For a requirement naming a project in the Python namespace style of
 * zc.buildout's recipe eggs (`zc.recipe.egg`, `plone.recipe.zope2instance`),
 * or a known Python recipe egg (`slapos.cookbook`), that recipes here are
 * not Python: a migrated configuration meets this first. Empty for other
 * names.
 */
function pythonRecipeNote(pkg: string): string {
  const name = requirementOf(pkg)?.name ?? "";
  if (PYTHON_RECIPE_EGGS.has(name.toLowerCase())) {
    return `'${clipped(name)}' is a Python recipe egg, ${NOT_PYTHON}`;
  }
  return looksLikePythonRecipeEgg(name)
    ? `'${clipped(name)}' looks like a Python recipe egg, ${NOT_PYTHON}`
    : "";
}

/** Whether `name` has the `*.recipe.*` form of zc.buildout's recipe eggs. */
function looksLikePythonRecipeEgg(name: string): boolean {
  return /^[\w-]+(?:\.[\w-]+)*\.recipe\.[\w.-]+$/.test(name);
}

/**
 * Python recipe eggs only some entry points of which are built in: the
 * others are Python (slapos.recipe.build's default and
 * collective.recipe.cmd:py run Python code, slapos.recipe.template:jinja2
 * and collective.recipe.template:genshi render with Jinja2 and Genshi).
 */
const PARTLY_BUILT_IN = new Set([
  "collective.recipe.cmd",
  "collective.recipe.template",
  "slapos.recipe.build",
  "slapos.recipe.template",
]);

/**
 * For a built-in package standing in for some entry points of a Python
 * recipe egg (`slapos.recipe.build:download`), that the egg's others are
 * Python: a migrated configuration names them. Empty for other packages.
 */
function pythonEntryNote(pkg: string): string {
  return PARTLY_BUILT_IN.has(pkg)
    ? `; its other entry points are Python recipes of the egg ` +
      `'${clipped(pkg)}', ${NOT_PYTHON}`
    : "";
}

/**
 * What an extension no location offers may be: zc.buildout's extensions
 * (`mr.developer`) are Python packages, which nothing can offer here.
 */
function pythonExtensionNote(name: string): string {
  return `If '${clipped(name)}' is a zc.buildout extension (a Python ` +
    "package), remove it from extensions: this buildout cannot load " +
    `Python; see ${MIGRATING}.` +
    builtInNote(name);
}

/** What to do about an extension only Python distributions are offered for. */
function pythonExtensionRemedy(name: string): string {
  return `Remove '${clipped(name)}' from extensions; see ${MIGRATING}.` +
    builtInNote(name);
}

/**
 * The option each extension zc.buildout 2 made built in wrote its picked
 * versions to, by project key.
 */
const SUPERSEDED_EXTENSIONS = new Map([
  [projectKey("buildout.dumppickedversions"), "dump-picked-versions-file"],
  [projectKey("buildout-versions"), "buildout_versions_file"],
]);

/**
 * For an extension whose work zc.buildout 2 made built in
 * (buildout.dumppickedversions, buildout-versions), that it is built in
 * here too, with the options doing it; else nothing.
 */
function builtInNote(name: string): string {
  const key = requirementKey(name);
  const option = key === undefined ? undefined : SUPERSEDED_EXTENSIONS.get(key);
  return option
    ? " Its work is built in, as in zc.buildout 2: set " +
      "show-picked-versions = true, and update-versions-file = FILE for " +
      `its ${option}.`
    : "";
}

/** ` (text)`, or nothing for empty `text`. */
function parenthesized(text: string): string {
  return text ? ` (${text})` : "";
}

/** The project key of requirement `spec`, or undefined when it is none. */
function requirementKey(spec: string): string | undefined {
  return requirementOf(spec)?.key;
}

/** Requirement `spec` parsed, or undefined when it is none. */
function requirementOf(spec: string): Requirement | undefined {
  try {
    return parseRequirement(spec);
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

/** A recipe entry point of a package: `target` is `./file.ts[:export]`. */
interface EntryPoint {
  pkg: DevelopPackage;
  entry: string;
  target: string;
}

/**
 * How to import the module file at the absolute `path`: the path itself
 * where both runtimes read it as that file (Bun imports 50 recipe modules
 * by path ~0.6 ms sooner than by `file:` URL), else its `file:` URL, since
 * Deno reads a specifier as a URL, where `#`, `?` and `%` mean otherwise.
 */
function moduleSpecifier(path: string): string {
  return /^\/[^#?%]*$/.test(path) ? path : pathToFileURL(path).href;
}

// What Node's resolution tries after a bare module name; setuptools entry
// points name modules without one, so users coming from them leave it out.
const MODULE_EXTENSIONS = [".ts", ".js", ".mjs", ".cjs", ".mts", ".cts"];

/**
 * `; name it ./recipe.ts, with its extension` when `path` (written `file`
 * in package.json) lacks an extension that an existing file has.
 */
function withExtensionHint(file: string, path: string): string {
  const found = MODULE_EXTENSIONS.find((ext) => {
    try {
      return statSync(path + ext).isFile();
    } catch {
      return false;
    }
  });
  return found ? `; name it ${clipped(file + found)}, with its extension` : "";
}

/** Imports the recipe class or factory of an entry point. */
async function importRecipe(point: EntryPoint): Promise<RecipeFactory> {
  return await importEntry(
    point.pkg,
    "recipes",
    point.entry,
    point.target,
  ) as RecipeFactory;
}

/**
 * Imports `target` (`./file.ts` or `./file.ts:export`) of a package and
 * returns the function it names.
 *
 * @throws {UserError} naming the module when it is missing, a directory,
 *   fails to load or lacks the export.
 */
async function importEntry(
  pkg: DevelopPackage,
  group: EntryGroup,
  entry: string,
  target: string,
): Promise<unknown> {
  const colon = target.lastIndexOf(":");
  const [file, name] = colon > 0
    ? [target.slice(0, colon), target.slice(colon + 1)]
    : [target, "default"];
  const path = resolve(pkg.dir, file);
  const where = `entry point '${clipped(entry)}' in "buildout.${group}" of ${
    join(pkg.dir, "package.json")
  }`;
  const inside = relative(pkg.dir, path);
  if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    // Its signature covers only the package's own files (as distributions,
    // which refuse such entry points when unpacked).
    throw new UserError(
      oneLine(
        `The module ${
          clipped(path)
        } (${where}) is outside the package directory ${pkg.dir}`,
      ),
    );
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    // Missing, or under a file or a directory not to be read: as existsSync.
  }
  if (!stat) {
    throw new UserError(
      oneLine(
        `The module ${clipped(path)} (${where}) does not exist` +
          withExtensionHint(file, path),
      ),
    );
  }
  if (stat.isDirectory()) {
    // Bun would say it cannot find it, imported from its own executable.
    throw new UserError(
      oneLine(
        `The module ${clipped(path)} (${where}) is a directory: an entry ` +
          `point names a module file, such as ./index.js`,
      ),
    );
  }
  let module: Record<string, unknown>;
  // Loaded code may print with process.stdout.write, at its top level too.
  dropRefusedStreamWrites();
  try {
    module = await settled(
      import(moduleSpecifier(path)),
      "its top-level await",
    );
  } catch (err) {
    let reason = loadFailure(err, path);
    // The compiled executable's runtime cuts a module's path at `?` (by
    // path and by URL alike), then says it cannot find the file there.
    if (path.includes("?") && reason.includes(path)) {
      reason = "this executable cannot load a module whose path holds '?'; " +
        "rename the directory";
    }
    throw new UserError(
      oneLine(
        `Couldn't load the module ${clipped(path)} (${where}): ${reason}`,
      ),
      { cause: err },
    );
  }
  const value = name === "default"
    ? defaultExport(module)
    : module[name] ?? commonJsExport(module, name);
  if (typeof value !== "function") {
    throw new UserError(
      `The module ${clipped(path)} (${oneLine(where)}) has no ${
        name === "default" ? "default export" : `export '${clipped(name)}'`
      } that is a function or class`,
    );
  }
  return value;
}

/**
 * Property `name` of the `module.exports` of a CommonJS `module`, which
 * Deno (as Node) gives as the export `module.exports`: its named exports
 * are only those a static reading finds, where Bun gives every property.
 */
function commonJsExport(
  module: Record<string, unknown>,
  name: string,
): unknown {
  const exports = module["module.exports"];
  return typeof exports === "object" || typeof exports === "function"
    ? (exports as Record<string, unknown> | null)?.[name]
    : undefined;
}

/**
 * The default export of `module`. CommonJS compiled from ES modules (`tsc`,
 * Babel) sets `exports.default` and `exports.__esModule`: Bun imports that
 * `exports.default` as the default export, Deno the whole `exports`.
 */
function defaultExport(module: Record<string, unknown>): unknown {
  const value = module.default as { __esModule?: unknown; default?: unknown };
  return typeof value === "object" && value?.__esModule ? value.default : value;
}
