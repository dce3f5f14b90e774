/**
 * End-to-end tests of the install engine as a recipe author meets it:
 * what an install may return, what may be thrown, what a broken module
 * says, and what an interrupted install leaves behind.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import process from "node:process";
import { type RunResult, type Sample, sampleBuildout } from "./harness.ts";

/**
 * A develop package `recipes` whose default recipe is `code` (a module
 * body), used by part `x` with `options`.
 */
function setUp(sample: Sample, code: string, options = ""): void {
  sample.mkdir("recipes");
  sample.write("recipes", "recipe.js", code);
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: {
        recipes: { default: "./recipe.js" },
        uninstall: { default: "./recipe.js:uninstall" },
      },
    }),
  );
  sample.write(
    "buildout.cfg",
    `[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = recipes\n${options}`,
  );
}

async function run(
  sample: Sample,
  args: string | string[] = "",
): Promise<RunResult> {
  const result = await sample.system(args);
  return {
    ...result,
    stdout: sample.normalize(result.stdout),
    stderr: sample.normalize(result.stderr),
  };
}

async function runOk(
  sample: Sample,
  args: string | string[] = "",
): Promise<string> {
  const result = await run(sample, args);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(result.stderr, "");
  return result.stdout;
}

// Creates directory `made`, registered, then returns `options.ret`
// evaluated (default: "made"); throws `options.throw` evaluated, if set.
const RETURNING = `
import { mkdirSync } from "node:fs";
export default class Recipe {
  constructor(buildout, name, options) {
    this.options = options;
    if (options.get("ctor")) throw eval(options.get("ctor"));
  }
  install() {
    mkdirSync("made");
    this.options.created("made");
    if (this.options.get("throw")) throw eval(this.options.get("throw"));
    return eval(this.options.get("ret") ?? "'made'");
  }
  update() {
    return eval(this.options.get("ret") ?? "undefined");
  }
}
export function uninstall(name, options) {
  if (options.uninstall) throw eval(options.uninstall);
}
`;

Deno.test("install and update returning null record no paths, as Python's None", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING, "ret = null\n");
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
  );
  assert.match(sample.cat(".installed.cfg"), /__buildout_installed__ = \n/);
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating x.\n",
  );
});

Deno.test("the part logger takes Python's names and formats its arguments as Python's logging does", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `module.exports = class {
  constructor(buildout, name) { this.log = buildout.logger(name); }
  install() {
    this.log.info("Got %s from %r (%d%%)", "spam", "it's", 42.7);
    this.log.warning("%s left", 2);
    this.log.critical("done: %s %s", "one");
    this.log.info("100% as written");
    this.log.debug("hidden %s", "x");
  }
};
module.exports.uninstall = () => {};
`,
  );
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n" +
      `x: Got spam from "it's" (42%)\n` +
      "x: 2 left\n" +
      "x: done: one %s\n" +
      "x: 100% as written\n",
  );
});

Deno.test("the part logger takes Python's widths, precisions, flags and mapping keys, and logs values with no text of their own", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `module.exports = class {
  constructor(buildout, name, options) {
    this.log = buildout.logger(name);
    this.options = options;
  }
  install() {
    this.log.info("%-6s|%5.1f%%|%03d|%#x|%.2e", "disk", 12.25, 7, 255, 1234.5);
    this.log.info("%(url)s in %(n).0f s", { url: "http://x/a", n: 2.5 });
    this.log.info("path %(path)r", this.options);
    this.log.warning("%s and %s", Object.create(null), Symbol("s"));
  }
};
module.exports.uninstall = () => {};
`,
    "path = /srv\n",
  );
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n" +
      "x: disk  | 12.2%|007|0xff|1.23e+03\n" +
      "x: http://x/a in 2 s\n" +
      "x: path '/srv'\n" +
      "x: [object Object] and Symbol(s)\n",
  );
});

Deno.test("a recipe without an update method is installed again on update, with zc.buildout's warning", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `import { appendFileSync } from "node:fs";
export default class Recipe {
  install() {
    appendFileSync("installs", "x");
    return [];
  }
}
`,
  );
  await runOk(sample);
  assert.equal(sample.cat("installs"), "x");
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating x.\n" +
      "The recipe for x doesn't define an update method. " +
      "Using its install method.\n",
  );
  assert.equal(sample.cat("installs"), "xx");
});

Deno.test("a recipe without an install method is an error naming the recipe and the part", async () => {
  using sample = await sampleBuildout();
  setUp(sample, "export default class Recipe { update() {} }\n");
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "While:\n  Installing.\n  Getting section x.\n  Initializing part x.\n" +
      "Error: The recipe recipes of part x has no install method\n",
  );
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("an install returning what is not paths fails its part; what it created is removed", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  await runOk(sample);
  const before = sample.cat(".installed.cfg");
  for (
    const [ret, wrong] of [
      ["['made',7]", "a number \\(7\\) among its paths"],
      ["({path:'made'})", "an object"],
      // Recorded one per line, it would be two paths to remove.
      [
        "['made','made\\n/etc']",
        "a path holding a line break \\(made\\\\n\\/etc\\)",
      ],
      // No path holds one, and the next run could not read the database.
      [
        "['made','made\\0']",
        "a path holding a NUL character \\(made\\\\x00\\)",
      ],
    ]
  ) {
    const result = await run(sample, [`x:ret=${ret}`]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^While:\n  Installing x\\.\n[^]*TypeError: The install method of ` +
          `part x returned ${wrong}: it must return a path, an iterable of ` +
          "paths, or nothing\n",
      ),
    );
    assert.ok(!existsSync(sample.path("made")));
    // Changing the option uninstalled x: the database no longer lists it.
    assert.doesNotMatch(sample.cat(".installed.cfg"), /\[x\]/);
  }
  await runOk(sample);
  assert.equal(sample.cat(".installed.cfg"), before);
});

Deno.test("an install whose result has a throwing then getter fails its part; what it created is removed", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    RETURNING,
    "ret = ({ get then() { throw new Error('no then'); } })\n",
  );
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^While:\n {2}Installing x\.\n\nAn internal error [^]*\nError: no then\n/,
  );
  assert.ok(!existsSync(sample.path("made")));
});

Deno.test("a promise that never settles fails its part, or the module awaiting it, instead of ending the run with status 0", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING, "ret = new Promise(() => {})\n");
  const installing = await run(sample);
  assert.equal(installing.code, 1);
  assert.equal(
    installing.stderr,
    `While:
  Installing x.

An internal error occurred due to a bug in either buildout or in a
recipe being used:
Error: The promise returned by the install method of part x never settled, and nothing is left running that could settle it
`,
  );
  assert.ok(!existsSync(sample.path("made")));
  assert.ok(!existsSync(sample.path(".installed.cfg.lock")));

  sample.write(
    "recipes",
    "recipe.js",
    "await new Promise(() => {});\n" + RETURNING,
  );
  const loading = await run(sample);
  assert.equal(loading.code, 1);
  assert.match(
    loading.stderr,
    /\nError: Couldn't load the module \/sample-buildout\/recipes\/recipe\.js \(entry point 'default' in "buildout\.recipes" of \/sample-buildout\/recipes\/package\.json\): its top-level await never settled, and nothing is left running that could settle it\n$/,
  );
});

Deno.test("an async recipe factory is one error saying recipes are constructed synchronously", async () => {
  using sample = await sampleBuildout();
  for (
    const body of [
      "return { install() { return []; } };",
      // Its rejection must not be reported as a second, internal, error.
      "throw new Error('not ready');",
    ]
  ) {
    setUp(
      sample,
      `export default async function (buildout, name, options) { ${body} }\n`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "While:\n  Installing.\n  Getting section x.\n  Initializing part x.\n" +
        "Error: The recipe recipes of part x gave a promise, not a recipe: " +
        "recipes are constructed synchronously, since other sections read " +
        "the options they set, so its factory cannot be async; do " +
        "asynchronous work in install or update\n",
    );
  }
});

Deno.test("a thrown non-Error value keeps its While: context and -D report", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  const installing = await run(sample, ["x:throw='a string'"]);
  assert.equal(installing.code, 1);
  assert.equal(
    installing.stderr,
    `While:
  Installing x.

An internal error occurred due to a bug in either buildout or in a
recipe being used:
Thrown, not an Error: "a string"
`,
  );
  assert.ok(!existsSync(sample.path("made")));

  const debug = await run(sample, `-D x:throw=42`);
  assert.equal(
    debug.stderr,
    `While:
  Installing x.
Thrown, not an Error: 42

Part x failed; its options:
  recipe='recipes'
  throw='42'
`,
  );

  const constructing = await run(sample, `x:ctor=undefined`);
  assert.match(
    constructing.stderr,
    /^While:\n {2}Installing\.\n {2}Getting section x\.\n {2}Initializing part x\.\n[^]*\nThrown, not an Error: undefined\n$/,
  );

  await runOk(sample, "x:uninstall='no'");
  const uninstalling = await run(sample, "buildout:parts=");
  assert.match(
    uninstalling.stderr,
    /^While:\n {2}Installing\.\n {2}Uninstalling x\.\n[^]*\nThrown, not an Error: "no"\n$/,
  );
});

Deno.test("frozen errors, objects without a prototype and stacks that throw are reported with their While: context", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  const internal =
    "\nAn internal error occurred due to a bug in either buildout or in a\n" +
    "recipe being used:\n";
  const frozen = await run(sample, [
    "x:throw=Object.freeze(new Error('cold'))",
  ]);
  assert.equal(frozen.code, 1);
  assert.match(
    frozen.stderr,
    new RegExp(
      `^While:\n  Installing x\\.\n${internal}Error: cold\n    at `,
    ),
  );
  assert.ok(!existsSync(sample.path("made")));
  const debug = await run(sample, [
    "-D",
    "x:throw=Object.freeze(new Error('cold'))",
  ]);
  assert.match(debug.stderr, /\n\nPart x failed; its options:\n/);
  const constructing = await run(sample, [
    "x:ctor=Object.freeze(new Error('cold'))",
  ]);
  assert.match(
    constructing.stderr,
    /^While:\n {2}Installing\.\n {2}Getting section x\.\n {2}Initializing part x\.\n[^]*\nError: cold\n {4}at /,
  );

  const bare = await run(sample, "x:throw=Object.create(null)");
  assert.equal(
    bare.stderr,
    `While:\n  Installing x.\n${internal}` +
      "Thrown, not an Error: [Object: null prototype] {}\n",
  );
  const stackless = await run(sample, [
    "x:throw=Object.defineProperty(new Error('e'), 'stack', { get() { throw 1; } })",
  ]);
  assert.equal(
    stackless.stderr,
    `While:\n  Installing x.\n${internal}Error: e\n`,
  );
});

Deno.test("a recipe that removes the directory it changed to leaves the run going", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `import { mkdirSync, rmSync } from "node:fs";
export default class Recipe {
  install() {
    mkdirSync("gone");
    process.chdir("gone");
    rmSync("../gone", { recursive: true });
    return [];
  }
}
`,
  );
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
  );
});

Deno.test("a syntax error in a recipe module is reported on one line with its place", async () => {
  using sample = await sampleBuildout();
  setUp(sample, "export default class {\n  install() { return 1 +; }\n}\n");
  const result = await run(sample);
  assert.equal(result.code, 1);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(
    lines[lines.length - 1],
    /^Error: Couldn't load the module \/sample-buildout\/recipes\/recipe\.js \(entry point 'default' in "buildout\.recipes" of \/sample-buildout\/recipes\/package\.json\): .+ \(line 2, column 2\d\)$/,
  );
});

Deno.test("a syntax error in a module the recipe imports names that module and its place", async () => {
  using sample = await sampleBuildout();
  setUp(sample, "import './h.js';\nexport default class {}\n");
  sample.write("recipes", "h.js", "\n\nconst = 5;\n");
  const result = await run(sample);
  assert.equal(result.code, 1);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(
    lines[lines.length - 1],
    /^Error: Couldn't load the module \/sample-buildout\/recipes\/recipe\.js \(.*\): .+ \(\/sample-buildout\/recipes\/h\.js, line 3, column 7\)$/,
  );
});

Deno.test("an error thrown while a recipe's modules load names where it was thrown", async () => {
  using sample = await sampleBuildout();
  // A circular import reading a binding before it is initialized.
  setUp(
    sample,
    "import { b } from './b.ts';\nexport const a = 'A';\n" +
      "export default class { install() { return b; } }\n",
  );
  sample.write(
    "recipes",
    "b.ts",
    "import { a } from './recipe.js';\n\nexport const b: string = a.toLowerCase();\n",
  );
  const result = await run(sample);
  assert.equal(result.code, 1);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(
    lines[lines.length - 1],
    /^Error: Couldn't load the module \/sample-buildout\/recipes\/recipe\.js \(.*\): .*'a'.* \(\/sample-buildout\/recipes\/b\.ts, line 3, column \d+\)$/,
  );
});

Deno.test("TypeScript imports without '.ts' and CommonJS '.js' modules load (as under deno run)", async () => {
  using sample = await sampleBuildout();
  setUp(sample, "module.exports = require('./typed.ts').default;\n");
  sample.write(
    "recipes",
    "typed.ts",
    "import { word } from './word';\nimport { other } from './other.js';\n" +
      "export default class { install(): string[] { console.log(word, other); return []; } }\n",
  );
  sample.write("recipes", "word.ts", "export const word: string = 'loaded';\n");
  sample.write("recipes", "other.ts", "export const other: string = 'too';\n");
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\nloaded too\n",
  );
});

Deno.test("a recipe imports packages from its own node_modules through their main and exports fields", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    "import main from 'by-main';\nimport { sub } from 'by-exports/sub';\n" +
      "export default class { install() { console.log(main, sub); } }\n",
  );
  sample.mkdir("recipes", "node_modules");
  sample.mkdir("recipes", "node_modules", "by-main");
  sample.mkdir("recipes", "node_modules", "by-main", "lib");
  sample.write(
    "recipes",
    "node_modules",
    "by-main",
    "package.json",
    JSON.stringify({ name: "by-main", main: "./lib/main.js" }),
  );
  sample.write(
    "recipes",
    "node_modules",
    "by-main",
    "lib",
    "main.js",
    "module.exports = 'main';\n",
  );
  sample.mkdir("recipes", "node_modules", "by-exports");
  sample.mkdir("recipes", "node_modules", "by-exports", "src");
  sample.write(
    "recipes",
    "node_modules",
    "by-exports",
    "package.json",
    JSON.stringify({
      name: "by-exports",
      type: "module",
      exports: { "./sub": "./src/sub.js" },
    }),
  );
  sample.write(
    "recipes",
    "node_modules",
    "by-exports",
    "src",
    "sub.js",
    "export const sub = 'exports';\n",
  );
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\nmain exports\n",
  );
});

// Registers directory `made`, writes the process id to `x.pid`, then
// waits while the file `hold` exists.
const HOLDING = `
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
export default class Recipe {
  constructor(buildout, name, options) {
    this.options = options;
  }
  async install() {
    mkdirSync("made");
    this.options.created("made");
    writeFileSync("made/half", "");
    writeFileSync("x.pid", String(process.pid));
    while (existsSync("hold")) await new Promise((r) => setTimeout(r, 10));
    return "made";
  }
}
export function uninstall() {}
`;

Deno.test("Ctrl-C during an install removes what it registered as created", async () => {
  using sample = await sampleBuildout();
  setUp(sample, HOLDING);
  sample.write("hold", "");
  let finished: RunResult | undefined;
  const running = sample.system("").then((result) => finished = result);
  const pidFile = sample.path("x.pid");
  while (!existsSync(pidFile) || !readFileSync(pidFile, "utf8")) {
    if (finished) assert.fail(`ended before installing:\n${finished.output}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  process.kill(Number(readFileSync(pidFile, "utf8")), "SIGINT");
  const killed = await running;
  assert.equal(killed.signal, "SIGINT", killed.output);
  assert.ok(!existsSync(sample.path("made")), "made/ was left behind");

  sample.remove("hold");
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
  );
  assert.ok(existsSync(sample.path("made", "half")));
});

Deno.test("an error thrown in a recipe's timer is reported as an internal error; the pending install is undone", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `
import { mkdirSync } from "node:fs";
export default class Recipe {
  constructor(buildout, name, options) {
    this.options = options;
  }
  async install() {
    mkdirSync("made");
    this.options.created("made");
    setTimeout(() => { throw new Error("late boom"); }, 0);
    await new Promise((r) => setTimeout(r, 60_000));
  }
}
export function uninstall() {}
`,
  );
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
  );
  assert.match(
    result.stderr,
    /^\nAn internal error occurred due to a bug in either buildout or in a\nrecipe being used:\nError: late boom\n {4}at .*recipe\.js:10:/,
  );
  assert.ok(!existsSync(sample.path("made")), "made/ was left behind");
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("process.exit() in a recipe fails the run, releases its lock and undoes the pending install", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `
import { mkdirSync } from "node:fs";
import process from "node:process";
export default class Recipe {
  constructor(buildout, name, options) {
    this.options = options;
  }
  install() {
    mkdirSync("made");
    this.options.created("made");
    process.exit(Number(this.options.get("code")));
  }
}
export function uninstall() {}
`,
    "code = 0\n",
  );
  for (const code of [0, 3]) {
    sample.write(
      "buildout.cfg",
      sample.cat("buildout.cfg").replace(/code = \d+/, `code = ${code}`),
    );
    const result = await run(sample);
    assert.equal(
      result.stdout,
      "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
    );
    assert.equal(
      result.stderr,
      "While:\n  Installing x.\n" +
        `Error: Recipe or extension code called process.exit(${code}), which ended the run before it finished\n`,
    );
    assert.equal(result.code, 1);
    assert.ok(!existsSync(sample.path(".installed.cfg.lock")), "lock left");
    assert.ok(!existsSync(sample.path("made")), "made/ was left behind");
    assert.ok(!existsSync(sample.path(".installed.cfg")));
  }
});

// zc.buildout's abnormal_exit test: the parts done before a recipe exits
// the process stay recorded, so the next runs update or uninstall them.
Deno.test("process.exit() in an install or update keeps the parts done before it recorded", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `
import process from "node:process";
export class Clean { install() { return []; } update() {} }
export class EvilInstall extends Clean { install() { process.exit(1); } }
export class EvilUpdate extends Clean { update() { process.exit(1); } }
`,
  );
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: {
        recipes: {
          clean: "./recipe.js:Clean",
          evil_install: "./recipe.js:EvilInstall",
          evil_update: "./recipe.js:EvilUpdate",
        },
      },
    }),
  );
  const config = (recipes: string[], p4 = "") =>
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = recipes\nparts = p1 p2 p3 p4\n" +
        recipes.map((r, i) => `\n[p${i + 1}]\nrecipe = recipes:${r}\n`)
          .join("") +
        p4,
    );
  const develop = "Develop: '/sample-buildout/recipes'\n";
  const exited = async (args: string, stdout: string) => {
    const result = await run(sample, args);
    assert.equal(result.stdout, develop + stdout);
    assert.match(result.stderr, /called process\.exit\(1\)/);
    assert.equal(result.code, 1);
  };

  // 1. Exiting while installing p3, after installing p1 and p2.
  config(["clean", "clean", "evil_install", "clean"]);
  await exited("", "Installing p1.\nInstalling p2.\nInstalling p3.\n");
  await exited("", "Updating p1.\nUpdating p2.\nInstalling p3.\n");
  assert.equal(
    await runOk(sample, "buildout:parts="),
    `${develop}Uninstalling p2.\nUninstalling p1.\n`,
  );

  // 2. Exiting while updating p3: it stays recorded, as p4 does.
  config(["clean", "clean", "evil_update", "clean"]);
  assert.equal(
    await runOk(sample),
    `${develop}Installing p1.\nInstalling p2.\nInstalling p3.\nInstalling p4.\n`,
  );
  await exited("", "Updating p1.\nUpdating p2.\nUpdating p3.\n");
  const uninstalled = await runOk(sample, "buildout:parts=");
  assert.deepEqual(
    uninstalled.split("\n").slice(1, -1).sort(),
    ["p1", "p2", "p3", "p4"].map((p) => `Uninstalling ${p}.`),
  );

  // 3. Exiting while updating p1, after uninstalling the changed p4.
  config(["evil_update", "clean", "clean", "clean"]);
  assert.equal(
    await runOk(sample),
    `${develop}Installing p1.\nInstalling p2.\nInstalling p3.\nInstalling p4.\n`,
  );
  config(["evil_update", "clean", "clean", "clean"], "x = 1\n");
  await exited("", "Uninstalling p4.\nUpdating p1.\n");
  config(["clean", "clean", "clean", "clean"]);
  assert.equal(
    await runOk(sample),
    `${develop}Uninstalling p1.\nInstalling p1.\nUpdating p2.\nUpdating p3.\nInstalling p4.\n`,
  );
});

Deno.test("process.exit() in recipe or extension code says what the run was doing, and whose code it was", async () => {
  using sample = await sampleBuildout();
  // `exit` names where the code exits: in the constructor, from a timer
  // the install of x leaves while y installs, in the uninstall recipe, in
  // the extension.
  setUp(
    sample,
    `
import process from "node:process";
export default class Recipe {
  constructor(buildout, name, options) {
    this.options = options;
    if (options.get("exit") === "constructor") process.exit(2);
  }
  install() {
    if (this.options.get("exit") === "timer") {
      setTimeout(() => process.exit(3), 0);
    }
    if (this.options.get("wait")) {
      return new Promise((r) => setTimeout(() => r([]), 60_000));
    }
    return [];
  }
}
export function uninstall(name, options) {
  if (options.exit === "uninstall") process.exit(4);
}
export function extension() {
  if (process.env.EXIT_IN === "extension") process.exit(5);
}
`,
  );
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: {
        recipes: { default: "./recipe.js" },
        uninstall: { default: "./recipe.js:uninstall" },
        extensions: { default: "./recipe.js:extension" },
      },
    }),
  );
  const config = (exit: string, parts = "x y", extensions = "") =>
    sample.write(
      "buildout.cfg",
      `[buildout]\ndevelop = recipes\n${extensions}parts = ${parts}\n\n` +
        `[x]\nrecipe = recipes\nexit = ${exit}\n\n[y]\nrecipe = recipes\nwait = 1\n`,
    );
  const exited = (code: number, ...doing: string[]) =>
    `While:\n${doing.map((line) => `  ${line}\n`).join("")}` +
    `Error: Recipe or extension code called process.exit(${code}), which ended the run before it finished\n`;

  config("constructor");
  let result = await run(sample, "-q");
  assert.equal(result.stderr, exited(2, "Installing.", "Initializing part x."));
  assert.equal(result.code, 1);

  config("timer");
  result = await run(sample, "-q");
  assert.equal(result.stderr, exited(3, "Installing x."));
  assert.equal(result.code, 1);

  config("uninstall", "x");
  await runOk(sample, "-q");
  config("", "");
  result = await run(sample, "-q");
  assert.equal(result.stderr, exited(4, "Installing.", "Uninstalling x."));
  assert.equal(result.code, 1);

  config("", "", "extensions = recipes\n");
  result = await sample.system("-q", { env: { EXIT_IN: "extension" } });
  assert.equal(
    result.stderr,
    exited(5, "Installing.", "Loading extensions."),
  );
  assert.equal(result.code, 1);
});

Deno.test("an option name that would not read back from .installed.cfg is refused when set", async () => {
  using sample = await sampleBuildout();
  for (const name of ["a\nb", "k=v", "[y]", "eggs+"]) {
    setUp(
      sample,
      `export default class R {
        constructor(buildout, name, options) { options.set(${
        JSON.stringify(name)
      }, "1"); }
        install() { return []; }
      }`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /^While:\n {2}Installing\.\n {2}Getting section x\.\n {2}Initializing part x\.\n/,
    );
    assert.ok(
      result.stderr.includes(
        "TypeError: Option names must read back from a configuration " +
          `file: '${name.replace("\n", "\\n")}' in [x]`,
      ),
      result.stderr,
    );
    assert.ok(!existsSync(sample.path(".installed.cfg")), name);
  }
});

Deno.test("an option name that is not a string is refused when set: the database would record it beside the configured one", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `export default class R {
      constructor(buildout, name, options) { options.set(42, "v"); }
      install() { return []; }
    }`,
    "42 = configured\n",
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.stdout);
  assert.match(
    result.stderr,
    /^While:\n {2}Installing\.\n {2}Getting section x\.\n {2}Initializing part x\.\n/,
  );
  assert.ok(
    result.stderr.includes(
      "TypeError: Option names must be strings: x was given number\n",
    ),
    result.stderr,
  );
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("a section or option name that is not a string, such as an absent option's value, is named as the recipe's mistake", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    [
      'buildout.section(options.get("absent"))',
      "Section names must be strings: the buildout was asked for undefined",
    ],
    [
      "options.require(undefined)",
      "Option names must be strings: x was asked for undefined",
    ],
  ];
  for (const [call, message] of cases) {
    setUp(
      sample,
      `export default class R {
        constructor(buildout, name, options) { ${call}; }
        install() { return []; }
      }`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^While:\n {2}Installing\.\n/);
    assert.ok(
      result.stderr.includes(`TypeError: ${message}\n`),
      result.stderr,
    );
    assert.ok(result.stderr.includes("recipes/recipe.js:2:"), result.stderr);
  }
});

Deno.test("an option value holding a NUL character is refused when set: the next run could not read the database recording it", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `export default class R {
      constructor(buildout, name, options) { options.set("v", "a\\0b"); }
      install() { return []; }
    }`,
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.stdout);
  assert.match(
    result.stderr,
    /^While:\n {2}Installing\.\n {2}Getting section x\.\n {2}Initializing part x\.\n/,
  );
  assert.ok(
    result.stderr.includes(
      "TypeError: Option values must read back from a configuration file: " +
        "x:v holds a NUL character",
    ),
    result.stderr,
  );
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("options.get with a default returns the value, or the default for an option not defined, as Python's options.get", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `export default class R {
      constructor(buildout, name, options) {
        options.set("seen", [
          options.get("escaped", "d1"),
          options.get("empty", "d2"),
          options.get("absent", "d3"),
          String(options.get("absent")),
        ].join(" "));
      }
      install() { return []; }
    }`,
    "escaped = $${foo}\nempty =\n",
  );
  await runOk(sample);
  assert.match(
    sample.cat(".installed.cfg"),
    /\nseen = \$\$\{foo\} {2}d3 undefined\n/,
  );
});

Deno.test("options.delete removes an option from what the part records, as Python's del options[name]", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `export default class R {
      constructor(buildout, name, options) {
        options.set("computed", "1");
        options.delete("computed");
        options.delete("secret");
      }
      install() { return []; }
      update() {}
    }`,
    "secret = hunter2\nkept = yes\n",
  );
  await runOk(sample);
  const recorded = sample.cat(".installed.cfg");
  assert.match(recorded, /\nkept = yes\n/);
  assert.doesNotMatch(recorded, /secret|computed/);
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating x.\n",
  );
});

Deno.test("values and paths with other spaces at a line's edge read back from .installed.cfg: the part is only updated", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `import { writeFileSync } from "node:fs";
    export default class R {
      constructor(buildout, name, options) {
        options.set("price", "12\\u00a0");
        options.set("lines", "\\u3000a\\x1c\\nb\\x85");
      }
      install() {
        writeFileSync("made\\u2003", "");
        return ["made\\u2003"];
      }
      update() {}
    }
    export function uninstall() {}`,
  );
  await runOk(sample);
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUpdating x.\n",
  );
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  assert.equal(await runOk(sample), "Uninstalling x.\n");
  assert.ok(!existsSync(sample.path("made\u2003")));
});

Deno.test("a created path that is not a string is refused in the recipe's terms; what was registered before it is removed", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `import { mkdirSync } from "node:fs";
    export default class R {
      constructor(buildout, name, options) { this.options = options; }
      install() {
        mkdirSync("made");
        this.options.created("made");
        this.options.created(42);
        return [];
      }
    }`,
  );
  const result = await run(sample);
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stderr, /^While:\n {2}Installing x\.\n/);
  assert.ok(
    result.stderr.includes(
      "TypeError: Created paths must be strings: x registered number\n",
    ),
    result.stderr,
  );
  assert.ok(!existsSync(sample.path("made")));
  assert.ok(!existsSync(sample.path(".installed.cfg.pending")));
});

Deno.test("a section an uninstall recipe reads has its recipe constructed but is not installed", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `export default class R {
      constructor(buildout, name, options) {
        options.set("computed", name + "-computed");
      }
      install() { return []; }
    }
    export function uninstall(name, options, buildout) {
      console.log(name + " reads " + buildout.section("c").get("computed"));
    }`,
    "\n[c]\nrecipe = recipes\n",
  );
  await runOk(sample);
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace("parts = x", "parts ="),
  );
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nUninstalling x.\n" +
      "Running uninstall recipe.\nx reads c-computed\n",
  );
  assert.match(sample.cat(".installed.cfg"), /\nparts = \n/);
  assert.doesNotMatch(sample.cat(".installed.cfg"), /\[c\]/);
});

Deno.test("recipe modules load from directories whose names hold '%' or '#', not from a directory those would name in a URL", async () => {
  using sample = await sampleBuildout();
  const dirs = ["p%41", "p#x", "pA"];
  for (const [i, dir] of dirs.entries()) {
    sample.mkdir(dir);
    sample.write(
      dir,
      "recipe.js",
      `export default class { install() { console.log(${
        JSON.stringify(dir)
      }); } }\n`,
    );
    sample.write(
      dir,
      "package.json",
      JSON.stringify({
        name: `r${i}`,
        buildout: { recipes: { default: "./recipe.js" } },
      }),
    );
  }
  // `pA` is what `p%41` means in a URL: it is developed, never used.
  const parts = dirs.slice(0, -1).map((_, i) => `x${i}`);
  sample.write(
    "buildout.cfg",
    `[buildout]\ndevelop =\n  ${dirs.join("\n  ")}\nparts = ${
      parts.join(" ")
    }\n` + parts.map((part, i) => `\n[${part}]\nrecipe = r${i}\n`).join(""),
  );
  const out = await runOk(sample);
  assert.equal(
    out.split("\n").filter((line) => !line.startsWith("Develop:")).join("\n"),
    "Installing x0.\np%41\nInstalling x1.\np#x\n",
  );
});

Deno.test("a timer or server a recipe leaves running does not keep the run from ending; what it wrote is all printed", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    `
import { createServer } from "node:net";
import process from "node:process";
export default class Recipe {
  install() {
    setInterval(() => {}, 1000);
    createServer().listen(0, "127.0.0.1");
    // More than a pipe holds: the rest is still queued when the run ends.
    process.stdout.write("y".repeat(1 << 20) + "\\n");
    return [];
  }
}
`,
  );
  const result = await sample.system("", { timeoutMs: 20_000 });
  assert.equal(result.signal, null, "the run did not end by itself");
  assert.equal(result.code, 0, result.stderr);
  assert.ok(
    result.stdout.endsWith("Installing x.\n" + "y".repeat(1 << 20) + "\n"),
    `${result.stdout.length} characters of output`,
  );
  assert.match(sample.cat(".installed.cfg"), /\n\[x\]\n/);
});

Deno.test("a develop package with an npm scope is known by its scoped name and as scope-name, as distributions are", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  const pkg = JSON.parse(sample.cat("recipes", "package.json"));
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({ ...pkg, name: "@acme/greeter" }),
  );
  for (const spelling of ["@acme/greeter", "acme-greeter"]) {
    sample.write(
      "buildout.cfg",
      `[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = ${spelling}\n`,
    );
    const out = await runOk(sample);
    assert.ok(out.endsWith("Installing x.\n"), out);
  }
  assert.deepEqual(sample.ls("develop-eggs"), ["-  acme-greeter.egg-link"]);

  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({ ...pkg, name: "acme/greeter" }),
  );
  const before = sample.cat(".installed.cfg");
  const result = await run(sample);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /\nError: Invalid "name" in \/sample-buildout\/recipes\/package\.json: 'acme\/greeter' holds a '\/' \(only an npm scope's '@scope\/name' may, known as 'scope-name'\)\n$/,
  );
  assert.equal(sample.cat(".installed.cfg"), before);
});

Deno.test("a link to itself in a develop package is left out of its signature, as zc.buildout leaves it", async () => {
  using sample = await sampleBuildout();
  setUp(sample, "export default class { install() { return []; } }\n");
  symlinkSync("loop", sample.path("recipes", "loop"));
  assert.equal(
    await runOk(sample),
    "Develop: '/sample-buildout/recipes'\nInstalling x.\n",
  );
});

// zc.buildout's changes_in_svn_or_git_dont_affect_sig and
// bug_250537_broken_symlink_doesnt_affect_sig tests.
Deno.test("version-control directories and a dangling link in a develop package do not change its signature", async () => {
  using sample = await sampleBuildout();
  setUp(
    sample,
    "export default class { install() { return []; } update() {} }\n" +
      "export function uninstall() {}\n",
  );
  const develop = "Develop: '/sample-buildout/recipes'\n";
  assert.equal(await runOk(sample), `${develop}Installing x.\n`);
  for (const vcs of [".git", ".svn", ".hg"]) sample.mkdir("recipes", vcs);
  assert.equal(await runOk(sample), `${develop}Updating x.\n`);
  for (const vcs of [".git", ".svn", ".hg"]) {
    sample.write("recipes", vcs, "x", "1");
  }
  assert.equal(await runOk(sample), `${develop}Updating x.\n`);
  symlinkSync("some-file", sample.path("recipes", "another-file"));
  assert.equal(await runOk(sample), `${develop}Updating x.\n`);
  // What the package holds does sign it.
  sample.write("recipes", "some-file", "1");
  assert.equal(
    await runOk(sample),
    `${develop}Uninstalling x.\nRunning uninstall recipe.\nInstalling x.\n`,
  );
});

Deno.test("a develop package's package.json may start with a byte order mark, as npm and Node read it", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  sample.write(
    "recipes",
    "package.json",
    "\ufeff" + sample.cat("recipes", "package.json"),
  );
  const out = await runOk(sample);
  assert.ok(out.endsWith("Installing x.\n"), out);
});

Deno.test("an entry point name that every object has, such as constructor or toString, is no entry point unless package.json declares it", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  for (const entry of ["constructor", "toString", "__proto__"]) {
    sample.write(
      "buildout.cfg",
      `[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = recipes:${entry}\n`,
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(
      result.stderr.slice(result.stderr.lastIndexOf("\nError: ")),
      `\nError: The develop package 'recipes' (/sample-buildout/recipes) has no recipe entry point '${entry}' in "buildout.recipes" of its package.json (recipe = recipes:${entry})\n`,
    );
  }

  // Installed by a declared `toString` recipe, the part has no uninstall
  // entry point of that name: it is removed as any part without one.
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { toString: "./recipe.js" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = recipes:toString\n",
  );
  await runOk(sample);
  assert.ok(existsSync(sample.path("made")));
  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  const out = await runOk(sample);
  assert.ok(out.endsWith("Uninstalling x.\n"), out);
  assert.ok(!existsSync(sample.path("made")));
});

Deno.test("an entry point naming a directory, as Node's require('.') would take, says so", async () => {
  using sample = await sampleBuildout();
  setUp(sample, RETURNING);
  sample.write("recipes", "index.js", RETURNING);
  for (const target of [".", "./"]) {
    sample.write(
      "recipes",
      "package.json",
      JSON.stringify({
        name: "recipes",
        buildout: { recipes: { default: target } },
      }),
    );
    const result = await run(sample);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /\nError: The module \/sample-buildout\/recipes \(entry point 'default' in "buildout\.recipes" of \/sample-buildout\/recipes\/package\.json\) is a directory: an entry point names a module file, such as \.\/index\.js\n$/,
    );
    assert.ok(!existsSync(sample.path(".installed.cfg")));
  }
});
