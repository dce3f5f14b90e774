/**
 * The cmmi recipes: download and unpack a source archive (or use a local
 * source directory), patch it, then configure, make and make install into
 * the part's directory. Each name keeps the options, defaults and return
 * values of the recipe it stands for (docs/recipe-options.md in the shared
 * reference):
 *
 * - `cmmi` (built-in): slapos.recipe.cmmi, plus `extra_options` and
 *   `environment-section`;
 * - `slapos.recipe.cmmi`;
 * - `hexagonit.recipe.cmmi` (2.0);
 * - `zc.recipe.cmmi` (4.x).
 *
 * Commands run through `/bin/sh` with inherited stdio, so build output
 * streams live, in an environment built for the part: `process.env` is
 * never changed. A failing command is a user error naming the command, its
 * exit status and directory; the build directory is kept for inspection and
 * the log says where, while the half-built install directory is removed.
 * Python hooks (`pre-configure-hook`, ...) cannot run here and are refused.
 */
import { createHash } from "../lib/lazy_crypto.ts";
import { Buffer } from "node:buffer";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import process from "node:process";
import { makeDirectories } from "../lib/directories.ts";
import { clipped, fsReason } from "../lib/errors.ts";
import { localPath } from "../lib/fetch/local_path.ts";
import { trackCleanup, untrackCleanup } from "../lib/fetch/temp_files.ts";
import { lockBuild } from "../lib/install/lock_build.ts";
import { shellQuote } from "../lib/shell_quote.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { hexagonitBool, hexagonitHashName, slaposBool } from "./_bool.ts";
import {
  childEnvironment,
  type Environment,
  hexagonitEnvironment,
  percent,
  slaposEnvironment,
  zcEnvironment,
} from "./_environment.ts";
import { urlOption, withDownload } from "./_fetch.ts";
import { newTempDirectory } from "./_files.ts";
import { exists, isDirectory, removeTree, singleDirectory } from "./_paths.ts";
import { onePath } from "./_one_path.ts";
import { runShell } from "./_run.ts";
import { FIND_SELF } from "./_script_self.ts";
import { SharedPart } from "./_shared_part.ts";
import { slaposOffline, unpackMerging, unpackUrl } from "./download.ts";

/** Runs of whitespace collapsed to single spaces. */
function collapse(text: string | undefined): string {
  return (text ?? "").split(/\s+/).filter(Boolean).join(" ");
}

/** Python's `os.path.join(parent, name)` for a relative `name`. */
function pyJoin(parent: string, name: string): string {
  return parent === "" || parent.endsWith("/")
    ? parent + name
    : `${parent}/${name}`;
}

/** The non-empty parts of a command line, joined by spaces. */
function words(...parts: string[]): string {
  return parts.filter(Boolean).join(" ");
}

/**
 * Refuses Python hook options, which this executable cannot run, pointing
 * to the shell options: the recipe's own, or those of `cmmi` for a recipe
 * (hexagonit.recipe.cmmi) that has none.
 *
 * @throws {UserError} naming the first hook option that is set.
 */
function refuseHooks(
  buildout: RecipeBuildout,
  options: RecipeOptions,
  hasShellOptions: boolean,
): void {
  const shellOptions = "pre-configure, pre-build, pre-install or " +
    "post-install shell options";
  for (
    const hook of ["pre-configure-hook", "pre-make-hook", "post-make-hook"]
  ) {
    if (options.get(hook)?.trim()) {
      throw new buildout.UserError(
        `${
          clipped(options.name)
        }: ${hook} names Python code, which this buildout ` +
          "cannot run; " + (hasShellOptions
            ? `use the ${shellOptions} instead`
            : `this recipe has no shell options for it: use recipe = cmmi ` +
              `and its ${shellOptions}`),
      );
    }
  }
}

/** Logs the part's variables as the originals do: `[ENV] NAME = value`. */
function logEnvironment(logger: RecipeLogger, env: Environment): void {
  for (const key of Object.keys(env).sort()) {
    logger.info(`[ENV] ${key} = ${env[key]}`);
  }
}

/**
 * Before the default `./configure` runs: a clear error when the sources
 * have none.
 *
 * @throws {UserError} `No configure script in DIR`.
 */
function requireConfigure(buildout: RecipeBuildout, dir: string): void {
  if (!existsSync(join(dir, "configure"))) {
    throw new buildout.UserError(
      `No configure script in ${
        clipped(dir)
      }: set configure-command for sources ` +
        "that are not configured with ./configure",
    );
  }
}

/**
 * Before a build from a local `path`: a clear error when it names no
 * directory.
 *
 * @throws {UserError} `The path DIR of [part] is not a directory`.
 */
function requireSourceDirectory(
  buildout: RecipeBuildout,
  options: RecipeOptions,
  dir: string,
): void {
  if (!isDirectory(dir)) {
    throw new buildout.UserError(
      `The path ${clipped(dir)} of [${options.name}] is not a directory`,
    );
  }
}

/**
 * The file a relative `patches` entry names. The originals patch from the
 * source directory (slapos.recipe.cmmi and zc.recipe.cmmi download their
 * patches from there too), so a relative entry names a patch the sources
 * ship (hexagonit.recipe.cmmi's README's `patches/configure.patch`); one
 * that is not there is read from the buildout directory.
 */
function patchFile(entry: string, source: string, directory: string): string {
  const shipped = resolve(source, entry);
  return existsSync(shipped) ? shipped : resolve(directory, entry);
}

/**
 * How to download a patch given as a URL or path: a URL or absolute path as
 * written, a relative path (or `file:` URL) as {@link patchFile} finds it.
 * A patch the sources ship is read where it is, never through the download
 * cache: another version of the sources, unpacked at the same place, ships
 * another file under the same name.
 */
function patchDownload(
  entry: string,
  source: string,
  directory: string,
): { url: string; cache?: string } {
  const local = localPath(entry);
  if (local === undefined || isAbsolute(local)) return { url: entry };
  const url = patchFile(local, source, directory);
  return url === resolve(source, local) ? { url, cache: "" } : { url };
}

/** Removes everything in `dir` except `keep` (a path inside it). */
function clearExcept(dir: string, keep: string): void {
  if (!isDirectory(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path !== keep) removeTree(path);
  }
}

/**
 * Runs `build`, removing `paths` (a half-built location, the sources
 * unpacked for it) if the run is interrupted meanwhile: nothing records
 * them, so no later run would remove them once the part is dropped, and
 * nobody was told to inspect them.
 */
async function removedIfInterrupted<T>(
  paths: string[],
  build: () => Promise<T>,
): Promise<T> {
  const interrupted = () => paths.forEach((path) => removeTree(path));
  trackCleanup(interrupted);
  try {
    return await build();
  } finally {
    untrackCleanup(interrupted);
  }
}

/** What a slapos.recipe.cmmi build runs, worked out before it starts. */
interface SlaposPlan {
  environment: Environment;
  commands: { configure: string; make: string; install: string };
  defaultConfigure: boolean;
  patch: string;
  patchOptions: string;
  patches: string[];
  snippets: Record<string, string>;
  strip: boolean;
  offline?: boolean;
  keep: boolean;
}

/**
 * slapos.recipe.cmmi. Options: `url` or `path` (exactly one), `md5sum`,
 * `alternate-url` (fetched when `url` cannot be),
 * `strip-top-level-dir` (false), `shared`, `prefix` (default
 * `${buildout:prefix}`, else the location),
 * `configure-command` (`./configure`, which gets `--prefix="<prefix>"`
 * unless the options hold `--prefix`), `configure-options`, `make-binary`
 * (`make`), `make-options`, `make-targets` (`install`), `patch-binary`
 * (`patch`), `patch-options` (`-p0`), `patches` (paths or URLs, each may
 * end in `#<md5>`), `pre-configure` / `pre-build` / `pre-install` /
 * `post-install` (shell snippets run with `set -e`), `environment` (lines
 * or a section name, `%(NAME)s` from the process environment),
 * `keep-compile-dir` (else `[buildout]`'s), `promises` (paths checked
 * afterwards: a missing one is a warning), `offline`.
 * `@@LOCATION@@` in any option is the location; commands and snippets are
 * `%(option)s`-interpolated with the part's options. Exports `location`,
 * `prefix` and `compile-directory` (`<location>/.build` for `url`).
 * Returns the location, or nothing when shared; update does nothing.
 */
export class SlaposCmmi implements Recipe {
  protected readonly logger: RecipeLogger;
  private readonly shared: SharedPart;
  private readonly location: string;
  private readonly url?: string;
  private readonly compileDir: string;
  private readonly directory: string;
  private readonly builtin: boolean;
  private readonly extraOptions: string;

  constructor(
    protected readonly buildout: RecipeBuildout,
    name: string,
    protected readonly options: RecipeOptions,
    builtin = false,
  ) {
    this.logger = buildout.logger(name);
    const UserError = buildout.UserError;
    const shared = new SharedPart(buildout, name, options);
    const location = shared.location;
    const given = options.get("location");
    if (
      given !== undefined && given.replaceAll("@@LOCATION@@", location) !==
        location
    ) {
      // As the original, only the computed value may be given: the
      // placeholders are for naming it in the part's other options.
      throw new UserError(
        `invalid 'location' value for ${clipped(name)}: the location of ` +
          `this recipe is computed (${
            clipped(location)
          }); leave the option out, and name it @@LOCATION@@ in this ` +
          `part's options (or %(location)s in its commands) and ` +
          `\${${clipped(name)}:location} elsewhere`,
      );
    }
    this.location = location;
    options.set("location", location);

    const prefix = options.get("prefix");
    if (prefix) {
      if (!prefix.replaceAll("@@LOCATION@@", location).startsWith(location)) {
        shared.assertNotShared("'prefix' can't be outside location");
      }
    } else {
      // A prefix common to the buildout installs outside the location,
      // which a shared build's key would not cover.
      const common = buildout.section("buildout").get("prefix");
      if (common) {
        shared.assertNotShared(
          "option 'prefix' must be set or ${buildout:prefix} can't be set",
        );
      }
      options.set("prefix", common || location);
    }
    shared.keepOnError = true;
    this.shared = shared;

    const url = options.get("url");
    const path = options.get("path");
    if (url && path) {
      throw new UserError('You must use either "url" or "path", not both!');
    }
    if (!url && !path) {
      throw new UserError('You must provide either "url" or "path".');
    }
    this.url = url || undefined;
    // A path is exported as written, as the original does: a part
    // zc.buildout recorded with a relative path is then only updated.
    options.set("compile-directory", url ? join(location, ".build") : path!);
    for (const [key, value] of options.entries()) {
      if (value.includes("@@LOCATION@@")) {
        options.set(key, value.replaceAll("@@LOCATION@@", location));
      }
    }
    this.directory = buildout.section("buildout").require("directory");
    this.compileDir = resolve(
      this.directory,
      options.require("compile-directory"),
    );
    refuseHooks(buildout, options, true);
    this.builtin = builtin;
    this.extraOptions = builtin ? collapse(options.get("extra_options")) : "";
  }

  async install(): Promise<string[]> {
    const plan = this.plan();
    if (this.shared.isShared) {
      return await this.shared.install(() => this.build(plan));
    }
    removeTree(this.location);
    makeDirectories(this.location);
    await this.build(plan);
    return [this.location];
  }

  update(): void {}

  /** `text % options`, as the original interpolates commands. */
  private interpolate(text: string, what: string): string {
    return percent(
      text,
      (name) => this.options.get(name),
      `${this.options.name}:${what}`,
      this.buildout.UserError,
    );
  }

  /** Reads and checks everything the build needs, before touching disk. */
  private plan(): SlaposPlan {
    const options = this.options;
    const make = (options.get("make-binary") ?? "make").trim();
    const makeOptions = collapse(options.get("make-options"));
    let makeTargets = collapse(options.get("make-targets") ?? "install");
    const configureOptions = (options.get("configure-options") ?? "")
      .split(/\s+/).filter(Boolean);
    if (this.extraOptions) configureOptions.push(this.extraOptions);
    let configure = (options.get("configure-command") ?? "").trim();
    const defaultConfigure = !configure;
    // One shell word whatever the path holds, and no `%` for the
    // interpolation below to read: the original's `"%s"` breaks on a `$`,
    // `"`, backquote or `%` in the buildout's path.
    const literalPrefix = shellQuote(options.require("prefix"))
      .replaceAll("%", "%%");
    if (defaultConfigure) {
      configure = "./configure";
      if (!configureOptions.join(" ").includes("--prefix")) {
        configureOptions.unshift(`--prefix=${literalPrefix}`);
      }
    } else if (make === "make" && makeTargets === "install") {
      makeTargets += ` prefix=${literalPrefix}`;
    }
    const commands = {
      configure: this.interpolate(
        words(configure, ...configureOptions),
        "configure-command",
      ),
      make: this.interpolate(words(make, makeOptions), "make-options"),
      install: this.interpolate(
        words(make, makeOptions, makeTargets),
        "make-targets",
      ),
    };
    const patch = (options.get("patch-binary") ?? "patch").trim();
    const patchOptions = collapse(options.get("patch-options") ?? "-p0");
    const patches = (options.get("patches") ?? "").split(/\s+/)
      .filter(Boolean);
    const snippets = Object.fromEntries(
      ["pre-configure", "pre-build", "pre-install", "post-install"].map(
        (key) => [key, this.interpolate((options.get(key) ?? "").trim(), key)],
      ),
    );
    const UserError = this.buildout.UserError;
    if (!this.url) {
      requireSourceDirectory(this.buildout, options, this.compileDir);
    }
    // Read at install time, as the original: variables exported by earlier
    // parts are seen.
    const environment = slaposEnvironment(
      this.buildout,
      options.get("environment"),
    );
    return {
      environment: this.builtin
        ? {
          ...hexagonitEnvironment(
            this.buildout,
            options.get("environment-section"),
            "",
          ),
          ...environment,
        }
        : environment,
      commands,
      defaultConfigure,
      patch,
      patchOptions,
      patches,
      snippets,
      strip: slaposBool(
        "strip-top-level-dir",
        options.get("strip-top-level-dir") || "false",
        false,
        UserError,
      ),
      offline: slaposOffline(this.buildout, options),
      keep: slaposBool(
        "keep-compile-dir",
        options.get("keep-compile-dir") ||
          this.buildout.section("buildout").get("keep-compile-dir") ||
          undefined,
        false,
        UserError,
      ),
    };
  }

  /** Builds into the location; an interrupted build leaves nothing. */
  private build(plan: SlaposPlan): Promise<void> {
    return removedIfInterrupted(
      [this.location],
      () => this.unpackAndBuild(plan),
    );
  }

  private async unpackAndBuild(plan: SlaposPlan): Promise<void> {
    const options = this.options;
    const { commands, defaultConfigure, patch, patchOptions, snippets } = plan;
    if (this.url) {
      mkdirSync(this.compileDir);
      try {
        await unpackUrl(this.buildout, this.url, this.compileDir, {
          md5: options.get("md5sum") || undefined,
          alternateUrl: options.get("alternate-url") || undefined,
          offline: plan.offline,
          strip: plan.strip,
        });
      } catch (err) {
        removeTree(this.location);
        throw err;
      }
    } else {
      this.logger.info(`Using local source directory: ${this.compileDir}`);
    }
    logEnvironment(this.logger, plan.environment);
    const env = childEnvironment(plan.environment);
    const cwd = singleDirectory(this.compileDir);
    const run = (command: string) =>
      runShell(command, {
        cwd,
        env,
        UserError: this.buildout.UserError,
        errexit: true,
      });
    const snippet = async (key: string) => {
      if (!snippets[key]) return;
      this.logger.info(`Executing ${key}`);
      await run(snippets[key]);
    };
    try {
      if (plan.patches.length) this.logger.info("Applying patches");
      for (const entry of plan.patches) {
        const hash = entry.indexOf("#");
        const url = hash < 0 ? entry : entry.slice(0, hash);
        const md5 = hash < 0 ? undefined : entry.slice(hash + 1) || undefined;
        const { url: source, cache } = patchDownload(
          url,
          cwd,
          this.directory,
        );
        await withDownload(
          this.buildout,
          source,
          { md5, hashName: true, cache },
          (file) => run(`${patch} ${patchOptions} < ${shellQuote(file)}`),
        );
      }
      await snippet("pre-configure");
      if (defaultConfigure) requireConfigure(this.buildout, cwd);
      await run(commands.configure);
      await snippet("pre-build");
      await run(commands.make);
      await snippet("pre-install");
      await run(commands.install);
      await snippet("post-install");
    } catch (err) {
      // The build's own error is the one to report, whatever the disk does.
      let script;
      try {
        this.writeEnvScript(cwd, plan);
        script = "A shell script slapos.recipe.build.env.sh has been " +
          "generated. You can source it in your shell to reproduce build " +
          "environment.";
      } catch (scriptError) {
        script = (scriptError as Error).message;
      }
      this.logger.error(
        `Compilation error. The package is left as is at ${cwd} where you ` +
          `can inspect what went wrong.\n${script}`,
      );
      try {
        if (this.url) clearExcept(this.location, this.compileDir);
        else removeTree(this.location);
      } catch (cleanupError) {
        this.logger.error(
          `Couldn't remove what the build installed in ${this.location}: ` +
            fsReason(cleanupError),
        );
      }
      throw err;
    }
    if (plan.keep) {
      this.writeEnvScript(cwd, plan);
      this.logger.info(
        "A shell script slapos.recipe.build.env.sh has been generated.",
      );
    } else if (this.url) {
      removeTree(this.compileDir);
    }
    for (const path of (options.get("promises") ?? "").split("\n")) {
      if (path.trim() && !exists(path.trim())) {
        this.logger.warn(`could not find promise '${clipped(path.trim())}'`);
      }
    }
    wrapLongShebangs(this.location);
  }

  /**
   * `slapos.recipe.build.env.sh`: the build's environment and commands.
   *
   * @throws {UserError} `Couldn't write PATH: REASON`.
   */
  private writeEnvScript(dir: string, plan: SlaposPlan): void {
    const { commands, environment } = plan;
    const lines: string[] = [];
    for (const key of Object.keys(environment).sort()) {
      const value = environment[key];
      if (value === process.env[key]) continue;
      const comment = ["TEMP", "TMP", "TMPDIR"].includes(key) ? "#" : "";
      lines.push(`${comment}export ${key}=${shellQuote(value)}`);
    }
    lines.push(
      'echo "If this recipe does not use pre/post hooks or commands, you can re-run as below."',
      "echo configure with:",
      `echo ${shellQuote("  " + commands.configure)}`,
      "echo",
      "echo make with:",
      `echo ${shellQuote("  " + commands.make)}`,
      "echo",
      "echo install with:",
      `echo ${shellQuote("  " + commands.install)}`,
    );
    const script = join(dir, "slapos.recipe.build.env.sh");
    try {
      writeFileSync(script, lines.join("\n") + "\n");
    } catch (err) {
      throw new this.buildout.UserError(
        `Couldn't write ${clipped(script)}: ${fsReason(err)}`,
      );
    }
  }
}

/**
 * Scripts in `bin/` and `sbin/` whose `#!` line is longer than the kernel
 * reads (127 bytes) become `<file>.shebang`, run by a small `sh` wrapper
 * left in their place.
 */
function wrapLongShebangs(location: string): void {
  for (const dir of ["bin", "sbin"]) {
    const path = join(location, dir);
    if (!isDirectory(path)) continue;
    for (const name of readdirSync(path)) {
      const file = join(path, name);
      const stat = lstatSync(file);
      if (!stat.isFile()) continue;
      const head = Buffer.alloc(128);
      const fd = openSync(file, "r");
      let read: number;
      try {
        read = readSync(fd, head, 0, 128, 0);
      } finally {
        closeSync(fd);
      }
      const line = head.subarray(0, read);
      const newline = line.indexOf(10);
      if (line[0] !== 35 || line[1] !== 33 || newline >= 0 || read < 128) {
        continue;
      }
      renameSync(file, file + ".shebang");
      writeFileSync(file, SHEBANG_WRAPPER);
      chmodSync(file, stat.mode & 0o7777);
    }
  }
}

const SHEBANG_WRAPPER = [
  "#!/bin/sh -e",
  // Found through a link too, and the interpreter's path quoted: slapos's
  // wrapper reads `$0.shebang` and leaves the path open to globbing.
  ...FIND_SELF,
  'read -r EXE ARG < "$self.shebang"',
  "EXE=${EXE#\\#!}",
  '[ "$EXE" ] || read -r _ EXE ARG < "$self.shebang"',
  'exec "$EXE" ${ARG:+"$ARG"} "$self.shebang" "$@"',
  "",
].join("\n");

/**
 * The built-in `cmmi` recipe: {@link SlaposCmmi} (same options and
 * defaults) plus `extra_options` (appended to the configure options) and
 * `environment-section` (a section of variables, overridden by
 * `environment`).
 */
export default class Cmmi extends SlaposCmmi {
  constructor(buildout: RecipeBuildout, name: string, options: RecipeOptions) {
    super(buildout, name, options, true);
  }
}

/**
 * hexagonit.recipe.cmmi 2.0. Options: `url` or `path` (exactly one), the
 * download options of hexagonit.recipe.download (`md5sum`,
 * `strip-top-level-dir`, `hash-name`, `excludes`, `ignore-existing`),
 * `prefix` (default the location), `configure-command` (`./configure`, which
 * gets `--prefix="<prefix>"` unless the options hold `--prefix`),
 * `configure-options`, `make-binary`, `make-options`, `make-targets`
 * (`install`), `patch-binary`, `patch-options` (`-p0`), `patches` (local
 * files: a relative one in the source directory when it is there, else in
 * the buildout directory), `environment-section`, `environment` (`KEY=VALUE`
 * lines, `%(NAME)s` from the process environment), `keep-compile-dir`. Exports
 * `location` (`parts/<name>`), `prefix`, `compile-directory`
 * (`<location>__compile__` for `url`). Returns the location, plus the kept
 * compile directory; update does nothing.
 */
export class HexagonitCmmi implements Recipe {
  private readonly logger: RecipeLogger;
  private readonly location: string;
  private readonly environment: Environment;

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    this.logger = buildout.logger(name);
    const main = buildout.section("buildout");
    this.location = join(main.require("parts-directory"), name);
    options.set("location", this.location);
    options.set("prefix", options.get("prefix") ?? this.location);
    const url = (options.get("url") ?? "").trim();
    const path = (options.get("path") ?? "").trim();
    options.set("url", url);
    options.set("path", path);
    if (url && path) {
      throw new buildout.UserError(
        'You must use either "url" or "path", not both!',
      );
    }
    if (!url && !path) {
      throw new buildout.UserError('You must provide either "url" or "path".');
    }
    // A path is exported as written, as the original does: a part
    // zc.buildout recorded with a relative path is then only updated.
    options.set(
      "compile-directory",
      url ? `${this.location}__compile__` : path,
    );
    refuseHooks(buildout, options, false);
    this.environment = hexagonitEnvironment(
      buildout,
      options.get("environment-section"),
      options.get("environment"),
    );
  }

  async install(): Promise<string[]> {
    const options = this.options;
    const directory = this.buildout.section("buildout").require("directory");
    const url = options.require("url");
    const compileDir = resolve(directory, options.require("compile-directory"));
    const made = url ? [this.location, compileDir] : [this.location];
    return await removedIfInterrupted(
      made,
      () => this.build(url, compileDir, directory),
    );
  }

  /**
   * Unpacks `url` (unless empty) into `compileDir`, where it builds and
   * installs the sources.
   */
  private async build(
    url: string,
    compileDir: string,
    directory: string,
  ): Promise<string[]> {
    const options = this.options;
    const make = (options.get("make-binary") ?? "make").trim();
    const makeOptions = collapse(options.get("make-options"));
    const makeTargets = collapse(options.get("make-targets") ?? "install");
    const configureOptions = (options.get("configure-options") ?? "")
      .split(/\s+/).filter(Boolean);
    let configure = (options.get("configure-command") ?? "").trim();
    const defaultConfigure = !configure;
    if (defaultConfigure) {
      configure = "./configure";
      if (!configureOptions.join(" ").includes("--prefix")) {
        // Quoted, as hexagonit.recipe.cmmi since 1.5.1 does with `"%s"`,
        // but as one shell word whatever the path holds.
        configureOptions.unshift(
          `--prefix=${shellQuote(options.require("prefix"))}`,
        );
      }
    }
    const patch = (options.get("patch-binary") ?? "patch").trim();
    const patchOptions = collapse(options.get("patch-options") ?? "-p0");
    const patches = (options.get("patches") ?? "").split(/\s+/)
      .filter(Boolean);
    logEnvironment(this.logger, this.environment);

    if (url) {
      // What a failed build left for inspection: start afresh.
      removeTree(compileDir);
      makeDirectories(compileDir);
      try {
        await withDownload(
          this.buildout,
          url,
          {
            md5: options.get("md5sum")?.trim() || undefined,
            // Read by hexagonit.recipe.download, which the original hands
            // the download to.
            hashName: hexagonitHashName(options.get("hash-name") ?? "true"),
          },
          (file) =>
            unpackMerging(this.buildout, this.logger, file, compileDir, {
              strip: hexagonitBool(options.get("strip-top-level-dir")),
              excludes: (options.get("excludes") ?? "").split("\n")
                .map((line) => line.trim()).filter(Boolean),
              ignoreExisting: hexagonitBool(options.get("ignore-existing")),
            }),
        );
      } catch (err) {
        removeTree(compileDir);
        throw err;
      }
    } else {
      requireSourceDirectory(this.buildout, options, compileDir);
      this.logger.info(`Using local source directory: ${compileDir}`);
    }
    makeDirectories(this.location);
    const cwd = singleDirectory(compileDir);
    const env = childEnvironment(this.environment);
    const run = (command: string) =>
      runShell(command, { cwd, env, UserError: this.buildout.UserError });
    try {
      if (patches.length) this.logger.info("Applying patches");
      for (const entry of patches) {
        const file = patchFile(entry, cwd, directory);
        await run(`${patch} ${patchOptions} < ${shellQuote(file)}`);
      }
      if (defaultConfigure) requireConfigure(this.buildout, cwd);
      await run(words(configure, ...configureOptions));
      await run(words(make, makeOptions));
      await run(words(make, makeOptions, makeTargets));
    } catch (err) {
      this.logger.error(
        `Compilation error. The package is left as is at ${cwd} where you ` +
          "can inspect what went wrong",
      );
      removeTree(this.location);
      throw err;
    }
    const parts: string[] = [];
    if (url) {
      if (hexagonitBool(options.get("keep-compile-dir"))) {
        parts.push(compileDir);
      } else {
        removeTree(compileDir);
      }
    }
    parts.push(this.location);
    return parts;
  }

  update(): void {}
}

/**
 * zc.recipe.cmmi 4.x. Options: `url` (required), `md5sum`,
 * `configure-command` (`./configure`), `configure-options` (replaces the
 * default `--prefix="<location>"`), `extra_options` (appended),
 * `environment` (whitespace-separated `NAME=value`), `patch` (a URL or a
 * path, a relative one in the source directory when the sources ship it,
 * else in the buildout directory; through the download cache unless
 * shipped), `patch_options` (`-p0`), `patch-md5sum`,
 * `autogen` (a script run before configure), `source-directory-contains`
 * (`configure`), `shared` (an existing directory, or a build directory under
 * the download cache keyed by a hash of the options), `location` (the parent
 * directory; exported as the part's directory). Downloads go to the `cmmi`
 * namespace of the cache. The build runs in a temporary directory, kept
 * (and logged) when it fails, removed when the patch cannot be fetched or
 * checked. Returns the location, or nothing when shared;
 * update builds again only when the location is missing.
 */
export class ZcCmmi implements Recipe {
  private readonly logger: RecipeLogger;
  private readonly location: string;
  private readonly url: string;
  private readonly environment: Environment;
  private readonly extraOptions: string;
  private readonly patchOptions: string;
  private readonly shared: boolean;

  constructor(
    private readonly buildout: RecipeBuildout,
    private readonly name: string,
    private readonly options: RecipeOptions,
  ) {
    this.logger = buildout.logger(name);
    const main = buildout.section("buildout");
    const directory = main.require("directory");
    // Exported joined as the original joins it, from the value as written:
    // a part zc.buildout recorded with a relative location is then only
    // updated.
    let location = pyJoin(
      onePath(options, "location") ?? main.require("parts-directory"),
      name,
    );
    this.url = urlOption(buildout, options);
    this.extraOptions = collapse(options.get("extra_options"));
    // Read now, as the original does: not reported unused without a patch.
    this.patchOptions = options.get("patch_options") ?? "-p0";
    // The same for the options only a build reads: an existing shared
    // build is not built again.
    for (
      const option of [
        "autogen",
        "patch",
        "source-directory-contains",
        "configure-command",
        "configure-options",
      ]
    ) {
      options.get(option);
    }
    this.environment = zcEnvironment(buildout, options.get("environment"));
    const shared = options.get("shared");
    this.shared = Boolean(shared);
    if (shared) {
      const cache = main.get("download-cache");
      if (isDirectory(resolve(directory, shared))) {
        location = pyJoin(shared, "cmmi");
      } else if (!cache) {
        throw new buildout.UserError(
          "Set the 'shared' option of zc.recipe.cmmi to an existing " +
            "directory, or set ${buildout:download-cache}",
        );
      } else {
        location = join(
          resolve(directory, cache),
          "cmmi",
          "build",
          this.stateHash(),
        );
      }
    }
    options.set("location", location);
    this.location = resolve(directory, location);
  }

  /** What makes a shared build different: sha1 of the build's inputs. */
  private stateHash(): string {
    // Sorted by name, as the original: the order written must not matter.
    const env = Object.entries(this.environment).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    ).map(([k, v]) => k + v).join("");
    const state = [
      this.url,
      this.extraOptions,
      this.options.get("autogen") ?? "",
      this.options.get("patch") ?? "",
      this.patchOptions,
      env,
    ];
    return createHash("sha1").update(state.join("")).digest("hex");
  }

  async install(): Promise<string> {
    if (!this.shared) return await this.build();
    // Another buildout may be building the same location now: its
    // directory exists from the start, so it counts as built only once
    // that run has let go of the lock.
    const unlock = await lockBuild(
      this.location,
      (message) => this.logger.info(message),
    );
    try {
      // A run killed while building left its lock and a half build.
      if (unlock.tookOver) removeTree(this.location);
      if (isDirectory(this.location)) {
        this.logger.info("using existing shared build");
        return "";
      }
      return await this.build();
    } finally {
      unlock();
    }
  }

  /** Downloads, configures, makes and installs into the location. */
  private async build(): Promise<string> {
    const options = this.options;
    const marker = options.get("source-directory-contains") ?? "configure";
    const autogen = options.get("autogen") ?? "";
    const patch = options.get("patch") ?? "";
    const configure = options.get("configure-command") ?? "./configure";
    const configureOptions = options.get("configure-options");
    const args = configureOptions === undefined
      ? `--prefix=${shellQuote(this.location)}`
      : collapse(configureOptions);
    const command = [configure, args, this.extraOptions].filter(Boolean)
      .join(" ");
    // As zc.recipe.cmmi logs it: `part: Downloading URL`.
    const download = {
      namespace: "cmmi",
      hashName: true,
      logger: this.logger,
    };

    const tmp = await withDownload(
      this.buildout,
      this.url,
      { ...download, md5: options.get("md5sum") || undefined },
      async (file) => {
        const dir = newTempDirectory(`buildout-${this.name}-`);
        this.logger.info("Unpacking and configuring");
        try {
          await this.buildout.extract(file, dir);
        } catch (err) {
          removeTree(dir);
          throw err;
        }
        return dir;
      },
    );
    for (const key of Object.keys(this.environment).sort()) {
      this.logger.info(`Updating environment: ${key}=${this.environment[key]}`);
    }
    try {
      makeDirectories(this.location);
    } catch (err) {
      // Before the build, as the original: what stands in the way is not
      // the build's to remove, and the untouched sources help nobody.
      removeTree(tmp);
      throw err;
    }
    const env = childEnvironment(this.environment);
    let cwd = tmp;
    const run = (command: string) =>
      runShell(command, { cwd, env, UserError: this.buildout.UserError });
    // An interrupted build goes as a failed one does, and its build
    // directory too, which nobody was told of: a shared location left
    // would be taken for a finished build by every later run.
    await removedIfInterrupted([this.location, tmp], async () => {
      try {
        const hasMarker = () =>
          existsSync(join(cwd, marker)) ||
          (autogen !== "" && existsSync(join(cwd, autogen)));
        if (!hasMarker()) cwd = singleDirectory(tmp);
        if (patch) {
          let fetched = false;
          const { url, cache } = patchDownload(
            patch,
            cwd,
            this.buildout.section("buildout").require("directory"),
          );
          try {
            await withDownload(
              this.buildout,
              url,
              {
                ...download,
                cache,
                md5: options.get("patch-md5sum") || undefined,
              },
              (file) => {
                fetched = true;
                // On one line: a line of its own would be a command of its
                // own, and `patch` alone reads the terminal.
                return run(
                  `patch ${collapse(this.patchOptions)} < ${shellQuote(file)}`,
                );
              },
            );
          } catch (err) {
            // As the original: sources nothing was done to are no help.
            if (!fetched) removeTree(tmp);
            throw err;
          }
        }
        if (autogen) {
          this.logger.info("auto generating configure files");
          await run(`./${autogen}`);
        }
        if (!existsSync(join(cwd, marker))) {
          throw new this.buildout.UserError(
            `Couldn't find ${clipped(marker)} in ${
              clipped(cwd)
            }: the sources of ${clipped(this.url)} ` +
              "are not an autoconf-style package (see " +
              "source-directory-contains and configure-command)",
          );
        }
        await run(command);
        await run("make");
        await run("make install");
      } catch (err) {
        if (existsSync(tmp)) this.logger.error(`cmmi failed: ${tmp}`);
        removeTree(this.location);
        throw err;
      }
    });
    removeTree(tmp);
    return this.shared ? "" : this.location;
  }

  /** Builds again only when the location has gone. */
  async update(): Promise<void> {
    if (!isDirectory(this.location)) await this.install();
  }
}
