/**
 * `buildout install [parts]`: zc.buildout's `Buildout.install`. Extensions
 * load, the standard directories and develop packages are set up, parts are
 * initialized (constructing their recipes), parts that are gone or changed
 * are uninstalled in reverse order, then each part is installed or updated.
 * The database is saved after every part whose record changed.
 */
import { existsSync, lstatSync, renameSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Buildout, Options } from "../buildout.ts";
import { formatSections } from "../config/serialize.ts";
import {
  addDoing,
  asObject,
  clipped,
  clippedName,
  doing,
  doingAsync,
  MissingOption,
  oneLine,
  UserError,
} from "../errors.ts";
import {
  effectiveLevel,
  flushOutput,
  holdingOutput,
  holdOutput,
  LEVELS,
  logger,
  releaseOutput,
  writeOut,
} from "../log.ts";
import type { InstallResult, Recipe, RecipeBuildout } from "../recipe/api.ts";
import { RecipeLoader } from "../recipe/load.ts";
import { callEntry } from "../recipe/call_entry.ts";
import { readPackage } from "../recipe/package_json.ts";
import { redactPasswords } from "../redact_passwords.ts";
import { distributionsOf } from "../dists/distributions.ts";
import { runLoadedCode } from "../early_exit.ts";
import {
  trackCleanup,
  untrackCleanup,
  untrackTempFile,
} from "../fetch/temp_files.ts";
import {
  InstallDatabase,
  INSTALLED,
  type SavedOptions,
  SIGNATURE,
} from "./database.ts";
import { developPackages, expandGlob, packageDirectory } from "./develop.ts";
import { lockInstalled } from "./lock.ts";
import { PENDING_SUFFIX, PendingPaths } from "./pending.ts";
import { recordFailedPart } from "./failed_part.ts";
import { HeldPaths } from "./held_paths.ts";
import { SharedPaths } from "./shared_paths.ts";
import { PartPlan } from "./plan.ts";
import { words } from "../words.ts";
import { pyRepr } from "../pyrepr.ts";
import {
  BUILTIN_SIGNATURE,
  isBuiltinSignature,
  realPaths,
} from "./signature.ts";
import { bundleWrites } from "../commands/bundle_paths.ts";
import { holds } from "../path_holds.ts";
import { removeFile, removeTree } from "../remove_tree.ts";
import { hiddenTemp, sweepAbandoned } from "../fetch/hidden_temp.ts";
import { OtherBuildouts } from "./other_buildout.ts";
import {
  trustedOwners,
  trustedRealPath,
  UntrustedLink,
} from "../trusted_links.ts";
import {
  createDirectory,
  createStandardDirectories,
  STANDARD_DIRECTORIES,
} from "../directories.ts";
import { settled } from "../settled.ts";
import { JIT_SCALE, setJitScale } from "../jit_scale.ts";
import { keepInitializations } from "../kept_initialization.ts";

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === "function";
}

/**
 * The paths an install or update returned; undefined for nothing (`null`
 * too, as Python's None).
 *
 * @throws {TypeError} for anything but a path or an iterable of paths,
 *   and for a path holding a line break or a NUL character.
 */
function returnedPaths(
  part: string,
  method: string,
  result: unknown,
): string[] | undefined {
  if (result === undefined || result === null) return undefined;
  let wrong = describe(result);
  let paths: unknown[] | undefined;
  if (typeof result === "string") paths = [result];
  else if (
    typeof (result as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    paths = [...(result as Iterable<unknown>)];
  }
  if (paths) {
    // The database keeps paths one per line: a line break would make two,
    // and a NUL character (no path holds one) would make it unreadable.
    const other = paths.findIndex((path) =>
      typeof path !== "string" || path.includes("\n") || path.includes("\0")
    );
    if (other < 0) return paths as string[];
    const bad = paths[other];
    wrong = typeof bad !== "string"
      ? `${describe(bad)} among its paths`
      : bad.includes("\n")
      ? `a path holding a line break (${oneLine(bad)})`
      : `a path holding a NUL character (${oneLine(bad)})`;
  }
  throw new TypeError(
    `The ${method} method of part ${
      clipped(part)
    } returned ${wrong}: it must ` +
      "return a path, an iterable of paths, or nothing",
  );
}

/** `a number (5)`, `an object`: a value in a message. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${oneLine(String(value))})`;
}

function logDifferences(part: string, saved: SavedOptions, now: SavedOptions) {
  const old = new Map(saved);
  old.delete(INSTALLED);
  for (const [key, value] of old) {
    if (!now.has(key)) logger.debug(`Part ${part}, dropped option ${key}.`);
    else if (now.get(key) !== value) {
      logger.debug(
        `Part ${part}, option ${key} changed:\n${pyRepr(now.get(key)!)} != ${
          pyRepr(value)
        }`,
      );
    }
  }
  for (const key of now.keys()) {
    if (!old.has(key)) logger.debug(`Part ${part}, new option ${key}.`);
  }
}

/**
 * True when a part's options and recipe signature are those of its database
 * record (which also holds the paths it installed), each value compared by
 * `sameValue`. Reads every option, as zc.buildout's comparison does.
 */
function isRecorded(
  options: Options,
  signature: string,
  record: SavedOptions,
  sameValue: (recorded: string | undefined, value: string) => boolean,
): boolean {
  const keys = options.keys();
  let same = record.size === keys.length + 2 &&
    record.get(SIGNATURE) === signature;
  for (const key of keys) {
    const value = options.require(key);
    if (
      key === SIGNATURE || key === INSTALLED ||
      !sameValue(record.get(key), value)
    ) {
      same = false;
    }
  }
  return same;
}

function sameText(recorded: string | undefined, value: string): boolean {
  return recorded === value;
}

/**
 * True when zc.buildout could have recorded `value` as `recorded`: the same
 * text; under Python 2 an octal number in its `oct()` form (`0750`) where
 * the built-in recipes write Python 3's (`0o750`, z3c.recipe.mkdir's `mode`);
 * or a block value (`command =` then indented lines) as zc.buildout 1.x
 * read it with Python's ConfigParser: its empty first line kept, each line
 * stripped and blank lines left out (a `+=` added one), where this parser, as
 * zc.buildout 2 and later, drops that line and keeps the indentation.
 */
function sameAsZcBuildout(
  recorded: string | undefined,
  value: string,
): boolean {
  return recorded === value ||
    recorded === value.replace(/^0o(?=[0-7]+$)/, "0") ||
    recorded?.charCodeAt(0) === 0x0a &&
      strippedLines(recorded) === strippedLines(value);
}

/** The lines of `text` that are not blank, stripped. */
function strippedLines(text: string): string {
  return text.split("\n").map((line) => line.trim()).filter(Boolean)
    .join("\n");
}

function warnUnused(options: Options): void {
  const unused = options.unused().sort();
  if (unused.length) {
    logger.warn(
      `Unused options for ${clipped(options.name)}: ${
        unused.map((name) => clipped(name, pyRepr)).join(" ")
      }.`,
    );
  }
}

/**
 * Saves the records changed by the part being installed, updated or
 * rolled back; a failure is said to happen while `activity`
 * (`Installing x.`), as in zc.buildout, which saves within that step.
 * No closure: this runs for every part of a no-op run.
 */
function saveRecords(db: InstallDatabase, activity: string): void {
  try {
    db.saveRecords();
  } catch (err) {
    addDoing(err, activity);
    throw err;
  }
}

/**
 * Leaves the database in the plain format, however the parts went; only a
 * finished run without parts drops it. When a part failed, its error (met
 * saving its record, maybe) is the one reported, not that of this save:
 * the file keeps what was last saved, as a failed write leaves it whole.
 */
function saveAtEnd(db: InstallDatabase, finished: boolean): void {
  try {
    if (db.parts.length || db.developEggs || (db.exists && !finished)) {
      db.save();
    } else if (db.exists) db.remove();
  } catch (err) {
    if (!finished) return;
    addDoing(err, "Installing.");
    throw err;
  }
}

/**
 * Installs the buildout: all configured parts, or only `only` when given.
 * Whatever the outcome, the look-ahead for distributions stops (nothing it
 * unpacked out of sight stays in the eggs directory) and picked versions
 * are reported. With `holdLock`, a run that succeeds keeps the database's
 * lock and returns the function releasing it, for a caller reading what
 * the run built (`bundle`); otherwise the lock is released and the
 * function returned does nothing.
 */
export async function runInstall(
  buildout: Buildout,
  only: string[],
  holdLock = false,
): Promise<() => void> {
  const home = process.cwd();
  const run = new InstallRun(buildout);
  let unlock = () => {};
  try {
    await run.run(only);
    if (holdLock && run.unlock) [unlock, run.unlock] = [run.unlock, undefined];
  } finally {
    run.unlock?.();
    releaseOutput();
    returnTo(home);
    distributionsOf(buildout)?.finish();
  }
  return unlock;
}

/**
 * Goes back to the directory the run started in, if it still can: the run
 * may have removed it (a part's directory the user was in), or the user
 * running may not enter it (`sudo -u app` from root's home). Either way
 * the run's outcome stands, as in zc.buildout, which never goes back.
 */
function returnTo(home: string): void {
  try {
    process.chdir(home);
  } catch {
    // Callers resolve their relative paths before installing.
  }
}

/** The parts to install, with their recipes and signatures. */
interface Plan {
  /** Constructs the recipes of sections as they initialize. */
  partPlan: PartPlan;
  parts: string[];
  // Arrays in the order of `parts`, and one map: a map by part for each
  // costs a large buildout's no-op run a garbage collection.
  /** Each part's place in `parts`. */
  index: Map<string, number>;
  recipes: Recipe[];
  signatures: string[];
}

/** One run of `install`; see the module documentation for the steps. */
class InstallRun {
  private readonly main: Options;
  private readonly directory: string;
  private readonly loader: RecipeLoader;
  private readonly api: RecipeBuildout;
  /**
   * Installed parts found unchanged, with their options' set() count then:
   * while it holds, their database record is what they would record.
   */
  private readonly unchanged = new Map<string, number>();
  private readonly builtins = new Map<string, boolean>();
  /** Owners of the links removals follow, read at the first removal. */
  private trusted?: Set<number>;
  /** Other buildouts' records, read at the first removal. */
  private others?: OtherBuildouts;
  /** Who recorded each path, read at the first install that adds some. */
  private shared?: SharedPaths;
  /** What the part in progress created, for a run killed before its record. */
  private readonly pending: PendingPaths;
  /** Real paths left out of develop packages' signatures. */
  private readonly unsigned: Set<string>;
  /** Releases the database's lock, once taken. */
  unlock?: () => void;

  constructor(private readonly buildout: Buildout) {
    this.main = buildout.section("buildout");
    this.directory = this.main.require("directory");
    // Options holding the path would be lists of its pieces (the mkdir
    // recipe made a directory outside the buildout of one), and the
    // database could not record the paths.
    if (/[\n\r]/.test(this.directory)) {
      throw new UserError(
        `The buildout directory's path holds a line break, which option ` +
          `values would split: ${oneLine(this.directory)}; rename it`,
      );
    }
    // A develop package holding the buildout (`develop = .`) must not be
    // signed by what runs write, or each run would reinstall its parts:
    // the caches too, which bundle and offline builds keep inside, and
    // what a bundle leaves there.
    const installed = this.main.require("installed");
    const written = STANDARD_DIRECTORIES.map((name) =>
      this.main.require(`${name}-directory`)
    );
    written.push(...bundleWrites(this.directory));
    for (const name of ["download-cache", "extends-cache"]) {
      const cache = this.main.get(name);
      if (cache) written.push(cache);
    }
    const pending = installed ? installed + PENDING_SUFFIX : undefined;
    if (pending) written.push(installed, `${installed}.lock`, pending);
    this.pending = new PendingPaths(pending, this.directory);
    this.unsigned = realPaths(written);
    this.loader = new RecipeLoader(
      this.main.require("develop-eggs-directory"),
      distributionsOf(buildout),
      this.unsigned,
    );
    this.api = buildout;
  }

  /** Runs every step; `only` names the parts of `install p1 p2`. */
  async run(only: string[]): Promise<void> {
    const extensions = words(this.main.get("extensions"));
    // Made before extensions run: they may construct recipes.
    const partPlan = new PartPlan(
      this.buildout,
      this.loader,
      (spec, part, fn) => this.callRecipe(spec, part, fn),
    );
    await doingAsync("Installing.", async () => {
      // Before extensions: a run refused must not have run them (they may
      // check out sources, as mr.developer does) beside the run installing.
      // A database in a standard directory is locked once that is made.
      const installed = this.main.require("installed");
      if (installed && existsSync(dirname(installed))) {
        this.unlock = lockInstalled(installed);
      }
      await doingAsync("Loading extensions.", async () => {
        // zc.buildout makes it first, to install extensions there.
        if (extensions.length && !this.main.getBool("offline")) {
          createDirectory(this.main.require("eggs-directory"));
        }
        if (!extensions.length) return;
        const stop = await this.inDirectoryAsync(() =>
          partPlan.constructOnRead()
        );
        try {
          await this.callExtensions(extensions, "extensions");
        } finally {
          stop();
        }
      });
      doing(
        "Setting up buildout directories",
        () => createStandardDirectories(this.main),
      );
      if (installed && !this.unlock) {
        // Found now, not when the first part's record is written.
        if (!existsSync(dirname(installed))) {
          throw new UserError(
            `The directory of the installed file does not exist: ${
              oneLine(installed)
            }`,
          );
        }
        this.unlock = lockInstalled(installed);
      }
    });
    // From here on, module code runs through external() or the plan's call.
    holdOutput();
    const db = doing(
      "Installing.",
      () =>
        InstallDatabase.read(this.main.require("installed"), {
          directory: this.directory,
          relocatable: this.main.getBool("relative-paths"),
        }),
    );
    this.developPackages(db);
    this.leaveOutOfSignatures(db);
    doing("Installing.", () => this.removeInterrupted(db));

    const uninstallMissing = only.length === 0;
    const plan = await this.plan(
      partPlan,
      uninstallMissing ? [] : only,
      extensions.length > 0,
    );
    setJitScale(JIT_SCALE.parts);
    let finished = false;
    // A failed uninstall, too, leaves the database in the plain format.
    try {
      await doingAsync(
        "Installing.",
        () => this.uninstallChanged(db, plan, uninstallMissing),
      );
      warnUnused(this.main);
      for (let i = 0; i < plan.parts.length; i++) {
        const part = plan.parts[i];
        // `install p1 p2` installs only those, whatever they reference.
        if (uninstallMissing) plan.partPlan.setInstalling(part);
        const pending = this.installPart(
          db,
          part,
          plan.recipes[i],
          plan.signatures[i],
        );
        if (pending) await pending;
      }
      finished = true;
    } finally {
      plan.partPlan.setInstalling(undefined);
      saveAtEnd(db, finished);
    }

    releaseOutput();
    // Before the unload entry points, as zc.buildout 2 does: one may read
    // the versions file.
    distributionsOf(this.buildout)?.finish();
    await doingAsync(
      "Installing.",
      () =>
        doingAsync("Unloading extensions.", async () => {
          if (extensions.length) {
            await this.callExtensions(extensions, "unload");
          }
        }),
    );
  }

  /**
   * Calls the `group` entry points of `extensions` with the buildout, in
   * the buildout directory, as zc.buildout enters it before: what they
   * name relatively (`autodevelop = .`) is found there.
   */
  private async callExtensions(
    extensions: string[],
    group: "extensions" | "unload",
  ): Promise<void> {
    const [doing, what] = group === "extensions"
      ? ["Loading extensions.", "an extension"]
      : ["Unloading extensions.", "an unload entry point"];
    await this.inDirectoryAsync(async () => {
      const found = await this.loader.extensions(
        extensions,
        group,
        (name) => this.developDirectory(name),
      );
      for (const [name, entry] of found) {
        await settled(
          runLoadedCode(
            ["Installing.", doing],
            () => callEntry(entry, this.api),
          ),
          `The promise returned by ${what} of ${clipped(name)}`,
        );
      }
    });
  }

  /**
   * Removes what the part in progress had created when a run was killed
   * before its record was saved (see pending.ts), as a failed install's
   * paths are removed; a path a record names stays. Also removes killed
   * runs' temporaries in the parts directory and the buildout directory.
   */
  private removeInterrupted(db: InstallDatabase): void {
    // A run killed while unpacking into the parts directory leaves its
    // temporary there, which only the next unpacking there would sweep:
    // none comes if that part is no longer configured. Likewise a killed
    // bundle's archive (tens of MB) in the buildout directory, which only
    // the next bundle, or rewrite of .installed.cfg, would sweep.
    sweepAbandoned(this.main.require("parts-directory"));
    sweepAbandoned(this.directory);
    const left = this.pending.left();
    if (left === undefined) return;
    const recorded = this.installedPaths(db);
    const stale = left.paths.filter((path) => {
      const full = resolve(this.directory, path);
      return path && !recorded.has(full) &&
        lstatSync(full, { throwIfNoEntry: false }) !== undefined;
    });
    if (stale.length) {
      logger.info(
        `Removing what the interrupted install of ${left.part} created.`,
      );
      this.removePaths(stale);
    }
    this.pending.clear();
  }

  /**
   * Leaves what installed parts recorded out of develop packages'
   * signatures, as the standard directories are: a package holding the
   * buildout (`develop = .`) would otherwise be changed by every file a
   * part installs elsewhere in it (`etc/app.conf`), and the next run would
   * reinstall the parts using it. Signatures are computed after this.
   */
  private leaveOutOfSignatures(db: InstallDatabase): void {
    if (!words(this.main.get("develop")).length) return;
    for (const path of realPaths([...this.installedPaths(db).keys()])) {
      this.unsigned.add(path);
    }
  }

  /** The directory `develop` lists holding package `name`, if any. */
  private developDirectory(name: string): string | undefined {
    for (const pattern of words(this.main.get("develop"))) {
      for (const dir of expandGlob(this.directory, pattern)) {
        try {
          const pkg = readPackage(packageDirectory(dir));
          if (pkg.name === name) return pkg.dir;
        } catch (err) {
          // The develop step reports it.
          if (!(err instanceof UserError)) throw err;
        }
      }
    }
    return undefined;
  }

  /**
   * Replaces the links of the last run's develop packages by this run's:
   * those of packages no longer developed are removed afterwards, so that
   * a link still right is kept rather than removed and written again.
   */
  private developPackages(db: InstallDatabase): void {
    const links = doing("Installing.", () =>
      doing(
        "Processing directories listed in the develop option",
        () =>
          developPackages(
            words(this.main.get("develop")),
            this.directory,
            this.main.require("develop-eggs-directory"),
            this.main.getBool("relative-paths"),
          ),
      ));
    const kept = new Set(links.map((link) => resolve(this.directory, link)));
    this.removePaths(
      db.developEggs.split("\n").filter((link) =>
        link && !kept.has(resolve(this.directory, link)) &&
        // Recorded by a run reaching this directory by another path (a
        // symbolic link to it): the same file as one just written.
        !sameFileAsOneOf(resolve(this.directory, link), links)
      ),
    );
    db.developEggs = links.join("\n");
    this.loader.developed();
    if (db.exists) doing("Installing.", () => db.saveRecords());
  }

  /**
   * Initializes the parts (`only`, or those of `[buildout] parts` and what
   * they reference), constructing their recipes; a whole run's
   * initializations are kept for the next (see kept_initialization.ts),
   * unless `extensions` ran, which may have read sections in ways no
   * substitution records.
   */
  private async plan(
    plan: PartPlan,
    only: string[],
    extensions: boolean,
  ): Promise<Plan> {
    // Importing a module runs its code.
    await this.external(() => plan.preload(only));
    const keeper = only.length || extensions
      ? undefined
      : keepInitializations(this.buildout);
    try {
      const planned = this.planParts(plan, only);
      await keeper?.keep();
      return planned;
    } finally {
      keeper?.stop();
    }
  }

  /** {@link plan}, its recipes imported. */
  private planParts(plan: PartPlan, only: string[]): Plan {
    const configured = words(this.main.get("parts"));
    const requested = only.length ? only : configured;
    doing("Installing.", () => {
      // Asked for by name, [buildout] is refused whatever it holds: as a
      // configured part it is only skipped, as zc.buildout skips it.
      if (only.includes("buildout")) {
        throw new UserError(
          "Cannot install buildout: the buildout section is never a part",
        );
      }
      plan.attach();
      for (const part of requested) {
        const options = this.buildout.section(part);
        if (!options.has("recipe")) throw missingRecipe(options);
        if (only.length && !plan.recipe(part)) {
          throw new UserError(
            `Cannot install ${clipped(part)}: its recipe option is empty`,
          );
        }
      }
    });
    if (effectiveLevel() < LEVELS.DEBUG) {
      const initialized = this.buildout.initializedSections();
      const sections = formatSections(
        initialized.map((options) => [options.name, options.entries()]),
      );
      // A run's log: URL passwords hidden, as in every log line.
      writeOut(redactPasswords(`\nConfiguration data:\n${sections}\n`));
    }
    // `install app app` installs app once, not then updates it again.
    const parts = only.length ? [...new Set(only)] : plan.parts;
    const index = new Map<string, number>();
    const recipes: Recipe[] = [];
    const signatures: string[] = [];
    for (const part of parts) {
      index.set(part, recipes.length);
      recipes.push(plan.recipe(part)!);
      signatures.push(
        this.loader.signature(this.buildout.section(part).require("recipe")),
      );
    }
    plan.decide();
    return { partPlan: plan, parts, index, recipes, signatures };
  }

  /**
   * Uninstalls, last installed first, the planned parts whose options,
   * signature or files changed, and (when `uninstallMissing`) the parts
   * no longer planned. Comparing reads every option of a planned part, so
   * (as in zc.buildout) a part installed before gets no unused-option
   * warnings.
   */
  private async uninstallChanged(
    db: InstallDatabase,
    plan: Plan,
    uninstallMissing: boolean,
  ): Promise<void> {
    const held = new HeldPaths(db, this.directory);
    for (const part of db.parts.reverse()) {
      const planned = plan.index.get(part);
      if (planned !== undefined) {
        const old = db.get(part)!;
        const options = this.buildout.section(part);
        const signature = plan.signatures[planned];
        const recorded = old.get(SIGNATURE) ?? "";
        // A part another release of this executable, or zc.buildout,
        // installed with a recipe built in here counts as unchanged: its
        // options say what it built. Its update records this run's
        // signature.
        let accepted = signature;
        let sameValue = sameText;
        if (recorded !== signature) {
          if (
            signature === BUILTIN_SIGNATURE && isBuiltinSignature(recorded)
          ) {
            accepted = recorded;
          } else if (
            this.loader.standsInFor(options.require("recipe"), recorded)
          ) {
            accepted = recorded;
            sameValue = sameAsZcBuildout;
          }
        }
        if (isRecorded(options, accepted, old, sameValue)) {
          this.unchanged.set(part, options.setCount);
          const files = old.get(INSTALLED)!;
          if (!files) continue;
          const present = files.split("\n").every((f) =>
            existsSync(resolve(this.directory, f))
          );
          if (present) continue;
        } else if (effectiveLevel() < LEVELS.DEBUG) {
          const now = options.copy();
          now.set(SIGNATURE, signature);
          logDifferences(part, old, now);
        }
      } else if (!uninstallMissing) {
        continue;
      }
      await this.uninstallPart(part, db.get(part)!, held);
      db.forget(part);
      if (db.exists) db.saveRecords();
    }
  }

  /**
   * Runs the part's uninstall recipe, if any, then removes its files, but
   * no directory holding what another installed part (`held`) installed.
   */
  private uninstallPart(
    part: string,
    saved: SavedOptions,
    held: HeldPaths,
  ): Promise<void> {
    return this.external(() => this.runUninstall(part, saved, held));
  }

  private runUninstall(
    part: string,
    saved: SavedOptions,
    held: HeldPaths,
  ): Promise<void> {
    const doing = `Uninstalling ${clippedName(part)}.`;
    return doingAsync(doing, async () => {
      logger.info(doing);
      try {
        const uninstaller = await this.loader.uninstaller(saved.get("recipe")!);
        if (uninstaller) {
          logger.info("Running uninstall recipe.");
          await this.inDirectoryAsync(async () =>
            await settled(
              runLoadedCode(
                ["Installing.", doing],
                () =>
                  callEntry(
                    uninstaller,
                    part,
                    Object.fromEntries(saved),
                    this.api,
                  ),
              ),
              `The promise returned by the uninstall recipe of part ${
                clipped(part)
              }`,
            )
          );
        }
        this.removePaths(
          saved.get(INSTALLED)!.split("\n"),
          (dir) => held.heldBy(dir, part),
        );
      } catch (thrown) {
        const err = asObject(thrown);
        recordFailedPart(err, part, "database", () => saved);
        throw err;
      }
    });
  }

  /**
   * Updates the part if it is installed (its record was kept), else
   * installs it; then records it and saves the database if that changed it.
   * Returns a promise only when the recipe did: an async call per part
   * costs much in a run's code that is not compiled yet.
   */
  private installPart(
    db: InstallDatabase,
    part: string,
    recipe: Recipe,
    signature: string,
  ): Promise<void> | undefined {
    const options = this.buildout.section(part);
    const old = db.get(part);
    const installed = old !== undefined;
    // What the part will record: its options before the call, as in
    // zc.buildout; an unchanged part's are those of its record, unless
    // zc.buildout wrote it (its values may be spelt as Python 2 did).
    const record = installed && this.unchanged.get(part) === options.setCount
      ? old
      : undefined;
    let saved: SavedOptions;
    if (record?.get(SIGNATURE) === signature) saved = record;
    else {
      saved = options.copy();
      saved.set(SIGNATURE, signature);
    }
    const activity = `${installed ? "Updating" : "Installing"} ${
      clippedName(part)
    }.`;
    logger.info(activity);
    let method = recipe.install;
    let oldFiles: string[] = [];
    const recorded = installed ? old.get(INSTALLED)! : "";
    if (installed) {
      if (recorded) oldFiles = recorded.split("\n").filter(Boolean);
      if (recipe.update) method = recipe.update;
      else {
        logger.warn(
          `The recipe for ${
            clipped(part)
          } doesn't define an update method. Using its install method.`,
        );
      }
    }
    // A recipe module may print by itself: its output must not overtake
    // held lines, nor be overtaken by them.
    const builtin = this.builtin(options.require("recipe"));
    const methodName = method === recipe.install ? "install" : "update";
    const finish = (result: InstallResult) => {
      this.enter();
      let paths: string[] | undefined;
      try {
        paths = returnedPaths(part, methodName, result);
      } catch (err) {
        return fail(err);
      }
      if (!builtin) holdOutput();
      options.stopCreated();
      // A set: an update returning its many files again stays linear.
      const old = paths?.length && oldFiles.length
        ? new Set(oldFiles)
        : undefined;
      const added = old ? paths?.filter((p) => !old.has(p)) : paths;
      if (added?.length) {
        this.shared ??= new SharedPaths(db, this.directory);
        for (const [path, other] of this.shared.claim(part, added)) {
          logger.warn(
            `Part ${clipped(part)} installed ${pyRepr(path)}, which part ${
              clipped(other)
            } installed too: uninstalling either removes it.`,
          );
        }
      }
      const files = (added?.length ? oldFiles.concat(added) : oldFiles)
        .join("\n");
      if (saved === record && files !== recorded) {
        saved = new Map(record);
      }
      if (saved !== record) saved.set(INSTALLED, files);
      db.record(part, saved);
      // A part found installed had all its options read when compared.
      if (!installed) warnUnused(options);
      saveRecords(db, activity);
      this.pending.done();
    };
    const fail = (thrown: unknown): never => {
      const err = asObject(thrown);
      this.enter();
      if (!builtin) holdOutput();
      this.removeCreated(options.stopCreated());
      recordFailedPart(err, part, "section", () => options.copy());
      if (installed) {
        db.forget(part);
        // As when uninstalling: a recorded directory holding what another
        // part installed stays, or that part would lose its files.
        const held = new HeldPaths(db, this.directory);
        this.removePaths(oldFiles, (dir) => held.heldBy(dir, part));
        if (db.exists) saveRecords(db, activity);
      }
      this.pending.done();
      addDoing(err, activity);
      throw err;
    };
    options.startCreated((paths) => this.pending.add(part, paths));
    if (!builtin) releaseOutput();
    let returned: InstallResult | Promise<InstallResult>;
    let thenable: boolean;
    // Ctrl-C, or recipe code calling process.exit(), must not leave what
    // the recipe created, as a failure would not.
    const interrupted = () => {
      this.removePaths(options.created());
      this.pending.done();
    };
    trackCleanup(interrupted);
    try {
      this.enter();
      returned = builtin
        ? method.call(recipe)
        : runLoadedCode([activity], () => method.call(recipe));
      // Recipe code too: `then` may be a getter.
      thenable = isThenable(returned);
    } catch (err) {
      untrackCleanup(interrupted);
      return fail(err);
    }
    if (thenable) {
      // Waiting: what was said so far must be seen meanwhile.
      flushOutput();
      return settled(
        returned,
        `The promise returned by the ${methodName} method of part ${
          clipped(part)
        }`,
      ).then((result) => {
        untrackCleanup(interrupted);
        finish(result);
      }, (err) => {
        untrackCleanup(interrupted);
        return fail(err);
      });
    }
    untrackCleanup(interrupted);
    finish(returned as InstallResult);
  }

  /**
   * Constructs a recipe of `spec` for `part` with `fn`, in the buildout
   * directory; output held (see log.ts) is written first and held again
   * after, unless the recipe is built in (it prints through the logger).
   */
  private callRecipe<T>(spec: string, part: string, fn: () => T): T {
    if (this.builtin(spec)) return this.inDirectory(fn);
    const held = holdingOutput();
    if (held) releaseOutput();
    try {
      return runLoadedCode(
        ["Installing.", `Initializing part ${clipped(part)}.`],
        () => this.inDirectory(fn),
      );
    } finally {
      if (held) holdOutput();
    }
  }

  /** Whether the recipe `spec` is built in, asked once per spec. */
  private builtin(spec: string): boolean {
    let known = this.builtins.get(spec);
    if (known === undefined) {
      known = this.loader.builtin(spec);
      this.builtins.set(spec, known);
    }
    return known;
  }

  /**
   * Runs code of a recipe or extension module (importing one runs its own)
   * with output not held, in the buildout directory.
   */
  private async external<T>(fn: () => T | Promise<T>): Promise<T> {
    releaseOutput();
    try {
      return await this.inDirectoryAsync(async () => await fn());
    } finally {
      holdOutput();
    }
  }

  /** Removes what a failed install or update registered as created. */
  private removeCreated(paths: string[]): void {
    for (const path of paths) {
      if (!existsSync(resolve(this.directory, path))) {
        logger.warn(`Couldn't clean up ${clipped(path, pyRepr)}.`);
      }
    }
    this.removePaths(paths);
  }

  /** The paths the parts of `db` installed, as absolute paths. */
  private installedPaths(db: InstallDatabase): Set<string> {
    const found = new Set<string>();
    for (const part of db.parts) {
      for (const file of db.get(part)!.get(INSTALLED)?.split("\n") ?? []) {
        if (file) found.add(resolve(this.directory, file));
      }
    }
    return found;
  }

  /**
   * Removes recorded paths, relative ones from the buildout directory. A
   * symbolic link goes, never what it points to; a directory holding the
   * buildout (`..`, `/`, `.` in a hand-edited record) is kept with a
   * warning, as removing it would destroy the buildout and its neighbours.
   * So is a path reached through a link another user owns: a service user
   * given `var` could make `var/cache` a link to `/srv`, and the run
   * removing `var/cache/app` would remove `/srv/app`. So is a directory
   * holding a file another part installed (`heldElsewhere`), when given: a
   * part recording the directory its file went into (as
   * slapos.recipe.template did before 0.1.0's fix) would take the files
   * other parts put beside it.
   */
  private removePaths(
    paths: Iterable<string>,
    heldElsewhere?: (dir: string) => [string, string] | undefined,
  ): void {
    // Parents already resolved: a part may record many files of one directory.
    const parents = new Map<string, string | UntrustedLink>();
    for (const entry of paths) {
      if (!entry) continue;
      const lexical = resolve(this.directory, entry);
      const dir = dirname(lexical);
      let parent = parents.get(dir);
      if (parent === undefined) {
        try {
          parent = trustedRealPath(
            dir,
            this.trusted ??= trustedOwners(this.directory),
          );
        } catch (err) {
          if (!(err instanceof UntrustedLink)) throw err;
          parent = err;
        }
        parents.set(dir, parent);
      }
      if (parent instanceof UntrustedLink) {
        logger.warn(`Not removing ${pyRepr(lexical)}: ${parent.message}.`);
        continue;
      }
      const path = join(parent, basename(lexical));
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        continue;
      }
      if (stat.isDirectory() && holds(path, this.directory)) {
        logger.warn(
          `Not removing ${pyRepr(lexical)}: it holds the buildout directory.`,
        );
        continue;
      }
      if (stat.isDirectory() && heldElsewhere) {
        const held = heldElsewhere(lexical);
        if (held) {
          logger.warn(
            `Not removing ${pyRepr(lexical)}: it holds ${
              pyRepr(held[0])
            }, which part ${clipped(held[1])} installed.`,
          );
          continue;
        }
      }
      const owner = (this.others ??= new OtherBuildouts(this.directory))
        .owner(lexical);
      if (owner) {
        logger.warn(
          `Not removing ${pyRepr(lexical)}: the buildout in ${owner} records ` +
            "it as installed (this one looks like a copy of it).",
        );
        continue;
      }
      if (stat.isDirectory()) removeTreeAside(path);
      else removeFile(path);
    }
  }

  // Recipe code runs in the buildout directory, and is back there after
  // each call even if it changed directory; runInstall restores the
  // caller's directory when the run ends.
  private enter(): void {
    let here;
    try {
      here = process.cwd();
    } catch {
      // Recipe code removed the directory it went to: leave it all the same.
    }
    if (here !== this.directory) process.chdir(this.directory);
  }

  private inDirectory<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.enter();
    }
  }

  private async inDirectoryAsync<T>(fn: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await fn();
    } finally {
      this.enter();
    }
  }
}

/** Whether `path` is the very file (not a copy) of one of `files`. */
function sameFileAsOneOf(path: string, files: string[]): boolean {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat !== undefined && files.some((file) => {
    const other = lstatSync(file, { throwIfNoEntry: false });
    return other?.dev === stat.dev && other.ino === stat.ino;
  });
}

/**
 * `Missing option: part:recipe`, naming the option whose value holds a
 * `recipe = ...` line when one does: indented, that line continues it.
 */
function missingRecipe(options: Options): MissingOption {
  let hint = "";
  for (const key of options.keys()) {
    const line = /^recipe\s*=.*$/m.exec(options.get(key) ?? "")?.[0];
    if (line === undefined) continue;
    hint = ` (the line '${clipped(line)}' is indented, so it continues the ` +
      `value of ${clipped(key)}: start it at the beginning of its line)`;
    break;
  }
  return new MissingOption(
    `Missing option: ${clipped(options.name)}:recipe${hint}`,
  );
}

/**
 * Removes the directory tree `path` once renamed to a hidden temporary
 * beside it: a run killed meanwhile leaves no half-emptied directory that
 * the next run would take for the part's files, present and whole (and
 * the temporary is swept). Removed where it is when it cannot be renamed
 * (a mount point), or is refused removal, for the file system's error to
 * name it.
 */
function removeTreeAside(path: string): void {
  const temp = hiddenTemp(path);
  try {
    renameSync(path, temp);
  } catch {
    untrackTempFile(temp);
    removeTree(path);
    return;
  }
  try {
    removeTree(temp);
  } catch (err) {
    // What refuses removal goes back, to be named where the part has it.
    try {
      renameSync(temp, path);
    } catch {
      throw err;
    }
    untrackTempFile(temp);
    removeTree(path);
    throw err;
  }
  untrackTempFile(temp);
}
