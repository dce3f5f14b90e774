/**
 * slapos.recipe.build's shared parts (`shared = true`): a part built once
 * into `<shared dir>/<part>/<md5 of its options>` and reused by every
 * buildout listing that directory in `${buildout:shared-part-list}`. A
 * finished shared build holds `.buildout-shared.json` (the options it was
 * built from), is made read-only, and is never recorded for uninstall.
 */
import { createHash } from "../lib/lazy_crypto.ts";
import { existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { isWritable } from "../lib/fs_kinds.ts";
import { join } from "node:path";
import type {
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { slaposBool } from "./_bool.ts";
import { lockBuild } from "../lib/install/lock_build.ts";
import { holds } from "../lib/path_holds.ts";
import { makeReadOnly, removeTree } from "./_paths.ts";
import { clipped } from "../lib/errors.ts";
import { makeDirectories } from "../lib/directories.ts";

const MARKER = ".buildout-shared.json";

/** Where a slapos part goes, and how it is installed there. */
export class SharedPart {
  /** `shared = true` was asked for (whether or not a directory is listed). */
  readonly maybeShared: boolean;
  /** The part's directory: shared, or `parts/<name>`. */
  location: string;
  /** Keep the location when the build fails (for inspection). */
  keepOnError = false;
  /** What `.buildout-shared.json` holds; undefined when not shared. */
  private readonly signature?: string;
  private readonly buildout: RecipeBuildout;
  private readonly logger: RecipeLogger;

  /** Reads `shared` and computes the location; call first in a constructor. */
  constructor(buildout: RecipeBuildout, name: string, options: RecipeOptions) {
    this.buildout = buildout;
    this.logger = buildout.logger(name);
    const main = buildout.section("buildout");
    this.maybeShared = slaposBool(
      "shared",
      options.get("shared"),
      false,
      buildout.UserError,
    );
    const list = this.maybeShared ? main.get("shared-part-list") : undefined;
    if (list) {
      this.signature = signatureOf(options);
      const digest = createHash("md5").update(this.signature).digest("hex");
      const candidates = list.split("\n").map((d) => d.trim())
        .filter(Boolean).map((d) => d.replace(/\/+$/, ""));
      // A location that exists is used whether or not it is finished:
      // another run may be building it, and install() waits for that run.
      const found = candidates.find((d) => existsSync(join(d, name, digest)));
      const writable = candidates.find((d) => isWritable(d));
      const dir = found ?? writable;
      if (dir !== undefined) {
        this.location = join(dir, name, digest);
        this.logger.info(
          existsSync(join(this.location, MARKER))
            ? `shared at ${this.location} (already built)`
            : `will be shared at ${this.location} (needs to build)`,
        );
        return;
      }
      this.signature = undefined;
    }
    this.location = join(main.require("parts-directory"), name);
  }

  /** True when the part goes to a shared directory. */
  get isShared(): boolean {
    return this.signature !== undefined;
  }

  /**
   * Refuses an option that cannot work with `shared = true`.
   *
   * @throws {UserError} `When shared=true, <reason>`.
   */
  assertNotShared(reason: string): void {
    if (this.maybeShared) {
      throw new this.buildout.UserError(`When shared=true, ${reason}`);
    }
  }

  /**
   * Empties the location, runs `build` to fill it and returns what to
   * record: `[location]`, or nothing for a shared part (which is skipped
   * altogether when already built, by this run or by another one it
   * waits for).
   *
   * @throws {UserError} when `build` fails or leaves no directory.
   */
  async install(build: () => Promise<void>): Promise<string[]> {
    if (this.signature === undefined) return await this.fill(build);
    // Other buildouts may be building the same location now: one builds,
    // the others wait and use its build.
    const unlock = await lockBuild(
      this.location,
      (message) => this.logger.info(message),
    );
    try {
      if (existsSync(join(this.location, MARKER))) {
        // A run killed while making the finished build read-only left its
        // lock: what it had not made read-only yet is, now.
        if (unlock.tookOver) finishReadOnly(this.location);
        this.logger.info("shared part is already installed");
        return [];
      }
      return await this.fill(build);
    } finally {
      unlock();
    }
  }

  /** {@link install} once the build is known to be needed. */
  private async fill(build: () => Promise<void>): Promise<string[]> {
    const location = this.location;
    const marker = join(location, MARKER);
    const directory = this.buildout.section("buildout").require("directory");
    if (holds(location, directory)) {
      throw new this.buildout.UserError(
        `Not installing into ${clipped(location)}: it holds the buildout ` +
          "directory, " +
          "which would be removed first",
      );
    }
    removeTree(location);
    try {
      makeDirectories(location);
      await build();
      if (!existsSync(location)) {
        throw new this.buildout.UserError(
          `'${clipped(location)}' was not created`,
        );
      }
      if (this.maybeShared && !statSync(location).isDirectory()) {
        throw new this.buildout.UserError(
          `'${clipped(location)}' is not a directory`,
        );
      }
      if (this.signature === undefined) return [location];
      writeFileSync(marker + ".tmp", this.signature);
      renameSync(marker + ".tmp", marker);
    } catch (err) {
      if (!this.keepOnError) removeTree(location);
      throw err;
    }
    makeReadOnly(location);
    return [];
  }
}

/**
 * Makes `location` read-only, unless another user's run built it: only
 * they may change its modes, and the build is usable as it is.
 */
function finishReadOnly(location: string): void {
  try {
    makeReadOnly(location);
  } catch (err) {
    if ((err as { code?: string }).code !== "EPERM") throw err;
  }
}

/**
 * All the part's options as sorted, indented JSON, with the profiles' base
 * locations written back as `${:_profile_base_location_}` so the same
 * profiles elsewhere (another checkout, another URL) share the build.
 */
function signatureOf(options: RecipeOptions): string {
  const bases = options.profileBases?.() ?? [];
  const own = options.get("_profile_base_location_");
  if (own) bases.push(own);
  // Longest first: a component profile's directory is often below the
  // directory of the profile extending it.
  bases.sort((a, b) => b.length - a.length);
  // Without a prototype, an option named `__proto__` is a key like any other.
  const values: Record<string, string> = Object.create(null);
  for (
    const [key, value] of options.entries().sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    )
  ) {
    if (key === "_profile_base_location_") continue;
    let written = value;
    for (const base of bases) {
      written = written.split(base).join("${:_profile_base_location_}");
    }
    values[key] = written;
  }
  return JSON.stringify(values, null, 2);
}
