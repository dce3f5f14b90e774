/**
 * Migrating a buildout that zc.buildout built: its `.installed.cfg` (Python
 * recipe signatures), a Python `bin/buildout`, `*.egg` directories and
 * `.egg-link` files of Python projects. Parts of recipes built in here under
 * their original names are kept and updated, parts of Python-only recipes
 * are a one-line error, and nothing the user did not ask for is deleted.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILDOUT, type Sample, sampleBuildout } from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { md5Text, pack, writePackage, writeTree } from "./recipe_fixtures.ts";

/** The eggs zc.buildout 2.x signs a part with, after the recipe's own. */
const ZC_EGGS = "setuptools-44.1.1-py2.7.egg zc.buildout-2.13.8-py2.7.egg";

/**
 * A buildout directory as zc.buildout 2.x leaves it after building
 * `buildout.cfg` with a cmmi build, a download, a template, a command and a
 * zc.recipe.egg part; returns the source archive's URL.
 */
function zcBuildoutBuilt(sample: Sample): string {
  const src = sample.tmpdir("src");
  writePackage(src, { top: "hello-1.0", program: "hello" });
  const archive = pack(src, ["hello-1.0"], `${src}/hello-1.0.tar.gz`);
  const url = `file://${archive}`;
  const d = sample.dir;
  writeTree(d, {
    "parts/hello/bin/hello*": "#!/bin/sh\necho built by zc.buildout\n",
    "parts/files/hello-1.0/README": "hello-1.0\n",
    "parts/files/hello-1.0/edited-here": "kept\n",
    "etc/app.conf": `hello ${d}\n`,
    "cmd.log": "ran\n",
    "bin/myscript*": "#!/usr/bin/python2.7\n",
    "bin/buildout*": "#!/usr/bin/python2.7\nimport zc.buildout.buildout\n",
    "bootstrap.py": "# zc.buildout bootstrap\n",
    ".mr.developer.cfg": "[develop]\n",
    "eggs/zc.recipe.egg-2.0.7-py2.7.egg/EGG-INFO/PKG-INFO": "Name: x\n",
    "eggs/setuptools-44.1.1-py2.7.egg/setuptools/__init__.py": "",
    "src/collective.recipe.template/setup.py": "from setuptools import setup\n",
    // Left by a `python setup.py develop`: it names a Python project.
    "develop-eggs/collective.recipe.template.egg-link":
      `${d}/src/collective.recipe.template\n.\n`,
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = hello files forked conf cmd

[hello]
recipe = zc.recipe.cmmi
url = ${url}

[files]
recipe = hexagonit.recipe.download
url = ${url}

[forked]
recipe = hexagonit.recipe.download
url = ${url}

[conf]
recipe = collective.recipe.template
input = inline:
    hello \${buildout:directory}
output = \${buildout:directory}/etc/app.conf

[cmd]
recipe = plone.recipe.command
command = echo ran >> cmd.log
`,
  );
  const download = (part: string, installed: string, signature: string) =>
    `[${part}]
__buildout_installed__ = ${installed}
__buildout_signature__ = ${signature}
destination = ${d}/parts/${part}
download-only = false
filename = 
hash-name = true
ignore-existing = false
location = ${d}/parts/${part}
on-update = false
recipe = hexagonit.recipe.download
strip-top-level-dir = false
url = ${url}
`;
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = hello files forked conf cmd eggs

[hello]
__buildout_installed__ = ${d}/parts/hello
__buildout_signature__ = zc.recipe.cmmi-1.3.6-py2.7.egg ${ZC_EGGS}
location = ${d}/parts/hello
recipe = zc.recipe.cmmi
url = ${url}

${
      download(
        "files",
        `${d}/parts/files`,
        `hexagonit.recipe.download-1.7.1-py2.7.egg ${ZC_EGGS}`,
      )
    }
${
      download(
        "forked",
        "",
        `hexagonit.recipe.download-1VOz5rxIp8aY8FCrYtYnXw== ${ZC_EGGS}`,
      )
    }
[conf]
__buildout_installed__ = ${d}/etc/app.conf
__buildout_signature__ = collective.recipe.template-2.2-py2.7.egg ${ZC_EGGS}
input = inline:
	hello ${d}
output = ${d}/etc/app.conf
recipe = collective.recipe.template

[cmd]
__buildout_installed__ = 
__buildout_signature__ = plone.recipe.command-1.1-py2.7.egg ${ZC_EGGS}
command = echo ran >> cmd.log
recipe = plone.recipe.command

[eggs]
__buildout_installed__ = ${d}/bin/myscript
__buildout_signature__ = zc.recipe.egg-2.0.7-py2.7.egg ${ZC_EGGS}
eggs = %(__buildout_space_n__)smy.package
recipe = zc.recipe.egg
`,
  );
  return url;
}

Deno.test("migrating: parts of recipes built in here under their original names are updated, not built again", async () => {
  using sample = await sampleBuildout();
  zcBuildoutBuilt(sample);

  const first = await sample.run();
  assert.equal(first.code, 0, first.output);
  // The part no longer configured goes, with the files zc.buildout recorded;
  // the one signed by a develop checkout of the recipe is built again.
  assert.equal(
    first.stdout,
    `Uninstalling eggs.
Uninstalling forked.
Updating hello.
Updating files.
Installing forked.
forked: Extracting package to /sample-buildout/parts/forked
Updating conf.
Updating cmd.
`,
  );
  assert.equal(
    sample.cat("parts/hello/bin/hello"),
    "#!/bin/sh\necho built by zc.buildout\n",
  );
  assert.equal(sample.cat("parts/files/hello-1.0/edited-here"), "kept\n");
  assert.equal(sample.cat("cmd.log"), "ran\n");
  assert.equal(existsSync(sample.path("bin/myscript")), false);
  const db = sample.cat(".installed.cfg");
  assert.doesNotMatch(db, /py2\.7\.egg/);
  assert.match(db, /\[hello\]\n__buildout_installed__ = .*\/parts\/hello\n/);

  // What zc.buildout left that no part recorded is still there.
  for (
    const path of [
      "bootstrap.py",
      ".mr.developer.cfg",
      "eggs/zc.recipe.egg-2.0.7-py2.7.egg/EGG-INFO/PKG-INFO",
      "develop-eggs/collective.recipe.template.egg-link",
    ]
  ) {
    assert.ok(existsSync(sample.path(path)), path);
  }

  const again = await sample.run();
  assert.equal(again.code, 0, again.output);
  assert.doesNotMatch(again.stdout, /Installing|Uninstalling/);

  // bootstrap replaces zc.buildout's Python script by this executable.
  const boot = await sample.run("bootstrap");
  assert.equal(boot.code, 0, boot.output);
  assert.deepEqual(
    readFileSync(sample.path("bin/buildout")),
    readFileSync(BUILDOUT),
  );
});

Deno.test("migrating: a part of a Python-only recipe is a one-line error naming it, and nothing is touched", async () => {
  using sample = await sampleBuildout();
  zcBuildoutBuilt(sample);
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace("cmd\n", "cmd eggs\n") +
      "\n[eggs]\nrecipe = zc.recipe.egg\neggs = my.package\n",
  );
  const before = sample.cat(".installed.cfg");

  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(
    lines.at(-1)!,
    /^Error: Couldn't find recipe zc\.recipe\.egg: 'zc\.recipe\.egg' is neither a built-in recipe \(.*\) nor a develop package listed in buildout:develop, and no find-links or index is configured to get it as a distribution \('zc\.recipe\.egg' looks like a Python recipe egg, which this buildout cannot run: .*\)$/,
  );
  assert.equal(sample.cat(".installed.cfg"), before);
  assert.ok(existsSync(sample.path("bin/myscript")));
  assert.equal(sample.cat("parts/files/hello-1.0/edited-here"), "kept\n");

  // Not offered by the find-links, it is still named a Python recipe egg.
  const empty = sample.tmpdir("empty");
  const missing = await sample.run(`buildout:find-links=${empty}`);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /\nError: Couldn't find a distribution for 'zc\.recipe\.egg' \(looked in \/empty\)\. 'zc\.recipe\.egg' looks like a Python recipe egg, which this buildout cannot run: .*\.\n$/,
  );

  // Got from an index or find-links, it is a Python distribution.
  const links = sample.tmpdir("links");
  writeTree(links, {
    "zc.recipe.egg-2.0.7/setup.py": "from setuptools import setup\n",
  });
  pack(links, ["zc.recipe.egg-2.0.7"], `${links}/zc.recipe.egg-2.0.7.tar.gz`);
  const found = await sample.run(`buildout:find-links=${links}`);
  assert.equal(found.code, 1);
  assert.match(
    found.stderr,
    /\nError: The distribution \/links\/zc\.recipe\.egg-2\.0\.7\.tar\.gz has no package\.json at its top \(or in its single top directory\) \(its setup\.py makes it a Python distribution, which buildout cannot run\)\n$/,
  );
  assert.equal(sample.cat(".installed.cfg"), before);
});

Deno.test("migrating: a Python recipe egg or extension that the download cache or find-links lack is an error saying it is Python", async () => {
  using sample = await sampleBuildout();
  zcBuildoutBuilt(sample);
  // As zc.buildout's own buildout.cfg: a download cache, pinned recipes.
  sample.mkdir("downloads");
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace(
      "[buildout]\n",
      "[buildout]\ndownload-cache = downloads\n",
    ).replace("cmd\n", "cmd test\n") +
      "\n[test]\nrecipe = zc.recipe.testrunner\neggs = my.package\n" +
      "\n[versions]\nzc.recipe.testrunner = 2.0.0\n",
  );
  const before = sample.cat(".installed.cfg");

  const result = await sample.run();
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr.trimEnd().split("\n").at(-1),
    "Error: Couldn't find a distribution for 'zc.recipe.testrunner==2.0.0' " +
      "(looked in /sample-buildout/downloads/dist (not found)). " +
      "'zc.recipe.testrunner' looks like a Python recipe egg, which this " +
      "buildout cannot run: its recipes are TypeScript or JavaScript " +
      'packages; see the README\'s "Migrating a buildout zc.buildout built".',
  );
  assert.equal(sample.cat(".installed.cfg"), before);

  // Plone's buildouts load mr.developer from their find-links.
  const links = sample.tmpdir("links");
  const config = sample.cat("buildout.cfg").replace(
    "download-cache = downloads\n",
    "",
  );
  for (
    const [settings, error] of [
      [
        `find-links = ${links}`,
        "Error: Couldn't find a distribution for 'mr.developer' (looked in " +
        "/links). ",
      ],
      [
        "",
        "Error: Couldn't find the extension package 'mr.developer': it is " +
        "not a develop package, and no find-links or index is configured " +
        "to get it as a distribution. ",
      ],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config.replace(
        "[buildout]\n",
        `[buildout]\nextensions = mr.developer\n${settings}\n`,
      ),
    );
    const extension = await sample.run();
    assert.equal(extension.code, 1, extension.output);
    assert.equal(
      extension.stderr.trimEnd().split("\n").at(-1),
      error + "If 'mr.developer' is a zc.buildout extension (a Python " +
        "package), remove it from extensions: this buildout cannot load " +
        'Python; see the README\'s "Migrating a buildout zc.buildout built".',
    );
    assert.equal(sample.cat(".installed.cfg"), before);
  }

  // Offered as a wheel, it is named a Python distribution once, and the
  // remedy follows.
  sample.write(join(links, "mr.developer-2.0.1-py3-none-any.whl"), "PK");
  sample.write(
    "buildout.cfg",
    config.replace(
      "[buildout]\n",
      `[buildout]\nextensions = mr.developer\nfind-links = ${links}\n`,
    ),
  );
  const wheel = await sample.run();
  assert.equal(wheel.code, 1, wheel.output);
  assert.equal(
    wheel.stderr.trimEnd().split("\n").at(-1),
    "Error: Couldn't find a distribution for 'mr.developer' (looked in " +
      "/links; the Python distributions offered for it " +
      "(mr.developer-2.0.1-py3-none-any.whl) cannot be installed: this " +
      "buildout's recipes and extensions are TypeScript or JavaScript " +
      "packages). Remove 'mr.developer' from extensions; see the README's " +
      '"Migrating a buildout zc.buildout built".',
  );
  assert.equal(sample.cat(".installed.cfg"), before);
});

Deno.test("migrating: slapos.recipe.build's default and slapos.cookbook's recipes are one-line errors saying they are Python", async () => {
  using sample = await sampleBuildout();
  const python = "which this buildout cannot run: its recipes are " +
    "TypeScript or JavaScript packages; see the README's " +
    '"Migrating a buildout zc.buildout built"';
  const lastLine = async (recipe: string) => {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\nrecipe = ${recipe}\ninit = pass\n`,
    );
    const result = await sample.run();
    assert.equal(result.code, 1, result.output);
    assert.equal(result.stdout, "");
    assert.ok(!existsSync(sample.path(".installed.cfg")));
    return result.stderr.trimEnd().split("\n").at(-1);
  };

  assert.equal(
    await lastLine("slapos.recipe.build"),
    "Error: Couldn't find recipe slapos.recipe.build: the built-in recipe " +
      "'slapos.recipe.build' has no entry point 'default' (it has: download, " +
      "download-unpacked); its other entry points are Python recipes of the " +
      `egg 'slapos.recipe.build', ${python}`,
  );
  assert.match(
    (await lastLine("slapos.cookbook:mkdirectory"))!,
    new RegExp(
      "^Error: Couldn't find recipe slapos\\.cookbook:mkdirectory: " +
        "'slapos\\.cookbook' is neither a built-in recipe .* \\('slapos\\.cookbook' " +
        `is a Python recipe egg, ${python.replaceAll(".", "\\.")}\\)$`,
    ),
  );
  // A name of this buildout's own says nothing of Python.
  assert.equal(
    await lastLine("mkdir:python"),
    "Error: Couldn't find recipe mkdir:python: the built-in recipe 'mkdir' " +
      "has no entry point 'python' (it has: default)",
  );
});

Deno.test("migrating: a built-in recipe named with Python extras, as collective.recipe.template's docs name it, is that built-in", async () => {
  using sample = await sampleBuildout();
  sample.write("template.in", "dir: ${buildout:directory}\n");
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = template\n\n[template]\n" +
      "recipe = collective.recipe.template[genshi]\n" +
      "input = template.in\noutput = template\n",
  );
  const installed = await sample.run();
  assert.equal(installed.code, 0, installed.output);
  assert.equal(installed.output, "Installing template.\n");
  assert.equal(sample.cat("template"), `dir: ${sample.dir}\n`);
});

Deno.test("migrating: collective.recipe.template's genshi and collective.recipe.cmd's py entry points are one-line errors saying they are Python", async () => {
  using sample = await sampleBuildout();
  const python = "which this buildout cannot run: its recipes are " +
    "TypeScript or JavaScript packages; see the README's " +
    '"Migrating a buildout zc.buildout built"';
  const lastLine = async (recipe: string) => {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = x\n\n[x]\nrecipe = ${recipe}\ncmds = >>> 1\n`,
    );
    const result = await sample.run();
    assert.equal(result.code, 1, result.output);
    assert.ok(!existsSync(sample.path(".installed.cfg")));
    return result.stderr.trimEnd().split("\n").at(-1);
  };

  assert.equal(
    await lastLine("collective.recipe.template[genshi]:genshi"),
    "Error: Couldn't find recipe collective.recipe.template[genshi]:genshi: " +
      "the built-in recipe 'collective.recipe.template' has no entry point " +
      "'genshi' (it has: default); its other entry points are Python " +
      `recipes of the egg 'collective.recipe.template', ${python}`,
  );
  assert.equal(
    await lastLine("collective.recipe.cmd:py"),
    "Error: Couldn't find recipe collective.recipe.cmd:py: the built-in " +
      "recipe 'collective.recipe.cmd' has no entry point 'py' (it has: " +
      "default, sh); its other entry points are Python recipes of the egg " +
      `'collective.recipe.cmd', ${python}`,
  );
});

Deno.test("migrating: a Python project in develop is an error naming its setup.py", async () => {
  using sample = await sampleBuildout();
  writeTree(sample.dir, {
    "src/my.package/setup.py": "from setuptools import setup\n",
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/my.package\nparts =\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /\nError: \/sample-buildout\/src\/my\.package is not a develop package: it has no package\.json \(its setup\.py makes it a Python project, which buildout cannot develop\)\n$/,
  );
});

Deno.test("migrating: a Python project's .egg-link left in develop-eggs is ignored, so a recipe distribution of its name is got", async () => {
  using sample = await sampleBuildout();
  // Left by a `python setup.py develop` that no .installed.cfg records.
  writeTree(sample.dir, {
    "src/spam/setup.py": "from setuptools import setup\n",
    "develop-eggs/spam.egg-link": `${sample.dir}/src/spam\n.`,
  });
  await writeDist(
    sample.path("dists", "spam-1.0.tgz"),
    recipeDist("spam", "1.0", "the spam recipe"),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = foo\nfind-links = dists\n\n[foo]\nrecipe = spam\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    result.stdout,
    "Getting distribution for 'spam'.\nGot spam 1.0.\nInstalling foo.\n" +
      "the spam recipe\n",
  );
});

Deno.test("migrating: a Python project's Spam.egg-link left in develop-eggs does not hide the develop package spam's own link", async () => {
  using sample = await sampleBuildout();
  // Spam.egg-link sorts before spam.egg-link and has the same project key.
  writeTree(sample.dir, {
    "src/Spam/setup.py": "from setuptools import setup\n",
    "develop-eggs/Spam.egg-link": `${sample.dir}/src/Spam\n.`,
    "recipes/package.json": JSON.stringify({
      name: "spam",
      buildout: { recipes: { default: "./spam.js" } },
    }),
    "recipes/spam.js": "export default class Spam {\n" +
      "  install() { console.log('the develop spam recipe'); return []; }\n" +
      "}\n",
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = foo\n\n[foo]\nrecipe = spam\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    result.stdout,
    "Develop: '/sample-buildout/recipes'\nInstalling foo.\n" +
      "the develop spam recipe\n",
  );
});

Deno.test("migrating: download parts with a relative destination are updated, not downloaded again", async () => {
  using sample = await sampleBuildout();
  writeTree(sample.dir, {
    "vendor/a.txt": "a\n",
    "files/notes.txt": "notes\n",
    "unpacked/b.txt": "b\n",
  });
  // Gone since: only a reinstall would read it (or an update of a
  // slapos download without md5sum).
  const url = `file://${sample.dir}/gone.tar.gz`;
  const md5sum = "0123456789abcdef0123456789abcdef";
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = hexagonit file unpacked show

[hexagonit]
recipe = hexagonit.recipe.download
url = ${url}
destination = vendor

[file]
recipe = slapos.recipe.build:download
url = ${url}
md5sum = ${md5sum}
destination = files/notes.txt

[unpacked]
recipe = slapos.recipe.build:download-unpacked
url = ${url}
destination = unpacked

[show]
recipe = zc.buildout:debug
paths = \${hexagonit:location} \${file:target} \${unpacked:target}
`,
  );
  const slapos = `slapos.recipe.build-0.57-py2.7.egg ${ZC_EGGS}`;
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = hexagonit file unpacked

[hexagonit]
__buildout_installed__ = vendor
__buildout_signature__ = hexagonit.recipe.download-1.7.1-py2.7.egg ${ZC_EGGS}
destination = vendor
download-only = false
filename = 
hash-name = true
ignore-existing = false
location = vendor
on-update = false
recipe = hexagonit.recipe.download
strip-top-level-dir = false
url = ${url}

[file]
__buildout_installed__ = files/notes.txt
__buildout_signature__ = ${slapos}
destination = files/notes.txt
md5sum = ${md5sum}
recipe = slapos.recipe.build:download
target = files/notes.txt
url = ${url}

[unpacked]
__buildout_installed__ = unpacked
__buildout_signature__ = ${slapos}
destination = unpacked
location = unpacked
recipe = slapos.recipe.build:download-unpacked
target = unpacked
url = ${url}
`,
  );

  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    result.stdout,
    `Updating hexagonit.
Updating file.
Updating unpacked.
Installing show.
  paths='vendor files/notes.txt unpacked'
  recipe='zc.buildout:debug'
`,
  );
  assert.equal(sample.cat("vendor/a.txt"), "a\n");
});

Deno.test("migrating: a hexagonit.recipe.cmmi part with a relative path is updated, not built again", async () => {
  using sample = await sampleBuildout();
  writePackage(sample.dir, { top: "src/hello", program: "hello" });
  writeTree(sample.dir, {
    "parts/hello/bin/hello*": "#!/bin/sh\necho built by zc.buildout\n",
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = hello

[hello]
recipe = hexagonit.recipe.cmmi
path = src/hello
`,
  );
  const d = sample.dir;
  // The original exports compile-directory as path is written.
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = hello

[hello]
__buildout_installed__ = ${d}/parts/hello
__buildout_signature__ = hexagonit.recipe.cmmi-2.0-py2.7.egg ${ZC_EGGS}
compile-directory = src/hello
location = ${d}/parts/hello
path = src/hello
prefix = ${d}/parts/hello
recipe = hexagonit.recipe.cmmi
url = 
`,
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stdout, "Updating hello.\n");
  assert.equal(
    sample.cat("parts/hello/bin/hello"),
    "#!/bin/sh\necho built by zc.buildout\n",
  );
});

Deno.test("migrating: zc.recipe.cmmi parts with a relative location or shared directory are updated, not built again", async () => {
  using sample = await sampleBuildout();
  const src = sample.tmpdir("src");
  writePackage(src, { top: "hello-1.0", program: "hello" });
  const url = `file://${pack(src, ["hello-1.0"], `${src}/hello.tar.gz`)}`;
  const built = "#!/bin/sh\necho built by zc.buildout\n";
  writeTree(sample.dir, {
    "opt/own/bin/hello*": built,
    "shared/cmmi/bin/hello*": built,
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = own shared

[own]
recipe = zc.recipe.cmmi
url = ${url}
location = opt

[shared]
recipe = zc.recipe.cmmi
url = ${url}
shared = shared
`,
  );
  // The original joins location (or shared) as written with the part's
  // name (or cmmi).
  const signature = `zc.recipe.cmmi-1.3.6-py2.7.egg ${ZC_EGGS}`;
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = own shared

[own]
__buildout_installed__ = opt/own
__buildout_signature__ = ${signature}
location = opt/own
recipe = zc.recipe.cmmi
url = ${url}

[shared]
__buildout_installed__ = 
__buildout_signature__ = ${signature}
location = shared/cmmi
recipe = zc.recipe.cmmi
shared = shared
url = ${url}
`,
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stdout, "Updating own.\nUpdating shared.\n");
  assert.equal(sample.cat("opt/own/bin/hello"), built);
});

Deno.test("migrating: a mkdir part recorded under Python 2 (mode 0750) is updated, its directories kept", async () => {
  using sample = await sampleBuildout();
  const d = sample.dir;
  writeTree(d, { "var/data/db": "precious\n" });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = data

[data]
recipe = z3c.recipe.mkdir
paths = var/data
mode = 750
remove-on-update = true
`,
  );
  // Python 2's oct() wrote 0750 where Python 3's writes 0o750.
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = data

[data]
__buildout_installed__ = ${d}/var
\t${d}/var/data
__buildout_signature__ = z3c.recipe.mkdir-0.6-py2.7.egg ${ZC_EGGS}
create-intermediate = True
mode = 0750
paths = ${d}/var/data
recipe = z3c.recipe.mkdir
remove-on-update = True
`,
  );

  for (let run = 0; run < 2; run++) {
    const result = await sample.run();
    assert.equal(result.code, 0, result.output);
    assert.equal(
      result.stdout,
      `Updating data.
data: set permissions for /sample-buildout/var/data
data:   mode 0750
`,
    );
  }
  assert.equal(sample.cat("var/data/db"), "precious\n");
  assert.match(sample.cat(".installed.cfg"), /\nmode = 0o750\n/);
});

Deno.test("migrating: values of several lines recorded by zc.buildout 1.x (Python's ConfigParser) are unchanged, so the parts are updated, their commands not run again", async () => {
  using sample = await sampleBuildout();
  const d = sample.dir;
  writeTree(d, {
    "cmd.log": "ran once\n",
    "etc/app.conf": "port 8080\n",
    "parts/hello/bin/hello*": "#!/bin/sh\necho built by zc.buildout\n",
  });
  sample.write(
    "base.cfg",
    `[hello]
recipe = zc.recipe.cmmi
url = file://${d}/gone/hello-1.0.tar.gz
extra_options =
    --enable-a
`,
  );
  sample.write(
    "buildout.cfg",
    `[buildout]
extends = base.cfg
parts = cmd conf hello

[cmd]
recipe = plone.recipe.command
command =
    if test -d var; then
        echo ran >> cmd.log

    fi
stop-on-error = true

[conf]
recipe = collective.recipe.template
input = inline:
    port 8080
output = \${buildout:directory}/etc/app.conf

[hello]
extra_options +=
    --enable-b
`,
  );
  // zc.buildout 1.x read a value starting on the line after its '=' with
  // its empty first line (written %(__buildout_space_n__)s), each line
  // stripped and blank lines left out; joining the lines of a += kept the
  // empty first line of the added value.
  const eggs = "setuptools-0.6c11-py2.6.egg zc.buildout-1.5.2-py2.6.egg";
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = cmd conf hello

[cmd]
__buildout_installed__ = 
__buildout_signature__ = plone.recipe.command-1.1-py2.6.egg ${eggs}
command = %(__buildout_space_n__)sif test -d var; then
\techo ran >> cmd.log
\tfi
recipe = plone.recipe.command
stop-on-error = true

[conf]
__buildout_installed__ = ${d}/etc/app.conf
__buildout_signature__ = collective.recipe.template-1.8-py2.6.egg ${eggs}
input = inline:
\tport 8080
output = ${d}/etc/app.conf
recipe = collective.recipe.template

[hello]
__buildout_installed__ = ${d}/parts/hello
__buildout_signature__ = zc.recipe.cmmi-1.3.1-py2.6.egg ${eggs}
extra_options = %(__buildout_space_n__)s--enable-a
\t%(__buildout_space_n__)s--enable-b
location = ${d}/parts/hello
recipe = zc.recipe.cmmi
url = file://${d}/gone/hello-1.0.tar.gz
`,
  );
  for (let run = 0; run < 2; run++) {
    const result = await sample.run();
    assert.equal(result.code, 0, result.output);
    assert.equal(
      result.stdout,
      "Updating cmd.\nUpdating conf.\nUpdating hello.\n",
    );
  }
  assert.equal(sample.cat("cmd.log"), "ran once\n");
  assert.equal(
    sample.cat("parts/hello/bin/hello"),
    "#!/bin/sh\necho built by zc.buildout\n",
  );
  assert.doesNotMatch(sample.cat(".installed.cfg"), /py2\.6\.egg/);
});

Deno.test("migrating: user defaults setting options only zc.buildout acts on draw no unused-option warning", async () => {
  using sample = await sampleBuildout();
  // What zc.buildout's docs put in ~/.buildout/default.cfg (abi-tag-eggs),
  // later releases' options and 1.5.2's upgrade pins.
  sample.mkdir(sample.home, ".buildout");
  sample.write(
    sample.home,
    ".buildout",
    "default.cfg",
    `[buildout]
abi-tag-eggs = true
allow-unknown-extras = false
eggs-directory-version = v5
zc.buildout-version = < 3
setuptools-version = < 45
distribute-version = < 0.7
`,
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(result.output, "");

  // Any other option is still reported.
  sample.write("buildout.cfg", "[buildout]\nparts =\nabi-tag-egs = true\n");
  const typo = await sample.run();
  assert.equal(typo.output, "Unused options for buildout: 'abi-tag-egs'.\n");
});

Deno.test("migrating: user defaults setting zc.buildout 4 and 5's installer options draw no unused-option warning", async () => {
  using sample = await sampleBuildout();
  // zc.buildout 5.3 reads `installer` (pip or uv) and 4.x
  // `import-pkg-resources`, for the Python scripts they write.
  sample.mkdir(sample.home, ".buildout");
  sample.write(
    sample.home,
    ".buildout",
    "default.cfg",
    "[buildout]\ninstaller = uv\nimport-pkg-resources = false\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(result.output, "");
});

Deno.test("migrating: user defaults naming ~/ directories, as zc.buildout's docs write them, use those in the home directory", async () => {
  using sample = await sampleBuildout();
  const dot = join(sample.home, ".buildout");
  // What zc.buildout left there: a configuration in its extends cache and
  // a file in its download cache, each under the MD5 of its URL.
  const base = "http://127.0.0.1:1/base.cfg";
  const file = "http://127.0.0.1:1/data.txt";
  writeTree(dot, {
    "default.cfg": `[buildout]
eggs-directory = ~/.buildout/eggs
download-cache = ~/.buildout/download-cache
extends-cache = ~/.buildout/extends-cache
`,
    [`extends-cache/${md5Text(base)}`]: "[buildout]\nparts = data\n",
    [`download-cache/${md5Text(file)}`]: "cached by zc.buildout\n",
  });
  sample.write(
    "buildout.cfg",
    `[buildout]
extends = ${base}

[data]
recipe = hexagonit.recipe.download
url = ${file}
download-only = true
`,
  );
  const result = await sample.run("-o");
  assert.equal(result.code, 0, result.output);
  assert.equal(sample.cat("parts/data/data.txt"), "cached by zc.buildout\n");
  assert.equal(existsSync(sample.path("~")), false);

  const annotated = await sample.run("annotate buildout");
  assert.match(
    annotated.stdout,
    /\neggs-directory= \/home\/\.buildout\/eggs\n {4}\/home\/\.buildout\/default\.cfg\n/,
  );
});

Deno.test("migrating: a part signed by an egg whose name setuptools spelt with underscores is updated, not installed again", async () => {
  using sample = await sampleBuildout();
  const d = sample.dir;
  writeTree(d, { "etc/app.conf": "port 8080" });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = conf

[conf]
recipe = collective.recipe.template
input = inline:
    port 8080
output = \${buildout:directory}/etc/app.conf
`,
  );
  // zc.buildout 4 made the recipe's egg from a wheel built by setuptools
  // 75.8.1 or later, which names projects with underscores.
  sample.write(
    ".installed.cfg",
    `[buildout]
installed_develop_eggs = 
parts = conf

[conf]
__buildout_installed__ = ${d}/etc/app.conf
__buildout_signature__ = collective_recipe_template-3.1-py3.12.egg zc.buildout-4.1.4-py3.12.egg
input = inline:
\tport 8080
output = ${d}/etc/app.conf
recipe = collective.recipe.template
`,
  );
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(result.stdout, "Updating conf.\n");
});

Deno.test("migrating: a relative download-cache in user defaults, which zc.buildout 2 reads from their directory, is an error saying so", async () => {
  using sample = await sampleBuildout();
  writeTree(sample.home, {
    ".buildout/default.cfg": "[buildout]\ndownload-cache = downloads\n",
    ".buildout/downloads/dist/spam-1.0.tgz": "",
  });
  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `While:
  Initializing.
Error: The specified download cache:
'/sample-buildout/downloads'
Doesn't exist.
(/home/.buildout/default.cfg sets it to 'downloads', which zc.buildout 2 and later read as /home/.buildout/downloads, from that file's directory; here, as in zc.buildout 1.5.2, a relative path is from the buildout directory: write the absolute path)
`,
  );
  // Set in the buildout's own files, it is read from there in both.
  sample.write("buildout.cfg", "[buildout]\nparts =\ndownload-cache = cache\n");
  const own = await sample.run("-U");
  assert.equal(
    own.stderr,
    `While:
  Initializing.
Error: The specified download cache:
'/sample-buildout/cache'
Doesn't exist.
`,
  );
});

Deno.test("migrating: buildout.dumppickedversions in extensions is an error naming the options that do its work", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nextensions = buildout.dumppickedversions\n" +
      "dump-picked-versions-file = versions.cfg\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    / remove it from extensions: .* Its work is built in, as in zc\.buildout 2: set show-picked-versions = true, and update-versions-file = FILE for its dump-picked-versions-file\.\n$/,
  );
});

// repeatable.txt: zc.buildout 2 refuses buildout-versions too, its work
// being built in.
Deno.test("migrating: buildout-versions in extensions is an error naming the options that do its work", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nextensions = buildout-versions\n" +
      "buildout_versions_file = versions.cfg\n",
  );
  const result = await sample.run();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    / remove it from extensions: .* Its work is built in, as in zc\.buildout 2: set show-picked-versions = true, and update-versions-file = FILE for its buildout_versions_file\.\n$/,
  );
});
