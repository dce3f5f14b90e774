/**
 * Which parts to install, in what order. A section becomes a part when it is
 * initialized and has a recipe: the parts listed in `[buildout] parts`, and
 * any section with a recipe that they reference (by substitution, by their
 * recipe's constructor reading it, or through `<part-dependencies>`). A
 * referenced section is initialized first, so it lands before its referrer.
 */
import type { Buildout, Options } from "../buildout.ts";
import type { SectionLookup } from "../config/macros.ts";
import { addDoing, asObject, clipped, UserError } from "../errors.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeFactory,
  RecipeOptions,
} from "../recipe/api.ts";
import type { RecipeLoader } from "../recipe/load.ts";
import { isClassSyntax } from "../recipe/call_entry.ts";
import { recordFailedPart } from "./failed_part.ts";
import { pyRepr } from "../pyrepr.ts";
import { words } from "../words.ts";
import {
  initializationOrder,
  type OptionsLookup,
  reachableSections,
} from "./reachable.ts";

/**
 * Runs a synchronous piece of the code of recipe `spec`, that of part
 * `part` (in the buildout directory).
 */
export type RecipeCall = <T>(spec: string, part: string, fn: () => T) => T;

// Classes must be called with `new`; a plain function is a factory unless
// its prototype carries the recipe methods (a pre-class constructor).
type RecipeArgs = [RecipeBuildout, string, RecipeOptions];

const CLASSES = new WeakMap<RecipeFactory, boolean>();

function isClass(factory: RecipeFactory): boolean {
  let known = CLASSES.get(factory);
  if (known === undefined) {
    known = isClassSyntax(factory) ||
      typeof (factory.prototype as Partial<Recipe> | undefined)?.install ===
        "function";
    CLASSES.set(factory, known);
  }
  return known;
}

function construct(
  factory: RecipeFactory,
  buildout: RecipeBuildout,
  name: string,
  options: RecipeOptions,
): Recipe {
  return isClass(factory)
    ? new (factory as new (...a: RecipeArgs) => Recipe)(
      buildout,
      name,
      options,
    )
    : (factory as (...a: RecipeArgs) => Recipe)(buildout, name, options);
}

/** True when `value` is a promise or another object with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * `value` of section `section` with its `${section:option}` substitutions
 * made from the configuration as written (not from what recipes set), or
 * undefined when that cannot tell: a recipe computed from other options is
 * then loaded with the others.
 */
function writtenOut(
  sections: SectionLookup,
  section: string,
  value: string,
  depth = 0,
): string | undefined {
  if (depth > 20 || value.includes("$$")) return undefined;
  let known = true;
  const result = value.replace(
    /\$\{([^:}]*):([^}]*)\}/g,
    (_, name: string, option: string) => {
      const from = name || section;
      let raw: string | undefined;
      try {
        raw = sections.get(from)?.get(option);
      } catch (err) {
        // A macro loop and the like: the run reports it where it matters.
        if (!(err instanceof UserError)) throw err;
      }
      const substituted = raw?.includes("${")
        ? writtenOut(sections, from, raw, depth + 1)
        : raw;
      if (substituted === undefined) known = false;
      return substituted ?? "";
    },
  );
  return known && !result.includes("${") ? result : undefined;
}

/** Constructs recipes as their sections initialize and records the order. */
export class PartPlan {
  /** Parts in the order their recipes were constructed. */
  readonly parts: string[] = [];
  private readonly recipes = new Map<string, Recipe>();
  private readonly seen = new Set<string>();
  /** The part whose install or update is running, if one is. */
  private installing?: string;
  /** The parts are decided: see {@link decide}. */
  private decided = false;

  constructor(
    private readonly buildout: Buildout,
    private readonly loader: RecipeLoader,
    private readonly call: RecipeCall,
  ) {}

  /**
   * Imports every recipe written out in some section; distributions are
   * got only for the sections that `[buildout]` and the parts `only`
   * (when given) may reach (see {@link reachableSections}).
   */
  preload(only: string[] = []): Promise<void> {
    const bySection = this.writtenRecipes();
    // Extensions ran: a section initialized by then holds its recipe as it
    // is now, which an extension may have set or substituted.
    for (const options of this.buildout.initializedSections()) {
      const spec = options.has("recipe") ? options.get("recipe") : undefined;
      if (spec) bySection.set(options.name, spec);
    }
    const all = new Set(bySection.values());
    // Finding the reachable sections reads every option of the
    // configuration: worth it only when there is a distribution to get.
    if (![...all].some((spec) => this.loader.needsDistribution(spec))) {
      return this.loader.preload(all);
    }
    // Extensions ran and may have changed what a section holds, such as
    // [buildout] parts: an initialized section is read as configured and
    // as it is now.
    const raw = this.buildout.rawSections();
    const now = new Map<string, Options>();
    for (const options of this.buildout.initializedSections()) {
      now.set(options.name, options);
    }
    const sections: OptionsLookup = {
      has: (name) => raw.has(name),
      get: (name) => {
        const options = now.get(name);
        const configured = raw.get(name);
        return options ? [...configured ?? [], ...options.copy()] : configured;
      },
    };
    const reachable = reachableSections(
      sections,
      ["buildout", ...only],
      only.length > 0,
    );
    // Got in the order zc.buildout initializes the sections, as one
    // working set holds them all: the first part's recipe picks first.
    const parts = only.length
      ? only
      : words(this.buildout.section("buildout").get("parts"));
    const order = initializationOrder(sections, ["buildout"], parts);
    const specs = new Set<string>();
    const others = new Set<string>();
    for (const name of [...order, ...bySection.keys()]) {
      const spec = bySection.get(name);
      if (spec) (reachable.has(name) ? specs : others).add(spec);
    }
    return this.loader.preload(specs, [...others].filter((s) => !specs.has(s)));
  }

  /** The recipes written out in the configuration, by section. */
  private writtenRecipes(): Map<string, string> {
    const bySection = new Map<string, string>();
    for (const name of this.buildout.sectionNames()) {
      const spec = this.buildout.rawOption(name, "recipe");
      if (!spec) continue;
      if (!spec.includes("${")) bySection.set(name, spec);
      else {
        const written = writtenOut(this.buildout.rawSections(), name, spec);
        if (written) bySection.set(name, written);
      }
    }
    return bySection;
  }

  /**
   * Until the returned function is called, constructs the recipe of a
   * section when one of its options is first read, as zc.buildout
   * constructs it when an extension first uses the section: what the
   * constructor sets is then read. The recipes of develop packages linked
   * by an earlier run are imported first; one got from a distribution is
   * constructed later, with the others. A section an extension only gets
   * or sets keeps its recipe for later, so that the extension may still
   * change it.
   */
  async constructOnRead(): Promise<() => void> {
    await this.loader.preloadDeveloped(this.writtenRecipes().values());
    this.buildout.onFirstRead = (options) => {
      const spec = options.get("recipe");
      if (spec && this.loader.knows(spec)) this.initialize(options);
    };
    return () => {
      this.buildout.onFirstRead = undefined;
    };
  }

  /**
   * From now on, constructs the recipe of each section as it initializes;
   * sections initialized earlier (by `[buildout]` or extensions) get theirs
   * now, in the order they were initialized.
   */
  attach(): void {
    this.buildout.onInitialize = (options) => this.initialize(options);
    for (const options of this.buildout.initializedSections()) {
      this.initialize(options);
    }
  }

  /**
   * Decides the parts: a section with a recipe first referenced from now
   * on (by an uninstall recipe, an extension's unload) still has its
   * recipe constructed, for the options it sets, but is no part: it was
   * neither planned nor signed, and the next run would uninstall it.
   */
  decide(): void {
    this.decided = true;
  }

  /** The recipe of a part, if its section has one. */
  recipe(part: string): Recipe | undefined {
    return this.recipes.get(part);
  }

  /**
   * Marks `part` as installing, or none when undefined. A part first
   * referenced by then (a template fetched at install time) is refused:
   * the parts to install are decided, it could not be installed before
   * the part using it, and the next run would uninstall it again.
   */
  setInstalling(part: string | undefined): void {
    this.installing = part;
  }

  private initialize(options: Options): void {
    const name = options.name;
    if (this.seen.has(name)) return;
    this.seen.add(name);
    if (name === "buildout") return;
    const spec = options.get("recipe");
    if (!spec) return;
    if (this.installing !== undefined) {
      const referrer = clipped(this.installing);
      throw new UserError(
        this.buildout.wasAdded(name)
          ? `Part ${referrer} added section ${
            clipped(name)
          }, which has a recipe, only while installing, too late to ` +
            "install it: add sections in the recipe's constructor"
          : `Part ${referrer} referenced part ${
            clipped(name)
          } only while installing, too late to install it first: ` +
            `add it to the parts of [buildout], before ${referrer}`,
      );
    }
    // try/catch rather than doing() closures: this runs once per part.
    let recipe: Recipe;
    // What the While: block says when it fails (quoted only then).
    let stage: "section" | "part" | undefined = "section";
    try {
      // .installed.cfg lists the parts separated by spaces: such a part
      // would be recorded as several, in a database no run could read.
      if (/\s/.test(name)) {
        throw new UserError(
          `The part name ${
            clipped(name, pyRepr)
          } holds whitespace, which the list of installed parts in ` +
            ".installed.cfg cannot record: rename its section",
        );
      }
      const factory = this.loader.factory(spec);
      stage = undefined;
      const dependencies = options.get("<part-dependencies>");
      if (dependencies) {
        for (const dependency of words(dependencies)) {
          this.buildout.section(dependency);
        }
      }
      stage = "part";
      recipe = this.call(
        spec,
        name,
        () => construct(factory, this.buildout, name, options),
      );
      if (typeof recipe?.install !== "function") {
        if (isThenable(recipe)) {
          // Its rejection would be reported as a second, internal, error.
          Promise.resolve(recipe).catch(() => {});
          throw new UserError(
            `The recipe ${clipped(spec)} of part ${
              clipped(name)
            } gave a promise, not a recipe: recipes are constructed ` +
              "synchronously, since other sections read the options they " +
              "set, so its factory cannot be async; do asynchronous work " +
              "in install or update",
          );
        }
        throw new UserError(
          `The recipe ${clipped(spec)} of part ${
            clipped(name)
          } has no install method`,
        );
      }
    } catch (err) {
      const error = asObject(err);
      recordFailedPart(error, name, "section", () => options.copy());
      if (stage) addDoing(error, `Initializing ${stage} ${clipped(name)}.`);
      throw error;
    }
    this.recipes.set(name, recipe);
    if (!this.decided) this.parts.push(name);
  }
}
