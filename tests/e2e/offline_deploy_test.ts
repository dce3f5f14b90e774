/**
 * The offline deployments users describe (spec/usecase-offline-bootstrap.rst,
 * spec/usecase-workflow.md), done by hand as the README says rather than
 * with `bundle`: build once with network into caches, then build again
 * where there is none.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import {
  exec,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
} from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";

/** The Installing/Updating/Uninstalling lines of a run's output. */
function steps(output: string): string[] {
  return output.split("\n").filter((line) =>
    /^(Installing|Updating|Uninstalling) /.test(line)
  );
}

/** Runs the buildout's own `bin/buildout` in `dir`. */
function binBuildout(
  sample: Sample,
  dir: string,
  args: string[],
): Promise<RunResult> {
  return exec(join(dir, "bin", "buildout"), args, {
    cwd: dir,
    env: { HOME: sample.home },
  });
}

/** A served tree: a recipe distribution and a payload to download. */
async function served(sample: Sample): Promise<string> {
  const dir = sample.tmpdir("served");
  await writeDist(
    join(dir, "dists", "spam-1.tgz"),
    recipeDist("spam", "1", "spam installed"),
  );
  await writeDist(join(dir, "data-1.0.tgz"), { "README": "data\n" }, "data/");
  return dir;
}

Deno.test("offline bootstrap: built with network into caches inside, the copied tree builds from them with production_install.cfg", async () => {
  using sample = await sampleBuildout();
  const tree = await served(sample);
  const server = await startServer(tree);
  const project = sample.tmpdir("project");
  try {
    sample.write(
      tree,
      "base.cfg",
      `[buildout]\nparts = data spam\n\n` +
        `[data]\nrecipe = hexagonit.recipe.download\n` +
        `url = ${server.url}data-1.0.tgz\n\n` +
        `[spam]\nrecipe = spam\n`,
    );
    sample.write(
      project,
      "buildout.cfg",
      `[buildout]\nextends = ${server.url}base.cfg\n` +
        "download-cache = downloads\neggs-directory = eggs\n" +
        `extends-cache = ext-cache\nfind-links = ${server.url}dists/\n` +
        "versions = versions\n\n" +
        "[versions]\nspam = 1\nzc.buildout = 1.5.2\n",
    );
    sample.write(
      project,
      "production.cfg",
      "[buildout]\nextends = buildout.cfg\n",
    );
    // The README's profile, as given there.
    sample.write(
      project,
      "production_install.cfg",
      "[buildout]\nextends = production.cfg\ninstall-from-cache = true\n" +
        "offline = true\nnewest = false\n" +
        "# Read from the root file only (as zc.buildout does), so repeated here.\n" +
        "extends-cache = ext-cache\n",
    );
    sample.mkdir(project, "downloads");
    sample.mkdir(project, "ext-cache");
    const bootstrapped = await sample.system("bootstrap", { cwd: project });
    assert.equal(bootstrapped.code, 0, bootstrapped.output);
    const built = await binBuildout(sample, project, ["-c", "production.cfg"]);
    assert.deepEqual(steps(built.output), [
      "Installing data.",
      "Installing spam.",
    ]);
  } finally {
    await server.close();
  }
  const requests = server.requests.length;

  // The tree without what the build installed, as the README says to copy a
  // buildout that does not set relative-paths.
  const app = join(sample.tmpdir("customer"), "app");
  cpSync(project, app, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (path) =>
      path !== join(project, ".installed.cfg") &&
      path !== join(project, "parts"),
  });
  const offline = await binBuildout(sample, app, [
    "-c",
    "production_install.cfg",
  ]);
  assert.deepEqual(steps(offline.output), [
    "Installing data.",
    "Installing spam.",
  ]);
  assert.match(offline.output, /^spam installed$/m);
  assert.equal(sample.cat(app, "parts", "data", "data", "README"), "data\n");
  assert.equal(server.requests.length, requests);
  const again = await binBuildout(sample, app, [
    "-c",
    "production_install.cfg",
  ]);
  assert.deepEqual(steps(again.output), ["Updating data.", "Updating spam."]);
});

Deno.test("workflow: a release exported without bin or caches builds offline.cfg from a linked shared download cache, run by an executable outside it", async () => {
  using sample = await sampleBuildout();
  const server = await startServer(await served(sample));
  const shared = sample.tmpdir("download-cache");
  const config =
    `[buildout]\nparts = data spam\nfind-links = ${server.url}dists/\n\n` +
    `[versions]\nspam = 1\n\n` +
    `[data]\nrecipe = hexagonit.recipe.download\n` +
    `url = ${server.url}data-1.0.tgz\n\n` +
    `[spam]\nrecipe = spam\n`;
  const offlineCfg = "[buildout]\nextends = buildout.cfg\n" +
    "download-cache = downloads\ninstall-from-cache = true\n";
  try {
    // A development checkout fills the shared cache while online.
    const dev = sample.tmpdir("dev");
    sample.write(dev, "buildout.cfg", config);
    symlinkSync(shared, join(dev, "downloads"));
    const filled = await sample.system(
      ["buildout:download-cache=downloads"],
      { cwd: dev },
    );
    assert.equal(filled.code, 0, filled.output);
  } finally {
    await server.close();
  }
  assert.ok(readdirSync(join(shared, "dist")).includes("spam-1.tgz"));
  const requests = server.requests.length;

  // `git archive` of the release: configurations only; then
  // `ln -s -n -f /path/to/download-cache downloads`.
  const release = sample.tmpdir("boskel-abc1234");
  sample.write(release, "buildout.cfg", config);
  sample.write(release, "offline.cfg", offlineCfg);
  symlinkSync(shared, join(release, "downloads"));
  const deployed = await sample.system(["-c", "offline.cfg"], {
    cwd: release,
  });
  assert.equal(deployed.code, 0, deployed.output);
  assert.deepEqual(steps(deployed.output), [
    "Installing data.",
    "Installing spam.",
  ]);
  assert.equal(
    sample.cat(release, "parts", "data", "data", "README"),
    "data\n",
  );
  assert.ok(existsSync(join(release, "eggs", "spam-1")));
  assert.equal(server.requests.length, requests);
  const again = await sample.system(["-c", "offline.cfg"], { cwd: release });
  assert.deepEqual(steps(again.output), ["Updating data.", "Updating spam."]);
});
