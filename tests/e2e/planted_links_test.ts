/**
 * End-to-end tests of runs as root in a buildout where another user owns
 * a directory (a service user given `var`) and puts symbolic links there:
 * the run must not change owners or modes, nor remove, through them. Links
 * owned by root are followed as before. Files written where a link was
 * planted replace it. Tests needing root (to own the links as another
 * user) are ignored otherwise, saying why.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { sampleBuildout } from "./harness.ts";
import { runOk } from "./recipe_fixtures.ts";

const SERVICE = 65534;
const rootSkip = process.getuid?.() === 0 ? null : "needs root";
const skipNote = rootSkip ? ` (skipped: ${rootSkip})` : "";

/** A link `path` to `target` owned by the service user. */
function plantLink(target: string, path: string): void {
  rmSync(path, { recursive: true, force: true });
  symlinkSync(target, path);
  lchownSync(path, SERVICE, SERVICE);
}

Deno.test({
  name: "mkdir does not hand a directory to its user through a link that " +
    `user planted in its place or on the way${skipNote}`,
  ignore: rootSkip !== null,
  fn: async () => {
    for (const planted of ["var/log", "var/log/app"]) {
      using sample = await sampleBuildout();
      const victim = sample.tmpdir("victim");
      mkdirSync(join(victim, "app"));
      chmodSync(join(victim, "app"), 0o755);
      sample.write(
        "buildout.cfg",
        "[buildout]\nparts = d\n[d]\nrecipe = z3c.recipe.mkdir\n" +
          "paths = var/log/app\nuser = nobody\nmode = 0777\n",
      );
      await runOk(sample);
      assert.equal(statSync(sample.path("var/log")).uid, SERVICE);
      const target = planted === "var/log" ? victim : join(victim, "app");
      plantLink(target, sample.path(planted));
      const result = await sample.run();
      assert.equal(
        result.stderr,
        `While:\n  Updating d.\nError: /sample-buildout/${planted} is a ` +
          "symbolic link owned by user 65534, not by root, the user running " +
          "buildout or the buildout directory's owner\n",
        planted,
      );
      assert.equal(result.code, 1);
      const app = statSync(join(victim, "app"));
      assert.equal(app.uid, 0, planted);
      assert.equal(app.mode & 0o7777, 0o755, planted);
    }
  },
});

Deno.test({
  name: "mkdir with nothing to create or change reads no link on the way, " +
    `another user's included${skipNote}`,
  ignore: rootSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const data = sample.tmpdir("data");
    mkdirSync(join(data, "log"));
    sample.mkdir("var");
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = d\n[d]\nrecipe = z3c.recipe.mkdir\n" +
        "paths = var/log\n",
    );
    plantLink(join(data, "log"), sample.path("var/log"));
    const result = await sample.run();
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(statSync(join(data, "log")).uid, 0);
  },
});

Deno.test({
  name: "mkdir follows a link root owns to set up a directory" + skipNote,
  ignore: rootSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const data = sample.tmpdir("data");
    symlinkSync(data, sample.path("var"));
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = d\n[d]\nrecipe = z3c.recipe.mkdir\n" +
        "paths = var/log\nuser = nobody\nmode = 0750\n",
    );
    await runOk(sample);
    const log = statSync(join(data, "log"));
    assert.equal(log.uid, SERVICE);
    assert.equal(log.mode & 0o7777, 0o750);
  },
});

Deno.test({
  name: "uninstall does not remove through a link another user planted on " +
    `the way to a recorded path${skipNote}`,
  ignore: rootSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const victim = sample.tmpdir("victim");
    mkdirSync(join(victim, "app"));
    sample.mkdir("var");
    // A root-owned link on the way is followed: the part's other path.
    symlinkSync(sample.tmpdir("data"), sample.path("data"));
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = c\n[c]\nrecipe = plone.recipe.command\n" +
        "command = mkdir -p var/cache/app data/app\n" +
        "location = ${buildout:directory}/var/cache/app\n" +
        "    ${buildout:directory}/data/app\n",
    );
    await runOk(sample);
    lchownSync(sample.path("var"), SERVICE, SERVICE);
    plantLink(victim, sample.path("var/cache"));
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    const result = await sample.run();
    assert.equal(
      result.output,
      "Uninstalling c.\nNot removing '/sample-buildout/var/cache/app': " +
        "/sample-buildout/var/cache is a symbolic link owned by user 65534, " +
        "not by root, the user running buildout or the buildout directory's " +
        "owner.\n",
    );
    assert.equal(result.code, 0);
    assert.ok(statSync(join(victim, "app")).isDirectory());
    assert.throws(() => statSync(sample.path("data/app")));
  },
});

Deno.test("a develop link is written in place of a symbolic link planted at its name, not through it", async () => {
  using sample = await sampleBuildout();
  const victim = join(sample.tmpdir("victim"), "file");
  writeFileSync(victim, "precious\n");
  sample.mkdir("greeter");
  sample.write(
    "greeter/package.json",
    '{"name": "greeter", "buildout": {"recipes": {"default": "./r.js"}}}',
  );
  sample.write("greeter/r.js", "export default class R { install() {} }\n");
  sample.write("buildout.cfg", "[buildout]\ndevelop = greeter\nparts =\n");
  symlinkSync(victim, sample.path("develop-eggs/greeter.egg-link"));
  await runOk(sample);
  assert.equal(readFileSync(victim, "utf8"), "precious\n");
  assert.equal(
    readFileSync(sample.path("develop-eggs/greeter.egg-link"), "utf8"),
    sample.path("greeter") + "\n",
  );
  assert.ok(
    !lstatSync(sample.path("develop-eggs/greeter.egg-link")).isSymbolicLink(),
  );
});
