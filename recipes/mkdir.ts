/**
 * The mkdir recipe (`mkdir`, alias `z3c.recipe.mkdir`), following
 * z3c.recipe.mkdir 2.x: creates directories listed in `paths` (default
 * `parts/<name>`), with intermediate ones unless `create-intermediate` is
 * false, optionally applying `mode`, `user` and `group` (names, looked up
 * in /etc/passwd and /etc/group, then with `getent`, which asks the other
 * name services too: LDAP, SSSD, systemd, as Python's pwd and grp). Only
 * with `remove-on-update` are created directories recorded, and so removed
 * on uninstall: by default nothing is ever removed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  clipped,
  fsReason,
  oneLine,
  refusedByFileSystem,
} from "../lib/errors.ts";
import { pyRepr } from "../lib/pyrepr.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import {
  setDirectoryPermissions,
  trustedOwners,
  trustedRealPath,
} from "../lib/trusted_links.ts";
import { exists, isDirectory } from "./_paths.ts";

/** z3c.recipe.mkdir's booleans: yes, on, true, 1 (any case). */
function toBool(value: string): boolean {
  return ["yes", "on", "true", "1"].includes(value.toLowerCase());
}

/** Python's `str(bool)`. */
function pyBool(value: boolean): string {
  return value ? "True" : "False";
}

/**
 * The numeric id of the user or group `name` (`database` is `passwd` or
 * `group`), from its file under /etc or else from `getent`.
 *
 * @throws {UnknownName} when neither knows the name.
 */
function lookupId(database: "passwd" | "group", name: string): number {
  let text = "";
  try {
    text = readFileSync(`/etc/${database}`, "utf8");
  } catch {
    // No file (a minimal root): getent may still know the name.
  }
  const id = idOf(text, name) ?? idOf(getent(database, name), name);
  if (id !== undefined) return id;
  throw new UnknownName(
    `Unknown ${database === "passwd" ? "user" : "group"}: ${clipped(name)}`,
  );
}

/** The third field of the entry for `name` in `/etc/passwd`-style text. */
function idOf(text: string, name: string): number | undefined {
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && /^\d+$/.test(fields[2] ?? "")) {
      return Number(fields[2]);
    }
  }
  return undefined;
}

/** What `getent database name` prints; empty when it finds nothing. */
function getent(database: string, name: string): string {
  // No entry has such a name, and getent would take `-x` for an option.
  if (name.startsWith("-") || /[:\n]/.test(name)) return "";
  try {
    const run = spawnSync("getent", [database, name], { encoding: "utf8" });
    return run.status === 0 && typeof run.stdout === "string" ? run.stdout : "";
  } catch {
    return ""; // No getent to run: the name is unknown.
  }
}

class UnknownName extends Error {}

/** Creates directories; see the module documentation. */
export default class Mkdir implements Recipe {
  private readonly logger: RecipeLogger;
  private readonly paths: string[];
  /** The same paths, to tell a listed one from an intermediate quickly. */
  private readonly listed: Set<string>;
  private readonly createIntermediate: boolean;
  private readonly removeOnUpdate: boolean;
  private readonly mode?: number;
  private readonly user?: string;
  private readonly group?: string;
  private readonly uid: number = -1;
  private readonly gid: number = -1;
  private readonly directory: string;
  private trusted?: Set<number>;

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    this.logger = buildout.logger(name);
    this.removeOnUpdate = toBool(options.get("remove-on-update") ?? "no");
    this.createIntermediate = toBool(
      options.get("create-intermediate") ?? "yes",
    );
    const main = buildout.section("buildout");
    const directory = main.require("directory");
    this.directory = directory;
    const paths = options.get("paths") ??
      join(main.require("parts-directory"), name);
    this.paths = paths.split("\n").map((p) => p.trim()).filter(Boolean)
      .map((p) => resolve(directory, p)).sort();
    this.listed = new Set(this.paths);

    const mode = options.get("mode");
    if (mode !== undefined) {
      const digits = mode.trim().replace(/^0o/i, "");
      if (!/^[0-7]+$/.test(digits)) {
        throw new buildout.UserError(
          `'mode' must be an octal number: ${clipped(mode)}`,
        );
      }
      this.mode = parseInt(digits, 8);
    }
    try {
      this.user = options.get("user") || undefined;
      if (this.user) this.uid = lookupId("passwd", this.user);
      this.group = options.get("group") || undefined;
      if (this.group) this.gid = lookupId("group", this.group);
    } catch (err) {
      if (err instanceof UnknownName) {
        throw new buildout.UserError(err.message);
      }
      throw err;
    }

    // Recorded back so other sections can reference the normalized values.
    options.set("paths", this.paths.join("\n"));
    options.set("create-intermediate", pyBool(this.createIntermediate));
    options.set("remove-on-update", pyBool(this.removeOnUpdate));
    if (this.mode) options.set("mode", "0o" + this.mode.toString(8));
  }

  install(): string[] {
    for (const path of this.paths) this.create(path);
    return this.options.created();
  }

  update(): string[] {
    return this.install();
  }

  private create(path: string): void {
    const parent = dirname(path);
    const listed = this.listed.has(path);
    if (!this.createIntermediate && listed && !isDirectory(parent)) {
      throw new this.buildout.UserError(
        `Cannot create: ${
          clipped(path)
        }\n       Parent does not exist or not a directory.`,
      );
    }
    if (existsSync(path) && !isDirectory(path)) {
      throw new this.buildout.UserError(
        `Cannot create directory: ${oneLine(path)}. It's a file.`,
      );
    }
    if (!existsSync(path) && exists(path)) {
      throw new this.buildout.UserError(
        oneLine(
          `Cannot create directory: ${path}. It's a broken symbolic link.`,
        ),
      );
    }
    if (parent === path || existsSync(path)) {
      if (listed) {
        this.logger.info(`set permissions for ${path}`);
        this.setPermissions(path);
      }
      return;
    }
    if (!isDirectory(parent)) this.create(parent);
    // Nothing is created through a link another user planted either; an
    // update finding every directory there (the usual run) reads no links.
    trustedRealPath(path, this.trustedOwners());
    // Registered before it is made: a run killed in between leaves it in
    // the journal, so the next run removes it and makes it as this part's.
    if (this.removeOnUpdate) this.options.created(path);
    try {
      mkdirSync(path);
    } catch (err) {
      // The file system's refusal (a parent under /proc, a name taken
      // meanwhile) is the machine's answer, not a bug in the recipe.
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || refusedByFileSystem(err)) throw err;
      throw new this.buildout.UserError(
        oneLine(`Cannot create directory: ${path}: ${fsReason(err)}`),
      );
    }
    this.logger.info(`created path: ${path}`);
    this.setPermissions(path);
  }

  private setPermissions(path: string): void {
    if (this.mode === undefined && this.uid === -1 && this.gid === -1) return;
    // A directory given to a user lets that user put a link in its place.
    setDirectoryPermissions(
      path,
      this.trustedOwners(),
      this.mode,
      this.uid,
      this.gid,
    );
    const notes: string[] = [];
    if (this.mode !== undefined) notes.push(`mode 0${this.mode.toString(8)}`);
    if (this.uid !== -1 || this.gid !== -1) {
      if (this.uid !== -1) notes.push(`user ${pyRepr(this.user!)}`);
      if (this.gid !== -1) notes.push(`group ${pyRepr(this.group!)}`);
    }
    if (notes.length) this.logger.info("  " + notes.join(", "));
  }

  private trustedOwners(): Set<number> {
    return this.trusted ??= trustedOwners(this.directory);
  }
}
