/**
 * The command line: `buildout [options and assignments] [command [args]]`,
 * parsed as zc.buildout's `main` does, and the mapping of errors to output
 * and exit codes.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { annotatedJson, annotatedText } from "./config/print_annotated.ts";
import { type Assignment, isUrl } from "./config/load.ts";
import {
  clipped,
  doingOf,
  oneLine,
  refusedByFileSystem,
  UserError,
} from "./errors.ts";
import type { SelfCommand } from "./commands/bootstrap.ts";
import { removeTempFiles } from "./fetch/temp_files.ts";
import { formatFailedPart } from "./install/failed_part.ts";
import { exitRun, onEarlyExit } from "./early_exit.ts";
import { endRunOnSignals, keepChildStatuses } from "./interrupt.ts";
import { outOfMemory } from "./out_of_memory.ts";
import { releaseOutput, stdoutRefused, writeFd } from "./log.ts";
import { redactPasswords } from "./redact_passwords.ts";
import { loadBuildoutConfig, openBuildout } from "./open_buildout.ts";
import { shellQuote } from "./shell_quote.ts";
import { VERSION } from "./version.ts";

/** The parsed command line. */
export interface CommandLine {
  configFile: string;
  assignments: Assignment[];
  userDefaults: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
  /** Lines to print before running (the `-t` notice). */
  notices: string[];
  command: string;
  args: string[];
}

const COMMANDS = [
  "install",
  "annotate",
  "query",
  "bootstrap",
  "init",
  "bundle",
];

/** The long options commands take, each with its command. */
const COMMAND_OPTIONS: Record<string, string | undefined> = {
  "--json": "annotate",
  "--output": "bundle",
  "--with-parts": "bundle",
  "--ignore-uncached": "bundle",
  "--executable": "bundle",
};

/** Usage text printed by `-h`. */
export const USAGE =
  `Usage: buildout [options] [assignments] [command [command arguments]]

Options:

  -h, --help     Print this message and exit.
  --version      Print the version and exit.
  -v             Increase the level of verbosity (repeatable).
  -q             Decrease the level of verbosity (repeatable).
  -c FILE        The configuration file (a path or a URL); default buildout.cfg.
  -t SECONDS     The socket timeout in seconds.
  -U             Don't read user defaults.
  -o             Off-line mode: buildout:offline=true.
  -O             Non-off-line mode: buildout:offline=false (the default).
  -n             Newest mode: buildout:newest=true (the default).
  -N             Non-newest mode: buildout:newest=false.
  -D             Debug errors: print the full stack of any error and the
                 options of the part whose recipe failed.

Assignments are of the form section:option=value (also section:option+=value
and section:option-=value) and override the configuration files; without a
section (parts=test) the section is buildout. buildout:extends=FILES extends
the configuration with those files (relative to the current directory) or URLs.
Options and assignments can be given in any order.

Commands:

  install [parts]   Install parts (the default command).
  annotate [--json] [sections]
                    Display annotated sections: every option with the origin
                    of its value (file, DEFAULT_VALUE, COMPUTED_VALUE,
                    COMMAND_LINE_VALUE).
  query [section:]option
                    Print one option's value as written (section buildout
                    when none is given); with -v, \${section:option} first.
  bootstrap         Create the buildout directories and bin/buildout.
  init              Write a minimal buildout.cfg, then bootstrap (an existing
                    configuration file is an error: use bootstrap).
  bundle [-o OUT.tar.gz] [--with-parts] [--ignore-uncached]
         [--executable FILE]
                    Build the buildout with its caches inside it, then pack
                    it with bin/buildout and an offline.cfg into one archive
                    that builds it again where there is no network.
                    -o FILE, --output FILE: the archive (default: the
                    buildout directory's name + .tar.gz, inside it).
                    --with-parts: pack the installed parts too (needs
                    relative-paths = true).
                    --ignore-uncached: pack even when a part's download or
                    a distribution is missing from the caches.
                    --executable FILE: pack that buildout executable as
                    bin/buildout instead of this one (a build for the
                    target's processor).
`;

/**
 * Parses argv (without the program name).
 *
 * @throws {UserError} for an argument that is not UTF-8, an invalid
 *   option, a missing `-c`/`-t` value, an invalid assignment or an unknown
 *   command.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  for (const arg of argv) {
    // The runtime reads each byte that is not UTF-8 as U+FFFD: a value
    // holding one would silently be another (a password, a path).
    if (arg.includes("\ufffd")) {
      throw new UserError(
        `The argument ${
          clipped(arg)
        } is not UTF-8 text: \ufffd marks the bytes buildout cannot read`,
      );
    }
  }
  const args = [...argv];
  const line: CommandLine = {
    configFile: "buildout.cfg",
    assignments: [],
    userDefaults: true,
    debug: false,
    help: false,
    version: false,
    notices: [],
    command: "install",
    args: [],
  };
  let verbosity = 0;
  const set = (option: string, value: string) =>
    line.assignments.push({ section: "buildout", option, value });
  while (args.length) {
    const arg = args[0];
    if (arg === "--help") {
      line.help = true;
      return line;
    }
    if (arg === "--version") {
      line.version = true;
      return line;
    }
    // Read flag by flag, as zc.buildout does, `--verbose` or
    // `--config=x.cfg` would be reported as `Invalid option --`, a puzzle.
    if (arg.startsWith("--") && arg.length > 2) {
      // `--output=FILE` too, which bundle reads as `--output FILE`.
      const equals = arg.indexOf("=");
      const name = equals < 0 ? arg : arg.slice(0, equals);
      const command = COMMAND_OPTIONS[takesFileName(name) ? name : arg];
      // `--output FILE bundle`: the line to use keeps the name too.
      const words = takesFileName(arg) && args.length > 1 &&
          !COMMANDS.includes(args[1]) && !args[1].startsWith("-")
        ? [arg, args[1]]
        : [arg];
      throw new UserError(oneLine(
        `Invalid option ${clipped(arg)}` +
          (command
            ? `: ${command} takes it, after the command (buildout ${command} ${
              words.map((word) => clipped(word, shellQuote)).join(" ")
            })`
            : " (the long options are --help and --version; see buildout " +
              "--help)"),
      ));
    }
    if (arg.startsWith("-") && arg.length > 1) {
      args.shift();
      let op = arg.slice(1);
      while (op && "vqhUoOnND".includes(op[0])) {
        const flag = op[0];
        op = op.slice(1);
        if (flag === "v") verbosity += 10;
        else if (flag === "q") verbosity -= 10;
        else if (flag === "h") line.help = true;
        else if (flag === "U") line.userDefaults = false;
        else if (flag === "o") set("offline", "true");
        else if (flag === "O") set("offline", "false");
        else if (flag === "n") set("newest", "true");
        else if (flag === "N") set("newest", "false");
        else if (flag === "D") line.debug = true;
      }
      if (line.help) return line;
      if (op[0] === "c" || op[0] === "t") {
        if (op[1] === "=") throw valueAfterEquals(arg, op[0], op.slice(2));
        const value = op.length > 1 ? op.slice(1) : args.shift();
        if (op[0] === "c") {
          if (!value) throw missingValue(arg);
          line.configFile = value;
        } else {
          if (value === undefined) throw missingValue(arg);
          const refused = refusedTimeout(value);
          if (refused) {
            throw new UserError(`${refused}: ${arg} ${clipped(value)}`);
          }
          // As Python's int() reads it: `05` and `+5` are 5 seconds, and
          // any number of digits is a number (never `1e+23`).
          const seconds = value.replace(/^\+?0*(?=\d)/, "");
          line.notices.push(`Setting socket time out to ${seconds} seconds`);
          set("socket-timeout", seconds);
        }
      } else if (op) {
        throw new UserError(oneLine(`Invalid option -${op[0]}`));
      }
    } else if (arg.includes("=")) {
      args.shift();
      line.assignments.push(parseAssignment(arg));
    } else if (!COMMANDS.includes(arg) && args[1]?.startsWith("=")) {
      throw splitAssignment(arg, args[1], args[2]);
    } else {
      break;
    }
  }
  if (verbosity) set("verbosity", String(verbosity));
  if (args.length) {
    const before = argv[argv.length - args.length - 1];
    line.command = args.shift()!;
    if (!COMMANDS.includes(line.command)) {
      throw invalidCommand(line.command, before);
    }
    line.args = args;
    refuseOptionsAfter(line.command, args);
  }
  return line;
}

/**
 * The error for `command`, which is none of {@link COMMANDS}, saying what
 * it looks like it was meant to be; `before` is the argument before it.
 */
function invalidCommand(
  command: string,
  before: string | undefined,
): UserError {
  let hint = `the commands are ${COMMANDS.slice(0, -1).join(", ")} and ${
    COMMANDS.at(-1)
  }`;
  if (before?.endsWith("=") && !before.startsWith("-")) {
    // `d:x= 2`: the shell made the value an argument of its own.
    hint = `an assignment is one argument, with no spaces around =: ${
      clipped(before + command, shellQuote)
    }`;
  } else if (/\.cfg$/i.test(command) || isUrl(command)) {
    hint = namedWithC(command);
  } else if (command === "setup" || command === "runsetup") {
    hint = `zc.buildout's ${command} runs a Python setup script, and Python ` +
      `does not run here; ${hint}`;
  } else if (command.includes(":")) {
    hint = "an assignment is section:option=value";
  } else if (!command) {
    hint = `an empty argument; ${hint}`;
  }
  return new UserError(oneLine(
    `invalid command: ${
      command ? clipped(command) : "''"
    } (${hint}; see buildout --help)`,
  ));
}

/**
 * The hint for a configuration `file` given as a command or its argument,
 * with the line to use (`command` after it, when given).
 */
function namedWithC(file: string, command?: string): string {
  return `a configuration file is named with -c: buildout -c ${
    clipped(file, shellQuote)
  }${command ? ` ${command}` : ""}`;
}

/**
 * The error for an assignment the shell split at the spaces around its
 * `=` (`d:x = 2`, `d:x =2`): `name`, then `eq` and, after a bare `=`, `next`.
 */
function splitAssignment(
  name: string,
  eq: string,
  next: string | undefined,
): UserError {
  const joined = name + eq + (eq === "=" ? next ?? "" : "");
  return new UserError(oneLine(
    "An assignment is one argument, with no spaces around =: " +
      clipped(joined, shellQuote),
  ));
}

const AT_LEAST_ONE_SECOND = "Timeout value must be at least 1 second";

/**
 * Why `-t`'s value is refused, or undefined for a whole number of seconds
 * from 1: `-5` and `2.5` are numbers, so "must be numeric" would puzzle.
 */
function refusedTimeout(value: string): string | undefined {
  // A sign, as Python's int() takes it.
  if (/^\+?\d+$/.test(value)) {
    // Python reads 0 as non-blocking, failing every download at once.
    return /^\+?0+$/.test(value) ? AT_LEAST_ONE_SECOND : undefined;
  }
  if (/^-\d+$/.test(value)) return AT_LEAST_ONE_SECOND;
  if (/^[-+]?(?:\d+\.\d*|\.\d+)$/.test(value)) {
    return "Timeout value must be a whole number of seconds";
  }
  return "Timeout value must be numeric";
}

/** bundle's long options followed by a file name. */
function takesFileName(arg: string): boolean {
  return arg === "--output" || arg === "--executable";
}

/**
 * `buildout bootstrap -c production.cfg` (the habit of `python bootstrap.py
 * -c ...`) would otherwise run on buildout.cfg: the options after a command
 * are its arguments, and these commands take none that start with `-` or
 * hold `=`.
 */
function refuseOptionsAfter(command: string, args: string[]): void {
  // Not after an option, whose value it is (`-c =odd.cfg`), nor after an
  // option's value (`-c x.cfg =y`), which names no option.
  const takesValueHere = (arg: string) =>
    takesValue(arg) ||
    (command === "bundle" && (arg === "-o" || takesFileName(arg)));
  const split = args.findIndex((arg, i) =>
    i > 0 && arg.startsWith("=") && !args[i - 1].startsWith("-") &&
    !takesValueHere(args[i - 2] ?? "")
  );
  if (split > 0) {
    throw splitAssignment(args[split - 1], args[split], args[split + 1]);
  }
  if (command === "bundle") return refuseOptionsAfterBundle(args);
  if (command !== "annotate" && args.includes("--json")) {
    throw new UserError(
      `The ${command} command takes no --json (annotate does)`,
    );
  }
  const { moved, rest } = partitionMisplaced(args);
  // Moving one that buildout lacks (bootstrap.py's --buildout-version,
  // -f) would only lead to another error.
  const unknown = moved.find((arg, i) =>
    arg.startsWith("-") && !takesValue(moved[i - 1] ?? "") &&
    !isBuildoutOption(arg)
  );
  if (unknown !== undefined) {
    throw new UserError(
      `Invalid option ${
        clipped(unknown)
      } after the ${command} command (see buildout --help)`,
    );
  }
  if ((command === "bootstrap" || command === "init") && rest.length) {
    // `init prod.cfg`: the file meant to be written or bootstrapped; not
    // a URL to init, which `-c URL init` refuses as well.
    const url = rest.length === 1 && isUrl(rest[0]);
    const file = rest.length === 1 &&
      (url ? command === "bootstrap" : /\.cfg$/i.test(rest[0]));
    const why = file
      ? ` (${namedWithC(rest[0], command)})`
      : url
      ? " (init writes a local file only, named with -c)"
      : command === "init"
      ? INIT_REQUIREMENTS
      : "";
    // The hint quotes the file for the shell, line breaks and all.
    throw new UserError(oneLine(
      `The ${command} command takes no arguments: ${
        clipped(args.join(" "))
      }${why}`,
    ));
  }
  if (moved.length) throw optionsGoFirst(moved, command, rest);
}

/**
 * `args` after a command split into buildout's options and assignments
 * (each option with the value `-c` or `-t` takes, also when it ends
 * combined flags: `-Nc x.cfg`) and the command's own arguments.
 */
function partitionMisplaced(
  args: string[],
): { moved: string[]; rest: string[] } {
  const moved: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--json" || !arg.startsWith("-")) {
      // No section or part is named with `=`: `install d:x=5` would look
      // for one, and `annotate d d:x=5` show d without the value given.
      (arg !== "--json" && arg.includes("=") ? moved : rest).push(arg);
    } else if (!takesValue(arg)) {
      moved.push(arg);
    } else if (i + 1 < args.length) {
      moved.push(arg, args[++i]);
    } else {
      // Moved, it would read the command as the file: `buildout -c install`.
      throw missingValue(arg);
    }
  }
  return { moved, rest };
}

/**
 * The error for `-c=x.cfg` or `-t=5` (`--config=x.cfg` habits), which
 * would read a file named `=x.cfg`: `arg` ends in `flag`, `=`, `value`.
 */
function valueAfterEquals(arg: string, flag: string, value: string): UserError {
  const placeholder = flag === "c" ? "FILE" : "SECONDS";
  const shown = value ? clipped(value, shellQuote) : placeholder;
  return new UserError(oneLine(
    `Invalid option ${clipped(arg)}: the value follows -${flag} without = ` +
      `(buildout -${flag} ${shown})`,
  ));
}

/** The error for `-c` or `-t` (ending `arg`) given no value. */
function missingValue(arg: string): UserError {
  return new UserError(
    arg.endsWith("c")
      ? `No file name specified for option ${arg}`
      : `No timeout value specified for option ${arg}`,
  );
}

/** True for flags ending in `-c` or `-t`, whose value is the next argument. */
function takesValue(arg: string): boolean {
  return /^-[vqhUoOnND]*[ct]$/.test(arg);
}

/** Why `init zope.interface`, which zc.buildout 2 and later take, is refused. */
const INIT_REQUIREMENTS = " (zc.buildout's init writes requirements into a " +
  "zc.recipe.egg part, and Python recipes do not run here)";

/**
 * The error for `moved` given after `command`, showing the line to use,
 * quoted as a shell reads it (`'d:x=a b'`), so that it can be pasted. An
 * invalid assignment among them throws its own error instead.
 */
function optionsGoFirst(
  moved: string[],
  command: string,
  rest: string[],
): UserError {
  // `install =x`: moving it would only lead to the assignment's own error.
  moved.forEach((arg, i) => {
    if (!arg.startsWith("-") && !takesValue(moved[i - 1] ?? "")) {
      parseAssignment(arg);
    }
  });
  return new UserError(
    oneLine(
      "Options go before the command: " +
        ["buildout", ...moved, command, ...rest].map(shellQuote).join(" "),
    ),
  );
}

/**
 * `buildout bundle -c production.cfg` or `buildout bundle parts=app` would
 * otherwise be refused as arguments bundle lacks, without saying where they
 * go. bundle's own `-o` names the archive there, so it stays.
 */
function refuseOptionsAfterBundle(args: string[]): void {
  const moved: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // `-c FILE`, `-Nt 5`: the value goes with its option.
    const buildoutValue = /^-[vqhUOnND]*[ct]$/.test(arg);
    if (buildoutValue && i + 1 === args.length) throw missingValue(arg);
    const taken = buildoutValue || arg === "-o" || takesFileName(arg)
      ? args.slice(i, i + 2)
      : [arg];
    i += taken.length - 1;
    const misplaced = arg.startsWith("-")
      ? !arg.startsWith("-o") && isBuildoutOption(arg)
      : arg.includes("=");
    (misplaced ? moved : rest).push(...taken);
  }
  if (moved.length) throw optionsGoFirst(moved, "bundle", rest);
}

/**
 * True for an option {@link parseCommandLine} takes before a command; a
 * lone `-` is none, but a command it would read.
 */
function isBuildoutOption(arg: string): boolean {
  return arg === "--help" || arg === "--version" ||
    /^-(?:[vqhUoOnND]+(?:[ct].*)?|[ct].*)$/s.test(arg);
}

/** `section:option=value`; `option=value` is `[buildout]`'s, as in 2.x. */
function parseAssignment(arg: string): Assignment {
  const eq = arg.indexOf("=");
  const target = arg.slice(0, eq);
  const names = target.split(":");
  if (names.length === 1) names.unshift("buildout");
  if (names.length !== 2 || !names[0].trim() || !names[1].trim()) {
    throw new UserError(
      oneLine(
        `Invalid option: ${
          clipped(arg)
        } (assignments are [section:]option=value)`,
      ),
    );
  }
  return {
    section: names[0].trim(),
    option: names[1].trim(),
    value: arg.slice(eq + 1).trim(),
  };
}

function out(text: string): void {
  writeFd(1, text);
}

/** Stderr carries errors, which quote URLs: their passwords are hidden. */
function err(text: string): void {
  writeFd(2, redactPasswords(text));
}

/**
 * Reports an error thrown where nothing waits for it (a recipe's timer or
 * forgotten promise) as any other, instead of the runtime's dump, and
 * ends the run as an interruption would: temporary files and what the
 * pending install created are removed.
 */
function reportUncaught(debug: () => boolean): void {
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error: unknown) => {
      releaseOutput();
      report(error, debug());
      removeTempFiles();
      exitRun(1);
    });
  }
}

/** Runs the command line; returns the exit status. */
export async function run(
  argv: string[],
  self: SelfCommand = { path: process.execPath, args: [] },
): Promise<number> {
  // A mistake on the command line is reported plainly even with -D, as
  // zc.buildout does: it is not a failure to debug.
  let debug = false;
  keepChildStatuses();
  endRunOnSignals();
  reportUncaught(() => debug);
  const over = failEarlyExit();
  try {
    const line = parseCommandLine(argv);
    debug = line.debug;
    if (line.help) {
      out(USAGE);
      return finish(true);
    }
    if (line.version) {
      out(`buildout version ${VERSION}\n`);
      return finish(true);
    }
    // `annotate --json`'s standard output is the JSON document alone, and
    // `query`'s the value a script reads.
    const notify = line.command === "query" ||
        line.command === "annotate" && line.args.includes("--json")
      ? err
      : out;
    for (const notice of line.notices) notify(notice + "\n");
    await runCommand(line, self);
    return finish(line.command === "annotate" || line.command === "query");
  } catch (error) {
    report(error, debug);
    return 1;
  } finally {
    over();
    removeTempFiles();
  }
}

/**
 * Makes a `process.exit()` that recipe or extension code calls before the
 * run is over end it as a failure: the run's lock on `.installed.cfg`,
 * its temporaries and what the pending install created go, as when a run
 * fails, and since its parts were not all installed, the status is 1 even
 * for `process.exit(0)`. Returns the function saying the run is over.
 */
function failEarlyExit(): () => void {
  return onEarlyExit((code, doing) => {
    releaseOutput();
    reportDoing(doing);
    err(
      `Error: Recipe or extension code called process.exit(${code}), ` +
        "which ended the run before it finished\n",
    );
    removeTempFiles();
    process.exitCode = 1;
  });
}

/**
 * The exit status once the command has run: a command whose output is its
 * result (`annotate`, `-h`, `--version`) fails when standard output refused
 * it (a full disk); a build only says that its log was cut short, as
 * Python's logging does.
 */
function finish(outputIsResult: boolean): number {
  const reason = stdoutRefused();
  if (reason === undefined) return 0;
  const message = `Couldn't write to standard output: ${reason}`;
  if (outputIsResult) throw new UserError(message);
  err(`Warning: ${message}; the log was cut short.\n`);
  return 0;
}

/**
 * The current directory, refused when its name is not UTF-8: the runtimes
 * either throw or read each such byte as U+FFFD, which names another path.
 *
 * @throws {UserError} naming the directory as far as it can be read.
 */
function currentDirectory(): string {
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch (err) {
    // Deno refuses such a name where Bun alters it.
    if ((err as Error).name !== "InvalidData") throw err;
    cwd = /"(.*)"/.exec((err as Error).message)?.[1] ?? "";
    throw notUtf8Directory(cwd);
  }
  if (cwd.includes("\ufffd") && !existsSync(cwd)) throw notUtf8Directory(cwd);
  return cwd;
}

function notUtf8Directory(cwd: string): UserError {
  return new UserError(
    `The current directory's name is not UTF-8 text: ${
      clipped(cwd)
    }; run buildout from another directory`,
  );
}

async function runCommand(
  line: CommandLine,
  self: SelfCommand,
): Promise<void> {
  const request = {
    configFile: line.configFile,
    assignments: line.assignments,
    userDefaults: line.userDefaults,
    cwd: currentDirectory(),
    env: process.env,
  };
  if (line.command === "annotate") {
    const data = await loadBuildoutConfig(request);
    const json = line.args.includes("--json");
    const sections = line.args.filter((a) => a !== "--json");
    if (json) out(annotatedJson(data, sections));
    else for (const piece of annotatedText(data, sections)) out(piece);
    // zc.buildout shows nothing for it either: a misspelt name would leave
    // an empty listing unexplained. On stderr: stdout may be JSON.
    for (const name of sections) {
      if (!data.has(name)) {
        err(`annotate: no section named ${clipped(name)}\n`);
      }
    }
    return;
  }
  if (line.command === "query") {
    const { queryTarget, queryValue } = await import("./commands/query.ts");
    const target = queryTarget(line.args);
    const data = await loadBuildoutConfig(request);
    const verbosity = data.get("buildout")?.get("verbosity")?.value ?? "0";
    if (parseInt(verbosity, 10) > 0) {
      out(`\${${target.section}:${target.option}}\n`);
    }
    out(queryValue(data, target, request.cwd) + "\n");
    return;
  }
  // Commands load their modules when run: start-up stays short.
  if (line.command === "bundle") {
    const { bundle, parseBundleArgs } = await import("./commands/bundle.ts");
    await bundle(request, parseBundleArgs(line.args), self);
    return;
  }
  const { bootstrap, writeInitialConfig } = await import(
    "./commands/bootstrap.ts"
  );
  const local = !isUrl(line.configFile);
  if (line.command === "init") {
    if (!local) {
      throw new UserError(
        `init needs a local file, not ${clipped(line.configFile)}`,
      );
    }
    writeInitialConfig(resolve(request.cwd, line.configFile));
  }
  try {
    const buildout = await openBuildout(request);
    if (line.command === "install") {
      const { runInstall } = await import("./install/runner.ts");
      await runInstall(buildout, line.args);
      return;
    }
    // What is left of COMMANDS: bootstrap and init.
    bootstrap(buildout, self);
  } catch (error) {
    if (local) {
      const { noteOfflineConfig } = await import("./commands/offline_cfg.ts");
      noteOfflineConfig(error, resolve(request.cwd, line.configFile));
    }
    throw error;
  }
}

/**
 * The most `While:` lines printed; a deeper context (a chain of thousands
 * of substitutions) keeps its outermost and innermost lines, which say
 * what the run was doing and where it failed.
 */
const WHILE_LINES = 40;

/** Prints the `While:` block of `context`, if any. */
function reportDoing(context: string[]): void {
  if (context.length > WHILE_LINES) {
    const end = WHILE_LINES / 2;
    context = [
      ...context.slice(0, end),
      `... (${context.length - WHILE_LINES} more lines) ...`,
      ...context.slice(-end),
    ];
  }
  if (context.length) {
    err("While:\n" + context.map((d) => `  ${d}\n`).join(""));
  }
}

function report(error: unknown, debug: boolean): void {
  reportDoing(doingOf(error));
  if (debug) {
    // zc.buildout prints the traceback and opens pdb; here the stack, then
    // the options of the part whose recipe failed.
    err(stackOf(error) + "\n");
    for (const cause of causesOf(error)) {
      err(`Caused by: ${stackOf(cause)}\n`);
    }
    const part = formatFailedPart(error);
    if (part) err("\n" + part);
    return;
  }
  if (error instanceof UserError) {
    err(`Error: ${error.message}\n`);
    return;
  }
  // Only errors: a recipe's thrown object may have getters that throw.
  const refused = error instanceof Error &&
    (refusedByFileSystem(error) ?? outOfMemory(error));
  if (refused) {
    err(`Error: ${refused}\n`);
    return;
  }
  err(
    "\nAn internal error occurred due to a bug in either buildout or in a\n" +
      "recipe being used:\n" + stackOf(error) + "\n",
  );
}

/**
 * The `cause` chain of `error`, innermost last: a module that failed to
 * load is reported as a user error, and its own stack is under it. Stops
 * at a cycle or a `cause` that cannot be read (recipe code threw it).
 */
function causesOf(error: unknown): unknown[] {
  const causes: unknown[] = [];
  let current = error;
  while (current instanceof Error) {
    let cause;
    try {
      cause = current.cause;
    } catch {
      break;
    }
    if (cause === undefined || cause === error || causes.includes(cause)) {
      break;
    }
    causes.push(cause);
    current = cause;
  }
  return causes;
}

/**
 * An internal error as reported: an Error's stack (else its text), any
 * other thrown object inspected. Never throws, whatever a recipe threw
 * (an object without prototype, getters that throw). `node:util` is loaded
 * here only: loaded at start, it cost `--version` 0.3 ms.
 */
function stackOf(error: unknown): string {
  const ways = error instanceof Error
    ? [() => error.stack, () => String(error)]
    : [
      () =>
        `Thrown, not an Error: ${
          process.getBuiltinModule("node:util").inspect(error)
        }`,
    ];
  for (const way of ways) {
    try {
      const text = way();
      if (typeof text === "string") return text;
    } catch {
      // The next way of showing it.
    }
  }
  return "A thrown value that cannot be shown";
}
