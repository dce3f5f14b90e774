/**
 * End-to-end tests of `buildout` / `buildout install`: the sessions of the
 * zc.buildout 1.5.2 documentation ("Buildouts" through "Uninstall recipes",
 * "Command-line usage", "Alternate directory and file locations",
 * "Controlling the installation database", "Extensions", "Debugging
 * buildouts"), with the Python develop recipes rewritten as TypeScript
 * develop packages, plus bad input.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  chmodSync,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import {
  mkdir,
  remove,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  write,
} from "./harness.ts";

/** Asserts a successful run printing exactly `stdout`. */
async function expectOk(sample: Sample, args: string, stdout: string) {
  const result = await sample.run(args);
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.stdout, stdout);
  assert.equal(result.code, 0);
}

/** A part of the reference's mkdir recipe making `path`. */
function mkdirPart(name: string, path: string): string {
  return `[${name}]\nrecipe = recipes:mkdir\npath = ${path}\n\n`;
}

/** The configuration the "Command-line usage" session ends with. */
const COMMAND_LINE_LAST =
  `[buildout]\ndevelop = recipes\nparts = debug d2 d3 d4\n\n` +
  mkdirPart("d2", "data2") + mkdirPart("d3", "data3") +
  mkdirPart("d4", "${d2:path}-extra") +
  "[debug]\nrecipe = recipes:debug\nx = 1\n";

/** `.installed.cfg`, normalised, signatures replaced by `SIG`. */
function installed(sample: Sample, name = ".installed.cfg"): string {
  return sample.normalize(sample.cat(name)).replace(
    /recipes-[A-Za-z0-9+/]{22}==/g,
    "recipes-SIG",
  );
}

// The reference's first mkdir recipe: one path, relative to the buildout.
const MKDIR_ONE = `
import { basename, dirname, resolve } from "node:path";
import { existsSync, mkdirSync, statSync } from "node:fs";

export default class Mkdir {
  constructor(buildout, name, options) {
    this.options = options;
    this.log = buildout.logger(name);
    const path = resolve(
      buildout.section("buildout").require("directory"),
      options.require("path"),
    );
    options.set("path", path);
    const parent = dirname(path);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      this.log.error(\`Cannot create \${path}. \${parent} is not a directory.\`);
      throw new buildout.UserError("Invalid Path");
    }
  }
  install() {
    const path = this.options.require("path");
    this.log.info(\`Creating directory \${basename(path)}\`);
    mkdirSync(path);
    return path;
  }
  update() {}
}
`;

// Several paths; INSTALL is the body of install().
const mkdirMany = (install: string) => `
import { basename, dirname, resolve } from "node:path";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";

export default class Mkdir {
  constructor(buildout, name, options) {
    this.options = options;
    this.log = buildout.logger(name);
    const directory = buildout.section("buildout").require("directory");
    const paths = [];
    for (const p of options.require("path").split(/\\s+/).filter(Boolean)) {
      const path = resolve(directory, p);
      if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) {
        this.log.error(\`Cannot create \${path}.\`);
        throw new buildout.UserError("Invalid Path");
      }
      paths.push(path);
    }
    options.set("path", paths.join(" "));
  }
  install() {
    const paths = this.options.require("path").split(" ");
    ${install}
  }
  update() {}
}
`;

const DEBUG = `
export default class Debug {
  constructor(buildout, name, options) {
    this.options = options;
  }
  install() {
    const items = this.options.entries().sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    for (const [option, value] of items) console.log(option, value);
  }
  update() {
    return this.install();
  }
}
`;

const SERVICE = `
export default class Service {
  constructor(buildout, name, options) {
    this.options = options;
  }
  install() {
    console.log(\`chkconfig --add \${this.options.require("script")}\`);
    return [];
  }
  update() {}
}
export function uninstallService(name, options) {
  console.log(\`chkconfig --del \${options.script}\`);
}
`;

const BACKUP = `
import { readdirSync } from "node:fs";
export default function backupDirectory(name, options) {
  const path = options.path;
  console.log(\`backing up directory \${path} of size \${readdirSync(path).length}\`);
}
`;

function writeRecipes(
  sample: Sample,
  recipes: Record<string, string>,
  uninstall: Record<string, string> = {},
): void {
  if (!existsSync(sample.path("recipes"))) sample.mkdir("recipes");
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({ name: "recipes", buildout: { recipes, uninstall } }),
  );
}

function dataDir(path: string): string {
  return `
[buildout]
develop = recipes
parts = data-dir

[data-dir]
recipe = recipes:mkdir
path = ${path}
`;
}

Deno.test("Recipes: install, .installed.cfg, change, reinstall when files vanish", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write("recipes", "mkdir.ts", MKDIR_ONE);
  writeRecipes(sample, { mkdir: "./mkdir.ts" });
  sample.write("buildout.cfg", dataDir("mystuff"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Installing data-dir.
data-dir: Creating directory mystuff
`,
  );
  assert.deepEqual(sample.ls(), [
    "-  .installed.cfg",
    "d  bin",
    "-  buildout.cfg",
    "d  develop-eggs",
    "d  eggs",
    "d  mystuff",
    "d  parts",
    "d  recipes",
  ]);
  assert.equal(
    installed(sample),
    `[buildout]
installed_develop_eggs = /sample-buildout/develop-eggs/recipes.egg-link
parts = data-dir

[data-dir]
__buildout_installed__ = /sample-buildout/mystuff
__buildout_signature__ = recipes-SIG
path = /sample-buildout/mystuff
recipe = recipes:mkdir
`,
  );

  sample.write("buildout.cfg", dataDir("mydata"));
  const changed = `Develop: '/sample-buildout/recipes'
Uninstalling data-dir.
Installing data-dir.
data-dir: Creating directory mydata
`;
  await expectOk(sample, "", changed);
  assert.ok(!existsSync(sample.path("mystuff")));
  assert.ok(existsSync(sample.path("mydata")));

  sample.remove("mydata");
  await expectOk(sample, "", changed);

  // Error reporting: a user error from the constructor.
  sample.write("buildout.cfg", dataDir("/xxx/mydata"));
  const result = await sample.run();
  assert.equal(
    result.stdout,
    `Develop: '/sample-buildout/recipes'
data-dir: Cannot create /xxx/mydata. /xxx is not a directory.
`,
  );
  assert.equal(
    result.stderr,
    `While:
  Installing.
  Getting section data-dir.
  Initializing part data-dir.
Error: Invalid Path
`,
  );
  assert.equal(result.code, 1);
  assert.ok(existsSync(sample.path("mydata")), "installed part left alone");
});

Deno.test("Recipe error handling: partial effects and options.created()", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  writeRecipes(sample, { mkdir: "./mkdir.ts" });
  sample.write("recipes", "mkdir.ts", MKDIR_ONE);
  sample.write("buildout.cfg", dataDir("mystuff"));
  assert.equal((await sample.run()).code, 0);

  sample.write(
    "recipes",
    "mkdir.ts",
    mkdirMany(`for (const path of paths) {
      this.log.info(\`Creating directory \${basename(path)}\`);
      mkdirSync(path);
    }
    return paths;`),
  );
  sample.write("buildout.cfg", dataDir("foo bin"));
  let result = await sample.run();
  assert.equal(
    result.stdout,
    `Develop: '/sample-buildout/recipes'
Uninstalling data-dir.
Installing data-dir.
data-dir: Creating directory foo
data-dir: Creating directory bin
`,
  );
  assert.match(
    result.stderr,
    /^While:\n {2}Installing data-dir.\n\nAn internal error occurred due to a bug in either buildout or in a\nrecipe being used:\nError: EEXIST: file already exists, mkdir '\/sample-buildout\/bin'\n/,
  );
  assert.equal(result.code, 1);
  assert.ok(existsSync(sample.path("foo")), "foo was left behind");

  sample.write("buildout.cfg", dataDir("foo bins"));
  result = await sample.run();
  assert.equal(
    result.stdout,
    `Develop: '/sample-buildout/recipes'
Installing data-dir.
data-dir: Creating directory foo
`,
  );
  assert.match(
    result.stderr,
    /EEXIST: file already exists, mkdir '\/sample-buildout\/foo'/,
  );
  sample.remove("foo");

  // options.created() registers paths removed when install fails.
  sample.write(
    "recipes",
    "mkdir.ts",
    mkdirMany(`for (const path of paths) {
      this.log.info(\`Creating directory \${basename(path)}\`);
      mkdirSync(path);
      this.options.created(path);
    }
    return this.options.created();`),
  );
  sample.write("buildout.cfg", dataDir("foo bin"));
  result = await sample.run();
  assert.equal(
    result.stdout,
    `Develop: '/sample-buildout/recipes'
Installing data-dir.
data-dir: Creating directory foo
data-dir: Creating directory bin
`,
  );
  assert.match(
    result.stderr,
    /EEXIST: file already exists, mkdir '\/sample-buildout\/bin'/,
  );
  assert.ok(!existsSync(sample.path("foo")), "foo was cleaned up");

  sample.write("buildout.cfg", dataDir("foo bins"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Installing data-dir.
data-dir: Creating directory foo
data-dir: Creating directory bins
`,
  );
  assert.ok(existsSync(sample.path("foo")) && existsSync(sample.path("bins")));
});

const SUBST = (parts: string, file2 = "${debug:File 1}/log", extra = "") => `
[buildout]
develop = recipes
parts = ${parts}
log-level = INFO

[debug]
recipe = recipes:debug
File 1 = \${data-dir:path}/file
File 2 = ${file2}
${extra}
[data-dir]
recipe = recipes:mkdir
path = mydata
`;

Deno.test("Variable substitutions and automatic part selection and ordering", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write("recipes", "mkdir.ts", MKDIR_ONE);
  writeRecipes(sample, { mkdir: "./mkdir.ts" });
  sample.write("buildout.cfg", dataDir("mydata"));
  assert.equal((await sample.run()).code, 0);

  // Adding the debug module changes the package: data-dir is reinstalled.
  sample.write("recipes", "debug.ts", DEBUG);
  writeRecipes(sample, { mkdir: "./mkdir.ts", debug: "./debug.ts" });
  sample.write("buildout.cfg", SUBST("data-dir debug"));
  const debugOut = `File 1 /sample-buildout/mydata/file
File 2 /sample-buildout/mydata/file/log
recipe recipes:debug
`;
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling data-dir.
Installing data-dir.
data-dir: Creating directory mydata
Installing debug.
${debugOut}`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Updating data-dir.
Updating debug.
${debugOut}`,
  );

  sample.write(
    "buildout.cfg",
    SUBST(
      "data-dir debug",
      "${:File 1}/log",
      "my_name = ${:_buildout_section_name_}\n",
    ),
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Updating data-dir.
Installing debug.
File 1 /sample-buildout/mydata/file
File 2 /sample-buildout/mydata/file/log
my_name debug
recipe recipes:debug
`,
  );

  // data-dir left out of parts: still a part, before its referrer.
  sample.write("buildout.cfg", SUBST("debug"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Updating data-dir.
Installing debug.
${debugOut}`,
  );
  assert.match(
    installed(sample),
    /^\[buildout\]\n.*\nparts = data-dir debug\n/,
  );

  sample.write("buildout.cfg", SUBST("debug data-dir"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Updating data-dir.
Updating debug.
${debugOut}`,
  );
  assert.match(
    installed(sample),
    /^\[buildout\]\n.*\nparts = data-dir debug\n/,
  );
});

Deno.test("Uninstall recipes run before the part's files are removed", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write("recipes", "mkdir.ts", MKDIR_ONE);
  sample.write("recipes", "debug.ts", DEBUG);
  sample.write("recipes", "service.ts", SERVICE);
  sample.write("recipes", "backup.ts", BACKUP);
  const recipes = {
    mkdir: "./mkdir.ts",
    debug: "./debug.ts",
    service: "./service.ts",
  };
  writeRecipes(sample, recipes, { service: "./service.ts:uninstallService" });
  const service = (script: string) => `
[buildout]
develop = recipes
parts = service

[service]
recipe = recipes:service
script = ${script}
`;
  // The debug part the "Log level" session left installed.
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = debug\nlog-level = WARNING\n\n" +
      "[debug]\nrecipe = recipes:debug\nname = base\n",
  );
  await expectOk(sample, "", "name base\nrecipe recipes:debug\n");
  sample.write("buildout.cfg", service("/path/to/script"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Installing service.
chkconfig --add /path/to/script
`,
  );
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/recipes'\nUpdating service.\n",
  );
  sample.write("buildout.cfg", service("/path/to/a/different/script"));
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling service.
Running uninstall recipe.
chkconfig --del /path/to/script
Installing service.
chkconfig --add /path/to/a/different/script
`,
  );
  const debugOnly = `
[buildout]
develop = recipes
parts = debug

[debug]
recipe = recipes:debug
`;
  sample.write("buildout.cfg", debugOnly);
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling service.
Running uninstall recipe.
chkconfig --del /path/to/a/different/script
Installing debug.
recipe recipes:debug
`,
  );

  writeRecipes(sample, recipes, {
    uninstall_service: "./service.ts:uninstallService",
    mkdir: "./backup.ts",
  });
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts = dir debug

[dir]
recipe = recipes:mkdir
path = my_directory

[debug]
recipe = recipes:debug
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Installing dir.
dir: Creating directory my_directory
Installing debug.
recipe recipes:debug
`,
  );
  sample.write("buildout.cfg", debugOnly);
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling dir.
Running uninstall recipe.
backing up directory /sample-buildout/my_directory of size 0
Updating debug.
recipe recipes:debug
`,
  );
  assert.ok(!existsSync(sample.path("my_directory")));
});

function commandLineSample(sample: Sample): void {
  sample.mkdir("recipes");
  sample.write("recipes", "mkdir.ts", MKDIR_ONE);
  sample.write("recipes", "debug.ts", DEBUG);
  writeRecipes(sample, { mkdir: "./mkdir.ts", debug: "./debug.ts" });
}

Deno.test("install naming a part twice installs it once, not then updates it", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n\n[e]\nrecipe = zc.buildout:debug\ny = 2\n\n" +
      "[d]\nrecipe = zc.buildout:debug\n",
  );
  await expectOk(
    sample,
    "install e d e",
    "Installing e.\n  recipe='zc.buildout:debug'\n  y='2'\n" +
      "Installing d.\n  recipe='zc.buildout:debug'\n",
  );
  assert.match(sample.cat(".installed.cfg"), /^parts = e d$/m);
});

Deno.test("Command-line usage: -c, -v, installed=, install d3 d4", async () => {
  using sample = await sampleBuildout();
  // As "Uninstall recipes" leaves it: debug installed while the package
  // also registered the service recipes, then their registration removed.
  commandLineSample(sample);
  sample.write("recipes", "service.ts", SERVICE);
  writeRecipes(
    sample,
    { mkdir: "./mkdir.ts", debug: "./debug.ts", service: "./service.ts" },
    { uninstall_service: "./service.ts:uninstallService" },
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = debug\n\n[debug]\nrecipe = recipes:debug\n",
  );
  assert.equal((await sample.run()).code, 0);
  writeRecipes(sample, { mkdir: "./mkdir.ts", debug: "./debug.ts" });
  const installedBefore = sample.cat(".installed.cfg");
  sample.write(
    "other.cfg",
    `
[buildout]
develop = recipes
parts = debug
installed = .other.cfg
log-level = WARNING

[debug]
name = other
recipe = recipes:debug
`,
  );
  await expectOk(
    sample,
    "-c other.cfg debug:op1=foo -v",
    `Develop: '/sample-buildout/recipes'
Installing debug.
name other
op1 foo
recipe recipes:debug
`,
  );
  await expectOk(
    sample,
    "-vcother.cfg debug:op1=foo",
    `Develop: '/sample-buildout/recipes'
Updating debug.
name other
op1 foo
recipe recipes:debug
`,
  );
  assert.ok(existsSync(sample.path(".other.cfg")));
  assert.equal(sample.cat(".installed.cfg"), installedBefore);

  sample.write(
    "buildout.cfg",
    `[buildout]\ndevelop = recipes\nparts = debug d1 d2 d3\n\n` +
      mkdirPart("d1", "d1") + mkdirPart("d2", "d2") + mkdirPart("d3", "d3") +
      "[debug]\nrecipe = recipes:debug\n",
  );
  // The package changed since debug was installed: debug is reinstalled.
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Installing debug.
recipe recipes:debug
Installing d1.
d1: Creating directory d1
Installing d2.
d2: Creating directory d2
Installing d3.
d3: Creating directory d3
`,
  );
  const section = (name: string, path: string) =>
    `[${name}]
__buildout_installed__ = /sample-buildout/${path}
__buildout_signature__ = recipes-SIG
path = /sample-buildout/${path}
recipe = recipes:mkdir
`;
  const debugSection = `[debug]
__buildout_installed__ = 
__buildout_signature__ = recipes-SIG
recipe = recipes:debug
`;
  const head = (parts: string) =>
    `[buildout]
installed_develop_eggs = /sample-buildout/develop-eggs/recipes.egg-link
parts = ${parts}
`;
  assert.equal(
    installed(sample),
    [
      head("debug d1 d2 d3"),
      debugSection,
      section("d1", "d1"),
      section("d2", "d2"),
      section("d3", "d3"),
    ].join("\n"),
  );

  sample.write(
    "buildout.cfg",
    COMMAND_LINE_LAST,
  );
  await expectOk(
    sample,
    "install d3 d4",
    `Develop: '/sample-buildout/recipes'
Uninstalling d3.
Installing d3.
d3: Creating directory data3
Installing d4.
d4: Creating directory data2-extra
`,
  );
  assert.deepEqual(
    sample.ls().filter((l) => l.startsWith("d  d")).map((l) => l.slice(3)),
    ["d1", "d2", "data2-extra", "data3", "develop-eggs"],
  );
  assert.equal(
    installed(sample),
    [
      head("debug d1 d2 d3 d4"),
      debugSection,
      section("d1", "d1"),
      section("d2", "d2"),
      section("d3", "data3"),
      section("d4", "data2-extra"),
    ].join("\n"),
  );

  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling d2.
Uninstalling d1.
Uninstalling debug.
Installing debug.
recipe recipes:debug
x 1
Installing d2.
d2: Creating directory data2
Updating d3.
Updating d4.
`,
  );
  assert.deepEqual(
    sample.ls().filter((l) => l.startsWith("d  d")).map((l) => l.slice(3)),
    ["data2", "data2-extra", "data3", "develop-eggs"],
  );
});

Deno.test("Alternate directory and file locations", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  // The parts "Command-line usage" leaves installed, which this session's
  // first run uninstalls, last installed first.
  sample.write(
    "buildout.cfg",
    COMMAND_LINE_LAST,
  );
  assert.equal((await sample.run()).code, 0);
  const alt = sample.tmpdir("sample-alt");
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts =
develop-eggs-directory = ${alt}/developbasket
eggs-directory = ${alt}/basket
bin-directory = ${alt}/scripts
parts-directory = ${alt}/work
`,
  );
  await expectOk(
    sample,
    "",
    `Creating directory '/sample-alt/scripts'.
Creating directory '/sample-alt/work'.
Creating directory '/sample-alt/basket'.
Creating directory '/sample-alt/developbasket'.
Develop: '/sample-buildout/recipes'
Uninstalling d4.
Uninstalling d3.
Uninstalling d2.
Uninstalling debug.
`,
  );
  assert.deepEqual(sample.ls(alt), [
    "d  basket",
    "d  developbasket",
    "d  scripts",
    "d  work",
  ]);
  assert.deepEqual(sample.ls(alt, "developbasket"), ["-  recipes.egg-link"]);
  // The parts' directories and the old develop link are gone.
  assert.deepEqual(
    sample.ls().filter((l) => l.startsWith("d  data")),
    [],
  );
  assert.deepEqual(sample.ls("develop-eggs"), []);
  assert.equal(
    installed(sample),
    "[buildout]\ninstalled_develop_eggs = /sample-alt/developbasket/recipes.egg-link\nparts = \n",
  );

  const alt2 = sample.tmpdir("sample-alt2");
  sample.write(
    "buildout.cfg",
    `
[buildout]
directory = ${alt2}
develop = ${sample.path("recipes")}
parts =
`,
  );
  await expectOk(
    sample,
    "",
    `Creating directory '/sample-alt2/bin'.
Creating directory '/sample-alt2/parts'.
Creating directory '/sample-alt2/eggs'.
Creating directory '/sample-alt2/develop-eggs'.
Develop: '/sample-buildout/recipes'
`,
  );
  assert.deepEqual(sample.ls(alt2), [
    "-  .installed.cfg",
    "d  bin",
    "d  develop-eggs",
    "d  eggs",
    "d  parts",
  ]);
  assert.deepEqual(sample.ls(alt2, "develop-eggs"), ["-  recipes.egg-link"]);
});

Deno.test("a relative buildout:directory is read from the current directory, an empty one is it", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\ndirectory = sub\nparts = x\n\n[x]\nrecipe = debug\n",
  );
  await expectOk(
    sample,
    "",
    `Creating directory '/sample-buildout/sub/bin'.
Creating directory '/sample-buildout/sub/parts'.
Creating directory '/sample-buildout/sub/eggs'.
Creating directory '/sample-buildout/sub/develop-eggs'.
Installing x.
  recipe='debug'
`,
  );
  await expectOk(sample, "", "Updating x.\n  recipe='debug'\n");
  assert.ok(existsSync(sample.path("sub", ".installed.cfg")));
  sample.write(
    "buildout.cfg",
    "[buildout]\ndirectory =\nparts = x\n\n[x]\nrecipe = debug\n",
  );
  await expectOk(sample, "", "Installing x.\n  recipe='debug'\n");
  assert.ok(existsSync(sample.path(".installed.cfg")));
});

Deno.test("a relative buildout:directory is absolute in every substitution, [buildout]'s own included", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\ndirectory = sub\nparts = p\nx = ${buildout:directory}/foo\n" +
      "eggs-directory = ${buildout:directory}/myeggs\n\n" +
      "[p]\nrecipe = debug\nv = ${buildout:x}\nw = ${buildout:directory}\n",
  );
  await expectOk(
    sample,
    "",
    `Creating directory '/sample-buildout/sub/bin'.
Creating directory '/sample-buildout/sub/parts'.
Creating directory '/sample-buildout/sub/myeggs'.
Creating directory '/sample-buildout/sub/develop-eggs'.
Installing p.
  recipe='debug'
  v='/sample-buildout/sub/foo'
  w='/sample-buildout/sub'
`,
  );
});

Deno.test("Controlling the installation database", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = debug\n\n[debug]\nrecipe = recipes:debug\n",
  );
  const out = `Develop: '/sample-buildout/recipes'
Installing debug.
recipe recipes:debug
`;
  await expectOk(sample, "buildout:installed=inst.cfg", out);
  assert.ok(existsSync(sample.path("inst.cfg")));
  assert.ok(!existsSync(sample.path(".installed.cfg")));
  sample.remove("inst.cfg");

  await expectOk(sample, "buildout:installed=", out);
  assert.ok(!existsSync(sample.path("inst.cfg")));
  assert.ok(!existsSync(sample.path(".installed.cfg")));

  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "buildout:installed=inst.cfg", "");
  assert.ok(!existsSync(sample.path("inst.cfg")));
});

/**
 * A develop package `demo` whose `ext` extension and unload entry points
 * are the functions `ext` and `unload` of `code`; developed by a first
 * run, then used by `buildout.cfg`.
 */
async function useExtension(sample: Sample, code: string): Promise<void> {
  sample.mkdir("demo");
  sample.write("demo", "demo.ts", code);
  sample.write(
    "demo",
    "package.json",
    JSON.stringify({
      name: "demo",
      buildout: {
        extensions: { ext: "./demo.ts:ext" },
        unload: { ext: "./demo.ts:unload" },
      },
    }),
  );
  sample.write("buildout.cfg", "[buildout]\ndevelop = demo\nparts =\n");
  await expectOk(sample, "", "Develop: '/sample-buildout/demo'\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = demo\nextensions = demo\nparts =\n",
  );
}

Deno.test("Extensions are called before installing and unloaded after", async () => {
  using sample = await sampleBuildout();
  await useExtension(
    sample,
    `export function ext(buildout) { console.log("ext", JSON.stringify(buildout.sectionNames())); }
export function unload(buildout) { console.log("unload", JSON.stringify(buildout.sectionNames())); }
`,
  );
  await expectOk(
    sample,
    "",
    `ext ["buildout"]
Develop: '/sample-buildout/demo'
unload ["buildout"]
`,
  );
});

Deno.test("Extensions and unload entry points run in the buildout directory, whichever directory buildout is started in", async () => {
  using sample = await sampleBuildout();
  // What zc.buildout's extensions rely on: it enters the buildout
  // directory before loading them (isotoma.buildout.autodevelop scans
  // `.`). A standard directory an extension names relatively is made
  // there too.
  await useExtension(
    sample,
    `import process from "node:process";
import { writeFileSync } from "node:fs";
export function ext(buildout) {
  console.log("ext in", process.cwd());
  writeFileSync("ext.log", "ext\\n");
  buildout.section("buildout").set("bin-directory", "scripts");
}
export function unload() { console.log("unload in", process.cwd()); }
`,
  );
  sample.mkdir("elsewhere");
  const result = await sample.run("-c ../buildout.cfg", {
    cwd: sample.path("elsewhere"),
  });
  assert.equal(result.stderr, "", result.output);
  assert.equal(
    result.stdout,
    "ext in /sample-buildout\nCreating directory 'scripts'.\n" +
      "Develop: '/sample-buildout/demo'\nunload in /sample-buildout\n",
  );
  assert.equal(result.code, 0);
  assert.equal(sample.cat("ext.log"), "ext\n");
  assert.ok(existsSync(sample.path("scripts")));
  assert.deepEqual(sample.ls("elsewhere"), []);
});

Deno.test("A recipe module's own code runs in the buildout directory too, whichever directory buildout is started in", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("rec");
  sample.write(
    "rec",
    "package.json",
    JSON.stringify({
      name: "rec",
      buildout: {
        recipes: { default: "./rec.js" },
        uninstall: { default: "./rec.js:uninstall" },
      },
    }),
  );
  sample.write(
    "rec",
    "rec.js",
    `import process from "node:process";
console.log("module in", process.cwd());
export default class Rec { install() { return []; } }
export function uninstall() { console.log("uninstall in", process.cwd()); }
`,
  );
  sample.mkdir("elsewhere");
  const config = (parts: string) =>
    `[buildout]\ndevelop = rec\nparts = ${parts}\n[x]\nrecipe = rec\n`;
  const opts = { cwd: sample.path("elsewhere") };
  sample.write("buildout.cfg", config("x"));
  let result = await sample.run("-c ../buildout.cfg", opts);
  assert.equal(result.stderr, "", result.output);
  assert.equal(
    result.stdout,
    "Develop: '/sample-buildout/rec'\nmodule in /sample-buildout\n" +
      "Installing x.\n",
  );
  sample.write("buildout.cfg", config(""));
  result = await sample.run("-c ../buildout.cfg", opts);
  assert.equal(result.stderr, "", result.output);
  assert.equal(
    result.stdout,
    "Develop: '/sample-buildout/rec'\nmodule in /sample-buildout\n" +
      "Uninstalling x.\nRunning uninstall recipe.\n" +
      "uninstall in /sample-buildout\n",
  );
});

Deno.test("Extension, unload and uninstall entry points that are classes are constructed, as Python calls a class", async () => {
  using sample = await sampleBuildout();
  // mr.developer's extension is a class taking the buildout.
  await useExtension(
    sample,
    `export class ext {
  constructor(buildout) { console.log("ext", buildout.sectionNames().join(" ")); }
}
export class unload {
  constructor() { console.log("unload"); }
}
export default class Rec { install() { return []; } }
export class Uninstall {
  constructor(name, options) { console.log("uninstall", name, options.recipe); }
}
`,
  );
  const pkg = JSON.parse(sample.cat("demo", "package.json"));
  pkg.buildout.recipes = { default: "./demo.ts" };
  pkg.buildout.uninstall = { default: "./demo.ts:Uninstall" };
  sample.write("demo", "package.json", JSON.stringify(pkg));
  const config = (parts: string) =>
    `[buildout]\ndevelop = demo\nextensions = demo\nparts = ${parts}\n` +
    "[x]\nrecipe = demo\n";
  sample.write("buildout.cfg", config("x"));
  await expectOk(
    sample,
    "",
    "ext buildout x\nDevelop: '/sample-buildout/demo'\nInstalling x.\n" +
      "unload\n",
  );
  sample.write("buildout.cfg", config(""));
  await expectOk(
    sample,
    "",
    "ext buildout x\nDevelop: '/sample-buildout/demo'\nUninstalling x.\n" +
      "Running uninstall recipe.\nuninstall x demo\nunload\n",
  );
});

Deno.test("A recipe an extension sets, or that substitutes from a section it set, is loaded", async () => {
  using sample = await sampleBuildout();
  await useExtension(
    sample,
    `export function ext(buildout) {
  buildout.section("p").set("recipe", "debug");
  buildout.section("names").set("which", "debug");
  buildout.section("q");
}
export function unload() {}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = demo\nextensions = demo\nparts = p q\n" +
      "[p]\nrecipe = mkdir\npaths = x\n[names]\n" +
      "[q]\nrecipe = ${names:which}\n",
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/demo'
Installing p.
  paths='x'
  recipe='debug'
Installing q.
  recipe='debug'
`,
  );
});

/**
 * A develop package `name` in the directory of that name: a recipe printing
 * `install NAME`, and an unload entry point printing `unload NAME`.
 */
function unloadingRecipe(sample: Sample, name: string): void {
  sample.mkdir(name);
  sample.write(
    name,
    "rec.ts",
    `export default class Rec {
  install() { console.log("install ${name}"); return []; }
  update() {}
}
export function unload() { console.log("unload ${name}"); }
`,
  );
  sample.write(
    name,
    "package.json",
    JSON.stringify({
      name,
      buildout: {
        recipes: { default: "./rec.ts" },
        unload: { default: "./rec.ts:unload" },
      },
    }),
  );
}

Deno.test("The unload entry points of the recipes' packages are called after the extensions' ones, as zc.buildout calls its whole working set's, and only when extensions are listed", async () => {
  using sample = await sampleBuildout();
  await useExtension(
    sample,
    `export function ext() { console.log("ext demo"); }
export function unload() { console.log("unload demo"); }
`,
  );
  unloadingRecipe(sample, "rec");
  const config = (extensions: string) =>
    `[buildout]\ndevelop = demo rec\n${extensions}parts = x\n\n` +
    "[x]\nrecipe = rec\n";
  sample.write("buildout.cfg", config(""));
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/demo'\nDevelop: '/sample-buildout/rec'\n" +
      "Installing x.\ninstall rec\n",
  );
  sample.write("buildout.cfg", config("extensions = demo\n"));
  await expectOk(
    sample,
    "",
    "ext demo\nDevelop: '/sample-buildout/demo'\n" +
      "Develop: '/sample-buildout/rec'\nUpdating x.\nunload demo\nunload rec\n",
  );
});

Deno.test("Only the packages of recipes a part constructs are unloaded, and a package found to uninstall a part is too, after them", async () => {
  using sample = await sampleBuildout();
  await useExtension(
    sample,
    `export function ext() {}
export function unload() { console.log("unload demo"); }
`,
  );
  unloadingRecipe(sample, "old");
  unloadingRecipe(sample, "rec");
  const config = (part: string) =>
    "[buildout]\ndevelop = demo old rec\nextensions = demo\n" +
    `parts = ${part}\n\n[x]\nrecipe = old\n\n[y]\nrecipe = rec\n`;
  sample.write("buildout.cfg", config("x"));
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/demo'\nDevelop: '/sample-buildout/old'\n" +
      "Develop: '/sample-buildout/rec'\nInstalling x.\ninstall old\n" +
      "unload demo\nunload old\n",
  );
  // [y] is no part: its recipe, imported with the others, is not used.
  // Then x's recipe package is looked up for its uninstall entry point
  // only, once y's recipe was constructed, as zc.buildout does.
  sample.write("buildout.cfg", config("y"));
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/demo'\nDevelop: '/sample-buildout/old'\n" +
      "Develop: '/sample-buildout/rec'\nUninstalling x.\nInstalling y.\n" +
      "install rec\nunload demo\nunload rec\nunload old\n",
  );
});

Deno.test("An extension listed in develop but not yet developed: the error says to develop it in a run without it first", async () => {
  using sample = await sampleBuildout();
  await useExtension(sample, "export function ext() {}\n");
  sample.remove("develop-eggs", "demo.egg-link");
  const result = await sample.system("");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "While:\n  Installing.\n  Loading extensions.\n" +
      "Error: Couldn't find the extension package 'demo': extensions load " +
      "before develop packages are linked, as in zc.buildout, and " +
      "/sample-buildout/demo is not linked yet: run buildout once without " +
      "'demo' in extensions\n",
  );
});

Deno.test("An unload entry point's error is reported While: Installing. Unloading extensions.", async () => {
  using sample = await sampleBuildout();
  await useExtension(
    sample,
    `export function ext() {}
export function unload(buildout) { throw new buildout.UserError("unload failed"); }
`,
  );
  const result = await sample.system("");
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "While:\n  Installing.\n  Unloading extensions.\nError: unload failed\n",
  );
});

Deno.test("Debugging buildouts: a recipe reading a missing option", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "mkdir.ts",
    `import { mkdirSync } from "node:fs";
export default class Mkdir {
  constructor(buildout, name, options) { this.options = options; }
  install() {
    const directory = this.options.require("directory");
    mkdirSync(directory);
    return directory;
  }
  update() {}
}
`,
  );
  writeRecipes(sample, { mkdir: "./mkdir.ts" });
  sample.write("buildout.cfg", dataDir("mystuff"));
  const result = await sample.run();
  assert.equal(
    result.stdout,
    "Develop: '/sample-buildout/recipes'\nInstalling data-dir.\n",
  );
  assert.equal(
    result.stderr,
    "While:\n  Installing data-dir.\nError: Missing option: data-dir:directory\n",
  );
  assert.equal(result.code, 1);

  // -D: the stack down to the recipe's line, then the part's options (what
  // the reference's pdb session looks at), on stderr; exit 1.
  const debug = await sample.run("-D");
  assert.equal(debug.code, 1);
  assert.equal(debug.stdout, result.stdout);
  const [stack, part] = debug.stderr.split("\n\n");
  assert.ok(
    stack.startsWith(
      "While:\n  Installing data-dir.\nMissingOption: Missing option: data-dir:directory\n",
    ),
    stack,
  );
  assert.match(
    stack,
    /\n +at install \(\/sample-buildout\/recipes\/mkdir\.ts:5:\d+\)\n/,
  );
  assert.equal(
    part,
    `Part data-dir failed; its options:
  path='mystuff'
  recipe='recipes:mkdir'
`,
  );
});

Deno.test("-D shows the failing part of a constructor, an uninstall, or none", async () => {
  using sample = await installedSample();
  sample.write(
    "recipes",
    "boom.ts",
    `export default class {
  constructor(b, name, options) {
    options.set("computed", "set before failing");
    throw new Error("boom");
  }
  install() {}
}
export function uninstallBoom() { throw new Error("no uninstall"); }
`,
  );
  writeRecipes(sample, { mkdir: "./mkdir.ts", boom: "./boom.ts" }, {
    mkdir: "./boom.ts:uninstallBoom",
  });
  sample.write(
    "buildout.cfg",
    withPart("[x]\nrecipe = recipes:boom\nsize = 2\n"),
  );
  const constructor = await sample.run("-D");
  assert.equal(constructor.code, 1);
  assert.ok(
    constructor.stderr.startsWith(
      "While:\n  Installing.\n  Getting section x.\n  Initializing part x.\nError: boom\n",
    ),
    constructor.stderr,
  );
  assert.match(constructor.stderr, /\n +at .*\/recipes\/boom\.ts:4:/);
  assert.ok(
    constructor.stderr.endsWith(`

Part x failed; its options:
  computed='set before failing'
  recipe='recipes:boom'
  size='2'
`),
    constructor.stderr,
  );

  // The part is gone from the configuration: its uninstall recipe fails,
  // and the options shown are those saved in .installed.cfg.
  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  const uninstall = await sample.run("-D");
  assert.equal(uninstall.code, 1);
  assert.ok(
    uninstall.stderr.startsWith(
      "While:\n  Installing.\n  Uninstalling data-dir.\nError: no uninstall\n",
    ),
    uninstall.stderr,
  );
  assert.ok(
    installed(sample).includes("[data-dir]"),
    "the part stays recorded",
  );
  assert.ok(
    uninstall.stderr.replace(/recipes-[^']+/, "recipes-SIG").endsWith(`

Part data-dir failed to uninstall; its options as installed:
  __buildout_installed__='/sample-buildout/mystuff'
  __buildout_signature__='recipes-SIG'
  path='/sample-buildout/mystuff'
  recipe='recipes:mkdir'
`),
    uninstall.stderr,
  );

  // An error outside any part: the stack only.
  sample.write("buildout.cfg", "[buildout]\nparts = ${nope:x}\n");
  const config = await sample.run("-D");
  assert.equal(config.code, 1);
  assert.ok(config.stderr.startsWith("While:\n  Initializing.\n"));
  assert.match(
    config.stderr,
    /\nMissingSection: The referenced section, 'nope', was not defined\.\n +at /,
  );
  assert.ok(!config.stderr.includes("\n\nPart "), config.stderr);
});

Deno.test("-D shows the innermost failing part: one whose constructor another part's constructor reads", async () => {
  using sample = await installedSample();
  sample.write(
    "recipes",
    "boom.ts",
    `export default class {
  constructor(b, name, options) {
    if (options.get("reads")) b.section(options.get("reads"));
    else throw new Error("boom");
  }
  install() {}
}
`,
  );
  writeRecipes(sample, { mkdir: "./mkdir.ts", boom: "./boom.ts" });
  sample.write(
    "buildout.cfg",
    withPart(
      "[x]\nrecipe = recipes:boom\nreads = inner\n\n" +
        "[inner]\nrecipe = recipes:boom\nsize = 1\n",
    ),
  );
  const result = await sample.run("-D");
  assert.equal(result.code, 1);
  assert.ok(
    result.stderr.endsWith(`

Part inner failed; its options:
  recipe='recipes:boom'
  size='1'
`),
    result.stderr,
  );
});

Deno.test("-D shows where a recipe module failed to load, under the one-line error", async () => {
  using sample = await sampleBuildout();
  writeRecipes(sample, { bad: "./bad.ts" });
  sample.write(
    "recipes",
    "bad.ts",
    "const settings = {} as any;\nsettings.paths.push('x');\nexport default class {}\n",
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = x\n\n[x]\nrecipe = recipes:bad\n",
  );
  const plain = await sample.run();
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /\nError: Couldn't load the module .*bad\.ts/);
  assert.doesNotMatch(plain.stderr, /Caused by|\n +at /);

  const debug = await sample.run("-D");
  assert.equal(debug.code, 1);
  assert.match(
    debug.stderr,
    /\nCaused by: TypeError: [^\n]*\n +at [^\n]*\/sample-buildout\/recipes\/bad\.ts:2:/,
  );
});

Deno.test("built-in debug and mkdir recipes", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `
[buildout]
parts = show dirs

[dirs]
recipe = z3c.recipe.mkdir
paths = a/b
    c
mode = 750
remove-on-update = true

[show]
recipe = zc.buildout:debug
quote = it's
both = "it's"
multi = one
    two
dirs = \${dirs:paths}
`,
  );
  await expectOk(
    sample,
    "",
    `Installing dirs.
dirs: created path: /sample-buildout/a
dirs:   mode 0750
dirs: created path: /sample-buildout/a/b
dirs:   mode 0750
dirs: created path: /sample-buildout/c
dirs:   mode 0750
Installing show.
  both='"it\\'s"'
  dirs='/sample-buildout/a/b\\n/sample-buildout/c'
  multi='one\\ntwo'
  quote="it's"
  recipe='zc.buildout:debug'
`,
  );
  assert.match(
    installed(sample),
    /\[dirs\]\n__buildout_installed__ = \/sample-buildout\/a\n\t\/sample-buildout\/a\/b\n\t\/sample-buildout\/c\n/,
  );
  assert.match(installed(sample), /__buildout_signature__ = buildout-\d/);
  assert.match(installed(sample), /mode = 0o750\n/);

  // A path that exists as a file is a user error.
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\n[d]\nrecipe = mkdir\npaths = f\n",
  );
  sample.write("f", "");
  const result = await sample.run();
  assert.match(
    result.stderr,
    /Error: Cannot create directory: \/sample-buildout\/f\. It's a file\.\n$/,
  );
  assert.equal(result.code, 1);
});

Deno.test("mkdir: group gives each directory made that group; an unknown group or a missing parent without create-intermediate is an error", async () => {
  using sample = await sampleBuildout();
  // Root may give any group: one other than its own shows the change.
  const groups = readFileSync("/etc/group", "utf8").split("\n")
    .map((line) => line.split(":")).filter((fields) => fields.length > 2)
    .map(([name, , gid]) => ({ name, gid: Number(gid) }));
  const gid = process.getgid!();
  const group = groups.find((g) =>
    process.getuid!() === 0 ? g.gid !== gid : g.gid === gid
  );
  assert.ok(group, "no group to use in /etc/group");
  const config = (options: string) =>
    `[buildout]\nparts = dirs\n\n[dirs]\nrecipe = z3c.recipe.mkdir\n${options}`;
  sample.write("buildout.cfg", config(`paths = a/b\ngroup = ${group.name}\n`));
  await expectOk(
    sample,
    "",
    `Installing dirs.
dirs: created path: /sample-buildout/a
dirs:   group '${group.name}'
dirs: created path: /sample-buildout/a/b
dirs:   group '${group.name}'
`,
  );
  assert.equal(statSync(sample.path("a")).gid, group.gid);
  assert.equal(statSync(sample.path("a", "b")).gid, group.gid);
  const before = sample.cat(".installed.cfg");

  const unknown = "no-such-group-" + process.pid;
  sample.write("buildout.cfg", config(`paths = a/b\ngroup = ${unknown}\n`));
  assertUserError(
    await sample.run(),
    new RegExp(`^Error: Unknown group: ${unknown}$`),
  );
  assert.equal(sample.cat(".installed.cfg"), before);

  sample.write(
    "buildout.cfg",
    config("paths = c/d\ncreate-intermediate = false\n"),
  );
  const missing = await sample.run();
  assert.equal(missing.code, 1, missing.output);
  assert.ok(
    missing.stderr.endsWith(
      "Error: Cannot create: /sample-buildout/c/d\n" +
        "       Parent does not exist or not a directory.\n",
    ),
    missing.stderr,
  );
  assert.ok(!existsSync(sample.path("c")));
});

Deno.test("mkdir: user and group known only to a name service (LDAP, SSSD) are found, as with Python's pwd and grp", async () => {
  using sample = await sampleBuildout();
  // Root may give any ids; anyone else only their own.
  const root = process.getuid!() === 0;
  const uid = root ? 4242 : process.getuid!();
  const gid = root ? 4343 : process.getgid!();
  const user = `svc-${process.pid}`;
  const group = `team-${process.pid}`;
  // getent asks every name service; this one stands for a directory
  // server knowing one user and one group that /etc does not list.
  sample.mkdir("services");
  sample.write(
    "services/getent",
    `#!/bin/sh
case "$1 $2" in
  "passwd ${user}") echo "${user}:*:${uid}:${gid}::/:/bin/false" ;;
  "group ${group}") echo "${group}:*:${gid}:" ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(sample.path("services", "getent"), 0o755);
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = dirs\n\n[dirs]\nrecipe = z3c.recipe.mkdir\n` +
      `paths = var\nuser = ${user}\ngroup = ${group}\n`,
  );
  const result = await sample.run("", {
    env: { PATH: `${sample.path("services")}:${process.env.PATH}` },
  });
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stderr, "");
  assert.equal(
    result.stdout,
    `Installing dirs.
dirs: created path: /sample-buildout/var
dirs:   user '${user}', group '${group}'
`,
  );
  const made = statSync(sample.path("var"));
  assert.deepEqual([made.uid, made.gid], [uid, gid]);
});

// --- Bad input -------------------------------------------------------------

/** Asserts exit 1 with `Error: <message>` last and no stack trace. */
function assertUserError(result: RunResult, message: RegExp): void {
  assert.equal(result.code, 1, result.output);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[lines.length - 1], message, result.stderr);
  assert.doesNotMatch(result.stderr, /internal error|^\s+at /m);
}

async function installedSample(): Promise<Sample> {
  const sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write("buildout.cfg", dataDir("mystuff"));
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  return sample;
}

/** Runs with `config` and checks that nothing installed was touched. */
async function badConfig(
  sample: Sample,
  config: string,
  message: RegExp,
): Promise<RunResult> {
  const before = sample.cat(".installed.cfg");
  sample.write("buildout.cfg", config);
  const result = await sample.run();
  assertUserError(result, message);
  assert.equal(sample.cat(".installed.cfg"), before);
  assert.ok(existsSync(sample.path("mystuff")));
  return result;
}

const withPart = (section: string) =>
  `[buildout]\ndevelop = recipes\nparts = data-dir x\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n\n${section}`;

Deno.test("a part without a recipe is an error", async () => {
  using sample = await installedSample();
  await badConfig(
    sample,
    withPart("[x]\na = 1\n"),
    /^Error: Missing option: x:recipe$/,
  );
});

// zc.buildout's bug_92891 test: [buildout] holding a recipe (and options
// for it) is configuration, not a part.
Deno.test("[buildout] is never a part: skipped in parts, refused by install, as is a section whose recipe is empty", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = buildout\nrecipe = debug\neggs = x\n\n" +
      "[empty]\nrecipe =\n",
  );
  await expectOk(sample, "", "Unused options for buildout: 'eggs'.\n");
  assert.ok(!existsSync(sample.path(".installed.cfg")));
  for (
    const [part, reason] of [
      ["buildout", "the buildout section is never a part"],
      ["empty", "its recipe option is empty"],
    ]
  ) {
    const result = await sample.run(`install ${part}`);
    assert.equal(
      result.stderr,
      `While:\n  Installing.\nError: Cannot install ${part}: ${reason}\n`,
    );
    assert.equal(result.code, 1);
  }
});

Deno.test("a section with a recipe whose name holds a space cannot become a part: .installed.cfg could not list it", async () => {
  using sample = await sampleBuildout();
  const config = (reference: string, section: string) =>
    `[buildout]\nparts = a\n\n[a]\nrecipe = zc.buildout:debug\n${reference}` +
    `\n[${section}]\nrecipe = collective.recipe.template\ninline = hi\n` +
    "output = out.txt\n";
  sample.write("buildout.cfg", config("", "my part"));
  assert.equal((await sample.run()).code, 0);
  // Referenced, it would be installed and listed as two parts, `my` and
  // `part`, in a database the next run refuses as corrupt.
  sample.write("buildout.cfg", config("x = ${my part:output}\n", "my part"));
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr.trimEnd().split("\n").pop(),
    "Error: The part name 'my part' holds whitespace, which the list of " +
      "installed parts in .installed.cfg cannot record: rename its section",
  );
  assert.ok(!existsSync(sample.path("out.txt")));
  assert.match(sample.cat(".installed.cfg"), /^parts = a$/m);
  // Renamed, it installs, and the next run reads the database.
  sample.write("buildout.cfg", config("x = ${my-part:output}\n", "my-part"));
  assert.equal(
    (await sample.run()).stdout,
    "Uninstalling a.\nInstalling my-part.\nInstalling a.\n" +
      "  recipe='zc.buildout:debug'\n  x='out.txt'\n",
  );
  const rerun = await sample.run();
  assert.equal(rerun.code, 0, rerun.output);
  assert.match(rerun.stdout, /^Updating my-part\.\nUpdating a\.\n/);
});

Deno.test("a recipe that cannot be found is an error", async () => {
  using sample = await installedSample();
  const result = await badConfig(
    sample,
    withPart("[x]\nrecipe = nope\n"),
    /^Error: Couldn't find recipe nope: 'nope' is neither a built-in recipe/,
  );
  assert.match(
    result.stderr,
    /Getting section x\.\n {2}Initializing section x\./,
  );
});

Deno.test("a recipe named after a develop directory whose package has another name says which name to use", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("tools");
  sample.write(
    "tools/package.json",
    '{"name": "site-tools", "buildout": {"recipes": {"default": "./r.js", "x": "./r.js"}}}',
  );
  sample.write("tools/r.js", "export default class R { install() {} }\n");
  for (
    const [spec, use] of [["tools", "site-tools"], ["tools:x", "site-tools:x"]]
  ) {
    sample.write(
      "buildout.cfg",
      `[buildout]\ndevelop = tools\nparts = a\n\n[a]\nrecipe = ${spec}\n`,
    );
    assertUserError(
      await sample.run(),
      new RegExp(
        `^Error: Couldn't find recipe ${spec}: 'tools' is neither a built-in recipe .* ` +
          "\\(the develop directory /sample-buildout/tools holds the package 'site-tools': " +
          `use recipe = ${use}\\)$`,
      ),
    );
  }
});

Deno.test("a recipe computed over two lines is named on the error's one line", async () => {
  using sample = await installedSample();
  await badConfig(
    sample,
    withPart("[x]\nrecipe = debug\n  x = ${y:v}\n\n[y]\nv = 1\n"),
    /^Error: Couldn't find recipe debug\\nx = 1: the recipe option holds more than one line, /,
  );
});

Deno.test("a recipe computed from other sections is loaded, as is a built-in named by what a recipe set", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("tools");
  sample.write(
    "tools/package.json",
    '{"name": "tools", "buildout": {"recipes": {"hello": "./hello.js", "setter": "./setter.js"}}}',
  );
  sample.write(
    "tools/hello.js",
    "export default class H {\n  constructor(b, name) { this.name = name; }\n" +
      "  install() { console.log(`hello from ${this.name}`); }\n}\n",
  );
  sample.write(
    "tools/setter.js",
    "export default class S {\n  constructor(b, name, options) { options.set('r', 'debug'); }\n" +
      "  install() {}\n}\n",
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = tools
parts = a c

[names]
pkg = tools
hello = \${:pkg}:hello

[a]
recipe = \${names:hello}

[b]
recipe = tools:setter

[c]
recipe = \${b:r}
x = 1
`,
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.match(
    result.stdout,
    /Installing a\.\nhello from a\n(.|\n)*Installing c\.\n {2}recipe='debug'\n {2}x='1'\n$/,
  );
});

Deno.test("a recipe entry point or module that is missing is an error", async () => {
  using sample = await installedSample();
  await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:nope\n"),
    /has no recipe entry point 'nope'/,
  );
  writeRecipes(sample, {
    mkdir: "./mkdir.ts",
    gone: "./gone.ts",
    bad: "./bad.ts",
    noexp: "./noexp.ts",
    bare: "./mkdir",
  });
  // Editing the package changes its signature: run checks come first.
  await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:gone\n"),
    /The module \/sample-buildout\/recipes\/gone\.ts .* does not exist/,
  );
  // setuptools entry points name modules without an extension.
  await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:bare\n"),
    /The module \/sample-buildout\/recipes\/mkdir .* does not exist; name it \.\/mkdir\.ts, with its extension$/,
  );
  sample.write("recipes", "bad.ts", "this is not ( valid");
  await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:bad\n"),
    /Couldn't load the module \/sample-buildout\/recipes\/bad\.ts/,
  );
  sample.write("recipes", "noexp.ts", "export const x = 1;\n");
  await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:noexp\n"),
    /The module \/sample-buildout\/recipes\/noexp\.ts .* has no default export/,
  );
});

Deno.test("a Python recipe egg's name says that recipes here are not Python", async () => {
  using sample = await installedSample();
  await badConfig(
    sample,
    withPart("[x]\nrecipe = plone.recipe.zope2instance\n"),
    /^Error: Couldn't find recipe plone\.recipe\.zope2instance: .* nor a develop package listed in buildout:develop, and no find-links or index is configured to get it as a distribution \('plone\.recipe\.zope2instance' looks like a Python recipe egg, which this buildout cannot run: its recipes are TypeScript or JavaScript packages; see the README's "Migrating a buildout zc\.buildout built"\)$/,
  );
  // Other names are not taken for Python's.
  const other = await badConfig(
    sample,
    withPart("[x]\nrecipe = recipe-tools\n"),
    /^Error: Couldn't find recipe recipe-tools: /,
  );
  assert.doesNotMatch(other.stderr, /Python/);
});

Deno.test("a throwing constructor is reported with its part", async () => {
  using sample = await installedSample();
  sample.write(
    "recipes",
    "boom.ts",
    `export default class { constructor(b) { throw new b.UserError("boom"); } install() {} }`,
  );
  writeRecipes(sample, { mkdir: "./mkdir.ts", boom: "./boom.ts" });
  const result = await badConfig(
    sample,
    withPart("[x]\nrecipe = recipes:boom\n"),
    /^Error: boom$/,
  );
  assert.match(result.stderr, /Initializing part x\./);
});

Deno.test("a missing develop directory is an error", async () => {
  using sample = await installedSample();
  await badConfig(
    sample,
    "[buildout]\ndevelop = recipes nope\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
    /^Error: Couldn't develop '\/sample-buildout\/nope' \(not found\)$/,
  );
});

Deno.test("a develop glob matching nothing is a warning, as in zc.buildout", async () => {
  using sample = await installedSample();
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/* recipes\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
  );
  await expectOk(
    sample,
    "",
    `Couldn't develop '/sample-buildout/src/*' (not found)
Develop: '/sample-buildout/recipes'
Updating data-dir.
`,
  );
});

Deno.test("a develop glob skips hidden directories unless its segment starts with a dot, as Python's glob", async () => {
  using sample = await installedSample();
  sample.mkdir("src", ".hidden");
  sample.write("src", ".hidden", "package.json", '{"name": "hidden"}\n');
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/* src/.h* recipes\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
  );
  await expectOk(
    sample,
    "",
    `Couldn't develop '/sample-buildout/src/*' (not found)
Develop: '/sample-buildout/src/.hidden'
Develop: '/sample-buildout/recipes'
Updating data-dir.
`,
  );
});

Deno.test("a develop glob with a [ left open or a backward range is read as Python's glob reads it", async () => {
  using sample = await installedSample();
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/[ src/[z-a] recipes\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
  );
  await expectOk(
    sample,
    "",
    `Couldn't develop '/sample-buildout/src/[' (not found)
Couldn't develop '/sample-buildout/src/[z-a]' (not found)
Develop: '/sample-buildout/recipes'
Updating data-dir.
`,
  );
});

Deno.test("develop names a package's directory or its package.json, as zc.buildout a project's directory or its setup script", async () => {
  using sample = await installedSample();
  const before = installed(sample);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes/package.json\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes/package.json'
Updating data-dir.
`,
  );
  assert.equal(installed(sample), before);
  assert.equal(
    sample.cat("develop-eggs", "recipes.egg-link"),
    sample.path("recipes") + "\n",
  );

  // Any other file is no package: the error says what develop takes.
  await badConfig(
    sample,
    "[buildout]\ndevelop = recipes/mkdir.ts\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
    /^Error: \/sample-buildout\/recipes\/mkdir\.ts is not a develop package: it is a file, not a package's directory or its package\.json$/,
  );
  sample.mkdir("py");
  sample.write("py", "setup.py", "from setuptools import setup\nsetup()\n");
  await badConfig(
    sample,
    "[buildout]\ndevelop = recipes py/setup.py\nparts = data-dir\n\n[data-dir]\nrecipe = recipes:mkdir\npath = mystuff\n",
    /^Error: \/sample-buildout\/py\/setup\.py is not a develop package: it is a file, not a package's directory or its package\.json \(a setup\.py makes a Python project, which buildout cannot develop\)$/,
  );
});

Deno.test("a develop package whose name holds a / (other than an npm scope's), a line break or a NUL is refused, and no link is written outside develop-eggs", async () => {
  using sample = await installedSample();
  for (
    const name of ["@acme/x/recipes", "../../escaped", "two\nlines", "a\0b"]
  ) {
    sample.write(
      "recipes",
      "package.json",
      JSON.stringify({
        name,
        buildout: { recipes: { mkdir: "./mkdir.ts" } },
      }),
    );
    await badConfig(
      sample,
      dataDir("mystuff"),
      /^Error: Invalid "name" in \/sample-buildout\/recipes\/package\.json: '.+' holds (a '\/' \(only an npm scope's|a line break$|a NUL character$)/,
    );
    assert.deepEqual(sample.ls("develop-eggs"), ["-  recipes.egg-link"]);
  }
  assert.ok(!existsSync(join(dirname(sample.dir), "escaped.egg-link")));
});

Deno.test("a develop package whose buildout.requires is not a list of strings is refused, not installed without what it requires", async () => {
  using sample = await installedSample();
  for (const requires of ["helper", ["helper", 5]]) {
    sample.write(
      "recipes",
      "package.json",
      JSON.stringify({
        name: "recipes",
        buildout: { recipes: { mkdir: "./mkdir.ts" }, requires },
      }),
    );
    await badConfig(
      sample,
      dataDir("mystuff"),
      /^Error: Invalid "buildout.requires" in \/sample-buildout\/recipes\/package\.json: expected a list of requirement strings$/,
    );
  }
});

Deno.test("a develop package.json that is not a JSON object is refused as such, not read as a package without recipes", async () => {
  using sample = await installedSample();
  for (const json of ["[]", '"recipes"', "null"]) {
    sample.write("recipes", "package.json", json);
    await badConfig(
      sample,
      dataDir("mystuff"),
      /^Error: Invalid \/sample-buildout\/recipes\/package\.json: expected a JSON object$/,
    );
  }
});

Deno.test("a corrupt .installed.cfg is an error telling how to recover", async () => {
  using sample = await installedSample();
  sample.write(".installed.cfg", "[buildout]\nparts = data-dir\n");
  const result = await sample.run();
  assert.equal(result.code, 1);
  // One line: what is wrong, then what to do.
  assert.match(
    result.stderr,
    /Error: The installation database \/sample-buildout\/.installed.cfg is corrupt: the installed part data-dir has no section\. Buildout cannot tell [^\n]*move it away[^\n]*\n$/,
  );
  assert.equal(sample.cat(".installed.cfg"), "[buildout]\nparts = data-dir\n");
  assert.ok(existsSync(sample.path("mystuff")));
  sample.write(".installed.cfg", "garbage\n");
  assert.match((await sample.run()).stderr, /is corrupt: /);
});

/**
 * Runs `config` over the database `corrupt` of an installed sample and
 * checks that the run refuses it as corrupt, its line `reason`, changing
 * nothing: neither the database, nor the part's files, nor `victim`.
 */
async function assertRefusedAsCorrupt(
  sample: Sample,
  corrupt: Uint8Array,
  config: string,
  reason: string,
): Promise<void> {
  writeFileSync(sample.path(".installed.cfg"), corrupt);
  sample.write("buildout.cfg", config);
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.doesNotMatch(result.stdout, /Installing|Uninstalling|Updating/);
  assert.match(
    result.stderr,
    new RegExp(
      "^Error: The installation database /sample-buildout/\\.installed\\.cfg " +
        `is corrupt: line \\d+ ${reason}\\. Buildout cannot tell [^\\n]*` +
        "move it away[^\\n]*\\n$",
      "m",
    ),
  );
  assert.deepEqual(
    readFileSync(sample.path(".installed.cfg")),
    Buffer.from(corrupt),
  );
  assert.equal(sample.cat("victim"), "keep me\n");
  assert.ok(existsSync(sample.path("mystuff")));
}

Deno.test("a NUL character in .installed.cfg makes it corrupt", async () => {
  // No path holds one: the recorded path was skipped when uninstalling,
  // and a NUL in an option value reinstalled the part, both without a word.
  using sample = await installedSample();
  sample.write("victim", "keep me\n");
  const before = sample.cat(".installed.cfg");
  const recorded = `${sample.path("mystuff")}\n`;
  assert.ok(before.includes(recorded), before);
  const reason = "holds a NUL character";
  await assertRefusedAsCorrupt(
    sample,
    Buffer.from(before.replace(recorded, `${sample.path("victim")}\0junk\n`)),
    "[buildout]\ndevelop = recipes\nparts =\n",
    reason,
  );
  await assertRefusedAsCorrupt(
    sample,
    Buffer.from(
      before.replace(
        `path = ${recorded}`,
        `path = ${sample.path("my\0stuff")}\n`,
      ),
    ),
    dataDir("mystuff"),
    reason,
  );
});

Deno.test("bytes that are not UTF-8 in .installed.cfg make it corrupt", async () => {
  // Read as U+FFFD, a Latin-1 byte changed the recorded path: it was
  // skipped when uninstalling, and an option value holding one reinstalled
  // the part, both without a word.
  using sample = await installedSample();
  sample.write("victim", "keep me\n");
  const before = sample.cat(".installed.cfg");
  const recorded = `${sample.path("mystuff")}\n`;
  assert.ok(before.includes(recorded), before);
  // The sample's text is ASCII: as Latin-1, \xe9 is the one byte E9.
  const latin1 = (text: string) => Buffer.from(text, "latin1");
  const reason = "is not UTF-8 text";
  await assertRefusedAsCorrupt(
    sample,
    latin1(before.replace(recorded, `${sample.path("victim")}\xe9\n`)),
    "[buildout]\ndevelop = recipes\nparts =\n",
    reason,
  );
  await assertRefusedAsCorrupt(
    sample,
    latin1(
      before.replace(
        `path = ${recorded}`,
        `path = ${sample.path("my\xe9stuff")}\n`,
      ),
    ),
    dataDir("mystuff"),
    reason,
  );
  // An append cut short may end in half a character: ignored, as before.
  writeFileSync(
    sample.path(".installed.cfg"),
    latin1(`${before}[x]\nrecipe = caf\xc3`),
  );
  sample.write("buildout.cfg", dataDir("mystuff"));
  const torn = await sample.run();
  assert.equal(torn.code, 0, torn.output);
  assert.match(torn.stdout, /Updating data-dir/);
});

Deno.test("a .installed.cfg whose [buildout] has no parts option is corrupt", async () => {
  // zc.buildout stops on it (Missing option: buildout:parts); taking it
  // for "nothing installed" installed every part again over the old ones
  // and rewrote the database without their records.
  using sample = await installedSample();
  const before = sample.cat(".installed.cfg");
  const cut = before.replace(/^parts = .*\n/m, "");
  assert.notEqual(cut, before);
  sample.write(".installed.cfg", cut);
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.doesNotMatch(result.stdout, /Installing|Uninstalling/);
  assert.match(
    result.stderr,
    /^Error: The installation database \/sample-buildout\/.installed.cfg is corrupt: its \[buildout\] section has no parts option\. Buildout cannot tell [^\n]*move it away[^\n]*\n$/m,
  );
  assert.equal(sample.cat(".installed.cfg"), cut);
  assert.ok(existsSync(sample.path("mystuff")));
  sample.write(".installed.cfg", "[buildout]\n");
  assert.match((await sample.run()).stderr, /has no parts option/);
  assert.equal(sample.cat(".installed.cfg"), "[buildout]\n");
});

Deno.test("a .installed.cfg part section without a recipe option is corrupt", async () => {
  // Its recipe's uninstall could not be found: nothing is changed.
  using sample = await installedSample();
  const before = sample.cat(".installed.cfg");
  const cut = before.replace(/^recipe = .*\n/m, "");
  assert.notEqual(cut, before);
  sample.write(".installed.cfg", cut);
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.doesNotMatch(result.stdout, /Installing|Uninstalling/);
  assert.match(
    result.stderr,
    /^Error: The installation database \/sample-buildout\/.installed.cfg is corrupt: the section \[data-dir\] has no recipe option\. Buildout cannot tell [^\n]*move it away[^\n]*\n$/m,
  );
  assert.equal(sample.cat(".installed.cfg"), cut);
  assert.ok(existsSync(sample.path("mystuff")));
});

Deno.test("unused options are reported", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\nfoo = 1\n\n[d]\nrecipe = mkdir\nzzz = 1\naaa = 2\n",
  );
  const result = await sample.run();
  assert.equal(
    result.stdout,
    `Unused options for buildout: 'foo'.
Installing d.
d: created path: /sample-buildout/parts/d
Unused options for d: 'aaa' 'zzz'.
`,
  );
});

Deno.test("-vv tells why a part is reinstalled", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\n\n[d]\nrecipe = debug\nold = 1\nsame = s\nvalue = a\n",
  );
  assert.equal((await sample.run()).code, 0);
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = d\n\n[d]\nrecipe = debug\nadded = 2\nsame = s\nvalue = b\n",
  );
  const result = await sample.run("-vv");
  assert.equal(result.code, 0, result.output);
  const why = result.stdout.split("\n").filter((line) =>
    line.startsWith("Part d,") || line.startsWith("'")
  );
  assert.deepEqual(why, [
    "Part d, dropped option old.",
    "Part d, option value changed:",
    "'b' != 'a'",
    "Part d, new option added.",
  ]);
  assert.match(result.stdout, /\nUninstalling d\.\nInstalling d\.\n/);
});

Deno.test("recipe modules printing by themselves keep their place in the output", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "talk.ts",
    `console.log("module loaded");
export default class Talk {
  constructor(buildout, name) {
    this.name = name;
    console.log(name + " constructed");
  }
  install() {
    console.log(this.name + " installing");
  }
}
`,
  );
  writeRecipes(sample, { talk: "./talk.ts" });
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = recipes
parts = a b c

[a]
recipe = debug

[b]
recipe = recipes:talk

[c]
recipe = debug
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
module loaded
b constructed
Installing a.
  recipe='debug'
Installing b.
b installing
Installing c.
  recipe='debug'
`,
  );
});

Deno.test("a buildout directory that cannot be created is a user error", async () => {
  using sample = await sampleBuildout();
  const result = await sample.system([
    "buildout:parts-directory=buildout.cfg/parts",
  ]);
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    `While:
  Installing.
  Setting up buildout directories
Error: Couldn't create directory /sample-buildout/buildout.cfg/parts: /sample-buildout/buildout.cfg is a file, not a directory
`,
  );
});

Deno.test("a develop link that cannot be written is a user error", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write("recipes", "package.json", JSON.stringify({ name: "recipes" }));
  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  // A file where the develop-eggs directory should be.
  sample.write("links", "");
  const result = await sample.system(["buildout:develop-eggs-directory=links"]);
  assert.equal(result.code, 1);
  assert.match(
    sample.normalize(result.stderr),
    /\nError: Couldn't write '\/sample-buildout\/links\/recipes.egg-link': not a directory\n$/,
  );
});

Deno.test("a rerun keeps a develop link that names its package, and rewrites one that does not", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write("recipes", "package.json", JSON.stringify({ name: "recipes" }));
  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  assert.equal((await sample.run()).code, 0);
  const link = sample.path("develop-eggs/recipes.egg-link");
  const first = statSync(link, { bigint: true });
  assert.equal((await sample.run()).code, 0);
  const second = statSync(link, { bigint: true });
  // Not written again: the same file, unchanged.
  assert.equal(second.ino, first.ino);
  assert.equal(second.mtimeNs, first.mtimeNs);
  writeFileSync(link, "/elsewhere\n");
  assert.equal((await sample.run()).code, 0);
  assert.equal(readFileSync(link, "utf8"), sample.path("recipes") + "\n");
});

Deno.test("a develop step that fails removes the links it made, not those of earlier runs, as zc.buildout does", async () => {
  using sample = await sampleBuildout();
  for (const name of ["recipes", "more"]) {
    sample.mkdir(name);
    sample.write(name, "package.json", JSON.stringify({ name }));
  }
  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  assert.equal((await sample.run()).code, 0);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes more missing\nparts =\n",
  );
  const result = await sample.run();
  assert.match(result.stderr, /Couldn't develop '\/sample-buildout\/missing'/);
  assert.deepEqual(sample.ls("develop-eggs"), ["-  recipes.egg-link"]);
});

Deno.test("two develop packages of one project name are an error naming both; one package listed twice is linked once", async () => {
  using sample = await sampleBuildout();
  for (
    const [dir, name] of [["one", "spam"], ["two", "spam"], ["three", "Spam"]]
  ) {
    sample.mkdir(dir);
    sample.write(dir, "package.json", JSON.stringify({ name }));
  }
  sample.write("buildout.cfg", "[buildout]\ndevelop = one\nparts =\n");
  assert.equal((await sample.run()).code, 0);
  const before = sample.cat(".installed.cfg");
  // The one listed last used to win, silently.
  let result = await sample.run(["buildout:develop=one two"]);
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /\nError: Two develop packages are named 'spam': '\/sample-buildout\/one' and '\/sample-buildout\/two'; list only one of them in develop\n$/,
  );
  assert.equal(
    sample.cat("develop-eggs/spam.egg-link"),
    sample.path("one") + "\n",
  );
  assert.equal(sample.cat(".installed.cfg"), before);
  result = await sample.run(["buildout:develop=one three"]);
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /\nError: Two develop packages are named 'spam' and 'Spam', one project name: '\/sample-buildout\/one' and '\/sample-buildout\/three'; list only one of them in develop\n$/,
  );
  assert.deepEqual(sample.ls("develop-eggs"), ["-  spam.egg-link"]);
  // The same directory by its package.json and a glob: one link, once.
  result = await sample.run(["buildout:develop=one one/package.json o*"]);
  assert.equal(result.code, 0, result.output);
  assert.match(
    sample.cat(".installed.cfg"),
    /^installed_develop_eggs = \S+\/develop-eggs\/spam.egg-link\nparts = \n/m,
  );
});

// --- Sessions shown elsewhere by annotate, here as install runs ---------------

Deno.test("Extending sections (macros): the part installs with the values of its macros", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write("buildout.cfg", SUBST("data-dir debug"));
  assert.equal((await sample.run()).code, 0);
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts = myfiles
log-level = INFO

[debug]
recipe = recipes:debug

[with_file1]
<= debug
file1 = \${:path}/file1
color = red

[with_file2]
<= debug
file2 = \${:path}/file2
color = blue

[myfiles]
<= with_file1
   with_file2
path = mydata
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling debug.
Uninstalling data-dir.
Installing myfiles.
color blue
file1 mydata/file1
file2 mydata/file2
path mydata
recipe recipes:debug
`,
  );
});

Deno.test("Adding and removing options: an extension sees the adjusted values, parts with an empty recipe are skipped", async () => {
  using sample = await sampleBuildout();
  // The part the "Extending sections (macros)" session left installed.
  commandLineSample(sample);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = myfiles\n\n" +
      "[myfiles]\nrecipe = recipes:debug\npath = mydata\n",
  );
  assert.equal((await sample.run()).code, 0);
  sample.write(
    "base.cfg",
    `
[buildout]
parts = part1 part2 part3

[part1]
recipe =
option = a1 a2

[part2]
recipe =
option = b1 b2 b3 b4

[part3]
recipe =
option = c1 c2
`,
  );
  sample.write(
    "extension1.cfg",
    `
[buildout]
extends = base.cfg

# appending values
[part1]
option += a3 a4

# removing values
[part2]
option -= b1 b2

# alt. spelling
[part3]
option+=c3 c4 c5

# normal assignment
[part4]
option = h1 h2
`,
  );
  sample.write(
    "extension2.cfg",
    `
[buildout]
extends = extension1.cfg

# appending values
[part1]
option += a5

# removing values
[part2]
option -= b1 b2 b3
`,
  );
  sample.mkdir("demo");
  sample.write(
    "demo",
    "demo.ts",
    `export function ext(buildout) {
  const names = buildout.sectionNames().filter((n) => n.startsWith("part"));
  console.log(JSON.stringify(names.map((n) => buildout.section(n).get("option"))));
}
`,
  );
  sample.write(
    "demo",
    "package.json",
    JSON.stringify({
      name: "demo",
      buildout: { extensions: { ext: "./demo.ts:ext" } },
    }),
  );
  // The recipes package is no longer developed: its part is uninstalled
  // all the same (the reference then gets the recipes egg, Python only).
  sample.write("buildout.cfg", "[buildout]\ndevelop = demo\nparts =\n");
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/demo'\nUninstalling myfiles.\n",
  );
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = demo
extensions = demo
extends = extension2.cfg
`,
  );
  // parts = part1 part2 part3 (from base.cfg): their recipe is empty, so
  // none of them is a part and nothing is installed.
  await expectOk(
    sample,
    "",
    `["a1 a2\\na3 a4\\na5","b1 b2 b3 b4","c1 c2\\nc3 c4 c5","h1 h2"]
Develop: '/sample-buildout/demo'
`,
  );
  assert.deepEqual(sample.ls("parts"), []);
});

Deno.test("Multiple configuration files, URLs, user defaults and log level: the install runs", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write(
    "buildout.cfg",
    "\n[buildout]\nextends = base.cfg\n\n[debug]\nop = buildout\n",
  );
  sample.write(
    "base.cfg",
    "\n[buildout]\ndevelop = recipes\nparts = debug\n\n[debug]\nrecipe = recipes:debug\nop = base\n",
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Installing debug.
op buildout
recipe recipes:debug
`,
  );

  const other = sample.tmpdir("other");
  sample.write(
    "buildout.cfg",
    `\n[buildout]\nextends = b1.cfg b2.cfg ${other}/b3.cfg\n\n[debug]\nop = buildout\n`,
  );
  sample.write(
    "b1.cfg",
    "\n[buildout]\nextends = base.cfg\n\n[debug]\nop1 = b1 1\nop2 = b1 2\n",
  );
  sample.write(
    "b2.cfg",
    "\n[buildout]\nextends = base.cfg\n\n[debug]\nop2 = b2 2\nop3 = b2 3\n",
  );
  write(
    other,
    "b3.cfg",
    "\n[buildout]\nextends = b3base.cfg\n\n[debug]\nop4 = b3 4\n",
  );
  write(other, "b3base.cfg", "\n[debug]\nop5 = b3base 5\n");
  sample.write(
    "base.cfg",
    "\n[buildout]\ndevelop = recipes\nparts = debug\n\n[debug]\nrecipe = recipes:debug\nname = base\n",
  );
  const elaborate = `name base
op buildout
op1 b1 1
op2 b2 2
op3 b2 3
op4 b3 4
op5 b3base 5
`;
  const reinstalled =
    "Develop: '/sample-buildout/recipes'\nUninstalling debug.\nInstalling debug.\n";
  await expectOk(
    sample,
    "",
    `${reinstalled}${elaborate}recipe recipes:debug\n`,
  );

  const serverData = sample.tmpdir("server_data");
  write(serverData, "r1.cfg", "\n[debug]\nop1 = r1 1\nop2 = r1 2\n");
  write(
    serverData,
    "r2.cfg",
    "\n[buildout]\nextends = r1.cfg\n\n[debug]\nop2 = r2 2\nop3 = r2 3\n",
  );
  write(
    serverData,
    "remote.cfg",
    "\n[buildout]\ndevelop = recipes\nparts = debug\nextends = r2.cfg\n\n[debug]\nrecipe = recipes:debug\nname = remote\n",
  );
  const server = await startServer(serverData);
  try {
    sample.write(
      "client.cfg",
      `\n[buildout]\ndevelop = recipes\nparts = debug\nextends = ${server.url}r2.cfg\n\n[debug]\nrecipe = recipes:debug\nname = base\n`,
    );
    const fromServer = (name: string) =>
      `${reinstalled}name ${name}\nop1 r1 1\nop2 r2 2\nop3 r2 3\nrecipe recipes:debug\n`;
    await expectOk(sample, "-c client.cfg", fromServer("base"));
    sample.remove("client.cfg");
    await expectOk(
      sample,
      `-c ${server.url}remote.cfg buildout:directory=${sample.dir}`,
      fromServer("remote"),
    );
  } finally {
    await server.close();
  }

  mkdir(sample.home, ".buildout");
  write(
    sample.home,
    ".buildout",
    "default.cfg",
    "\n[debug]\nop1 = 1\nop7 = 7\n",
  );
  await expectOk(
    sample,
    "",
    `${reinstalled}${elaborate}op7 7\nrecipe recipes:debug\n`,
  );
  await expectOk(
    sample,
    "-U",
    `${reinstalled}${elaborate}recipe recipes:debug\n`,
  );
  remove(sample.home, ".buildout");

  sample.write(
    "buildout.cfg",
    "\n[buildout]\nlog-level = WARNING\nextends = b1.cfg b2.cfg\n",
  );
  await expectOk(
    sample,
    "",
    "name base\nop1 b1 1\nop2 b2 2\nop3 b2 3\nrecipe recipes:debug\n",
  );
});

Deno.test("Logging control: a numeric log-level, verbosity in the file and log-format", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts =
log-level = 25
verbosity = 5
log-format = %(levelname)s %(message)s
`,
  );
  await expectOk(sample, "", "INFO Develop: '/sample-buildout/recipes'\n");
});

/** A buildout developing `recipes`, without parts, logging with `format`. */
function writeLogFormat(sample: Sample, format: string): void {
  sample.write(
    "buildout.cfg",
    `
[buildout]
develop = recipes
parts =
log-format = ${format}
`,
  );
}

Deno.test("log-format: %% is a percent sign, and a name that is no field stays as written", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  writeLogFormat(
    sample,
    "%(constructor)s %(levelname)s 100%% %(message)s",
  );
  await expectOk(
    sample,
    "",
    "%(constructor)s INFO 100% Develop: '/sample-buildout/recipes'\n",
  );
});

Deno.test("log-format: widths, flags, precisions, repr and the time and process fields of Python's logging", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  writeLogFormat(
    sample,
    "%(levelname)-8s|%(levelno)5s|%(levelno)03d|%(levelno)+d|%(message).9r|%(lineno)d",
  );
  await expectOk(sample, "", 'INFO    |   20|020|+20|"Develop:|%(lineno)d\n');

  writeLogFormat(
    sample,
    "%(asctime)s,%(msecs)03d %(created)f %(relativeCreated)d %(process)d %(message)s",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  const match = result.stdout.match(
    /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}),(\d{3}) (\d+\.\d{6}) (\d+) (\d+) Develop: /,
  );
  assert.ok(match, result.stdout);
  const [, time, ms, msecs, created, , pid] = match;
  assert.equal(ms, msecs);
  const date = new Date(Number(created) * 1000);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  assert.equal(time, local.toISOString().slice(0, 19).replace("T", " "));
  assert.ok(Number(pid) > 0);
});

Deno.test("log-format: a recipe logging an error object or a number gets it as text, as without a format; a level of its own is named as Python names it", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "caught.ts",
    `export default class Caught {
  constructor(buildout, name) { this.log = buildout.logger(name); }
  install() {
    this.log.warn(new Error("no answer"));
    this.log.info(42);
    this.log.log(25, "between");
    return [];
  }
}
`,
  );
  writeRecipes(sample, { caught: "./caught.ts" });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = caught\n\n[caught]\nrecipe = recipes:caught\n",
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Installing caught.
caught: Error: no answer
caught: 42
caught: between
`,
  );
  sample.remove(".installed.cfg");
  await expectOk(
    sample,
    "log-format=%(levelname)s|%(message)s|%(message)r",
    `INFO|Develop: '/sample-buildout/recipes'|"Develop: '/sample-buildout/recipes'"
INFO|Installing caught.|'Installing caught.'
WARNING|Error: no answer|'Error: no answer'
INFO|42|'42'
Level 25|between|'between'
`,
  );
});

Deno.test("Automatic part selection: a section a recipe's constructor reads becomes a part before it", async () => {
  using sample = await sampleBuildout();
  commandLineSample(sample);
  sample.write(
    "recipes",
    "user.ts",
    `export default class User {
  constructor(buildout, name, options) {
    this.options = options;
    options.set("dir", buildout.section("data-dir").require("path"));
  }
  install() {
    console.log("dir", this.options.get("dir"));
    return [];
  }
  update() {}
}
`,
  );
  writeRecipes(sample, {
    mkdir: "./mkdir.ts",
    debug: "./debug.ts",
    user: "./user.ts",
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = recipes
parts = user

[user]
recipe = recipes:user

[data-dir]
recipe = recipes:mkdir
path = mydata
`,
  );
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Installing data-dir.
data-dir: Creating directory mydata
Installing user.
dir /sample-buildout/mydata
`,
  );
  assert.match(installed(sample), /^\[buildout\]\n.*\nparts = data-dir user\n/);
});

Deno.test("Recipes: paths an update returns are added to those recorded, and uninstalling removes them all", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  // update() creates and returns the paths listed in the file "next" (none:
  // it returns nothing), so what it returns changes while the options stay.
  sample.write(
    "recipes",
    "files.ts",
    `import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
export default class Files {
  constructor(buildout, name, options) { this.options = options; }
  install() {
    console.log("in", process.cwd());
    writeFileSync("a.txt", "");
    return "a.txt";
  }
  update() {
    const made = readFileSync("next", "utf8").split(" ").filter(Boolean);
    for (const path of made) writeFileSync(path, "");
    return made.length ? made : undefined;
  }
}
`,
  );
  writeRecipes(sample, { files: "./files.ts" });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = files\n\n[files]\nrecipe = recipes:files\n",
  );
  sample.mkdir("sub");
  // Recipes run in the buildout directory, wherever buildout was started.
  const first = await sample.run("-c ../buildout.cfg", {
    cwd: sample.path("sub"),
  });
  assert.equal(first.stderr, "", first.output);
  assert.equal(
    first.stdout,
    "Develop: '/sample-buildout/recipes'\nInstalling files.\nin /sample-buildout\n",
  );
  const recorded = () =>
    /__buildout_installed__ = (.*(?:\n\t.*)*)/.exec(
      sample.cat(".installed.cfg"),
    )![1].split("\n\t");
  assert.deepEqual(recorded(), ["a.txt"]);

  const updating = "Develop: '/sample-buildout/recipes'\nUpdating files.\n";
  sample.write("next", "a.txt b.txt");
  await expectOk(sample, "", updating);
  assert.deepEqual(recorded(), ["a.txt", "b.txt"]);
  sample.write("next", "c.txt");
  await expectOk(sample, "", updating);
  assert.deepEqual(recorded(), ["a.txt", "b.txt", "c.txt"]);
  sample.write("next", "");
  await expectOk(sample, "", updating);
  assert.deepEqual(recorded(), ["a.txt", "b.txt", "c.txt"]);

  sample.write("buildout.cfg", "[buildout]\ndevelop = recipes\nparts =\n");
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/recipes'\nUninstalling files.\n",
  );
  for (const name of ["a.txt", "b.txt", "c.txt"]) {
    assert.ok(!existsSync(sample.path(name)), name);
  }
});

Deno.test("A failed update removes the part's recorded files, but keeps a recorded directory holding another part's file", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  // install() writes the file "file" names and returns the paths "record"
  // lists; update() fails while the file "fail" exists.
  sample.write(
    "recipes",
    "files.ts",
    `import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
export default class Files {
  constructor(buildout, name, options) { this.options = options; }
  install() {
    const file = this.options.require("file");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "");
    return this.options.require("record").split(" ");
  }
  update() {
    if (existsSync("fail")) throw new Error("update failed");
  }
}
`,
  );
  writeRecipes(sample, { files: "./files.ts" });
  // Part a records the directory etc (as slapos.recipe.template's output
  // directory was recorded by earlier builds), part b a file in it.
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = recipes
parts = a b

[a]
recipe = recipes:files
file = etc/a.conf
record = etc etc/a.conf

[b]
recipe = recipes:files
file = etc/b.conf
record = etc/b.conf
`,
  );
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);

  sample.write("fail", "");
  const failed = await sample.run();
  assert.equal(failed.code, 1, failed.output);
  assert.equal(
    failed.stdout,
    "Develop: '/sample-buildout/recipes'\nUpdating a.\n" +
      "Not removing '/sample-buildout/etc': it holds " +
      "'/sample-buildout/etc/b.conf', which part b installed.\n",
  );
  assert.ok(failed.stderr.startsWith("While:\n  Updating a.\n"), failed.stderr);
  assert.equal(sample.cat("etc/b.conf"), "");
  // a's own file goes, as zc.buildout removes a failed update's files.
  assert.ok(!existsSync(sample.path("etc/a.conf")));
  assert.match(sample.cat(".installed.cfg"), /^parts = b$/m);

  // a is installed again; b is only updated, its file there.
  sample.remove("fail");
  await expectOk(
    sample,
    "",
    "Develop: '/sample-buildout/recipes'\nInstalling a.\nUpdating b.\n",
  );
});

Deno.test("develop = . : what runs write in the buildout does not sign the recipe, so an unchanged part is updated", async () => {
  using sample = await sampleBuildout();
  const recipe = `import { writeFileSync } from "node:fs";
export default class Out {
  constructor(buildout, name, options) { this.options = options; }
  install() {
    writeFileSync("parts/out", "made");
    return "parts/out";
  }
  update() {}
}
`;
  sample.write("out.ts", recipe);
  sample.write(
    "package.json",
    JSON.stringify({
      name: "here",
      buildout: { recipes: { out: "./out.ts" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = .\nparts = out\n\n[out]\nrecipe = here:out\n",
  );
  const develop = "Develop: '/sample-buildout'\n";
  await expectOk(sample, "", `${develop}Installing out.\n`);
  await expectOk(sample, "", `${develop}Updating out.\n`);
  await expectOk(sample, "", `${develop}Updating out.\n`);
  // The package's own files still sign it.
  sample.write("out.ts", recipe + "// changed\n");
  await expectOk(
    sample,
    "",
    `${develop}Uninstalling out.\nInstalling out.\n`,
  );
  await expectOk(sample, "", `${develop}Updating out.\n`);
});

Deno.test("develop = . : what parts install outside the standard directories does not sign the recipe", async () => {
  using sample = await sampleBuildout();
  const recipe = `import { mkdirSync, writeFileSync } from "node:fs";
export default class Out {
  constructor(buildout, name, options) { this.options = options; }
  install() {
    mkdirSync("var");
    this.options.created("var");
    writeFileSync("var/out.txt", "made");
    return this.options.created();
  }
  update() {}
}
`;
  sample.write("out.ts", recipe);
  sample.write(
    "package.json",
    JSON.stringify({
      name: "here",
      buildout: { recipes: { out: "./out.ts" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = .\nparts = out conf\n\n[out]\nrecipe = here:out\n\n" +
      "[conf]\nrecipe = collective.recipe.template\ninline = port = 8080\n" +
      "output = etc/app.conf\n",
  );
  const develop = "Develop: '/sample-buildout'\n";
  await expectOk(
    sample,
    "",
    `${develop}Installing out.\nInstalling conf.\n`,
  );
  await expectOk(sample, "", `${develop}Updating out.\nUpdating conf.\n`);
  // Once uninstalled, what a part installed is gone and signs nothing
  // either (parts are given on the command line: buildout.cfg signs too).
  await expectOk(
    sample,
    "parts=out",
    `${develop}Uninstalling conf.\nUpdating out.\n`,
  );
  await expectOk(sample, "parts=out", `${develop}Updating out.\n`);
  // The package's own files still sign it.
  sample.write("out.ts", recipe + "// changed\n");
  await expectOk(
    sample,
    "parts=out",
    `${develop}Uninstalling out.\nInstalling out.\n`,
  );
});

Deno.test("develop = . : directories a part made only for the files it recorded do not sign the recipe", async () => {
  using sample = await sampleBuildout();
  // As recipes often do: the directories are made, only the file recorded.
  const recipe = `import { mkdirSync, writeFileSync } from "node:fs";
export default class Log {
  constructor(buildout, name, options) {}
  install() {
    mkdirSync("var/log", { recursive: true });
    writeFileSync("var/log/app.log", "started");
    return ["var/log/app.log"];
  }
  update() {}
}
`;
  sample.write("log.ts", recipe);
  sample.write(
    "package.json",
    JSON.stringify({
      name: "here",
      buildout: { recipes: { log: "./log.ts" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = .\nparts = log\n\n[log]\nrecipe = here:log\n",
  );
  const develop = "Develop: '/sample-buildout'\n";
  await expectOk(sample, "", `${develop}Installing log.\n`);
  await expectOk(sample, "", `${develop}Updating log.\n`);
  // A directory holding a file of the package still signs it.
  sample.write("var", "log", "notes.txt", "mine");
  await expectOk(sample, "", `${develop}Uninstalling log.\nInstalling log.\n`);
  await expectOk(sample, "", `${develop}Updating log.\n`);
});

Deno.test("develop = . : what runs put in a download cache or extends cache inside the buildout does not sign the recipe", async () => {
  using sample = await sampleBuildout();
  const served = sample.tmpdir("served");
  sample.write(served, "data.txt", "data\n");
  sample.write(served, "base.cfg", "[buildout]\n");
  const server = await startServer(served);
  try {
    sample.write(
      "out.js",
      `export default class Out {
  install() { return []; }
  update() {}
}
`,
    );
    sample.write(
      "package.json",
      JSON.stringify({
        name: "here",
        buildout: { recipes: { out: "./out.js" } },
      }),
    );
    sample.mkdir("downloads");
    sample.mkdir("ext-cache");
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${server.url}base.cfg\ndevelop = .\n` +
        "download-cache = downloads\nextends-cache = ext-cache\n" +
        "parts = out data\n\n[out]\nrecipe = here:out\n\n" +
        `[data]\nrecipe = hexagonit.recipe.download\nurl = ${server.url}data.txt\n` +
        "download-only = true\n",
    );
    const develop = "Develop: '/sample-buildout'\n";
    await expectOk(
      sample,
      "",
      `${develop}Installing out.\nInstalling data.\n` +
        `Downloading ${server.url}data.txt\n`,
    );
    await expectOk(sample, "", `${develop}Updating out.\nUpdating data.\n`);
    // The caches are relative to the buildout, wherever the run starts.
    const elsewhere = await sample.run(["-c", sample.path("buildout.cfg")], {
      cwd: sample.tmpdir("elsewhere"),
    });
    assert.equal(elsewhere.output, `${develop}Updating out.\nUpdating data.\n`);
  } finally {
    await server.close();
  }
});

Deno.test("a part installing a path another installed part recorded too is warned of", async () => {
  using sample = await sampleBuildout();
  const part = (name: string, output: string) =>
    `[${name}]\nrecipe = collective.recipe.template\n` +
    `input = inline: from ${name}\noutput = \${buildout:directory}/${output}\n`;
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = a b c\n" + part("a", "out.txt") +
      part("b", "out.txt") + part("c", "c.txt"),
  );
  let result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.normalize(result.stdout),
    "Installing a.\nInstalling b.\n" +
      "Part b installed '/sample-buildout/out.txt', which part a installed " +
      "too: uninstalling either removes it.\nInstalling c.\n",
  );
  // Said when it happens, not on each update.
  result = await sample.run();
  assert.equal(result.stdout, "Updating a.\nUpdating b.\nUpdating c.\n");
  // A part installed again next to the other one, already installed.
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace("from a", "from a again"),
  );
  result = await sample.run();
  assert.match(
    sample.normalize(result.stdout),
    /^Installing a\.\nPart a installed '\/sample-buildout\/out\.txt', which part b installed too: /m,
  );
});

Deno.test("a part returning one path twice is not said to share it with itself", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  sample.write(
    "recipes",
    "twice.js",
    `import { writeFileSync } from "node:fs";
export default class Twice {
  install() { writeFileSync("out.txt", "a"); return ["out.txt", "./out.txt"]; }
  update() { writeFileSync("new.txt", "a"); return ["new.txt", "./new.txt"]; }
}
`,
  );
  writeRecipes(sample, { twice: "./twice.js" });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = a\n[a]\nrecipe = recipes:twice\n",
  );
  const develop = "Develop: '/sample-buildout/recipes'\n";
  await expectOk(sample, "", `${develop}Installing a.\n`);
  // Installed, the part is its own path's owner when the update claims it.
  await expectOk(sample, "", `${develop}Updating a.\n`);
});

Deno.test("a path an updated part recorded before is shared when a later part installs it, though the update returned another", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes");
  // Its update returns a path it had not recorded: the first to be claimed
  // in the run, before part c installs the one it recorded at install.
  sample.write(
    "recipes",
    "grow.js",
    `import { writeFileSync } from "node:fs";
export default class Grow {
  install() { writeFileSync("x.txt", "a"); return ["x.txt"]; }
  update() { writeFileSync("y.txt", "a"); return ["y.txt"]; }
}
`,
  );
  writeRecipes(sample, { grow: "./grow.js" });
  const config = "[buildout]\ndevelop = recipes\nparts = a\n" +
    "[a]\nrecipe = recipes:grow\n";
  sample.write("buildout.cfg", config);
  let result = await sample.run();
  assert.equal(result.code, 0, result.output);
  sample.write(
    "buildout.cfg",
    config.replace("parts = a", "parts = a c") +
      "[c]\nrecipe = collective.recipe.template\ninput = inline: c\n" +
      "output = ${buildout:directory}/x.txt\n",
  );
  result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.normalize(result.stdout),
    "Develop: '/sample-buildout/recipes'\nUpdating a.\nInstalling c.\n" +
      "Part c installed '/sample-buildout/x.txt', which part a installed " +
      "too: uninstalling either removes it.\n",
  );
});

Deno.test("a part missing one recorded path is installed again; a failed reinstall keeps the database readable; no parts, no database", async () => {
  using sample = await sampleBuildout();
  writeRecipes(sample, { mkdir: "./mkdir.ts" });
  sample.write(
    "recipes",
    "mkdir.ts",
    mkdirMany(`for (const path of paths) {
      this.log.info(\`Creating directory \${basename(path)}\`);
      mkdirSync(path);
    }
    return paths;`),
  );
  // `ab` ends with the name of `b`, installed before it.
  const config = (paths: string) =>
    `[buildout]\ndevelop = recipes\nparts = b ab\n\n` +
    `[b]\nrecipe = recipes:mkdir\npath = ${paths}\n\n` +
    `[ab]\nrecipe = recipes:mkdir\npath = three\n`;
  sample.write("buildout.cfg", config("one two"));
  assert.equal((await sample.run()).code, 0);

  // Every recorded path must be there, not only one of them.
  sample.remove("two");
  await expectOk(
    sample,
    "",
    `Develop: '/sample-buildout/recipes'
Uninstalling b.
Installing b.
b: Creating directory one
b: Creating directory two
Updating ab.
`,
  );

  // b is uninstalled, then fails to install (three is ab's): the database
  // lists ab alone, as its sections are.
  sample.write("buildout.cfg", config("one three"));
  const failed = await sample.run();
  assert.equal(failed.code, 1);
  assert.match(
    failed.stderr,
    /EEXIST: file already exists, mkdir '\/sample-buildout\/three'/,
  );
  assert.match(sample.cat(".installed.cfg"), /^parts = ab$/m);
  assert.doesNotMatch(sample.cat(".installed.cfg"), /^\[b\]$/m);

  // As zc.buildout: no installed parts and no develop links, no database.
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "", "Uninstalling ab.\n");
  assert.ok(!existsSync(sample.path(".installed.cfg")));
  assert.ok(!existsSync(sample.path("three")));
});

Deno.test("=> installs the parts it names first; a path registered but never made is warned of when the part fails; a pre-class constructor is called with new", async () => {
  using sample = await sampleBuildout();
  writeRecipes(sample, { default: "./fail.ts", old: "./old.ts" });
  sample.write(
    "recipes",
    "fail.ts",
    `export default class Fail {
  constructor(buildout, name, options) { this.options = options; }
  install() { this.options.created("never-made"); throw new Error("boom"); }
}
`,
  );
  sample.write(
    "recipes",
    "old.ts",
    `export default function Old(buildout, name, options) { this.options = options; }
Old.prototype.install = function () { console.log("old-style", this.options.get("x")); return []; };
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = late fail\n\n" +
      "[late]\n=> early\nrecipe = recipes:old\nx = 2\n\n" +
      "[early]\nrecipe = recipes:old\nx = 1\n\n[fail]\nrecipe = recipes\n",
  );
  const result = await sample.run();
  assert.equal(
    result.stdout,
    `Develop: '/sample-buildout/recipes'
Installing early.
old-style 1
Installing late.
old-style 2
Installing fail.
Couldn't clean up 'never-made'.
`,
  );
  assert.match(
    result.stderr,
    /^While:\n {2}Installing fail\.\n[^]*\nError: boom\n/,
  );
  assert.equal(result.code, 1);
});

Deno.test("options named as object properties are read, set, deleted and recorded", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("tools");
  sample.write(
    "tools/package.json",
    '{"name": "tools", "buildout": {"recipes": {"default": "./names.js"}}}',
  );
  // Sets and deletes each name, then reports what the section holds.
  sample.write(
    "tools/names.js",
    `export default class N {
  constructor(b, name, options) {
    this.options = options;
    options.set("toString", options.get("__proto__") + "!");
    options.delete("constructor");
    options.set("hasOwnProperty", String(options.has("constructor")));
  }
  install() {
    for (const key of this.options.keys().sort()) {
      console.log(key + "=" + this.options.get(key));
    }
  }
  update() { this.install(); }
}
`,
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
develop = tools
parts = p

[p]
recipe = tools
__proto__ = a
constructor = b
valueOf = \${:__proto__}-\${:constructor}
`,
  );
  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  const lines = "__proto__=a\nhasOwnProperty=false\nrecipe=tools\n" +
    "toString=a!\nvalueOf=a-b\n";
  assert.ok(first.stdout.endsWith("Installing p.\n" + lines), first.output);
  assert.doesNotMatch(first.output, /Unused options/);
  assert.match(installed(sample), /\n__proto__ = a\n/);
  assert.doesNotMatch(installed(sample), /\nconstructor = /);
  const again = await sample.run();
  assert.equal(again.code, 0, again.output);
  assert.ok(again.stdout.endsWith("Updating p.\n" + lines), again.output);
});
