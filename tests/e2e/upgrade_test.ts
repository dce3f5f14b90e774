/**
 * Upgrading the executable in place: a new `buildout` copied over the old
 * one reruns buildouts the old one built. Each test writes what another
 * release left (its `.installed.cfg` records) and checks that the run only
 * updates the parts, with nothing downloaded, built or run again.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type Sample, sampleBuildout, startServer } from "./harness.ts";
import { pack, writeTree } from "./recipe_fixtures.ts";

/**
 * A buildout with a download part and a command part, and the
 * `.installed.cfg` a release signing its built-in recipes `signature` wrote
 * for it, with the part's files in place.
 */
function builtBy(sample: Sample, signature: string): void {
  const d = sample.dir;
  writeTree(d, {
    "src/hello.txt": "hello\n",
    "parts/files/hello.txt": "hello, edited in place\n",
    "cmd.log": "ran\n",
  });
  pack(sample.path("src"), ["hello.txt"], sample.path("hello.tar.gz"));
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = files cmd

[files]
recipe = download
url = \${buildout:directory}/hello.tar.gz

[cmd]
recipe = plone.recipe.command
command = echo ran >> cmd.log
`,
  );
  sample.write(
    ".installed.cfg",
    `[buildout]
parts = files cmd

[files]
__buildout_installed__ = ${d}/parts/files
__buildout_signature__ = ${signature}
destination = ${d}/parts/files
download-only = false
filename = 
hash-name = true
ignore-existing = false
location = ${d}/parts/files
on-update = false
recipe = download
strip-top-level-dir = false
target = ${d}/parts/files
url = ${d}/hello.tar.gz

[cmd]
__buildout_installed__ = 
__buildout_signature__ = ${signature}
command = echo ran >> cmd.log
recipe = plone.recipe.command
`,
  );
}

for (const release of ["0.0.1", "99.0.0-rc.1"]) {
  Deno.test(`upgrading: parts built-in recipes of release ${release} installed are updated, not installed again`, async () => {
    using sample = await sampleBuildout();
    builtBy(sample, `buildout-${release}`);
    const version = (await sample.run("--version")).stdout.trim()
      .split(" ").pop();

    for (let run = 0; run < 2; run++) {
      const result = await sample.run();
      assert.equal(result.code, 0, result.output);
      assert.equal(result.stdout, "Updating files.\nUpdating cmd.\n");
    }
    assert.equal(
      sample.cat("parts/files/hello.txt"),
      "hello, edited in place\n",
    );
    assert.equal(sample.cat("cmd.log"), "ran\n");
    // The records now carry this release's signature.
    const db = sample.cat(".installed.cfg");
    assert.doesNotMatch(db, new RegExp(`buildout-${release}`));
    assert.equal(
      db.match(new RegExp(`= buildout-${version}\\n`, "g"))?.length,
      2,
    );
  });
}

Deno.test("upgrading: a part whose options changed since the earlier release is installed again", async () => {
  using sample = await sampleBuildout();
  builtBy(sample, "buildout-0.0.1");
  sample.write(
    "buildout.cfg",
    sample.cat("buildout.cfg").replace("echo ran", "echo again"),
  );

  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    result.stdout,
    "Uninstalling cmd.\nUpdating files.\nInstalling cmd.\n" +
      "cmd: Running 'echo again >> cmd.log'\n",
  );
  assert.equal(sample.cat("cmd.log"), "ran\nagain\n");
});

Deno.test("upgrading: a directory an earlier release recorded for one part is kept while it holds another part's file", async () => {
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
  assert.equal((await sample.run()).code, 0);
  // Earlier releases recorded the directory a's output went into as well.
  sample.write(
    ".installed.cfg",
    sample.cat(".installed.cfg").replace(
      `__buildout_installed__ = ${sample.dir}/etc/a.conf`,
      `__buildout_installed__ = ${sample.dir}/etc\n\t${sample.dir}/etc/a.conf`,
    ),
  );
  assert.match(sample.cat(".installed.cfg"), /= \/\S+\/etc\n\t/);

  sample.write("buildout.cfg", cfg("a2"));
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.equal(
    sample.normalize(result.output),
    "Uninstalling a.\n" +
      "Not removing '/sample-buildout/etc': it holds " +
      "'/sample-buildout/etc/b.conf', which part b installed.\n" +
      "Installing a.\nUpdating b.\n",
  );
  assert.equal(sample.cat("etc/b.conf"), "b");
  assert.equal(sample.cat("etc/a.conf"), "a2");

  // Once b is gone too, nothing holds it back.
  sample.write(
    ".installed.cfg",
    sample.cat(".installed.cfg").replace(
      `__buildout_installed__ = ${sample.dir}/etc/a.conf`,
      `__buildout_installed__ = ${sample.dir}/etc\n\t${sample.dir}/etc/a.conf`,
    ),
  );
  sample.write("buildout.cfg", "[buildout]\nparts =\n");
  const emptied = await sample.run();
  assert.equal(emptied.code, 0, emptied.output);
  assert.equal(
    sample.normalize(emptied.output),
    "Uninstalling b.\nUninstalling a.\n",
  );
  assert.ok(!existsSync(sample.path("etc")));
});

Deno.test("upgrading: a URL's copy an earlier release cached with its ;params in the name is used, online and offline", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("cache");
  sample.mkdir("www");
  // What earlier releases named the copy of https://host/notes.txt;sid=1.
  sample.write("cache", "notes.txt;sid=1", "cached notes\n");
  sample.write("www", "notes.txt", "served notes\n");
  const server = await startServer(sample.path("www"));
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
download-cache = cache
parts = notes

[notes]
recipe = hexagonit.recipe.download
url = ${server.url}notes.txt;sid=1
hash-name = false
download-only = true
`,
    );
    for (const flags of ["-o", ""]) {
      const result = await sample.run(flags);
      assert.equal(result.code, 0, result.output);
      assert.equal(result.stdout, "Installing notes.\n");
      assert.equal(sample.cat("parts/notes/notes.txt"), "cached notes\n");
      sample.remove("parts/notes");
      sample.remove(".installed.cfg");
    }
    assert.deepEqual(server.requests, []);
    assert.deepEqual(sample.ls("cache"), ["-  notes.txt;sid=1"]);
  } finally {
    await server.close();
  }
});
