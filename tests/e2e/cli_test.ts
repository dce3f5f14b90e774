/**
 * End-to-end tests of the command line basics of `dist/buildout`: options,
 * help, and the errors a user sees for bad input. Expected texts follow
 * zc.buildout (`buildout.py`'s `_help`, `_error` and `Couldn't open`).
 */
import assert from "node:assert/strict";
import { existsSync, symlinkSync } from "node:fs";
import { VERSION } from "../../lib/version.ts";
import {
  BUILDOUT,
  exec,
  type RunResult,
  type Sample,
  sampleBuildout,
} from "./harness.ts";

const USAGE =
  "Usage: buildout [options] [assignments] [command [command arguments]]";

/** Runs `args` in a fresh sample buildout and returns the normalised result. */
async function inSample(
  args: string | string[],
  prepare: (sample: Sample) => void = () => {},
): Promise<RunResult> {
  using sample = await sampleBuildout();
  prepare(sample);
  return await sample.run(args);
}

function lines(text: string): string[] {
  return text.split("\n");
}

Deno.test("--version prints the version and exits 0", async () => {
  const result = await inSample("--version");
  assert.equal(result.stdout, `buildout version ${VERSION}\n`);
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
});

for (const flag of ["-h", "--help"]) {
  Deno.test(`${flag} prints the usage and exits 0`, async () => {
    const result = await inSample(flag);
    assert.ok(
      result.stdout.startsWith(USAGE + "\n"),
      `stdout does not start with the usage line:\n${result.stdout}`,
    );
    assert.ok(lines(result.stdout).length > 5, "usage text is only one line");
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
  });
}

Deno.test("-h wins over other options, even a missing config file", async () => {
  const result = await inSample("-c nope.cfg -h");
  assert.ok(result.stdout.startsWith(USAGE + "\n"), result.output);
  assert.equal(result.code, 0);
});

Deno.test("-h ends the command line: what follows it is not read, as zc.buildout's getopt loop exits there", async () => {
  for (const args of ["-h nosuch", "-h --bogus", "-hx", "-hc", "-vh d:=x"]) {
    const result = await inSample(args);
    assert.ok(
      result.stdout.startsWith(USAGE + "\n"),
      `${args}: ${result.output}`,
    );
    assert.equal(result.stderr, "", args);
    assert.equal(result.code, 0, args);
  }
});

Deno.test("-c with an empty value is refused as a missing file name, not read as the directory", async () => {
  for (const args of [["-c", ""], ["-Nc", "", "annotate"]]) {
    const result = await inSample(args);
    assert.equal(
      result.stderr,
      `Error: No file name specified for option ${args[0]}\n`,
      args.join(" "),
    );
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});

Deno.test("-h says that init refuses an existing configuration", async () => {
  const result = await inSample("-h");
  // init does not bootstrap an existing buildout: it is an error.
  assert.match(
    result.stdout,
    /\n {2}init +Write a minimal buildout\.cfg, then bootstrap \(an existing\n +configuration file is an error: use bootstrap\)\.\n/,
  );
});

Deno.test("-h names every option bundle takes, and bundle takes every one it names", async () => {
  using sample = await sampleBuildout();
  const help = (await sample.run("-h")).stdout;
  const entry = help.slice(help.indexOf("\n  bundle "));
  const named = new Set(entry.match(/(?<![\w-])(-o|--[a-z][a-z-]*)\b/g));
  for (
    const option of [
      "-o",
      "--output",
      "--with-parts",
      "--ignore-uncached",
      "--executable",
    ]
  ) {
    named.add(option);
  }
  for (const option of named) {
    // Arguments are read in order: an error naming the one after shows
    // that this one was taken.
    const value = option === "--executable"
      ? " dist/buildout"
      : option === "-o" || option === "--output"
      ? " out.tar.gz"
      : "";
    const result = await sample.run(`bundle ${option}${value} --no-such-arg`);
    assert.match(
      result.stderr,
      /^Error: bundle: unexpected argument --no-such-arg /m,
      `bundle does not take ${option}:\n${result.output}`,
    );
    assert.ok(
      entry.includes(option),
      `-h does not name ${option}, which bundle takes:\n${entry}`,
    );
  }
});

Deno.test("an invalid option is an error", async () => {
  const result = await inSample("-Z");
  assert.ok(
    lines(result.stderr).includes("Error: Invalid option -Z"),
    `stderr lacks the error line:\n${result.stderr}`,
  );
  assert.equal(result.stdout.includes(USAGE), false);
  assert.equal(result.code, 1);
});

Deno.test("a long option is named whole; --json before annotate says where it goes", async () => {
  const misplaced = await inSample("--json annotate");
  assert.deepEqual(lines(misplaced.stderr.trimEnd()), [
    "Error: Invalid option --json: annotate takes it, after the command " +
    "(buildout annotate --json)",
  ]);
  assert.equal(misplaced.stdout, "");
  assert.equal(misplaced.code, 1);
  const unknown = await inSample("--no-such-option");
  assert.deepEqual(lines(unknown.stderr.trimEnd()), [
    "Error: Invalid option --no-such-option (the long options are --help " +
    "and --version; see buildout --help)",
  ]);
  assert.equal(unknown.code, 1);
});

Deno.test("bundle's long options before the command say where they go", async () => {
  using sample = await sampleBuildout();
  const before = sample.ls(".");
  for (const option of ["--with-parts", "--ignore-uncached", "--output"]) {
    const result = await sample.run([option, "bundle"]);
    assert.equal(
      result.stderr,
      `Error: Invalid option ${option}: bundle takes it, after the command ` +
        `(buildout bundle ${option})\n`,
    );
    assert.equal(result.code, 1);
  }
  // The value after --output goes with it, also when bundle was left out.
  for (const args of [["my app.tar.gz", "bundle"], ["my app.tar.gz"]]) {
    const valued = await sample.run(["--output", ...args]);
    assert.equal(
      valued.stderr,
      "Error: Invalid option --output: bundle takes it, after the command " +
        "(buildout bundle --output 'my app.tar.gz')\n",
      args.join(" "),
    );
    assert.equal(valued.code, 1);
  }
  // bundle reads --output=FILE as --output FILE; the line keeps the name.
  const joined = await sample.run(["--output=my app.tar.gz", "bundle"]);
  assert.equal(
    joined.stderr,
    "Error: Invalid option --output=my app.tar.gz: bundle takes it, after " +
      "the command (buildout bundle '--output=my app.tar.gz')\n",
  );
  assert.equal(joined.code, 1);
  assert.deepEqual(sample.ls("."), before);
});

Deno.test("-c=FILE and -t=SECONDS are refused showing the option without =, not read as a file named =FILE", async () => {
  using sample = await sampleBuildout();
  sample.write("other.cfg", "[buildout]\nparts =\n");
  const cases: Array<[string, string]> = [
    ["-c=other.cfg", "the value follows -c without = (buildout -c other.cfg)"],
    ["-Nt=5", "the value follows -t without = (buildout -t 5)"],
    ["-c=", "the value follows -c without = (buildout -c FILE)"],
  ];
  for (const [option, reason] of cases) {
    const result = await sample.run([option, "annotate"]);
    assert.equal(result.stderr, `Error: Invalid option ${option}: ${reason}\n`);
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});

Deno.test("a long option is named whole, with the two there are", async () => {
  using sample = await sampleBuildout();
  for (const option of ["--verbose", "--offline", "--config=other.cfg"]) {
    const result = await sample.run(option);
    assert.equal(
      result.stderr,
      `Error: Invalid option ${option} (the long options are --help and ` +
        "--version; see buildout --help)\n",
    );
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});

Deno.test("an argument that is not UTF-8 (a Latin-1 é) is an error, not a value with U+FFFD in it", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\n[d]\nrecipe = zc.buildout:debug\n",
  );
  // The shell passes the byte 0xe9 as it is; the harness's strings cannot.
  const latin1 = ["/bin/sh", "-c", `exec "$0" "d:x=caf$(printf '\\351')"`];
  const result = await sample.run("", { through: latin1 });
  assert.equal(
    result.stderr,
    "Error: The argument d:x=caf\ufffd is not UTF-8 text: \ufffd marks " +
      "the bytes buildout cannot read\n",
  );
  assert.equal(result.stdout, "");
  assert.equal(result.code, 1);
  assert.equal(existsSync(sample.path(".installed.cfg")), false);
});

Deno.test("a current directory whose name is not UTF-8 is an error naming it, not a missing buildout.cfg", async () => {
  using sample = await sampleBuildout();
  // The harness's strings cannot hold the byte 0xff: the shell makes it.
  const inLatin1 = [
    "/bin/sh",
    "-c",
    `d="$PWD/bad$(printf '\\377')" && mkdir "$d" && ` +
    `printf '[buildout]\\nparts =\\n' > "$d/buildout.cfg" && cd "$d" && ` +
    `exec "$0" "$@"`,
  ];
  const result = await sample.run("annotate", { through: inLatin1 });
  assert.equal(
    result.stderr,
    "Error: The current directory's name is not UTF-8 text: " +
      "/sample-buildout/bad\ufffd; run buildout from another directory\n",
  );
  assert.equal(result.stdout, "");
  assert.equal(result.code, 1);
});

Deno.test("a missing config file named with -c is an error", async () => {
  const result = await inSample("-c nope.cfg");
  assert.ok(
    lines(result.stderr).includes(
      "Error: Couldn't open /sample-buildout/nope.cfg",
    ),
    `stderr lacks the error line:\n${result.stderr}`,
  );
  assert.equal(result.code, 1);
});

Deno.test("a config file behind a symbolic link loop or with too long a name is a one-line error", async () => {
  const loop = await inSample(
    "-c loop.cfg annotate",
    (s) => symlinkSync("loop.cfg", s.path("loop.cfg")),
  );
  assert.equal(
    loop.stderr,
    "While:\n  Initializing.\nError: Couldn't read " +
      "/sample-buildout/loop.cfg: too many levels of symbolic links\n",
  );
  assert.equal(loop.code, 1);
  const name = "x".repeat(300) + ".cfg";
  const long = await inSample(["-c", name, "annotate"]);
  // A name past 200 characters is quoted cut in the middle, with its length.
  assert.match(
    long.stderr,
    /^While:\n {2}Initializing\.\nError: Couldn't read \/sample-buildout\/x+\.\.\.x+\.cfg \(\d+ characters\): file name too long\n$/,
  );
  assert.equal(long.code, 1);
});

Deno.test("a missing buildout.cfg is an error", async () => {
  const result = await inSample("annotate", (s) => s.remove("buildout.cfg"));
  assert.ok(
    lines(result.stderr).includes(
      "Error: Couldn't open /sample-buildout/buildout.cfg",
    ),
    `stderr lacks the error line:\n${result.stderr}`,
  );
  assert.equal(result.code, 1);
});

Deno.test("an unknown command is an error", async () => {
  const result = await inSample("frobnicate");
  assert.ok(
    lines(result.stderr).includes(
      "Error: invalid command: frobnicate (the commands are install, " +
        "annotate, query, bootstrap, init and bundle; see buildout --help)",
    ),
    `stderr lacks the error line:\n${result.stderr}`,
  );
  assert.equal(result.code, 1);
});

Deno.test("an assignment split at the spaces around its = is named joined, not as an invalid command", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string[], string]> = [
    [
      ["d:x", "=", "2", "annotate"],
      "An assignment is one argument, with no spaces around =: d:x=2",
    ],
    [
      ["d:x", "=2"],
      "An assignment is one argument, with no spaces around =: d:x=2",
    ],
    [
      ["d:x", "=", "a b"],
      "An assignment is one argument, with no spaces around =: 'd:x=a b'",
    ],
    [
      ["install", "d:x", "=", "2"],
      "An assignment is one argument, with no spaces around =: d:x=2",
    ],
    // An option's value is no option name, after a command as before it.
    [
      ["-c", "x.cfg", "=y"],
      "Invalid option: =y (assignments are [section:]option=value)",
    ],
    [
      ["install", "-c", "x.cfg", "=y"],
      "Invalid option: =y (assignments are [section:]option=value)",
    ],
    [
      ["bundle", "-o", "out.tar.gz", "=y"],
      "Invalid option: =y (assignments are [section:]option=value)",
    ],
    [
      ["d:x=", "2"],
      "invalid command: 2 (an assignment is one argument, with no spaces " +
      "around =: d:x=2; see buildout --help)",
    ],
  ];
  for (const [args, error] of cases) {
    const result = await sample.run(args);
    assert.equal(result.stderr, `Error: ${error}\n`, args.join(" "));
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});

Deno.test("an invalid command that is an option without =, a configuration file or empty says so", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    ["d:x", "an assignment is section:option=value"],
    [
      "production.cfg",
      "a configuration file is named with -c: buildout -c production.cfg",
    ],
    ["Prod.CFG", "a configuration file is named with -c: buildout -c Prod.CFG"],
    [
      "http://127.0.0.1:1/app.cfg",
      "a configuration file is named with -c: buildout -c " +
      "http://127.0.0.1:1/app.cfg",
    ],
    [
      "",
      "an empty argument; the commands are install, annotate, query, " +
      "bootstrap, init and bundle",
    ],
  ];
  for (const [command, hint] of cases) {
    const result = await sample.run(["-N", command]);
    assert.equal(
      result.stderr,
      `Error: invalid command: ${
        command || "''"
      } (${hint}; see buildout --help)\n`,
    );
    assert.equal(result.code, 1);
  }
});

Deno.test("commands a newcomer guesses are refused, naming the real ones", async () => {
  using sample = await sampleBuildout();
  for (const guess of ["help", "version", "bootstrap.py"]) {
    const result = await sample.run(guess);
    assert.equal(
      result.stderr,
      `Error: invalid command: ${guess} (the commands are install, ` +
        "annotate, query, bootstrap, init and bundle; see buildout --help)\n",
    );
    assert.equal(result.code, 1);
  }
});

Deno.test("zc.buildout's Python setup commands are refused as such", async () => {
  using sample = await sampleBuildout();
  for (const command of ["setup . sdist", "runsetup setup.py bdist_egg"]) {
    const name = command.split(" ")[0];
    const result = await sample.run(command);
    assert.equal(
      result.stderr,
      `Error: invalid command: ${name} (zc.buildout's ${name} runs a Python ` +
        "setup script, and Python does not run here; the commands are " +
        "install, annotate, query, bootstrap, init and bundle; see " +
        "buildout --help)\n",
    );
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
});

Deno.test("options after a command are refused, naming the command line to use", async () => {
  // `python bootstrap.py -c production.cfg` habits: these ran on buildout.cfg.
  const bootstrap = await inSample("bootstrap -c production.cfg", (s) => {
    s.remove("buildout.cfg");
    s.write("production.cfg", "[buildout]\nparts =\n");
  });
  assert.equal(
    bootstrap.stderr,
    "Error: Options go before the command: " +
      "buildout -c production.cfg bootstrap\n",
  );
  assert.equal(bootstrap.code, 1);

  using sample = await sampleBuildout();
  sample.remove("buildout.cfg");
  const init = await sample.run("init -c app.cfg");
  assert.equal(
    init.stderr,
    "Error: Options go before the command: buildout -c app.cfg init\n",
  );
  assert.equal(init.code, 1);
  assert.ok(
    !existsSync(sample.path("buildout.cfg")),
    "init wrote buildout.cfg",
  );

  const install = await inSample("install -N app");
  assert.equal(
    install.stderr,
    "Error: Options go before the command: buildout -N install app\n",
  );
  const extra = await inSample("bootstrap production.cfg");
  assert.equal(
    extra.stderr,
    "Error: The bootstrap command takes no arguments: production.cfg (a configuration file is named with -c: buildout -c production.cfg bootstrap)\n",
  );
  // Only annotate takes --json; install took it for a part's name.
  const json = await inSample("install --json");
  assert.equal(
    json.stderr,
    "Error: The install command takes no --json (annotate does)\n",
  );
  assert.equal(json.code, 1);
});

Deno.test("init or bootstrap given a file name with control characters says so on one line", async () => {
  using sample = await sampleBuildout();
  for (const command of ["init", "bootstrap"]) {
    const result = await sample.run([command, "a\nb\x1b[31m.cfg"]);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `Error: The ${command} command takes no arguments: a\\nb\\x1b[31m.cfg ` +
        `(a configuration file is named with -c: buildout -c 'a\\nb\\x1b[31m.cfg' ${command})\n`,
    );
  }
});

Deno.test("assignments after a command are refused, naming the command line to use, not taken for parts or sections", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\n[d]\nrecipe = zc.buildout:debug\nx = 1\n",
  );
  const before = sample.ls(".");
  const cases: Array<[string | string[], string]> = [
    // annotate showed d with x = 1 and exited 0.
    ["annotate d d:x=5", "buildout d:x=5 annotate d"],
    // install looked for a section named d:x=5.
    ["install d d:x=5", "buildout d:x=5 install d"],
    ["bootstrap parts=", "buildout parts= bootstrap"],
    // Quoted, so that the line can be pasted: unquoted, it set d:x to a
    // and made b the command.
    [["annotate", "d", "d:x=a b"], "buildout 'd:x=a b' annotate d"],
  ];
  for (const [args, line] of cases) {
    const result = await sample.run(args);
    assert.equal(
      result.stderr,
      `Error: Options go before the command: ${line}\n`,
    );
    assert.equal(result.stdout, "");
    assert.equal(result.code, 1);
  }
  // Moved, this one would only meet its own error: that error comes first.
  for (const command of ["install", "bundle"]) {
    const invalid = await sample.run([command, "=x"]);
    assert.equal(
      invalid.stderr,
      "Error: Invalid option: =x (assignments are [section:]option=value)\n",
    );
    assert.equal(invalid.code, 1);
  }
  assert.deepEqual(sample.ls("."), before);
});

Deno.test("-c or -t ending combined flags after a command is moved with its value; without one it is named", async () => {
  using sample = await sampleBuildout();
  const moved = await sample.run("install -Nc other.cfg d");
  assert.equal(
    moved.stderr,
    "Error: Options go before the command: buildout -Nc other.cfg install d\n",
  );
  assert.equal(moved.code, 1);
  // Moved as it is, the command would be read as the file.
  const cases: Array<[string, string]> = [
    ["annotate -c", "No file name specified for option -c"],
    ["install -vt", "No timeout value specified for option -vt"],
    ["bundle -c", "No file name specified for option -c"],
  ];
  for (const [args, error] of cases) {
    const result = await sample.run(args);
    assert.equal(result.stderr, `Error: ${error}\n`);
    assert.equal(result.code, 1);
  }
});

Deno.test("buildout's options and assignments after bundle are refused, naming the command line to use; bundle's -o stays", async () => {
  using sample = await sampleBuildout();
  sample.write("production.cfg", "[buildout]\nparts =\n");
  const before = sample.ls(".");
  const cases: Array<[string[], string]> = [
    [["bundle", "-c", "production.cfg"], "buildout -c production.cfg bundle"],
    [
      ["bundle", "-N", "-o", "out.tar.gz", "--with-parts"],
      "buildout -N bundle -o out.tar.gz --with-parts",
    ],
    [
      ["bundle", "buildout:shared-part-list=", "-oout.tar.gz"],
      "buildout buildout:shared-part-list= bundle -oout.tar.gz",
    ],
  ];
  for (const [args, line] of cases) {
    const result = await sample.run(args);
    assert.equal(
      result.stderr,
      `Error: Options go before the command: ${line}\n`,
    );
    assert.equal(result.code, 1);
  }
  // Refused before anything is built or packed.
  assert.deepEqual(sample.ls("."), before);
});

Deno.test("bootstrap.py's options after bootstrap are refused as buildout lacks them, not moved before it", async () => {
  using sample = await sampleBuildout();
  for (
    const option of [
      "--buildout-version=2.13.3",
      "--allow-site-packages",
      "-f",
      // Moved before the command, it would be read as the command.
      "-",
    ]
  ) {
    const result = await sample.run(["bootstrap", option]);
    assert.equal(
      result.stderr,
      `Error: Invalid option ${option} after the bootstrap command ` +
        "(see buildout --help)\n",
    );
    assert.equal(result.code, 1);
  }
  // bootstrap.py's -v is a version: moving it would make it verbosity and
  // leave the version an argument.
  const version = await sample.run("bootstrap -v 2.2.5");
  assert.equal(
    version.stderr,
    "Error: The bootstrap command takes no arguments: -v 2.2.5\n",
  );
  assert.equal(existsSync(sample.path("bin", "buildout")), false);
});

Deno.test("annotate shows each value with where it came from", async () => {
  const result = await inSample("annotate", (s) =>
    s.write(
      "buildout.cfg",
      "[buildout]\nparts =\n\n[app]\nx = ${buildout:directory}/x\n",
    ));
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const out = lines(result.stdout).map((line) => line.trimEnd());
  assert.deepEqual(out.slice(0, 4), [
    "",
    "Annotated sections",
    "==================",
    "",
  ]);
  const app = out.indexOf("[app]");
  assert.ok(app > 0, `no [app] section:\n${result.stdout}`);
  assert.deepEqual(out.slice(app, app + 3).map((l) => l.trim()), [
    "[app]",
    "x= ${buildout:directory}/x",
    "/sample-buildout/buildout.cfg",
  ]);
  const buildout = out.indexOf("[buildout]");
  assert.ok(buildout > app, "sections are not sorted by name");
  const directory = out.indexOf("directory= /sample-buildout", buildout);
  assert.ok(directory > buildout, `no directory option:\n${result.stdout}`);
  assert.equal(out[directory + 1].trim(), "COMPUTED_VALUE");
});

Deno.test("an assignment's section, option and value are stripped of spaces, as zc.buildout strips them", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", "[buildout]\nparts =\n[app]\nport = 1\n");
  for (
    const assignment of [
      "app:port= 8080 ",
      " app : port =8080",
      "app:port=8080\t",
    ]
  ) {
    const result = await sample.run([assignment, "query", "app:port"]);
    assert.equal(result.stdout, "8080\n", JSON.stringify(assignment));
    assert.equal(result.code, 0);
  }
});

Deno.test("a .env file in the buildout directory changes nothing", async () => {
  using sample = await sampleBuildout();
  sample.write(".env", "FOO_FROM_DOTENV=leaked\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = show\n[environment]\n" +
      "recipe = collective.recipe.environment\n" +
      "[show]\nrecipe = debug\nfoo = ${environment:FOO_FROM_DOTENV}\n",
  );
  const result = await sample.system("");
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /Error: Referenced option does not exist: environment:FOO_FROM_DOTENV\n$/,
  );
});

Deno.test("annotate into a pipe, a terminal-like device or a file its reader empties slowly prints everything once", async () => {
  using sample = await sampleBuildout();
  // Several times what a pipe holds (64 KiB); the last sections' values
  // are not ASCII, so both ways of writing long text are taken.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n" +
      Array.from({ length: 5000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join("") +
      Array.from(
        { length: 2000 },
        (_, i) => `[t${i}]\nx = \u00e9t\u00e9 ${i}\n`,
      )
        .join(""),
  );
  const result = await exec(
    "/bin/sh",
    [
      "-c",
      '"$0" annotate > file.txt && "$0" annotate | (sleep 0.3; cat > piped.txt)' +
      ' && "$0" annotate > /dev/null',
      BUILDOUT,
    ],
    { cwd: sample.dir, env: { HOME: sample.home } },
  );
  assert.equal(result.output, "");
  const file = sample.cat("file.txt");
  assert.ok(file.length > 256 * 1024, `${file.length} chars`);
  assert.match(file, /\n\[s4999\]\nx= 4999\n/);
  assert.match(file, /\n\[t1999\]\nx= \u00e9t\u00e9 1999\n/);
  assert.ok(file.endsWith("\n\n"), file.slice(-100));
  const piped = sample.cat("piped.txt");
  assert.ok(
    piped === file,
    `${piped.length} chars piped, ${file.length} in a file`,
  );
});

Deno.test("a reader that stops early (buildout | head) neither fails the run nor shows an error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d1 wait d2\n[d1]\nrecipe = debug\n" +
      "[wait]\nrecipe = command\ncommand = sleep 0.5\n[d2]\nrecipe = debug\n" +
      Array.from({ length: 2000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join(""),
  );
  // The shell reports the exit status on stderr, which stays open.
  const script = '{ "$0" "$@"; echo "status $?" >&2; } | head -c 1 >/dev/null';
  for (const args of [["annotate"], []]) {
    const result = await exec("/bin/sh", ["-c", script, BUILDOUT, ...args], {
      cwd: sample.dir,
      env: { HOME: sample.home },
    });
    assert.equal(result.stderr, "status 0\n", args.join(" "));
  }
  assert.match(sample.cat(".installed.cfg"), /^parts = d1 wait d2$/m);
});

Deno.test({
  name: "a recipe writing with process.stdout.write and process.stderr.write " +
    "to a reader that stopped or a full disk still installs its part",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("r");
    sample.write(
      "r",
      "package.json",
      '{"name": "r", "buildout": {"recipes": {"default": "./r.js"}}}',
    );
    // More than a pipe holds (64 KiB), so the reader is gone before the
    // end; the timer left running makes the run end by flushing its output.
    sample.write(
      "r",
      "r.js",
      "export default class R {\n" +
        "  install() {\n" +
        "    for (let i = 0; i < 3000; i++) {\n" +
        "      process.stdout.write(`line ${i} the recipe prints\\n`);\n" +
        "      process.stderr.write(`line ${i} the recipe warns\\n`);\n" +
        "    }\n" +
        "    setInterval(() => {}, 60000);\n" +
        "    return [];\n" +
        "  }\n" +
        "}\n",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = r\nparts = a\n\n[a]\nrecipe = r\n",
    );
    // The shell reports the exit status on a descriptor left alone.
    for (
      const redirection of [
        "| head -c 1 >/dev/null",
        ">/dev/full",
        "2>/dev/full",
      ]
    ) {
      const result = await exec(
        "/bin/sh",
        [
          "-c",
          // A run that never ends is killed (status 137), not waited for.
          `{ timeout -s KILL 60 "$0"; echo "status $?" >&3; } 3>&2 ${redirection}`,
          BUILDOUT,
        ],
        { cwd: sample.dir, env: { HOME: sample.home } },
      );
      assert.doesNotMatch(result.stderr, /internal error/, redirection);
      assert.match(result.stderr, /status 0\n$/, redirection);
      assert.match(sample.cat(".installed.cfg"), /^parts = a$/m, redirection);
      sample.remove(".installed.cfg");
    }
  },
});

Deno.test({
  name: "a recipe awaiting the callbacks of its process.stdout.write calls " +
    "to a reader that stopped or a full disk still installs its part",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("r");
    sample.write(
      "r",
      "package.json",
      '{"name": "r", "buildout": {"recipes": {"default": "./r.js"}}}',
    );
    // More than a pipe holds (64 KiB), so the reader is gone before the end.
    sample.write(
      "r",
      "r.js",
      "export default class R {\n" +
        "  async install() {\n" +
        "    for (let i = 0; i < 3000; i++) {\n" +
        "      await new Promise((resolve, reject) =>\n" +
        "        process.stdout.write(`line ${i} the recipe prints\\n`,\n" +
        "          (err) => err ? reject(err) : resolve()));\n" +
        "    }\n" +
        "    return [];\n" +
        "  }\n" +
        "}\n",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = r\nparts = a\n\n[a]\nrecipe = r\n",
    );
    for (const redirection of ["| head -c 1 >/dev/null", ">/dev/full"]) {
      const result = await exec(
        "/bin/sh",
        [
          "-c",
          // A run that never ends is killed (status 137), not waited for.
          `{ timeout -s KILL 60 "$0"; echo "status $?" >&3; } 3>&2 ${redirection}`,
          BUILDOUT,
        ],
        { cwd: sample.dir, env: { HOME: sample.home } },
      );
      assert.doesNotMatch(result.stderr, /Error/, redirection);
      assert.match(result.stderr, /status 0\n$/, redirection);
      assert.match(sample.cat(".installed.cfg"), /^parts = a$/m, redirection);
      sample.remove(".installed.cfg");
    }
  },
});

/**
 * Writes a one-part buildout into `sample` and returns a runner of the
 * executable with its stdout redirected by the shell as `redirection` says.
 */
function redirectedStdout(
  sample: Sample,
  redirection: string,
): (args: string[]) => Promise<RunResult> {
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d1\n[d1]\nrecipe = debug\n",
  );
  const script = `"$0" "$@" ${redirection}`;
  return (args) =>
    exec("/bin/sh", ["-c", script, BUILDOUT, ...args], {
      cwd: sample.dir,
      env: { HOME: sample.home },
    });
}

Deno.test({
  name: "stdout on a full disk: a build goes on and says so, annotate fails",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    const run = redirectedStdout(sample, ">/dev/full");
    const build = await run([]);
    assert.equal(
      build.stderr,
      "Warning: Couldn't write to standard output: no space left on device; " +
        "the log was cut short.\n",
    );
    assert.equal(build.code, 0);
    assert.match(sample.cat(".installed.cfg"), /^parts = d1$/m);
    // Their output is the result a script reads, so its loss fails them.
    for (const args of [["annotate"], ["--version"], ["query", "parts"]]) {
      const result = await run(args);
      assert.equal(
        result.stderr,
        "Error: Couldn't write to standard output: no space left on device\n",
        args.join(" "),
      );
      assert.equal(result.code, 1);
    }
  },
});

Deno.test("stdout open for reading only: a build goes on and says so, annotate fails", async () => {
  using sample = await sampleBuildout();
  // A service manager or a slip of `1<` handing over a read-only descriptor.
  const run = redirectedStdout(sample, "1<buildout.cfg");
  const build = await run([]);
  assert.equal(
    build.stderr,
    "Warning: Couldn't write to standard output: not open for writing; " +
      "the log was cut short.\n",
  );
  assert.equal(build.code, 0);
  assert.match(sample.cat(".installed.cfg"), /^parts = d1$/m);
  const annotate = await run(["annotate"]);
  assert.equal(
    annotate.stderr,
    "Error: Couldn't write to standard output: not open for writing\n",
  );
  assert.equal(annotate.code, 1);
  // An error with nowhere to go still ends the run with status 1.
  const unheard = await exec(
    "/bin/sh",
    ["-c", '"$0" frobnicate 2<buildout.cfg', BUILDOUT],
    { cwd: sample.dir, env: { HOME: sample.home } },
  );
  assert.equal(unheard.output, "");
  assert.equal(unheard.code, 1);
});

// A parent may hand over a pipe it made non-blocking: a write then finds it
// full (EAGAIN) whenever the reader is slower than buildout.
const NON_BLOCKING_READER = `
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
time.sleep(0.3)
size = 0
while chunk := os.read(r, 65536):
    size += len(chunk)
print(size, child.wait())
`;

const python = exec("python3", ["--version"], {}).then(
  (r) => r.code === 0,
  () => false,
);

Deno.test({
  name: "a non-blocking stdout that fills up loses nothing",
  ignore: !(await python),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts =\n" +
        Array.from({ length: 5000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join(""),
    );
    const full = await sample.system("annotate");
    assert.equal(full.code, 0, full.output);
    const result = await exec(
      "python3",
      ["-c", NON_BLOCKING_READER, BUILDOUT, "annotate"],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    assert.equal(result.stderr, "");
    assert.equal(
      result.stdout,
      `${new TextEncoder().encode(full.stdout).length} 0\n`,
    );
  },
});
