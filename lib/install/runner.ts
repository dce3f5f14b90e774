/**
 * `buildout install [parts]`: zc.buildout's `Buildout.install`. Extensions
 * load, the standard directories and develop packages are set up, parts are
 * initialized (constructing their recipes), parts that are gone or changed
 * are uninstalled in reverse order, then each part is installed or updated.
 * The database is saved after every step that changes it.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Buildout, Options } from "../buildout.ts";
import { formatSection } from "../config/serialize.ts";
import { doing, doingAsync, UserError } from "../errors.ts";
import { effectiveLevel, LEVELS, logger } from "../log.ts";
import type { InstallResult, Recipe, RecipeBuildout } from "../recipe/api.ts";
import { RecipeLoader } from "../recipe/load.ts";
import { distributionsOf } from "../dists/distributions.ts";
import {
  InstallDatabase,
  INSTALLED,
  type SavedOptions,
  SIGNATURE,
} from "./database.ts";
import { developPackages } from "./develop.ts";
import { PartPlan, words } from "./plan.ts";
import { pyRepr } from "./pyrepr.ts";

const STANDARD_DIRECTORIES = ["bin", "parts", "eggs", "develop-eggs"];

function toList(result: InstallResult): string[] {
  if (result === undefined) return [];
  if (typeof result === "string") return [result];
  return [...result];
}

function sameOptions(a: SavedOptions, b: SavedOptions): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

function logDifferences(part: string, old: SavedOptions, now: SavedOptions) {
  for (const [key, value] of old) {
    if (!now.has(key)) logger.debug(`part ${part}, dropped option ${key}.`);
    else if (now.get(key) !== value) {
      logger.debug(
        `part ${part}, option ${key} changed:\n${pyRepr(now.get(key)!)} != ${
          pyRepr(value)
        }`,
      );
    }
  }
  for (const key of now.keys()) {
    if (!old.has(key)) logger.debug(`part ${part}, new option ${key}.`);
  }
}

function warnUnused(options: Options): void {
  const unused = options.unused().sort();
  if (unused.length) {
    logger.warn(
      `Unused options for ${options.name}: ${unused.map(pyRepr).join(" ")}.`,
    );
  }
}

/** Installs the buildout: all configured parts, or only `only` when given. */
export async function runInstall(
  buildout: Buildout,
  only: string[],
): Promise<void> {
  const main = buildout.section("buildout");
  const directory = main.require("directory");
  const home = process.cwd();
  const api: RecipeBuildout = buildout;
  const loader = new RecipeLoader(
    main.require("develop-eggs-directory"),
    distributionsOf(buildout),
  );

  /** Removes recorded paths, relative ones from the buildout directory. */
  const removePaths = (paths: Iterable<string>) => {
    for (const entry of paths) {
      if (!entry) continue;
      const path = resolve(directory, entry);
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        continue;
      }
      rmSync(path, { recursive: stat.isDirectory(), force: true });
    }
  };
  const inDirectory = <T>(fn: () => T): T => {
    process.chdir(directory);
    try {
      return fn();
    } finally {
      process.chdir(home);
    }
  };
  const inDirectoryAsync = async <T>(fn: () => Promise<T>): Promise<T> => {
    process.chdir(directory);
    try {
      return await fn();
    } finally {
      process.chdir(home);
    }
  };
  const callRecipe = (options: Options, fn: () => Promise<InstallResult>) =>
    options.trackCreated(
      () => inDirectoryAsync(fn),
      (paths) => {
        for (const path of paths) {
          if (!existsSync(resolve(directory, path))) {
            logger.warn(`Couldn't clean up ${pyRepr(path)}.`);
          }
        }
        removePaths(paths);
      },
    );

  const extensions = words(main.get("extensions"));
  await doingAsync("Installing.", async () => {
    await doingAsync("Loading extensions.", async () => {
      for (const name of extensions) {
        for (const extension of await loader.extensions(name, "extensions")) {
          await extension(api);
        }
      }
    });
    doing("Setting up buildout directories", () => {
      for (const name of STANDARD_DIRECTORIES) {
        const path = main.require(`${name}-directory`);
        if (!existsSync(path)) {
          logger.info(`Creating directory ${pyRepr(path)}.`);
          mkdirSync(path, { recursive: true });
        }
      }
    });
  });

  const db = doing(
    "Installing.",
    () => InstallDatabase.read(main.require("installed")),
  );
  removePaths(db.developEggs.split("\n"));
  db.developEggs = doing("Installing.", () =>
    doing(
      "Processing directories listed in the develop option",
      () =>
        developPackages(
          words(main.get("develop")),
          directory,
          main.require("develop-eggs-directory"),
        ),
    )).join("\n");
  if (db.exists) db.save();

  const plan = new PartPlan(buildout, loader, inDirectory);
  await plan.preload();
  const configured = words(main.get("parts"));
  const uninstallMissing = only.length === 0;
  let parts = uninstallMissing ? configured : only;
  doing("Installing.", () => {
    plan.attach();
    for (const part of parts) buildout.section(part).require("recipe");
  });
  if (effectiveLevel() < LEVELS.DEBUG) {
    const sections = buildout.initializedSections().map((options) =>
      formatSection(options.name, options.entries())
    );
    writeSync(1, `\nConfiguration data:\n${sections.join("")}\n`);
  }
  if (uninstallMissing) parts = plan.parts;

  const recipes = new Map<string, Recipe>();
  const signatures = new Map<string, string>();
  for (const part of parts) {
    const recipe = plan.recipe(part);
    if (!recipe) {
      throw new UserError(
        `Cannot install ${part}: its section has no recipe`,
      );
    }
    recipes.set(part, recipe);
    signatures.set(
      part,
      loader.signature(buildout.section(part).require("recipe")),
    );
  }
  // Comparing reads every option, so (as in zc.buildout) a part that was
  // installed before never gets unused-option warnings.
  const current = (part: string): SavedOptions => {
    const options = new Map(buildout.section(part).entries());
    options.set(SIGNATURE, signatures.get(part)!);
    return options;
  };

  const uninstallPart = (part: string) =>
    doingAsync(`Uninstalling ${part}.`, async () => {
      logger.info(`Uninstalling ${part}.`);
      const saved = db.get(part)!;
      const uninstaller = await loader.uninstaller(saved.get("recipe")!);
      if (uninstaller) {
        logger.info("Running uninstall recipe.");
        await inDirectoryAsync(async () =>
          await uninstaller(part, Object.fromEntries(saved), api)
        );
      }
      removePaths(saved.get(INSTALLED)!.split("\n"));
    });

  await doingAsync("Installing.", async () => {
    for (const part of [...db.parts].reverse()) {
      if (parts.includes(part)) {
        const old = new Map(db.get(part));
        const files = old.get(INSTALLED)!;
        old.delete(INSTALLED);
        const now = current(part);
        if (sameOptions(old, now)) {
          if (!files) continue;
          const present = files.split("\n").every((f) =>
            existsSync(resolve(directory, f))
          );
          if (present) continue;
        } else if (effectiveLevel() < LEVELS.DEBUG) {
          logDifferences(part, old, now);
        }
      } else if (!uninstallMissing) {
        continue;
      }
      await uninstallPart(part);
      db.forget(part);
      if (db.exists) db.save();
    }
  });

  warnUnused(main);

  for (const part of parts) {
    const options = buildout.section(part);
    const recipe = recipes.get(part)!;
    const saved = new Map(options.copy());
    saved.set(SIGNATURE, signatures.get(part)!);
    const order = db.parts.join(" ");
    let changed = true;
    if (db.parts.includes(part)) {
      logger.info(`Updating ${part}.`);
      await doingAsync(`Updating ${part}.`, async () => {
        const oldFiles = db.get(part)!.get(INSTALLED)!.split("\n")
          .filter(Boolean);
        let update = recipe.update;
        if (!update) {
          logger.warn(
            `The recipe for ${part} doesn't define an update method. Using its install method.`,
          );
          update = recipe.install;
        }
        let result: InstallResult;
        try {
          result = await callRecipe(
            options,
            async () => await update.call(recipe),
          );
        } catch (err) {
          db.forget(part);
          removePaths(oldFiles);
          if (db.exists) db.save();
          throw err;
        }
        const added = result === undefined
          ? []
          : toList(result).filter((p) => !oldFiles.includes(p));
        changed = added.length > 0;
        saved.set(INSTALLED, [...oldFiles, ...added].join("\n"));
      });
    } else {
      logger.info(`Installing ${part}.`);
      const result = await doingAsync(
        `Installing ${part}.`,
        () => callRecipe(options, async () => await recipe.install()),
      );
      saved.set(INSTALLED, toList(result).join("\n"));
    }
    db.record(part, saved);
    warnUnused(options);
    if (changed || db.parts.join(" ") !== order) db.save();
  }

  if (db.developEggs) {
    if (!db.exists) db.save();
  } else if (!db.parts.length && db.exists) {
    db.remove();
  }

  for (const name of extensions) {
    for (const unload of await loader.extensions(name, "unload")) {
      await unload(api);
    }
  }
}
