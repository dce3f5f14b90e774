/**
 * End-to-end tests of the template recipes: `template`,
 * `collective.recipe.template` (the sessions of its README, adapted) and
 * `slapos.recipe.template` (its default entry point).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import {
  createdMode,
  executableMode,
  expectError,
  expectOk,
  installed,
  modeOf,
  run,
  tree,
} from "./_recipes.ts";
import { sampleBuildout, startServer } from "./harness.ts";

const TEMPLATE_IN =
  "#\nMy templåte knows about buildout path:\n  ${buildout:directory}\n";
const RENDERED =
  "#\nMy templåte knows about buildout path:\n  /sample-buildout\n";

function config(recipe: string, options: string, extra = ""): string {
  return `[buildout]
parts = template

[template]
recipe = ${recipe}
${options}
${extra}`;
}

for (const recipe of ["template", "collective.recipe.template"]) {
  Deno.test(`${recipe}: install, update, reinstall, uninstall`, async () => {
    using sample = await sampleBuildout();
    sample.write("template.in", TEMPLATE_IN);
    const before = tree(sample.dir);
    sample.write(
      "buildout.cfg",
      config(recipe, "input = template.in\noutput = template"),
    );
    await expectOk(sample, "Installing template.\n");
    assert.equal(sample.normalize(sample.cat("template")), RENDERED);
    assert.equal(
      installed(sample),
      `[buildout]
parts = template

[template]
__buildout_installed__ = template
__buildout_signature__ = SIG
input = template.in
output = template
recipe = ${recipe}
`,
    );

    await expectOk(sample, "Updating template.\n");

    // A new output path: the old file goes, missing directories are made
    // and recorded.
    sample.write(
      "buildout.cfg",
      config(
        recipe,
        "input = template.in\noutput = ${buildout:parts-directory}/foo/bar/template",
      ),
    );
    await expectOk(sample, "Uninstalling template.\nInstalling template.\n");
    assert.ok(!existsSync(sample.path("template")));
    assert.equal(
      sample.normalize(sample.cat("parts/foo/bar/template")),
      RENDERED,
    );

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(sample, "Uninstalling template.\n");
    assert.deepEqual(tree(sample.dir), before);
  });
}

Deno.test("collective.recipe.template: overwrite, restored or kept", async () => {
  using sample = await sampleBuildout();
  sample.write("template.in", TEMPLATE_IN);
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  sample.write("template", "edited\n");
  await expectOk(sample, "Updating template.\n");
  assert.equal(sample.normalize(sample.cat("template")), RENDERED);

  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template\noverwrite = False",
    ),
  );
  await expectOk(sample, "Uninstalling template.\nInstalling template.\n");
  assert.equal(sample.normalize(sample.cat("template")), RENDERED);
  sample.write("template", "edited\n");
  await expectOk(sample, "Updating template.\n");
  assert.equal(sample.cat("template"), "edited\n");
  // Not recorded, so not removed.
  assert.match(installed(sample), /__buildout_installed__ = \n/);
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "Uninstalling template.\n");
  assert.equal(sample.cat("template"), "edited\n");

  // `y` is true too, in any case, as in the original.
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template\noverwrite = Y",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.normalize(sample.cat("template")), RENDERED);
});

Deno.test("collective.recipe.template: inline input and mode", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      `input = inline:
   #!/bin/bash
   echo foo
output = \${buildout:parts-directory}/template`,
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("parts/template"), "#!/bin/bash\necho foo");

  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      `inline =
   #!/bin/bash
   echo foo
output = \${buildout:parts-directory}/template
mode = 755`,
    ),
  );
  await expectOk(sample, "Uninstalling template.\nInstalling template.\n");
  assert.equal(sample.cat("parts/template"), "#!/bin/bash\necho foo");
  assert.equal(modeOf(sample.path("parts/template")), "755");
});

Deno.test("collective.recipe.template: the input file's mode is kept", async () => {
  using sample = await sampleBuildout();
  sample.write("run.in", "#!/bin/sh\necho ${:greeting}\n");
  chmodSync(sample.path("run.in"), 0o750);
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = run.in\noutput = bin/run\ngreeting = hi",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("bin/run"), "#!/bin/sh\necho hi\n");
  assert.equal(modeOf(sample.path("bin/run")), "750");
});

Deno.test("collective.recipe.template: text an encoding cannot hold is an error, not mangled", async () => {
  using sample = await sampleBuildout();
  // "café" in latin-1, on the second line.
  writeFileSync(
    sample.path("latin.in"),
    Buffer.from([0x23, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
  );
  const cases: Array<[string, string]> = [
    [
      "input = latin.in",
      "Couldn't read the template /sample-buildout/latin.in of [template]: " +
      "line 2 is not utf-8 text",
    ],
    [
      "input = latin.in\ninput-encoding = ascii",
      "Couldn't read the template /sample-buildout/latin.in of [template]: " +
      "line 2 is not ascii text",
    ],
    [
      "inline = #\n  price: 5 €\noutput-encoding = latin-1",
      "Couldn't write /sample-buildout/out of [template]: its line 2 " +
      "holds '€', which latin-1 cannot encode",
    ],
    [
      "inline = café\noutput-encoding = ascii",
      "Couldn't write /sample-buildout/out of [template]: its line 1 " +
      "holds 'é', which ascii cannot encode",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write(
      "buildout.cfg",
      config("collective.recipe.template", `${options}\noutput = out`),
    );
    await expectError(sample, message);
    assert.ok(!existsSync(sample.path("out")));
  }

  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = latin.in\ninput-encoding = latin-1\noutput = out",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("out"), "#\ncafé\n");
});

Deno.test("collective.recipe.template: Python's names of the codecs, and utf-8-sig", async () => {
  using sample = await sampleBuildout();
  const bom = [0xef, 0xbb, 0xbf];
  const text = [0x63, 0x61, 0x66, 0xc3, 0xa9, 0x0a]; // "café\n" in utf-8
  writeFileSync(sample.path("bom.in"), Buffer.from([...bom, ...text]));
  // "café\n" in latin-1.
  writeFileSync(
    sample.path("latin.in"),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
  );
  const cases: Array<[string, number[]]> = [
    // utf-8 keeps a byte order mark, as Python's codec does.
    ["input = bom.in", [...bom, ...text]],
    ["input = bom.in\ninput-encoding = UTF-8-SIG", text],
    [
      "input = bom.in\ninput-encoding = utf-8-sig\noutput-encoding = utf_8_sig",
      [...bom, ...text],
    ],
    ["input = latin.in\ninput-encoding = ISO8859-1", text],
    ["input = latin.in\ninput-encoding = l1", text],
    ["input = latin.in\ninput-encoding = Latin 1", text],
  ];
  for (const [options, bytes] of cases) {
    sample.write(
      "buildout.cfg",
      config("collective.recipe.template", `${options}\noutput = out`),
    );
    const result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual([...readFileSync(sample.path("out"))], bytes, options);
  }
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = bom.in\ninput-encoding = utf8-sig\noutput = out",
    ),
  );
  await expectError(
    sample,
    "Unsupported input-encoding 'utf8-sig' in [template]: " +
      "use utf-8, utf-8-sig, latin-1 or ascii",
  );
});

Deno.test("slapos.recipe.template: a template that is not utf-8 is an error, not mangled", async () => {
  using sample = await sampleBuildout();
  writeFileSync(sample.path("latin.in"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  sample.write(
    "buildout.cfg",
    config("slapos.recipe.template", "url = latin.in\noutput = out"),
  );
  await expectError(
    sample,
    "Couldn't read the template /sample-buildout/latin.in of [template]: " +
      "line 1 is not utf-8 text",
  );
  assert.ok(!existsSync(sample.path("out")));
});

Deno.test("collective.recipe.template: ${name} means an option of the part", async () => {
  using sample = await sampleBuildout();
  sample.write("message.in", "My message is: ${mymessage}\n$${other:x}\n");
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = message.in\noutput = message\nmymessage = Hello, World!",
      "[other]\nx = 1\n",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  // `$$` is no escape in this recipe's templates.
  assert.equal(sample.cat("message"), "My message is: Hello, World!\n$1\n");
});

Deno.test("collective.recipe.template: referenced parts are installed first", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "template.in",
    "#\nMy templåte knows about another part:\n${other:paths}\n",
  );
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template",
      "[other]\nrecipe = mkdir\npaths = data\n",
    ),
  );
  await expectOk(
    sample,
    `Installing other.
other: created path: /sample-buildout/data
Installing template.
`,
  );
  assert.equal(
    sample.normalize(sample.cat("template")),
    "#\nMy templåte knows about another part:\n/sample-buildout/data\n",
  );
});

Deno.test("collective.recipe.template: unchanged output is not rewritten", async () => {
  using sample = await sampleBuildout();
  sample.write("template.in", "value: ${other:x}\n");
  const cfg = (x: string) =>
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template",
      `[other]\nx = ${x}\n`,
    );
  sample.write("buildout.cfg", cfg("1"));
  await expectOk(sample, "Installing template.\n");
  const old = new Date("2001-01-01T00:00:00Z");
  utimesSync(sample.path("template"), old, old);
  await expectOk(sample, "Updating template.\n");
  assert.equal(
    statSync(sample.path("template")).mtime.getTime(),
    old.getTime(),
  );

  // The part's own options are unchanged, but the rendered text is not.
  sample.write("buildout.cfg", cfg("2"));
  await expectOk(sample, "Updating template.\n");
  assert.equal(sample.cat("template"), "value: 2\n");
  assert.notEqual(
    statSync(sample.path("template")).mtime.getTime(),
    old.getTime(),
  );
});

Deno.test("collective.recipe.template: url naming a local file", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("templates");
  sample.write(`${dir}/template.in`, TEMPLATE_IN);
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      `url = ${pathToFileURL(`${dir}/template.in`).href}\noutput = template`,
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.normalize(sample.cat("template")), RENDERED);
});

Deno.test("template: an unknown option in the template is a user error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "template.in",
    "ok ${buildout:directory}\nbad ${buildout:nope}\n",
  );
  sample.write(
    "buildout.cfg",
    config("template", "input = template.in\noutput = parts/x/template"),
  );
  const before = tree(sample.dir);
  const result = await expectError(
    sample,
    "Referenced option does not exist: buildout:nope " +
      "(/sample-buildout/template.in, line 2)",
  );
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    `While:
  Installing.
  Getting section template.
  Initializing part template.
Error: Referenced option does not exist: buildout:nope (/sample-buildout/template.in, line 2)
`,
  );
  assert.deepEqual(tree(sample.dir), before);

  sample.write("template.in", "\n\n${nosuch:section}\n");
  await expectError(
    sample,
    "The referenced section, 'nosuch', was not defined. " +
      "(/sample-buildout/template.in, line 3)",
  );
  sample.write("template.in", "x\nbad ${buildout:directory\nmore\n");
  await expectError(
    sample,
    "The substitution, ${buildout:directory, is not terminated by '}' " +
      "(/sample-buildout/template.in, line 2)",
  );
  sample.write("template.in", "${bad/name}\n");
  await expectError(
    sample,
    "The option name in substitution, ${template:bad/name}, has invalid " +
      "characters. (/sample-buildout/template.in, line 1)",
  );
  assert.deepEqual(tree(sample.dir), before);
});

Deno.test("a template over 64 MiB, or a device, is an error, not all the memory", async () => {
  using sample = await sampleBuildout();
  // Sparse: 64 MiB and one byte of zeros, on no disk space.
  writeFileSync(sample.path("big.in"), "");
  truncateSync(sample.path("big.in"), 2 ** 26 + 1);
  const cases: Array<[string, string, string]> = [
    ["collective.recipe.template", "input = big.in", "big.in"],
    ["collective.recipe.template", "input = /dev/zero", "/dev/zero"],
    ["template", "url = /dev/zero", "/dev/zero"],
    ["slapos.recipe.template", "url = big.in", "big.in"],
  ];
  for (const [recipe, input, path] of cases) {
    sample.write("buildout.cfg", config(recipe, `${input}\noutput = out`));
    const shown = path.startsWith("/") ? path : `/sample-buildout/${path}`;
    // /dev/zero was read until memory ran out: ENOMEM after 4 GB, or killed.
    await expectError(
      sample,
      `Couldn't read the template ${shown} of [template]: more than 64 MiB, ` +
        "too large for a template",
    );
  }
  assert.ok(!existsSync(sample.path("out")));
});

Deno.test("an output that is a FIFO or a device is an error, and is left as it is", async () => {
  using sample = await sampleBuildout();
  execFileSync("mkfifo", [sample.path("pipe")]);
  const specials: Array<[string, string]> = [["pipe", "FIFO"]];
  if (process.getuid?.() === 0) {
    execFileSync("mknod", [sample.path("null"), "c", "1", "3"]);
    specials.push(["null", "character device"]);
  }
  for (const [name, kind] of specials) {
    for (const recipe of ["template", "collective.recipe.template"]) {
      sample.write(
        "buildout.cfg",
        config(
          recipe,
          "inline = hello\noutput = ${buildout:directory}/" + name,
        ),
      );
      // Renamed over, the device became a file, removed on uninstall.
      await expectError(
        sample,
        `Couldn't write /sample-buildout/${name}: it is a ${kind}, not a file`,
      );
      assert.ok(!statSync(sample.path(name)).isFile(), name);
    }
  }
});

Deno.test("collective.recipe.template: bad options", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    ["output = x", "No input file, inline template, or URL specified."],
    ["input = template.in", "No output file specified."],
    ["inline = x\noutput =", "No output file specified in [template]."],
    [
      "inline = x\noutput =\n  precious\n  other",
      "The output of [template], precious\\nother, holds a line break: " +
      "name one path",
    ],
    [
      "inline = x\noutput = etc/",
      "The output of [template], etc/, ends with '/': name the file to write",
    ],
    ["input = a\ninline = b\noutput = x", "Too many input sources."],
    ["input = a\nurl = b\noutput = x", "Too many input sources."],
    ["input = nope.in\noutput = x", "Input file 'nope.in' does not exist."],
    [
      "inline = x\noutput = x\nmode = rwx",
      "'mode' must be an octal number: rwx",
    ],
    [
      "url = http://127.0.0.1:1/t.in\noutput = x",
      "Error downloading http://127.0.0.1:1/t.in: connection refused",
    ],
    [
      "url = file://otherhost/t.in\noutput = x",
      "The file: URL 'file://otherhost/t.in' names no local file: " +
      "its host is not localhost",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write("buildout.cfg", config("collective.recipe.template", options));
    await expectError(sample, message);
  }
  const result = await run(sample, "");
  assert.ok(!existsSync(sample.path(".installed.cfg")), result.output);
});

Deno.test("an output naming the template itself is an error, and the template is kept", async () => {
  using sample = await sampleBuildout();
  const template = "dir = ${buildout:directory}\n";
  sample.write("template.in", template);
  sample.mkdir("real");
  symlinkSync("real", sample.path("linked"));
  sample.write("real", "linked.in", template);
  const cases: Array<[string, string, string]> = [
    ["collective.recipe.template", "input = template.in", "template.in"],
    [
      "collective.recipe.template",
      `url = ${pathToFileURL(sample.path("template.in")).href}`,
      "template.in",
    ],
    ["slapos.recipe.template", "url = template.in", "template.in"],
    // The same file through a linked directory.
    ["slapos.recipe.template", "url = linked/linked.in", "real/linked.in"],
  ];
  for (const [recipe, source, file] of cases) {
    sample.write(
      "buildout.cfg",
      config(recipe, `${source}\noutput = \${buildout:directory}/${file}`),
    );
    await expectError(
      sample,
      `Couldn't write /sample-buildout/${file} of [template]: ` +
        "it is the part's template, which rendering would replace",
    );
    assert.equal(sample.cat(file), template);
  }
  assert.ok(!existsSync(sample.path(".installed.cfg")));

  // Without overwrite an existing output is left alone: nothing to refuse.
  sample.write(
    "buildout.cfg",
    config(
      "collective.recipe.template",
      "input = template.in\noutput = template.in\noverwrite = false",
    ),
  );
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("template.in"), template);
});

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

Deno.test("slapos.recipe.template: url with md5sum, install, update, uninstall", async () => {
  using sample = await sampleBuildout();
  const before = tree(sample.dir);
  sample.write("template.in", "${section:option}");
  const cfg = (extra: string) =>
    `[buildout]
parts = template

[section]
option = value

[template]
recipe = slapos.recipe.template
url = template.in
output = template.out
${extra}`;
  sample.write("buildout.cfg", cfg(""));
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("template.out"), "value");
  assert.equal(modeOf(sample.path("template.out")), createdMode());

  // Without md5sum, update renders the template again.
  sample.write("template.in", "${section:option} again");
  await expectOk(sample, "Updating template.\n");
  assert.equal(sample.cat("template.out"), "value again");

  sample.write(
    "buildout.cfg",
    cfg(`md5sum = ${md5("${section:option} again")}`),
  );
  await expectOk(sample, "Uninstalling template.\nInstalling template.\n");
  // Known in advance: update does nothing, an edited output stays.
  sample.write("template.out", "edited");
  await expectOk(sample, "Updating template.\n");
  assert.equal(sample.cat("template.out"), "edited");

  sample.write("buildout.cfg", cfg(`md5sum = ${md5("something else")}`));
  await expectError(
    sample,
    `MD5 checksum mismatch for local resource at '/sample-buildout/template.in'.`,
  );

  // The failure came before anything was uninstalled.
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "Uninstalling template.\n");
  sample.remove("template.in");
  assert.deepEqual(tree(sample.dir), before);
});

Deno.test("slapos.recipe.template: only the output is recorded, so a reinstall keeps what other parts wrote beside it", async () => {
  using sample = await sampleBuildout();
  const cfg = (a: string) =>
    `[buildout]
parts = a b

[a]
recipe = slapos.recipe.template
inline = ${a}
output = \${buildout:directory}/etc/a.conf

[b]
recipe = slapos.recipe.template
inline = b
output = \${buildout:directory}/etc/b.conf
`;
  sample.write("buildout.cfg", cfg("a1"));
  await expectOk(sample, "Installing a.\nInstalling b.\n");
  assert.match(
    installed(sample),
    /\[a\]\n__buildout_installed__ = \/sample-buildout\/etc\/a\.conf\n__buildout_signature__/,
  );

  // Installing a again removes a.conf, not the directory b's output is in
  // (b is only updated, which does nothing for an inline template).
  sample.write("buildout.cfg", cfg("a2"));
  await expectOk(
    sample,
    "Uninstalling a.\nInstalling a.\nUpdating b.\n",
  );
  assert.equal(sample.cat("etc/a.conf"), "a2");
  assert.equal(sample.cat("etc/b.conf"), "b");

  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  await expectOk(sample, "Uninstalling b.\nUninstalling a.\n");
  assert.deepEqual(sample.ls("etc"), []);
});

Deno.test("slapos.recipe.template: $$ writes $, shebangs make it executable", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = instance wrapper

[directory]
etc = /srv/etc

[instance]
recipe = slapos.recipe.template
inline =
  [directory]
  etc = $\${buildout:directory}/etc
  software = \${buildout:directory}
  [sshd]
  config = $\${directory:etc}/sshd.conf
  cost = $$5
output = \${buildout:directory}/template.cfg

[wrapper]
recipe = slapos.recipe.template
inline =
  #!/bin/sh
  exec echo \${directory:etc} "$@"
output = \${buildout:bin-directory}/\${:_buildout_section_name_}
`,
  );
  await expectOk(sample, "Installing instance.\nInstalling wrapper.\n");
  assert.equal(
    sample.normalize(sample.cat("template.cfg")),
    `[directory]
etc = \${buildout:directory}/etc
software = /sample-buildout
[sshd]
config = \${directory:etc}/sshd.conf
cost = $5`,
  );
  assert.equal(modeOf(sample.path("template.cfg")), createdMode());
  assert.equal(modeOf(sample.path("bin/wrapper")), executableMode());
  assert.equal(
    execFileSync(sample.path("bin/wrapper"), ["x"], { encoding: "utf8" }),
    "/srv/etc x\n",
  );
  await expectOk(sample, "Updating instance.\nUpdating wrapper.\n");
});

Deno.test("slapos.recipe.template: a shebang naming a directory or no file leaves the output a plain file", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = dir missing

[dir]
recipe = slapos.recipe.template
inline =
  #!/usr
  echo hi
output = \${buildout:directory}/dir.sh

[missing]
recipe = slapos.recipe.template
inline =
  #!/no/such/shell
  echo hi
output = \${buildout:directory}/missing.sh
`,
  );
  await expectOk(sample, "Installing dir.\nInstalling missing.\n");
  // A directory passes the execute check, yet no kernel runs it.
  assert.equal(modeOf(sample.path("dir.sh")), createdMode());
  assert.equal(modeOf(sample.path("missing.sh")), createdMode());
});

Deno.test("slapos.recipe.template: bad options", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    [
      "output = x",
      "[template] needs exactly one of the options 'url' and 'inline'",
    ],
    [
      "url = a\ninline = b\noutput = x",
      "[template] needs exactly one of the options 'url' and 'inline'",
    ],
    ["inline = x", "Missing option: template:output"],
    ["inline = x\noutput =", "No output file specified in [template]."],
    [
      "inline = x\noutput =\n  precious\n  other",
      "The output of [template], precious\\nother, holds a line break: " +
      "name one path",
    ],
    [
      "inline = x\noutput = etc/",
      "The output of [template], etc/, ends with '/': name the file to write",
    ],
    [
      "url = nope.in\noutput = x",
      "Couldn't read the template /sample-buildout/nope.in of [template]: it does not exist",
    ],
    [
      "inline = ${template:nope}\noutput = x",
      "Referenced option does not exist: template:nope",
    ],
  ];
  for (const [options, message] of cases) {
    sample.write("buildout.cfg", config("slapos.recipe.template", options));
    await expectError(sample, message);
  }
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test("templates from http URLs go through the download cache and work offline", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("files");
  const template = "port = ${ports:web}\nname = ${:name}\n";
  sample.write(files, "app.conf.in", template);
  sample.write(files, "run.in", "#!/bin/sh\necho $${HOME} ${ports:web}\n");
  const md5 = createHash("md5").update(
    "#!/bin/sh\necho $${HOME} ${ports:web}\n",
  )
    .digest("hex");
  const server = await startServer(files);
  const config = (url: string) =>
    `[buildout]
parts = conf run
download-cache = cache

[ports]
web = 8080

[conf]
recipe = collective.recipe.template
url = ${url}app.conf.in
output = \${buildout:directory}/etc/app.conf
name = shop

[run]
recipe = slapos.recipe.template
url = ${url}run.in
md5sum = ${md5}
output = \${buildout:bin-directory}/run
`;
  try {
    sample.mkdir("cache");
    sample.write("buildout.cfg", config(server.url));
    const first = await run(sample);
    assert.equal(first.code, 0, first.output);
    assert.match(first.stdout, /Installing conf\.\n/);
    assert.equal(sample.cat("etc/app.conf"), "port = 8080\nname = shop\n");
    assert.equal(sample.cat("bin/run"), "#!/bin/sh\necho ${HOME} 8080\n");
    assert.equal(modeOf(sample.path("bin/run")), executableMode());
  } finally {
    await server.close();
  }
  // The server is gone: offline, the cached copies serve.
  sample.remove("etc");
  const offline = await run(sample, "-o");
  assert.equal(offline.code, 0, offline.output);
  assert.equal(sample.cat("etc/app.conf"), "port = 8080\nname = shop\n");

  // A checksum that does not match is the download utility's error.
  sample.write(
    "buildout.cfg",
    config(server.url).replace(md5, "0".repeat(32)).replace(
      "download-cache = cache",
      "download-cache = cache\noffline = true",
    ),
  );
  await expectError(
    sample,
    `MD5 checksum mismatch for cached download from '${server.url}run.in' at '/sample-buildout/cache/run.in'`,
  );
});

Deno.test("a part only a template from a URL references is an error naming it, not an internal error", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("files");
  sample.write(files, "app.conf.in", "other = ${other:output}\n");
  const server = await startServer(files);
  const config = (parts: string) =>
    `[buildout]
parts = ${parts}

[conf]
recipe = collective.recipe.template
url = ${server.url}app.conf.in
output = app.conf

[other]
recipe = template
inline = other
output = other.txt
`;
  try {
    sample.write("buildout.cfg", config("conf"));
    const result = await expectError(
      sample,
      "Part conf referenced part other only while installing, too late to " +
        "install it first: add it to the parts of [buildout], before conf " +
        `(${server.url}app.conf.in, line 1)`,
    );
    assert.match(result.stderr, /^While:\n {2}Installing conf\.\n/);
    assert.ok(!existsSync(sample.path("app.conf")));
    assert.ok(!existsSync(sample.path(".installed.cfg")));

    // As the error says: installed first, then the template.
    sample.write("buildout.cfg", config("other conf"));
    const fixed = await run(sample);
    assert.equal(fixed.code, 0, fixed.output);
    assert.equal(sample.cat("app.conf"), "other = other.txt\n");
    assert.equal(sample.cat("other.txt"), "other");

    // `install PART` installs only that part, whatever it references.
    sample.write("buildout.cfg", config("conf"));
    sample.remove("app.conf");
    const only = await run(sample, "install conf");
    assert.equal(only.code, 0, only.output);
    assert.equal(sample.cat("app.conf"), "other = other.txt\n");
  } finally {
    await server.close();
  }
});

Deno.test("slapos.recipe.template: a bad mode of a template from a URL is an error before anything changes", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("files");
  sample.write(files, "run.in", "#!/bin/sh\n");
  const server = await startServer(files);
  const config = (a: string, parts: string) =>
    `[buildout]
parts = ${parts}

[a]
recipe = slapos.recipe.template
inline = ${a}
output = a.txt

[run]
recipe = slapos.recipe.template
url = ${server.url}run.in
output = run
mode = rwx
`;
  try {
    sample.write("buildout.cfg", config("a1", "a"));
    await expectOk(sample, "Installing a.\n");
    sample.write("buildout.cfg", config("a2", "a run"));
    const result = await expectError(
      sample,
      "'mode' must be an octal number: rwx",
    );
    assert.match(result.stderr, /Initializing part run\.\n/);
    // Found while the parts initialized: a was not uninstalled, nothing
    // was downloaded.
    assert.equal(sample.cat("a.txt"), "a1");
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

Deno.test("slapos.recipe.template: mode wins over a shebang, and an md5sum written in capitals matches", async () => {
  using sample = await sampleBuildout();
  const text = "#!/bin/sh\necho ${section:option}\n";
  sample.write("template.in", text);
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = wrapper

[section]
option = hi

[wrapper]
recipe = slapos.recipe.template
url = template.in
md5sum = ${md5(text).toUpperCase()}
mode = 640
output = \${buildout:bin-directory}/wrapper
`,
  );
  await expectOk(sample, "Installing wrapper.\n");
  assert.equal(sample.cat("bin/wrapper"), "#!/bin/sh\necho hi\n");
  assert.equal(modeOf(sample.path("bin/wrapper")), "640");
});

Deno.test("slapos.recipe.template: a shebang adds execute permission only where the umask left read permission", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = wrapper

[wrapper]
recipe = slapos.recipe.template
inline =
  #!/bin/sh
  echo hi
output = \${buildout:bin-directory}/wrapper
`,
  );
  const result = await sample.system([], {
    through: ["sh", "-c", 'umask 077 && exec "$0" "$@"'],
  });
  assert.equal(result.code, 0, result.output);
  assert.equal(modeOf(sample.path("bin/wrapper")), "700");
});

for (const recipe of ["collective.recipe.template", "slapos.recipe.template"]) {
  Deno.test(`${recipe}: a directory made for an output that cannot be written is removed`, async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      config(
        recipe,
        `inline = hi\noutput = \${buildout:directory}/made/${"x".repeat(300)}`,
      ),
    );
    const result = await run(sample);
    assert.equal(result.code, 1, result.output);
    assert.match(
      result.stderr,
      /\nError: File name too long: \/sample-buildout\/made\/x+\.\.\.x+ \(\d+ characters\)\n$/,
    );
    assert.ok(!existsSync(sample.path("made")));
  });

  Deno.test(`${recipe}: a url naming a directory, or a path under a file, says why it cannot be read`, async () => {
    using sample = await sampleBuildout();
    sample.mkdir("dir");
    sample.write("file", "");
    for (
      const [url, reason] of [
        ["dir", "it is a directory"],
        ["file/template.in", "it does not exist"],
      ]
    ) {
      sample.write("buildout.cfg", config(recipe, `url = ${url}\noutput = x`));
      await expectError(
        sample,
        `Couldn't read the template /sample-buildout/${url} of [template]: ${reason}`,
      );
    }
  });
}

Deno.test("collective.recipe.template: a missing option is logged as the part's error before it stops the run", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    config("collective.recipe.template", "output = x"),
  );
  const result = await expectError(
    sample,
    "No input file, inline template, or URL specified.",
  );
  assert.equal(
    result.stdout,
    "template: No input file, inline template, or URL specified.\n",
  );
});

Deno.test("collective.recipe.template: byte 0x80 is not ascii, and a codec name in quotes is read as Python reads it", async () => {
  using sample = await sampleBuildout();
  writeFileSync(
    sample.path("template.in"),
    Buffer.from("ok\n\x80\n", "latin1"),
  );
  const cfg = (encoding: string) =>
    config(
      "collective.recipe.template",
      `input = template.in\noutput = out\ninput-encoding = ${encoding}`,
    );
  sample.write("buildout.cfg", cfg("ascii"));
  await expectError(
    sample,
    "Couldn't read the template /sample-buildout/template.in of [template]: line 2 is not ascii text",
  );
  sample.write("buildout.cfg", cfg("'Latin-1'"));
  await expectOk(sample, "Installing template.\n");
  assert.equal(sample.cat("out"), "ok\n\u0080\n");
});

Deno.test("template: a parent that is a dangling link is an error, and the link is kept", async () => {
  using sample = await sampleBuildout();
  symlinkSync("nowhere", sample.path("link"));
  sample.write(
    "buildout.cfg",
    config("template", "inline = hi\noutput = link/out"),
  );
  await expectError(
    sample,
    "Couldn't write /sample-buildout/link: a parent is not a directory",
  );
  assert.ok(lstatSync(sample.path("link")).isSymbolicLink());
});
