import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { expandGlob } from "../../lib/install/develop.ts";
import { BUILTIN_SIGNATURE, dirHash } from "../../lib/install/signature.ts";
import { parseSpec, RecipeLoader } from "../../lib/recipe/load.ts";
import { readPackage } from "../../lib/recipe/package_json.ts";
import Command, {
  Cmd,
  PloneCommand,
  uninstallCmd,
} from "../../recipes/command.ts";
import Debug from "../../recipes/debug.ts";
import Environment from "../../recipes/environment.ts";
import Script from "../../recipes/script.ts";
import Template, { SlaposTemplate } from "../../recipes/template.ts";

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "load-test-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

Deno.test("parseSpec splits name and entry", () => {
  assert.deepEqual(parseSpec("recipes:mkdir"), ["recipes", "mkdir"]);
  assert.deepEqual(parseSpec(" z3c.recipe.mkdir "), [
    "z3c.recipe.mkdir",
    "default",
  ]);
});

Deno.test("parseSpec takes a built-in's name with a version as the built-in", () => {
  assert.deepEqual(parseSpec("zc.buildout>=1.5,<3:debug"), [
    "zc.buildout",
    "debug",
  ]);
  assert.deepEqual(parseSpec("plone.recipe.command==1.1"), [
    "plone.recipe.command",
    "default",
  ]);
  // Other requirements stay whole: they name distributions to get.
  assert.deepEqual(parseSpec("spam==1"), ["spam==1", "default"]);
  assert.deepEqual(parseSpec("debug==x y"), ["debug==x y", "default"]);
});

Deno.test("parseSpec takes a built-in's name with extras as the built-in", () => {
  assert.deepEqual(parseSpec("collective.recipe.template[genshi]:genshi"), [
    "collective.recipe.template",
    "genshi",
  ]);
  assert.deepEqual(parseSpec("plone.recipe.command[test]==1.1"), [
    "plone.recipe.command",
    "default",
  ]);
  assert.deepEqual(parseSpec("spam[x]"), ["spam[x]", "default"]);
});

Deno.test("built-in recipes load under their names and aliases", async () => {
  const loader = new RecipeLoader("/nonexistent");
  await loader.preload(["debug", "zc.buildout:debug", "mkdir", "nope"]);
  assert.equal(loader.factory("zc.buildout:debug"), Debug);
  assert.equal(loader.signature("debug"), BUILTIN_SIGNATURE);
  assert.throws(() => loader.factory("nope"), UserError);
  assert.throws(() => loader.factory("never-preloaded"), UserError);
});

Deno.test("the command, template, script and environment recipes answer to their aliases", async () => {
  const loader = new RecipeLoader("/nonexistent");
  const specs = [
    "command",
    "plone.recipe.command",
    "collective.recipe.cmd",
    "collective.recipe.cmd:sh",
    "template",
    "collective.recipe.template",
    "slapos.recipe.template",
    "script",
    "collective.recipe.scriptgen",
    "environment",
    "collective.recipe.environment",
  ];
  await loader.preload([...specs, "slapos.recipe.template:jinja2"]);
  assert.equal(loader.factory("command"), Command);
  assert.equal(loader.factory("plone.recipe.command"), PloneCommand);
  assert.equal(loader.factory("collective.recipe.cmd:sh"), Cmd);
  assert.equal(loader.factory("collective.recipe.template"), Template);
  assert.equal(loader.factory("slapos.recipe.template"), SlaposTemplate);
  assert.equal(loader.factory("collective.recipe.scriptgen"), Script);
  assert.equal(loader.factory("collective.recipe.environment"), Environment);
  assert.throws(
    () => loader.factory("slapos.recipe.template:jinja2"),
    new UserError(
      "Couldn't find recipe slapos.recipe.template:jinja2: the built-in " +
        "recipe 'slapos.recipe.template' has no entry point 'jinja2' (it has: default); " +
        "its other entry points are Python recipes of the egg 'slapos.recipe.template', " +
        "which this buildout cannot run: its recipes are TypeScript or JavaScript " +
        'packages; see the README\'s "Migrating a buildout zc.buildout built"',
    ),
  );
  assert.equal(await loader.uninstaller("collective.recipe.cmd"), uninstallCmd);
  assert.equal(
    await loader.uninstaller("collective.recipe.cmd:sh"),
    uninstallCmd,
  );
  assert.equal(await loader.uninstaller("plone.recipe.command"), undefined);
});

Deno.test(
  "develop packages load through their egg-link, named exports too",
  withDir(async (dir) => {
    const pkg = join(dir, "pkg");
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "pkg",
        buildout: {
          recipes: { default: "./r.ts", named: "./r.ts:Named" },
          uninstall: { default: "./r.ts:uninstall" },
        },
      }),
    );
    writeFileSync(
      join(pkg, "r.ts"),
      "export default class R { install() {} }\nexport class Named { install() {} }\nexport function uninstall() {}\n",
    );
    writeFileSync(join(dir, "pkg.egg-link"), pkg + "\n");
    const loader = new RecipeLoader(dir);
    await loader.preload(["pkg", "pkg:named"]);
    assert.equal(loader.factory("pkg").name, "R");
    assert.equal(loader.factory("pkg:named").name, "Named");
    assert.equal(typeof await loader.uninstaller("pkg"), "function");
    assert.equal(await loader.uninstaller("pkg:named"), undefined);
    assert.equal(loader.signature("pkg"), `pkg-${dirHash(pkg)}`);
  }),
);

Deno.test(
  "recipe modules load from directories whose names hold '%' or '#', not from what those name in a URL",
  withDir(async (dir) => {
    // `pA` is what `p%41` means in a URL.
    for (const name of ["p%41", "p#x", "pA"]) {
      linkRecipePackage(dir, name, "./r.js", {
        "r.js": `export default class { static dir = ${
          JSON.stringify(name)
        }; }\n`,
      });
    }
    const loader = new RecipeLoader(dir);
    await loader.preload(["p%41", "p#x"]);
    const dirOf = (spec: string) =>
      (loader.factory(spec) as unknown as { dir: string }).dir;
    assert.equal(dirOf("p%41"), "p%41");
    assert.equal(dirOf("p#x"), "p#x");
  }),
);

/**
 * Writes the develop package `dir/name` whose default recipe is `entry`,
 * holding `files` (paths from the package directory), and its egg-link in
 * `dir`; returns the package directory.
 */
function linkRecipePackage(
  dir: string,
  name: string,
  entry: string,
  files: Record<string, string>,
): string {
  const pkg = join(dir, name);
  mkdirSync(pkg);
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ buildout: { recipes: { default: entry } } }),
  );
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(pkg, file), text);
  }
  writeFileSync(join(dir, `${name}.egg-link`), pkg + "\n");
  return pkg;
}

/**
 * A develop package `pkg` in `dir` whose default recipe is `entry`, holding
 * `files` (paths from the package directory), linked and preloaded.
 */
async function defaultRecipe(
  dir: string,
  entry: string,
  files: Record<string, string>,
): Promise<{ loader: RecipeLoader; pkg: string }> {
  const pkg = linkRecipePackage(dir, "pkg", entry, files);
  const loader = new RecipeLoader(dir);
  await loader.preload(["pkg"]);
  return { loader, pkg };
}

Deno.test(
  "CommonJS compiled from an ES module gives its exports.default as the default export",
  withDir(async (dir) => {
    const { loader } = await defaultRecipe(dir, "./r.cjs", {
      // What `tsc --module commonjs` makes of `export default class R {}`.
      "r.cjs":
        'Object.defineProperty(exports, "__esModule", { value: true });\n' +
        "class R { install() {} }\nexports.default = R;\n",
    });
    assert.equal(loader.factory("pkg").name, "R");
  }),
);

Deno.test(
  "a named entry point of a CommonJS module is a property of its module.exports, however it was set",
  withDir(async (dir) => {
    linkRecipePackage(dir, "pkg", "./r.cjs:Recipe", {
      // Built at run time: Deno's static reading of exports misses it.
      "r.cjs": "const m = {};\nm.Recipe = class R { install() {} };\n" +
        "module.exports = m;\n",
    });
    const loader = new RecipeLoader(dir);
    await loader.preload(["pkg"]);
    assert.equal(loader.factory("pkg").name, "R");
  }),
);

Deno.test(
  "an entry point outside its develop package is refused, naming it",
  withDir(async (dir) => {
    const { loader, pkg } = await defaultRecipe(dir, "../r.ts", {
      "../r.ts": "export default class R {}\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      new UserError(
        `The module ${join(dir, "r.ts")} (entry point 'default' in ` +
          `"buildout.recipes" of ${join(pkg, "package.json")}) is outside ` +
          `the package directory ${pkg}`,
      ),
    );
  }),
);

Deno.test(
  "a module with a syntax error is a one-line user error naming its place",
  withDir(async (dir) => {
    const { loader } = await defaultRecipe(dir, "./r.js", {
      "r.js": "export default 1;\nsyntax error (\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      (err: Error) =>
        err instanceof UserError &&
        /^Couldn't load the module \S+r\.js \(.*\): .+ \(line 2, column 8\)$/
          .test(err.message),
    );
  }),
);

Deno.test(
  "a syntax error in a module the entry module imports names that module, not the entry module",
  withDir(async (dir) => {
    const { loader, pkg } = await defaultRecipe(dir, "./r.js", {
      "r.js": "import './h.js';\nexport default class {}\n",
      "h.js": "\n\nconst = 5;\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      (err: Error) =>
        err instanceof UserError &&
        err.message.startsWith(
          `Couldn't load the module ${join(pkg, "r.js")} (`,
        ) &&
        err.message.endsWith(` (${join(pkg, "h.js")}, line 3, column 7)`),
    );
  }),
);

Deno.test(
  "an error a module throws while it loads names where it was thrown",
  withDir(async (dir) => {
    const { loader, pkg } = await defaultRecipe(dir, "./r.js", {
      "r.js": "import './h.js';\nexport default class {}\n",
      "h.js": "export const v = 1;\nfunction boom() {\n" +
        "  throw new Error('kaput');\n}\nboom();\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      (err: Error) =>
        err instanceof UserError &&
        new RegExp(
          `^Couldn't load the module ${join(pkg, "r.js")} \\(.*\\): ` +
            `kaput \\(${join(pkg, "h.js")}, line 3, column \\d+\\)$`,
        ).test(err.message),
    );
  }),
);

Deno.test(
  "an error the entry module throws while it loads gives its line and column",
  withDir(async (dir) => {
    const { loader } = await defaultRecipe(dir, "./r.js", {
      "r.js": "export default class {}\n\nnull.foo;\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      (err: Error) =>
        err instanceof UserError &&
        /^Couldn't load the module \S+r\.js \(.*\): .+ \(line 3, column \d+\)$/
          .test(err.message),
    );
  }),
);

Deno.test(
  "a module importing a missing file is a one-line user error without colour codes",
  withDir(async (dir) => {
    const { loader } = await defaultRecipe(dir, "./r.js", {
      "r.js": "import x from './nope.js';\nexport default x;\n",
    });
    assert.throws(
      () => loader.factory("pkg"),
      (err: Error) =>
        err instanceof UserError &&
        /^Couldn't load the module \S+r\.js \(.*\): .*nope\.js/
          .test(err.message) &&
        !err.message.includes("\\n") && !err.message.includes("\u001b"),
    );
  }),
);

Deno.test(
  "recipe modules load as the compiled executable loads them: TypeScript imports without '.ts', CommonJS '.js'",
  withDir(async (dir) => {
    const recipes = {
      "ts-bare": "./bare.ts",
      "ts-js": "./js.ts",
      "cjs": "./common.js",
    };
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ buildout: { recipes } }),
    );
    writeFileSync(
      join(dir, "helper.ts"),
      "export const kind: string = 'ts';\n",
    );
    writeFileSync(
      join(dir, "bare.ts"),
      "import { kind } from './helper';\nexport default class Bare { kind = kind; }\n",
    );
    writeFileSync(
      join(dir, "js.ts"),
      "import { kind } from './helper.js';\nexport default class Js { kind = kind; }\n",
    );
    writeFileSync(
      join(dir, "common.js"),
      "module.exports = class Common {};\n",
    );
    writeFileSync(join(dir, "pkg.egg-link"), dir + "\n");
    const loader = new RecipeLoader(dir);
    const specs = Object.keys(recipes).map((entry) => `pkg:${entry}`);
    await loader.preload(specs);
    assert.deepEqual(specs.map((spec) => loader.factory(spec).name), [
      "Bare",
      "Js",
      "Common",
    ]);
  }),
);

Deno.test(
  "readPackage rejects a directory without package.json or a bad field",
  withDir((dir) => {
    assert.throws(() => readPackage(dir), /has no package.json/);
    writeFileSync(join(dir, "package.json"), '{"buildout": {"recipes": []}}');
    assert.throws(() => readPackage(dir), /Invalid "buildout.recipes"/);
  }),
);

Deno.test(
  "readPackage refuses a buildout field that is not an object or holds a misspelt group",
  withDir((dir) => {
    const file = join(dir, "package.json");
    writeFileSync(file, '{"buildout": "./recipe.js"}');
    assert.throws(
      () => readPackage(dir),
      (err: Error) =>
        err instanceof UserError &&
        err.message ===
          `Invalid "buildout" in ${file}: expected an object with "recipes", ` +
            '"uninstall", "extensions", "unload", "requires", "dependency-links"',
    );
    writeFileSync(file, '{"buildout": {"recipe": {"default": "./r.js"}}}');
    assert.throws(
      () => readPackage(dir),
      (err: Error) =>
        err instanceof UserError &&
        err.message.startsWith(
          `Invalid "buildout" in ${file}: unknown key "recipe" (it may hold "recipes", `,
        ),
    );
    writeFileSync(
      file,
      '{"buildout": {"recipes": {"default": "./r.js"}, "requires": [], "dependency-links": []}}',
    );
    assert.deepEqual(readPackage(dir).entries.recipes, { default: "./r.js" });
  }),
);

Deno.test(
  "dirHash changes with contents; expandGlob matches per segment",
  withDir((dir) => {
    for (const name of ["a1", "a2", "b1", ".a3", "[x"]) {
      mkdirSync(join(dir, name));
    }
    const before = dirHash(dir);
    writeFileSync(join(dir, "a1", "f"), "x");
    assert.notEqual(dirHash(dir), before);
    assert.deepEqual(expandGlob(dir, "a*"), [
      join(dir, "a1"),
      join(dir, "a2"),
    ]);
    assert.deepEqual(expandGlob(dir, "?1"), [
      join(dir, "a1"),
      join(dir, "b1"),
    ]);
    assert.deepEqual(expandGlob(dir, "[!a]1"), [join(dir, "b1")]);
    assert.deepEqual(expandGlob(dir, "zz"), []);
    // As Python's glob: a `[` left open is itself, a backward range
    // matches nothing.
    assert.deepEqual(expandGlob(dir, "[x"), [join(dir, "[x")]);
    assert.deepEqual(expandGlob(dir, "[z-a]1"), []);
  }),
);

Deno.test(
  "dirHash follows a link to a file: editing its target changes the hash",
  withDir((dir) => {
    mkdirSync(join(dir, "pkg"));
    writeFileSync(join(dir, "helper.ts"), "export const h = 1;\n");
    symlinkSync(join(dir, "helper.ts"), join(dir, "pkg", "helper.ts"));
    symlinkSync(join(dir, "gone.ts"), join(dir, "pkg", "dangling.ts"));
    const before = dirHash(join(dir, "pkg"));
    writeFileSync(join(dir, "helper.ts"), "export const h = 2;\n");
    assert.notEqual(dirHash(join(dir, "pkg")), before);
  }),
);

Deno.test(
  "dirHash leaves out a link that names no file it can reach, a link to itself too, as zc.buildout does",
  withDir((dir) => {
    mkdirSync(join(dir, "pkg"));
    writeFileSync(join(dir, "pkg", "r.js"), "export default 1;\n");
    const before = dirHash(join(dir, "pkg"));
    symlinkSync("loop", join(dir, "pkg", "loop"));
    symlinkSync(join(dir, "gone.ts"), join(dir, "pkg", "dangling.ts"));
    assert.equal(dirHash(join(dir, "pkg")), before);
  }),
);

Deno.test("a built-in stands in for the Python recipe of its name in signatures zc.buildout wrote", () => {
  const loader = new RecipeLoader("/nonexistent");
  const eggs = "setuptools-44.1.1-py2.7.egg zc.buildout-2.13.8-py2.7.egg";
  assert.ok(loader.standsInFor(
    "hexagonit.recipe.download",
    `hexagonit.recipe.download-1.7.1-py2.7.egg ${eggs}`,
  ));
  assert.ok(loader.standsInFor(
    "slapos.recipe.build:download-unpacked",
    "slapos.recipe.build-0.57-py3.11-linux-x86_64.egg",
  ));
  // Another recipe's egg, a develop checkout, our own names, Python-only.
  assert.ok(
    !loader.standsInFor(
      "hexagonit.recipe.download",
      `hexagonit.recipe.cmmi-1.3.6-py2.7.egg ${eggs}`,
    ),
  );
  assert.ok(
    !loader.standsInFor(
      "hexagonit.recipe.download",
      `hexagonit.recipe.download-1VOz5rxIp8aY8FCrYtYnXw== ${eggs}`,
    ),
  );
  assert.ok(!loader.standsInFor("download", `download-1.0-py2.7.egg`));
  assert.ok(
    !loader.standsInFor("zc.recipe.egg", `zc.recipe.egg-2.0.7-py2.7.egg`),
  );
  assert.ok(
    !loader.standsInFor("hexagonit.recipe.download", BUILTIN_SIGNATURE),
  );
});
