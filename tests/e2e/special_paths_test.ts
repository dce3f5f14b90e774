/**
 * Buildouts whose directory path holds characters that mean something to a
 * shell, to `%` interpolation or to the configuration: what the recipes
 * make of the path must stay the path, one word, exactly.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { type Sample, sampleBuildout, startServer } from "./harness.ts";
import { pack, writeTree } from "./recipe_fixtures.ts";

/** A directory name holding every character a shell or `%` reads. */
const AWKWARD = `it's a "b" 50% $HOME \`id\` é日本😀 ; # & * ? [ \\ -z`;

/** A new, empty directory called `name` ({@link AWKWARD} by default). */
function awkwardDir(sample: Sample, name = AWKWARD): string {
  const dir = join(sample.tmpdir("awkward"), name);
  mkdirSync(dir);
  return dir;
}

/**
 * A package whose `configure` writes the `--prefix` it got (or, without
 * one, the `prefix` make is given) to `prefix.txt`, which `make install`
 * copies to `<prefix>/prefix.txt` without make ever reading the value.
 */
function prefixPackage(dir: string): void {
  writeTree(join(dir, "src"), {
    "p-1.0/configure*": `#!/bin/sh
for arg in "$@"; do
  case "$arg" in --prefix=*) printf '%s\\n' "\${arg#--prefix=}" > prefix.txt;; esac
done
printf 'all:\\ninstall:\\n\\tsh ./install.sh\\n' > Makefile
`,
    "p-1.0/install.sh": `p="\${prefix:-$(cat prefix.txt)}"
mkdir -p "$p" && printf '%s\\n' "$p" > "$p/prefix.txt"
`,
  });
  pack(join(dir, "src"), ["p-1.0"], join(dir, "p-1.0.tar.gz"));
}

Deno.test("cmmi recipes: the default --prefix stays one word whatever the buildout's path holds", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  prefixPackage(files);
  const dir = awkwardDir(sample);
  const server = await startServer(files);
  try {
    const recipes = [
      "cmmi",
      "slapos.recipe.cmmi",
      "hexagonit.recipe.cmmi",
      "zc.recipe.cmmi",
    ];
    writeFileSync(
      join(dir, "buildout.cfg"),
      `[buildout]
parts = ${recipes.map((_, i) => `p${i}`).join(" ")}
${
        recipes.map((recipe, i) =>
          `\n[p${i}]\nrecipe = ${recipe}\nurl = ${server.url}p-1.0.tar.gz\n`
        ).join("")
      }`,
    );
    const result = await sample.system("", { cwd: dir });
    assert.equal(result.code, 0, result.output);
    recipes.forEach((_, i) => {
      const prefix = join(dir, "parts", `p${i}`);
      assert.equal(
        readFileSync(join(prefix, "prefix.txt"), "utf8"),
        `${prefix}\n`,
      );
    });
  } finally {
    await server.close();
  }
});

Deno.test("slapos.recipe.cmmi: the prefix given to make install stays one word", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  prefixPackage(files);
  // Without `$`: make itself expands it in a variable from its command line.
  const dir = awkwardDir(sample, AWKWARD.replaceAll("$", ""));
  const server = await startServer(files);
  try {
    writeFileSync(
      join(dir, "buildout.cfg"),
      `[buildout]
parts = p

[p]
recipe = slapos.recipe.cmmi
url = ${server.url}p-1.0.tar.gz
configure-command = ./configure
`,
    );
    const result = await sample.system("", { cwd: dir });
    assert.equal(result.code, 0, result.output);
    const prefix = join(dir, "parts", "p");
    assert.equal(
      readFileSync(join(prefix, "prefix.txt"), "utf8"),
      `${prefix}\n`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("cmmi: a script with a long #! line still runs through a link, and its interpreter's path is not a glob", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  writeTree(join(files, "src"), {
    "tool-1.0/configure*": `#!/bin/sh
for arg in "$@"; do
  case "$arg" in --prefix=*) printf '%s\\n' "\${arg#--prefix=}" > prefix.txt;; esac
done
printf 'all:\\ninstall:\\n\\tsh ./install.sh\\n' > Makefile
`,
    // A #! line longer than the 127 bytes the kernel reads: wrapped.
    "tool-1.0/install.sh": `p=$(cat prefix.txt)
long="$p/libexec/$(printf '%0120d' 0)"
mkdir -p "$long" "$p/bin"
ln -s /bin/sh "$long/sh"
printf '#!%s\\necho "tool ran: $*"\\n' "$long/sh" > "$p/bin/tool"
chmod +x "$p/bin/tool"
`,
  });
  pack(join(files, "src"), ["tool-1.0"], join(files, "tool-1.0.tar.gz"));
  const dir = awkwardDir(sample, "tools*");
  // What the interpreter's path matches as a glob: run instead, if globbed.
  const decoy = join(sample.testDir, "awkward", "toolsX", "parts", "x");
  mkdirSync(join(decoy, "libexec", "0".repeat(120)), { recursive: true });
  writeFileSync(
    join(decoy, "libexec", "0".repeat(120), "sh"),
    "#!/bin/sh\necho decoy\n",
    { mode: 0o755 },
  );
  const server = await startServer(files);
  try {
    writeFileSync(
      join(dir, "buildout.cfg"),
      `[buildout]\nparts = x\n\n[x]\nrecipe = cmmi\nurl = ${server.url}tool-1.0.tar.gz\n`,
    );
    const result = await sample.system("", { cwd: dir });
    assert.equal(result.code, 0, result.output);
  } finally {
    await server.close();
  }
  const tool = join(dir, "parts", "x", "bin", "tool");
  assert.ok(existsSync(tool + ".shebang"));
  const links = sample.tmpdir("usr-local-bin");
  symlinkSync(tool, join(links, "tool"));
  for (const path of [tool, join(links, "tool")]) {
    assert.equal(
      execFileSync(path, ["a b"], { encoding: "utf8" }),
      "tool ran: a b\n",
      path,
    );
  }
});

Deno.test("a buildout directory whose path holds a line break is refused before anything is made", async () => {
  using sample = await sampleBuildout();
  const dir = awkwardDir(sample, "a\nb");
  const parent = dirname(dir);
  writeFileSync(
    join(dir, "buildout.cfg"),
    "[buildout]\nparts = d\n\n[d]\nrecipe = mkdir\npaths = ${buildout:directory}/var\n",
  );
  const result = await sample.system("", { cwd: dir });
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.output,
    `Error: The buildout directory's path holds a line break, which option ` +
      `values would split: ${parent}/a\\nb; rename it\n`,
  );
  // Nothing beside it: the mkdir recipe would make `a` of the first line.
  assert.deepEqual(readdirSync(parent), ["a\nb"]);
  assert.deepEqual(readdirSync(dir), ["buildout.cfg"]);
});

/** A develop package `name` whose recipe writes `says` to `<part>.txt`. */
function sayingPackage(dir: string, name: string, says: string): void {
  writeTree(dir, {
    "package.json": JSON.stringify({
      name,
      buildout: { recipes: { default: "./r.js" } },
    }),
    "r.js": `import { writeFileSync } from "node:fs";
export default class R {
  constructor(buildout, name, options) { this.name = name; this.dir = buildout.section("buildout").require("directory"); }
  install() { writeFileSync(this.dir + "/" + this.name + ".txt", ${
      JSON.stringify(says)
    }); return []; }
  update() {}
}
`,
  });
}

Deno.test("develop: glob characters in the buildout directory's name are literal, not a pattern", async () => {
  using sample = await sampleBuildout();
  const dir = awkwardDir(sample, "p[1]*");
  // What the directory's name matches as a glob: developed instead, if so.
  const decoy = join(dirname(dir), "p1-decoy");
  sayingPackage(join(decoy, "recipes", "greet"), "greet", "decoy");
  sayingPackage(join(dir, "recipes", "greet"), "greet", "own");
  sayingPackage(join(dir, "tools"), "tools", "tools");
  writeFileSync(
    join(dir, "buildout.cfg"),
    `[buildout]
develop = recipes/* \${buildout:directory}/tools
parts = a b

[a]
recipe = greet

[b]
recipe = tools
`,
  );
  const result = await sample.system("", { cwd: dir });
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /^Develop: '.*\/p\[1\]\*\/recipes\/greet'$/m);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "own");
  assert.equal(readFileSync(join(dir, "b.txt"), "utf8"), "tools");
});

Deno.test("develop: a package directory whose name ends with a space is found through its link", async () => {
  using sample = await sampleBuildout();
  sayingPackage(sample.path("src", "greet "), "greet", "spaced");
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/*\nparts = a\n\n[a]\nrecipe = greet\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(sample.cat("a.txt"), "spaced");
});

Deno.test("develop: a package directory whose name holds a line break is refused, no link written", async () => {
  using sample = await sampleBuildout();
  sayingPackage(sample.path("src", "a\nb"), "greet", "broken");
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/*\nparts = a\n\n[a]\nrecipe = greet\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stderr,
    /\nError: Couldn't develop '\/sample-buildout\/src\/a\\nb': its path holds a line break, which its \.egg-link file cannot hold; rename it\n$/,
  );
  assert.deepEqual(sample.ls("develop-eggs"), []);
});

Deno.test("a buildout directory whose path holds '${' is refused before anything is made, not read as a substitution", async () => {
  using sample = await sampleBuildout();
  const parent = sample.tmpdir("awkward");
  // A CI variable never expanded; a reference naming another directory.
  for (const name of ["${WORKSPACE}", "a${buildout:parts}b"]) {
    const dir = join(parent, name);
    mkdirSync(dir);
    const before = readdirSync(parent).sort();
    writeFileSync(
      join(dir, "buildout.cfg"),
      "[buildout]\nparts = d\n\n[d]\nrecipe = mkdir\npaths = ${buildout:directory}/var\n",
    );
    const result = await sample.system("", { cwd: dir });
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.output,
      `Error: The buildout directory's path holds '\${', which option ` +
        `values would read as a substitution: ${dir}; rename it\n`,
    );
    assert.deepEqual(readdirSync(parent).sort(), before);
    assert.deepEqual(readdirSync(dir), ["buildout.cfg"]);
  }
  // `$${` is kept as written: that path is used as it is.
  const kept = join(parent, "a$${b");
  mkdirSync(kept);
  writeFileSync(
    join(kept, "buildout.cfg"),
    "[buildout]\nparts = d\n\n[d]\nrecipe = mkdir\npaths = ${buildout:directory}/var\n",
  );
  const result = await sample.system("", { cwd: kept });
  assert.equal(result.code, 0, result.output);
  assert.ok(existsSync(join(kept, "var")));
});

Deno.test("a recipe module whose path holds '?' loads, or the error says why it cannot", async () => {
  using sample = await sampleBuildout();
  const dir = awkwardDir(sample, "what?");
  sayingPackage(join(dir, "greet"), "greet", "own");
  writeFileSync(
    join(dir, "buildout.cfg"),
    "[buildout]\ndevelop = greet\nparts = a\n\n[a]\nrecipe = greet\n",
  );
  const result = await sample.system("", { cwd: dir });
  if (result.code === 0) {
    assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "own");
    return;
  }
  assert.equal(result.code, 1, result.output);
  // Not "Cannot find module" for a file that is there.
  assert.equal(
    result.stderr.split("\n").at(-2),
    `Error: Couldn't load the module ${dir}/greet/r.js (entry point ` +
      `'default' in "buildout.recipes" of ${dir}/greet/package.json): this ` +
      "executable cannot load a module whose path holds '?'; rename the " +
      "directory",
  );
});
