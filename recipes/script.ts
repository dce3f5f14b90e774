/**
 * The script recipe (`script`, alias `collective.recipe.scriptgen`):
 * writes an executable POSIX shell script, `bin/<part>` or `output`, that
 * sets the variables of `environment` (`NAME=VALUE` words; `env` is
 * accepted too, the name collective.recipe.scriptgen's README uses) and
 * execs `cmd` (or `command`) with the words of `arguments` followed by the
 * script's own arguments.
 *
 * With `relative-paths = true` (the part's option, else `[buildout]`'s)
 * every path inside the buildout directory is written relative to the
 * script's real location (links to it and to its directories resolved,
 * as zc.buildout's `realpath(__file__)`), so the buildout still works
 * after it is moved.
 *
 * Install records the script and the directories it created; update
 * rewrites the script only when its bytes would change (keeping its mode
 * otherwise, as zc.buildout's generated scripts), and records it. Each
 * write is logged as `Generated script '<path>'.`, as zc.buildout logs
 * the scripts collective.recipe.scriptgen has it write.
 */
import { Buffer } from "node:buffer";
import { clipped } from "../lib/errors.ts";
import { easyInstallLogger } from "../lib/log.ts";
import { pyRepr } from "../lib/pyrepr.ts";
import { realpathSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import type {
  Recipe,
  RecipeBuildout,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import { createParents, hasContent, writeAtomic } from "./_files.ts";
import { FIND_SELF } from "./_script_self.ts";
import { oneFile } from "./_one_path.ts";

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

function words(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter(Boolean);
}

/** `value` as one shell word, quoted only when it needs to be. */
function quote(value: string): string {
  if (PLAIN_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `path` with its symbolic links resolved, as `realpath` resolves them; a
 * part not made yet is kept as written.
 */
function physical(path: string): string {
  let missing = "";
  for (let dir = path; dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      return join(realpathSync(dir), missing);
    } catch {
      missing = join(basename(dir), missing);
    }
  }
  return path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Writes a script running a command; see the module documentation. */
export default class Script implements Recipe {
  private readonly output: string;
  private readonly text: Buffer;

  constructor(
    buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    const main = buildout.section("buildout");
    const directory = main.require("directory");
    const commandOption = options.has("cmd") ? "cmd" : "command";
    const command = options.get(commandOption)?.trim();
    if (!command) {
      throw new buildout.UserError(
        `No command specified in [${clipped(name)}]: set the option 'cmd'`,
      );
    }
    // Arguments written on its next lines would make one command name
    // holding a line break, which the script could only fail to find.
    if (command.includes("\n")) {
      throw new buildout.UserError(
        `The ${commandOption} of [${clipped(name)}], ${
          clipped(command)
        }, holds a line break: name one command, and put its arguments in 'arguments'`,
      );
    }
    const environment: Array<[string, string]> = [];
    for (
      const word of words(options.get("environment") ?? options.get("env"))
    ) {
      const equals = word.indexOf("=");
      const key = word.slice(0, equals);
      if (equals < 0 || !SHELL_NAME.test(key)) {
        throw new buildout.UserError(
          `Invalid environment entry '${clipped(word)}' in [${
            clipped(name)
          }]: expected NAME=VALUE with NAME a shell variable name`,
        );
      }
      environment.push([key, word.slice(equals + 1)]);
    }
    const inBin = join(main.require("bin-directory"), name);
    const output = oneFile(options, "output");
    // It would name the buildout directory.
    if (output === "") {
      throw new buildout.UserError(
        `The output of [${clipped(name)}] is empty: name the file to ` +
          `write, or leave the option out for ${clipped(inBin)}`,
      );
    }
    this.output = resolve(directory, output ?? inBin);
    // `true` or `false`, as zc.buildout reads it: another value is refused,
    // not taken as false (writing absolute paths the user asked not to).
    const relativePaths = (options.has("relative-paths") ? options : main)
      .getBool("relative-paths");

    // A word with each occurrence of the buildout directory (at a path
    // boundary) replaced by "$base", the directory found at run time.
    const within = new RegExp(
      `(?<![^\\s:;,=])${escapeRegExp(directory)}(?=$|[/\\s:;,])`,
      "g",
    );
    const word = (value: string) => {
      if (!relativePaths) return quote(value);
      return value.split(within).map((piece) => piece ? quote(piece) : "")
        .join('"$base"');
    };

    const lines = [
      "#!/bin/sh",
      `# Written by buildout for the part [${name}]; edits are overwritten.`,
    ];
    if (relativePaths) {
      // Both resolved: `cd -P` goes up from where the script really is.
      const up =
        relative(physical(dirname(this.output)), physical(directory)) ||
        ".";
      // `-P` reads the `..` of a link's target as the kernel did in finding
      // the script (not textually: wrong past a linked directory such as a
      // stow-folded ~/bin); an empty CDPATH keeps `cd` from going elsewhere
      // and printing. A buildout not found stops the script, which would
      // else run its command on paths under /.
      lines.push(
        ...FIND_SELF,
        `base=$(CDPATH= cd -P -- "$(dirname -- "$self")"/${
          quote(up)
        } && pwd -P) || exit`,
      );
    }
    for (const [key, value] of environment) {
      lines.push(`export ${key}=${word(value)}`);
    }
    const argv = [command, ...words(options.get("arguments"))];
    lines.push(`exec ${argv.map(word).join(" ")} "$@"`);
    this.text = Buffer.from(lines.join("\n") + "\n");
  }

  install(): string[] {
    const created = (...paths: string[]) => this.options.created(...paths);
    createParents(dirname(this.output), created);
    this.write();
    created(this.output);
    return created();
  }

  /**
   * Returns the script: after `bin-directory` changed it is written to the
   * new place, which must be recorded to be removed on uninstall.
   */
  update(): string[] {
    // As zc.buildout's scripts: one still right keeps its mode, which a
    // user may have narrowed (its environment can hold secrets).
    if (!hasContent(this.output, this.text)) this.write();
    return [this.output];
  }

  /** Writes the script, executable, and logs it. */
  private write() {
    // As zc.buildout's generated scripts: all the umask allows, so 0700
    // under umask 077 (its environment may hold a secret), 0755 under 022.
    writeAtomic(this.output, this.text, 0o777 & ~process.umask());
    easyInstallLogger.info(`Generated script ${pyRepr(this.output)}.`);
  }
}
