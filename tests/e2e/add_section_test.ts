/**
 * End-to-end tests of `buildout.addSection()`, zc.buildout's
 * `buildout[name] = {...}`: meta-recipes and extensions adding sections,
 * and extensions reading what a part's recipe constructor set.
 */
import assert from "node:assert/strict";
import { expectError, expectOk, installed } from "./_recipes.ts";
import { type Sample, sampleBuildout } from "./harness.ts";

/**
 * A develop package `meta` whose module `code` exports the default recipe
 * and the extension `ext`, linked by a first run.
 */
async function developMeta(sample: Sample, code: string): Promise<void> {
  sample.mkdir("meta");
  sample.write("meta", "meta.ts", code);
  sample.write(
    "meta",
    "package.json",
    JSON.stringify({
      name: "meta",
      buildout: {
        recipes: { default: "./meta.ts" },
        extensions: { ext: "./meta.ts:ext" },
      },
    }),
  );
  sample.write("buildout.cfg", "[buildout]\ndevelop = meta\nparts =\n");
  await expectOk(sample, "Develop: '/sample-buildout/meta'\n");
}

const META = `export default class Meta {
  constructor(buildout, name, options) {
    buildout.addSection(name + "-dirs", {
      recipe: "mkdir",
      paths: options.get("path"),
    });
    const show = buildout.addSection(name + "-show", {
      recipe: "debug",
      dirs: "\${" + name + "-dirs:paths}",
      label: "\${:kind} of " + name,
      kind: "db",
    });
    options.set("label", show.get("label"));
  }
  install() { console.log("install meta"); return []; }
  update() {}
}
export function ext() {}
`;

Deno.test("A meta-recipe's constructor adds sections: they substitute, install before its part, are recorded, and go with it", async () => {
  using sample = await sampleBuildout();
  await developMeta(sample, META);
  const config = (parts: string) =>
    `[buildout]\ndevelop = meta\nparts = ${parts}\n\n` +
    "[ample]\nrecipe = meta\npath = var/db\n\n" +
    "[report]\nrecipe = debug\nlabel = ${ample-show:label}\n";
  sample.write("buildout.cfg", config("ample report"));
  await expectOk(
    sample,
    `Develop: '/sample-buildout/meta'
Installing ample-dirs.
ample-dirs: created path: /sample-buildout/var
ample-dirs: created path: /sample-buildout/var/db
Installing ample-show.
  dirs='/sample-buildout/var/db'
  kind='db'
  label='db of ample'
  recipe='debug'
Installing ample.
install meta
Installing report.
  label='db of ample'
  recipe='debug'
`,
  );
  assert.match(
    installed(sample),
    /^parts = ample-dirs ample-show ample report$/m,
  );
  assert.match(
    installed(sample),
    /\n\[ample-show\]\n__buildout_installed__ = \n__buildout_signature__ = SIG\ndirs = \/sample-buildout\/var\/db\nkind = db\nlabel = db of ample\nrecipe = debug\n/,
  );
  assert.match(installed(sample), /\n\[ample\]\n(.*\n)*label = db of ample\n/);

  sample.write("buildout.cfg", config(""));
  await expectOk(
    sample,
    "Develop: '/sample-buildout/meta'\nUninstalling report.\n" +
      "Uninstalling ample.\nUninstalling ample-show.\n" +
      "Uninstalling ample-dirs.\n",
  );
});

Deno.test("Adding a section that exists is an error naming it; a value that is not a string is refused", async () => {
  using sample = await sampleBuildout();
  await developMeta(sample, META);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n" +
      "[ample]\nrecipe = meta\npath = var/db\n\n[ample-show]\nx = 1\n",
  );
  const result = await expectError(
    sample,
    "Cannot add section [ample-show]: a section of that name already exists",
  );
  assert.match(result.stderr, /Initializing part ample\.\n/);
  assert.ok(!sample.ls().includes(".installed.cfg"));

  sample.write(
    "meta",
    "meta.ts",
    `export default class Meta {
  constructor(buildout, name) { buildout.addSection(name + "-x", { port: 8100 }); }
  install() { return []; }
}
export function ext() {}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n[ample]\nrecipe = meta\n",
  );
  const refused = await sample.run();
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.stderr,
    /\nTypeError: Option values must be strings: ample-x:port\n/,
  );
});

Deno.test("A section a recipe adds may use only recipes that are loaded: another is an error saying so", async () => {
  using sample = await sampleBuildout();
  await developMeta(
    sample,
    `export default class Meta {
  constructor(buildout, name) { buildout.addSection(name + "-sub", { recipe: "meta:other" }); }
  install() { return []; }
}
export const other = Meta;
export function ext() {}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n[ample]\nrecipe = meta\n",
  );
  await expectError(
    sample,
    "The recipe meta:other was not loaded: only built-in recipes and those " +
      "written out in some section of the configuration can be, not one " +
      "computed from other options or first named by a section a recipe added",
  );
});

Deno.test("An extension adds a section, lists it in parts, and other sections substitute from it", async () => {
  using sample = await sampleBuildout();
  await developMeta(
    sample,
    `export default class Meta { install() { return []; } }
export function ext(buildout) {
  const added = buildout.addSection("extra", {
    recipe: "debug",
    where: "\${buildout:parts-directory}/extra",
  });
  console.log("ext sees", added.get("where"));
  const main = buildout.section("buildout");
  main.set("parts", main.get("parts") + " extra report");
}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nextensions = meta\nparts =\n\n" +
      "[report]\nrecipe = debug\nfrom = ${extra:where}\n",
  );
  await expectOk(
    sample,
    `ext sees /sample-buildout/parts/extra
Develop: '/sample-buildout/meta'
Installing extra.
  recipe='debug'
  where='/sample-buildout/parts/extra'
Installing report.
  from='/sample-buildout/parts/extra'
  recipe='debug'
`,
  );
  assert.match(installed(sample), /^parts = extra report$/m);
});
Deno.test("An extension reading a part's option sees what its recipe's constructor set, directly or through a substitution", async () => {
  using sample = await sampleBuildout();
  await developMeta(
    sample,
    `export default class Meta {
  constructor(buildout, name, options) {
    this.options = options;
    options.set("location", "/srv/" + name);
  }
  install() { console.log("install", this.options.get("location")); return []; }
}
export function ext(buildout) {
  console.log("ext sees", buildout.section("app").get("location"));
  console.log("ext sees", buildout.section("other").get("x"));
}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nextensions = meta\nparts = app\n\n" +
      "[app]\nrecipe = meta\n\n[other]\nx = at ${app:location}\n",
  );
  await expectOk(
    sample,
    `ext sees /srv/app
ext sees at /srv/app
Develop: '/sample-buildout/meta'
Installing app.
install /srv/app
`,
  );
});

Deno.test("A section with a recipe added while installing is refused, saying to add it in the recipe's constructor", async () => {
  using sample = await sampleBuildout();
  await developMeta(
    sample,
    `export default class Meta {
  constructor(buildout) { this.buildout = buildout; }
  install() { this.buildout.addSection("late", { recipe: "debug" }); return []; }
}
export function ext() {}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n[ample]\nrecipe = meta\n",
  );
  await expectError(
    sample,
    "Part ample added section late, which has a recipe, only while " +
      "installing, too late to install it: add sections in the recipe's " +
      "constructor",
  );
  assert.ok(!sample.ls().includes(".installed.cfg"));
});

// The meta-recipe of zc.buildout's "Meta-recipes" topic, in TypeScript:
// sections added from indented configuration text, one of them with a
// value computed by the recipe.
const PARSING_META = `export default class Meta {
  constructor(buildout, name, options) {
    buildout.parse(\`
        [deployment]
        recipe = debug
        name = \${name}
        user = zope
        \`);
    buildout.addSection("main", {
      recipe: "debug",
      deployment: "deployment",
      address: "8100",
      path: options.get("path"),
    });
    buildout.parse(\`
        [pack]
        recipe = debug
        times = 1 2 * * 6
        command =
          \\\${buildout:bin-directory}/zeopack -d3 \\\${main:address}
            -t00

        # The sections of one text may use each other in any order.
        [ctl]
        recipe = debug
        deployment = \\\${deployment:name}
        chkconfig = \\\${settings:levels} 99 10
        [settings]
        levels = 345
        \`);
  }
  install() { return []; }
  update() {}
}
export function ext() {}
`;

Deno.test("A meta-recipe adds sections with buildout.parse(), as in zc.buildout's meta-recipe topic: they install before its part", async () => {
  using sample = await sampleBuildout();
  await developMeta(sample, PARSING_META);
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n" +
      "[ample]\nrecipe = meta\npath = /var/databases/ample/main.fs\n",
  );
  await expectOk(
    sample,
    `Develop: '/sample-buildout/meta'
Installing deployment.
  name='ample'
  recipe='debug'
  user='zope'
Installing main.
  address='8100'
  deployment='deployment'
  path='/var/databases/ample/main.fs'
  recipe='debug'
Installing pack.
  command='/sample-buildout/bin/zeopack -d3 8100\\n  -t00'
  recipe='debug'
  times='1 2 * * 6'
Installing ctl.
  chkconfig='345 99 10'
  deployment='ample'
  recipe='debug'
Installing ample.
`,
  );
  assert.match(
    installed(sample),
    /^parts = deployment main pack ctl ample$/m,
  );
  assert.doesNotMatch(installed(sample), /^\[settings\]$/m);
});

Deno.test("buildout.parse() refuses a section that exists, adding none of its text's; a line it cannot read names its place", async () => {
  using sample = await sampleBuildout();
  await developMeta(
    sample,
    `export default class Meta {
  constructor(buildout) {
    buildout.parse("[fresh]\\nrecipe = debug\\n[taken]\\nx = 1\\n");
  }
  install() { return []; }
}
export function ext() {}
`,
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = meta\nparts = ample\n\n[ample]\nrecipe = meta\n\n" +
      "[taken]\ny = 2\n",
  );
  await expectError(
    sample,
    "Cannot add section [taken]: a section of that name already exists",
  );
  assert.ok(!sample.ls().includes(".installed.cfg"));

  sample.write(
    "meta",
    "meta.ts",
    `export default class Meta {
  constructor(buildout) { buildout.parse("[fresh]\\nrecipe = debug\\nnot an option\\n"); }
  install() { return []; }
}
export function ext() {}
`,
  );
  await expectError(
    sample,
    "buildout.parse() text, line 3: 'not an option': not an option, " +
      "section header or continuation line",
  );

  sample.write(
    "meta",
    "meta.ts",
    `export default class Meta {
  constructor(buildout) { buildout.parse("[fresh]\\nx += 1\\n"); }
  install() { return []; }
}
export function ext() {}
`,
  );
  await expectError(
    sample,
    "buildout.parse() text: x += in [fresh] has no value to add to: " +
      "the section is new, use =",
  );
});
