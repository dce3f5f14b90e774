/**
 * End-to-end tests of trees holding read-only directories, which a plain
 * recursive remove refuses to anyone but root: an archive's `r-x`
 * directories unpacked into a part, and what a build leaves read-only in
 * its build directory (Go's module cache); and of a recorded file the file
 * system keeps whatever its mode. Run as another user (nobody), so they
 * need root; ignored otherwise, saying why.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { asNobody, giveToNobody, nobodySkipReason } from "./as_nobody.ts";
import { sampleBuildout } from "./harness.ts";
import { pack, writePackage, writeTree } from "./recipe_fixtures.ts";

const skipNote = nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : "";
const notRoot = nobodySkipReason !== null;

Deno.test({
  name: "a part unpacked from an archive with read-only directories is " +
    `uninstalled${skipNote}`,
  ignore: notRoot,
  fn: async () => {
    using sample = await sampleBuildout();
    const src = sample.tmpdir("src");
    writeTree(src, { "pkg/sub/f": "x\n", "pkg/g": "y\n" });
    chmodSync(join(src, "pkg", "sub"), 0o555);
    chmodSync(join(src, "pkg"), 0o555);
    const archive = pack(src, ["pkg"], join(sample.home, "ro.tar.gz"));
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = d\n[d]\nrecipe = download\nurl = file://${archive}\n`,
    );
    giveToNobody(sample);
    const installed = await asNobody(sample);
    assert.equal(installed.code, 0, installed.output);
    // Unpacked as GNU tar unpacks it for a user other than root.
    assert.equal(
      statSync(sample.path("parts", "d", "pkg")).mode & 0o777,
      0o555 & ~process.umask(),
    );

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    const result = await asNobody(sample);
    assert.equal(result.code, 0, result.output);
    assert.equal(sample.normalize(result.stdout), "Uninstalling d.\n");
    assert.ok(!existsSync(sample.path("parts", "d")));
  },
});

Deno.test({
  name: "a build leaving a read-only directory in its build directory " +
    `installs, and its build directory goes${skipNote}`,
  ignore: notRoot,
  fn: async () => {
    using sample = await sampleBuildout();
    const src = sample.tmpdir("src");
    // As `go build` leaves its module cache.
    writePackage(src, {
      top: "hello-1.0",
      program: "hello",
      install: [
        "mkdir -p modcache/m && echo m > modcache/m/f",
        "chmod -R a-w modcache",
      ],
    });
    const archive = pack(src, ["hello-1.0"], join(sample.home, "hello.tar.gz"));
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = c\n[c]\nrecipe = zc.recipe.cmmi\n` +
        `url = file://${archive}\n`,
    );
    giveToNobody(sample);
    const result = await asNobody(sample);
    assert.equal(result.code, 0, result.output);
    assert.ok(existsSync(sample.path("parts", "c", "bin", "hello")));
    assert.deepEqual(readdirSync(sample.runTmpdir), []);
  },
});

Deno.test({
  name: "a recorded file the file system keeps (another user's, in a " +
    "sticky directory) is a one-line error naming it, and its part stays " +
    `recorded${skipNote}`,
  ignore: notRoot,
  fn: async () => {
    using sample = await sampleBuildout();
    // A directory all may write to, as /tmp.
    const shared = sample.tmpdir("shared");
    chmodSync(shared, 0o1777);
    const output = join(shared, "motd");
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = t\n[t]\nrecipe = collective.recipe.template\n" +
        `input = inline:\n  hello\noutput = ${output}\n`,
    );
    giveToNobody(sample);
    const installed = await asNobody(sample);
    assert.equal(installed.code, 0, installed.output);
    // Another user took the file over.
    rmSync(output);
    writeFileSync(output, "root's\n");

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    const before = sample.cat(".installed.cfg");
    const result = await asNobody(sample);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `While:\n  Installing.\n  Uninstalling t.\nError: Permission denied: ${output}\n`,
    );
    assert.equal(sample.cat(".installed.cfg"), before);
    assert.equal(readFileSync(output, "utf8"), "root's\n");
  },
});
