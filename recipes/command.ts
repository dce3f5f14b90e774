/**
 * The command recipes: shell commands run in the buildout directory, their
 * output streaming live (the child shares this process's stdin, stdout and
 * stderr). A failure names the command, its exit status and the directory.
 *
 * - `plone.recipe.command` (plone.recipe.command 1.1): `command` runs on
 *   install, `update-command` on update; `location` lists the paths to
 *   remove on uninstall; `stop-on-error` (default `no`) makes a non-zero
 *   exit an error, otherwise it is only reported.
 * - `command`: the same, but `stop-on-error` defaults to `yes`.
 * - `collective.recipe.cmd` (entry points `default` and `sh`, 0.11): the
 *   lines of `cmds` run as a script with `shell` (default `sh`) on install
 *   when `on_install` is true and on update when `on_update` is true; a
 *   non-zero exit is always an error; nothing is recorded. Its uninstall
 *   entry point runs `uninstall_cmds` the same way.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { clipped, oneLine, spawnReason, UserError } from "../lib/errors.ts";
import {
  removeTempFile,
  trackCleanup,
  trackTempFile,
  untrackCleanup,
} from "../lib/fetch/temp_files.ts";
import { pyRepr } from "../lib/pyrepr.ts";
import { afterChildEnded, ignoringAsAtStart } from "../lib/interrupt.ts";
import { newTempDirectory } from "./_files.ts";
import { inheritedBytes } from "./_inherited_bytes.ts";
import { exists } from "./_paths.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { removePath } from "../lib/remove_path.ts";

/** How a child process ended. */
interface Exit {
  code: number | null;
  signal: string | null;
}

/**
 * Runs `script` with `/bin/sh -c`, sharing this process's stdio; `shown`
 * is what a refusal to start names (the commands the script runs).
 */
function runShell(script: string, shown = script): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const refused = (err: unknown) =>
      reject(
        new UserError(
          // By code: Bun and Deno word the message differently.
          `Couldn't start /bin/sh to run ${clipped(shown, pyRepr)}: ${
            spawnReason(err)
          }`,
        ),
      );
    let child;
    try {
      child = spawn(
        "/bin/sh",
        ["-c", inheritedBytes() + ignoringAsAtStart(script)],
        {
          stdio: "inherit",
        },
      );
    } catch (err) {
      // Bun throws some refusals (E2BIG) at once instead of emitting them.
      return refused(err);
    }
    child.on("error", refused);
    child.on(
      "close",
      (code, signal) =>
        afterChildEnded(signal, () => resolve({ code, signal })),
    );
  });
}

/** `Non zero exit code (2)` or `Killed by signal SIGTERM`. */
function describe(exit: Exit): string {
  return exit.signal
    ? `Killed by signal ${exit.signal}`
    : `Non zero exit code (${exit.code})`;
}

function failed(exit: Exit): boolean {
  return exit.signal !== null || exit.code !== 0;
}

/** plone.recipe.command's booleans; anything else is a user error. */
function stopOnError(options: RecipeOptions, fallback: string): boolean {
  const value = options.get("stop-on-error") ?? fallback;
  const lower = value.toLowerCase();
  if (["yes", "on", "true"].includes(lower)) return true;
  if (["no", "off", "false"].includes(lower)) return false;
  throw new UserError(
    oneLine(
      `Invalid value '${clipped(value)}' for 'stop-on-error' in [${
        clipped(options.name)
      }], ` +
        "use 'yes', 'on', 'true', 'no', 'off' or 'false'.",
    ),
  );
}

/** The built-in `command`: plone.recipe.command failing by default. */
export default class Command implements Recipe {
  private readonly logger: RecipeLogger;
  private readonly stopOnError: boolean;
  private readonly command?: string;
  private readonly updateCommand?: string;
  private readonly location: string[];

  constructor(
    buildout: RecipeBuildout,
    name: string,
    options: RecipeOptions,
  ) {
    this.logger = buildout.logger(name);
    this.stopOnError = stopOnError(options, this.defaultStopOnError());
    // Read now, so an option used only by update is not reported unused.
    this.command = options.get("command");
    this.updateCommand = options.get("update-command");
    this.location = (options.get("location") ?? "").split(/\s+/)
      .filter(Boolean);
  }

  /** `stop-on-error` when the option is not set. */
  protected defaultStopOnError(): string {
    return "yes";
  }

  async install(): Promise<string[]> {
    if (!this.command) {
      this.logger.error("No command specified");
      throw new UserError("No command specified");
    }
    this.logger.info(`Running '${this.command}'`);
    // Paths already there are not the command's doing (say a data
    // directory it copies into): a failure must not take them.
    const made = this.location.filter((path) => !exists(path))
      .map((path) => resolve(path));
    // What the command created of the part goes when it fails, and when
    // the run is interrupted meanwhile: the next run runs it again, and
    // `git clone` or `mkdir` would find it there.
    const removeMade = () => {
      for (const path of made.filter(exists)) {
        removePath(path, { recursive: true, force: true });
      }
    };
    trackCleanup(removeMade);
    try {
      await this.execute(this.command);
    } catch (err) {
      removeMade();
      throw err;
    } finally {
      untrackCleanup(removeMade);
    }
    return this.location;
  }

  async update(): Promise<undefined> {
    if (this.updateCommand === undefined) return;
    this.logger.info(`Running ${this.updateCommand}`);
    await this.execute(this.updateCommand);
  }

  private async execute(command: string): Promise<void> {
    const exit = await runShell(command);
    if (!failed(exit)) return;
    const message = `${describe(exit)} while running command ${
      clipped(command, pyRepr)
    } in ${process.cwd()}.`;
    if (this.stopOnError) {
      this.logger.error(message);
      throw new UserError(message);
    }
    this.logger.warn(`${message} Ignored: stop-on-error is off.`);
  }
}

/** plone.recipe.command: a failing command is ignored unless asked. */
export class PloneCommand extends Command {
  protected override defaultStopOnError(): string {
    return "no";
  }
}

/** collective.recipe.cmd's booleans: only `1` and `true` are true. */
function cmdBool(value: string | undefined): boolean {
  return ["1", "true"].includes((value ?? "false").toLowerCase());
}

/**
 * Runs the lines of `cmds` (each stripped) as a script file with `shell`,
 * as collective.recipe.cmd does.
 *
 * @throws {UserError} when the script fails.
 */
async function runCommands(cmds: string, shell: string): Promise<void> {
  const text = cmds.trim();
  if (!text) return;
  const script = text.split("\n").map((line) => line.trim()).join("\n");
  const dir = newTempDirectory("buildout-cmd-");
  // Removed when the run is interrupted too: the run then removes the
  // lease that would lead the next run to it.
  trackTempFile(dir);
  try {
    const file = join(dir, "run");
    writeFileSync(file, script);
    // The file's name says nothing to the user, and is gone afterwards.
    const exit = await runShell(
      `${shell} '${file.replaceAll("'", "'\\''")}'`,
      script,
    );
    if (failed(exit)) {
      throw new UserError(
        `${describe(exit)} while running the commands ${
          clipped(script, pyRepr)
        } with ${clipped(shell)} in ${process.cwd()}.`,
      );
    }
  } finally {
    removeTempFile(dir);
  }
}

/** collective.recipe.cmd (entry points `default` and `sh`). */
export class Cmd implements Recipe {
  private readonly onInstall: boolean;
  private readonly onUpdate: boolean;
  private readonly shell: string;
  private readonly cmds: string;

  constructor(
    _buildout: RecipeBuildout,
    _name: string,
    options: RecipeOptions,
  ) {
    this.onInstall = cmdBool(options.get("on_install"));
    this.onUpdate = cmdBool(options.get("on_update"));
    this.shell = options.get("shell") ?? "sh";
    this.cmds = options.get("cmds") ?? "";
    // Used by the uninstall entry point, from the saved options.
    options.get("uninstall_cmds");
  }

  async install(): Promise<string[]> {
    if (this.onInstall) await this.execute();
    return [];
  }

  async update(): Promise<string[]> {
    if (this.onUpdate) await this.execute();
    return [];
  }

  private execute(): Promise<void> {
    return runCommands(this.cmds, this.shell);
  }
}

/** collective.recipe.cmd's uninstall entry point: runs `uninstall_cmds`. */
export function uninstallCmd(
  _name: string,
  options: Record<string, string>,
): Promise<void> {
  return runCommands(options.uninstall_cmds ?? "", options.shell ?? "sh");
}
