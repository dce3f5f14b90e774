/**
 * The minimal-container scenario: a bundle made on a connected host is
 * unpacked into an empty root that holds nothing but the executable's shared
 * libraries (no sh, no tar, no python, no network) and builds there, from
 * `bin/buildout -c offline.cfg`, the same buildout as online.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { emptyRoot, runChrooted, skipReason, suffix } from "./chroot.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { md5 as md5File, pack, writeTree } from "./recipe_fixtures.ts";
import { type Sample, sampleBuildout, startServer } from "./harness.ts";

const RECIPE = `
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
export default class Fetch {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
    options.set("location", join(buildout.section("buildout").require("parts-directory"), name));
  }
  async install() {
    const location = this.options.require("location");
    const got = await this.buildout.download(this.options.require("url"), {
      md5: this.options.require("md5sum"),
    });
    writeFileSync(location, readFileSync(got.path, "utf8").toUpperCase());
    return location;
  }
}
`;

const PAYLOAD = "payload from the build host\n";

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function writeProject(
  sample: Sample,
  dir: string,
  server: string,
  siteMd5: string,
): void {
  sample.mkdir(dir, "recipes");
  sample.write(
    dir,
    "recipes",
    "package.json",
    JSON.stringify({
      name: "fetch",
      buildout: { recipes: { default: "./fetch.js" } },
    }),
  );
  sample.write(dir, "recipes", "fetch.js", RECIPE);
  sample.mkdir(dir, "templates");
  sample.write(dir, "templates", "app.conf.in", "data = ${data:paths}\n");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
develop = recipes
parts = payload data conf greeting site
find-links = ${server}dist/

[greeting]
recipe = spam

[site]
recipe = hexagonit.recipe.download
url = ${server}site-1.0.tar.gz
md5sum = ${siteMd5}
strip-top-level-dir = true

[payload]
recipe = fetch
url = ${server}payload.txt
md5sum = ${md5(PAYLOAD)}

[data]
recipe = z3c.recipe.mkdir
paths = \${buildout:directory}/var/data

[conf]
recipe = collective.recipe.template
input = \${buildout:directory}/templates/app.conf.in
output = \${buildout:parts-directory}/app.conf
`,
  );
}

/**
 * Every file under `dir/sub` with its content, where the buildout directory
 * (`spelled` as the build saw it) reads `DIR`.
 */
function snapshot(
  dir: string,
  sub: string,
  spelled = dir,
): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) visit(child);
      else {
        files[relative(dir, child)] = readFileSync(child, "utf8")
          .replaceAll(spelled, "DIR");
      }
    }
  };
  visit(join(dir, sub));
  return files;
}

Deno.test({
  name: "a bundle builds offline in an empty root, as online" + suffix,
  ignore: skipReason !== null,
  async fn() {
    using sample = await sampleBuildout();
    const files = sample.tmpdir("files");
    sample.write(files, "payload.txt", PAYLOAD);
    writeTree(join(files, "src"), {
      "site-1.0/index.html": "<h1>site</h1>\n",
      "site-1.0/bin/serve*": "#!/bin/sh\necho serving\n",
    });
    const site = pack(
      join(files, "src"),
      ["site-1.0"],
      join(files, "site-1.0.tar.gz"),
    );
    sample.mkdir(files, "dist");
    await writeDist(
      join(files, "dist", "spam-1.0.tgz"),
      recipeDist("spam", "1.0", "spam 1.0 says hello"),
      "package/",
    );
    const server = await startServer(files);
    const dir = sample.tmpdir("project");
    const out = join(sample.testDir, "project.tar.gz");
    try {
      writeProject(sample, dir, server.url, md5File(site));
      const online = await sample.system(["bundle", "-o", out], { cwd: dir });
      assert.equal(online.code, 0, online.output);
    } finally {
      await server.close();
    }

    const root = emptyRoot(["home/user", "app"]);
    try {
      execFileSync("tar", ["xzf", out, "-C", join(root, "app")]);
      const offline = await runChrooted(root, "/app/project/bin/buildout", [
        "-c",
        "/app/project/offline.cfg",
      ]);
      assert.equal(offline.code, 0, offline.output);
      assert.match(offline.stdout, /Installing payload\.\n/);
      // The distribution came from the bundled download cache.
      assert.match(offline.stdout, /spam 1\.0 says hello/);
      const built = join(root, "app", "project");
      const database = (d: string, inRoot: string) =>
        readFileSync(join(d, ".installed.cfg"), "utf8")
          .replace(/^directory = .*\n/m, "")
          .replaceAll(inRoot, "DIR");
      assert.equal(database(built, "/app/project"), database(dir, dir));
      assert.deepEqual(
        snapshot(built, "parts", "/app/project"),
        snapshot(dir, "parts"),
      );
      assert.equal(
        readFileSync(join(built, "parts", "payload"), "utf8"),
        PAYLOAD.toUpperCase(),
      );
      assert.equal(
        readFileSync(join(built, "parts", "app.conf"), "utf8"),
        "data = /app/project/var/data\n",
      );
      assert.ok(statSync(join(built, "var", "data")).isDirectory());
      // Unpacked from the bundled archive, modes kept.
      assert.equal(
        readFileSync(join(built, "parts", "site", "index.html"), "utf8"),
        "<h1>site</h1>\n",
      );
      assert.equal(
        statSync(join(built, "parts", "site", "bin", "serve")).mode & 0o777,
        0o755 & ~process.umask(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});
