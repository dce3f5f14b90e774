/**
 * `buildout bundle`: one archive that builds the buildout again on a host
 * without network, from `bin/buildout -c offline.cfg`.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  BUILDOUT,
  exec,
  type Sample,
  sampleBuildout,
  slowBody,
  startServer,
  type StaticServer,
  untilWhileRunning,
} from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { pack, writePackage } from "./recipe_fixtures.ts";

/** A server for `payload.txt`, closed at scope exit. */
async function payloadServer(
  sample: Sample,
): Promise<StaticServer & AsyncDisposable> {
  const files = sample.tmpdir("server");
  sample.write(files, "payload.txt", PAYLOAD);
  sample.write(files, "remote.cfg", "[motd]\nmode = 640\n");
  const server = await startServer(files);
  const stop = server.close.bind(server);
  let closed: Promise<void> | undefined;
  const close = () => closed ??= stop();
  return Object.assign(server, { close, [Symbol.asyncDispose]: close });
}

const RECIPE = `
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
export default class Greeting {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
    options.set("location", join(buildout.section("buildout").require("parts-directory"), name));
  }
  async install() {
    const location = this.options.require("location");
    let text = this.options.require("text");
    const url = this.options.get("url");
    if (url) {
      const got = await this.buildout.download(url, { md5: this.options.get("md5sum") });
      text += "\\n" + readFileSync(got.path, "utf8").trim();
    }
    writeFileSync(location, text + "\\n");
    return location;
  }
}
`;

/**
 * A buildout with a develop recipe package that downloads from `server`, an
 * extends file, a template and mkdir.
 */
function writeProject(sample: Sample, dir: string, server: string): void {
  sample.mkdir(dir, "recipes");
  sample.write(
    dir,
    "recipes",
    "package.json",
    JSON.stringify({
      name: "greet",
      buildout: { recipes: { default: "./greet.js" } },
    }),
  );
  sample.write(dir, "recipes", "greet.js", RECIPE);
  sample.write(dir, "base.cfg", "[hello]\ntext = Hello\n");
  sample.write(dir, "motd.in", "Welcome to \${hello:location}\n");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
extends = base.cfg ${server}remote.cfg
develop = recipes
parts = hello data motd

[hello]
recipe = greet
text += world
url = ${server}payload.txt
md5sum = ${md5(PAYLOAD)}

[motd]
recipe = collective.recipe.template
input = motd.in
output = \${buildout:directory}/etc/motd

[data]
recipe = mkdir
paths = \${buildout:directory}/var/data
`,
  );
}

const PAYLOAD = "downloaded\n";

/**
 * A buildout directory `project` that is its own develop package
 * (`develop = .`), whose part `hello` writes `Hi`.
 */
function developDotProject(sample: Sample): string {
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "package.json",
    JSON.stringify({ buildout: { recipes: { default: "./greet.js" } } }),
  );
  sample.write(dir, "greet.js", RECIPE);
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\ndevelop = .\nparts = hello\n[hello]\nrecipe = project\ntext = Hi\n",
  );
  return dir;
}

/**
 * Bundles the buildout in `dir` (whose part `hello` writes `Hi`), unpacks
 * the archive elsewhere and builds it offline there; returns the archive.
 */
async function bundleHelloOffline(
  sample: Sample,
  dir: string,
): Promise<string> {
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(readFileSync(join(unpacked, "parts", "hello"), "utf8"), "Hi\n");
  return out;
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/**
 * `.installed.cfg` with the buildout directory replaced by `DIR`, without
 * the `directory` line a relocatable buildout records.
 */
function database(dir: string): string {
  return readFileSync(join(dir, ".installed.cfg"), "utf8")
    .replace(/^directory = .*\n/m, "").replaceAll(dir, "DIR");
}

Deno.test("bundle builds, packs, and the bundle builds the same offline", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  const stdout = sample.normalize(bundled.stdout);
  assert.match(stdout, /Installing hello\.\n/);
  assert.match(stdout, /Bundled \/project\.tar\.gz \(\d+\.\d MB\):\n/);
  assert.match(stdout, /project\/bin\/buildout \(\d+\.\d MB\)\n/);
  assert.match(stdout, /project\/offline\.cfg\n/);

  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  for (
    const entry of [
      "project/buildout.cfg",
      "project/base.cfg",
      "project/recipes/package.json",
      "project/recipes/greet.js",
      "project/offline.cfg",
      "project/bin/buildout",
      "project/motd.in",
      "project/downloads/payload.txt",
    ]
  ) {
    assert.ok(listing.includes(entry), `${entry} in ${listing}`);
  }
  const remote = createHash("md5").update(`${server.url}remote.cfg`).digest(
    "hex",
  );
  assert.ok(
    listing.includes(`project/extends-cache/${remote}`),
    listing.join(),
  );
  // Installed parts and the database stay behind.
  assert.ok(!listing.includes("project/parts/hello"), listing.join("\n"));
  assert.ok(!listing.includes("project/.installed.cfg"));
  assert.ok(!listing.includes("project/etc/motd"));
  assert.deepEqual(
    listing.filter((e) => e.startsWith("project/develop-eggs/")),
    ["project/develop-eggs/"],
  );

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  assert.equal(
    readFileSync(join(unpacked, "offline.cfg"), "utf8"),
    `# Written by buildout bundle: build from the bundled caches only.
[buildout]
extends = buildout.cfg
install-from-cache = true
offline = true
newest = false
relative-paths = true
download-cache = downloads
extends-cache = extends-cache
`,
  );
  await server.close();
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "hello"), "utf8"),
    "Hello\nworld\ndownloaded\n",
  );
  assert.equal(
    readFileSync(join(unpacked, "etc", "motd"), "utf8"),
    `Welcome to ${join(unpacked, "parts", "hello")}\n`,
  );
  // From the extends cache: the server is gone.
  assert.equal(statSync(join(unpacked, "etc", "motd")).mode & 0o777, 0o640);
  assert.ok(existsSync(join(unpacked, "var", "data")));
  assert.equal(database(unpacked), database(dir));

  // A second copy whose cache lost the download: the offline error.
  const damaged = join(sample.tmpdir("damaged"));
  execFileSync("tar", ["xzf", out, "-C", damaged]);
  const project = join(damaged, "project");
  rmSync(join(project, "downloads", "payload.txt"));
  const missing = await exec(
    join(project, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: project, env: { HOME: sample.home } },
  );
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    new RegExp(
      `Error: Couldn't download '${server.url}payload.txt' in offline mode\\.\n$`,
    ),
  );
  assert.ok(!existsSync(join(project, "parts", "hello")));
});

Deno.test("bundle --with-parts needs relative-paths; run as bin/buildout, its bundle carries itself and the parts, which a copy elsewhere only updates", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const out = join(sample.testDir, "project.tar.gz");
  const env = { HOME: sample.home };

  // Its .installed.cfg would name this directory's paths: a copy run
  // elsewhere on this host removed this buildout's parts.
  const refused = await sample.system(
    ["bundle", "-o", out, "--with-parts"],
    { cwd: dir },
  );
  assert.equal(
    refused.stderr,
    "Error: bundle --with-parts needs relative-paths = true in [buildout], " +
      "so that the unpacked parts are the copy's own wherever it is unpacked\n",
  );
  assert.equal(refused.code, 1);
  assert.ok(!existsSync(out) && !existsSync(join(dir, "parts", "hello")));

  const config = join(dir, "buildout.cfg");
  const text = readFileSync(config, "utf8");
  writeFileSync(
    config,
    text.replace("[buildout]\n", "[buildout]\nrelative-paths = true\n"),
  );
  assert.equal((await sample.system("bootstrap", { cwd: dir })).code, 0);
  // As bin/buildout, the executable is also the directory's bin/buildout,
  // which the directory's walk leaves out: it was missing from the archive.
  const bin = join(dir, "bin", "buildout");
  const result = await exec(bin, ["bundle", "-o", out, "--with-parts"], {
    cwd: dir,
    env,
  });
  assert.equal(result.code, 0, result.output);
  const listing = execFileSync("tar", ["tzvf", out], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  const names = listing.map((line) => line.split(/\s+/).pop());
  for (
    const entry of [
      "project/parts/hello",
      "project/.installed.cfg",
      "project/etc/motd",
    ]
  ) {
    assert.ok(names.includes(entry), `${entry} in ${names}`);
  }
  const exe = listing.filter((line) => line.endsWith(" project/bin/buildout"));
  assert.equal(exe.length, 1, listing.join("\n"));
  assert.ok(exe[0].includes(` ${statSync(BUILDOUT).size} `), exe[0]);

  await server.close();
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const copy = join(target, "project");
  const offline = await exec(
    join(copy, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: copy, env },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.doesNotMatch(offline.output, /Installing|Uninstalling/);
  assert.match(offline.stdout, /Updating hello\./);
  assert.ok(existsSync(join(dir, "parts", "hello")), "original parts kept");
});

/** The project to bundle (see writeProject) and an empty output directory. */
function projectAndOutput(
  sample: Sample,
  url: string,
): { dir: string; outDir: string } {
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, url);
  return { dir, outDir: sample.tmpdir("out") };
}

/**
 * Resolves once the bundle `run` writes its archive (a hidden file) in
 * `outDir`; throws if it ends first.
 */
function untilPacking(run: Promise<unknown>, outDir: string): Promise<void> {
  return untilWhileRunning(
    run,
    () => readdirSync(outDir).some((name) => name.startsWith(".")),
    "packing",
  );
}

Deno.test("a bundle killed while packing leaves no truncated archive", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const { dir, outDir } = projectAndOutput(sample, server.url);
  const out = join(outDir, "project.tar.gz");
  const child = spawn(BUILDOUT, ["bundle", "-o", out], {
    cwd: dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  // Packing the executable takes seconds: kill as soon as the archive is
  // being written.
  await untilPacking(exited, outDir);
  child.kill("SIGKILL");
  await exited;
  assert.ok(!existsSync(out), "no archive under the final name");
});

Deno.test("what a bundle killed while packing into the buildout directory left goes with the next run, whatever its command", async () => {
  using sample = await sampleBuildout();
  const child = spawn(BUILDOUT, ["bundle"], {
    cwd: sample.dir,
    env: { ...process.env, HOME: sample.home },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  const packing = () =>
    readdirSync(sample.dir).filter((name) =>
      name.startsWith(".buildout-") && name.endsWith(".tar.gz")
    );
  while (!packing().length) await new Promise((wait) => setTimeout(wait, 10));
  child.kill("SIGKILL");
  await exited;
  assert.equal(packing().length, 1);

  const result = await sample.run("");
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(packing(), []);
});

Deno.test("bundle refuses files outside the buildout directory", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(sample.testDir, "shared.cfg", "[buildout]\nparts =\n");
  sample.write(dir, "buildout.cfg", "[buildout]\nextends = ../shared.cfg\n");
  const out = join(sample.testDir, "project.tar.gz");
  const result = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: bundle can only carry files inside /project; the buildout uses /shared.cfg\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle refuses files outside the buildout directory reached through links inside", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(sample.testDir, "shared.cfg", "[buildout]\nparts =\n");
  symlinkSync(join("..", "shared.cfg"), join(dir, "base.cfg"));
  sample.write(dir, "buildout.cfg", "[buildout]\nextends = base.cfg\n");
  const out = join(sample.testDir, "project.tar.gz");
  const linked = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(linked.code, 1, linked.output);
  assert.equal(
    sample.normalize(linked.stderr),
    "Error: bundle can only carry files inside /project; the buildout uses " +
      "/shared.cfg (linked as /project/base.cfg)\n",
  );
  // A shared download cache linked into the tree, as the README suggests
  // for copying by hand.
  const other = sample.tmpdir("other");
  symlinkSync(sample.tmpdir("shared-cache"), join(other, "downloads"));
  sample.write(
    other,
    "buildout.cfg",
    "[buildout]\nparts =\ndownload-cache = downloads\n",
  );
  const cache = await sample.system(["bundle", "-o", out], { cwd: other });
  assert.equal(cache.code, 1, cache.output);
  assert.equal(
    sample.normalize(cache.stderr),
    "Error: bundle can only carry files inside /other; the buildout uses " +
      "/shared-cache (linked as /other/downloads)\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle replaces a cache configured outside the buildout directory with one inside", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  // A sibling whose path starts with the directory's is outside too.
  const shared = sample.tmpdir("project-cache");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]\nparts = payload\ndownload-cache = ${shared}\n` +
      `[payload]\nrecipe = download\nurl = ${server.url}payload.txt\n` +
      "download-only = true\n",
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(
    sample.normalize(bundled.stdout),
    /^\/project-cache is outside the buildout directory: bundling with \/project\/downloads instead\.$/m,
  );
  assert.deepEqual(readdirSync(shared), []);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" });
  assert.match(listing, /^project\/downloads\/[0-9a-f]{32}$/m);
  const offline = execFileSync(
    "tar",
    ["xzf", out, "-O", "project/offline.cfg"],
    {
      encoding: "utf8",
    },
  );
  assert.match(offline, /^download-cache = downloads$/m);
});

Deno.test("bundle names the URLs a part uses that are not in the cache", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg") +
      `\n[docs]\nrecipe = debug\nhome = \${hello:url}\nmirror = ${server.url}mirror/x.tgz\n` +
      "\n[buildout]\nparts += docs\n",
  );
  const out = join(sample.testDir, "project.tar.gz");
  const result = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr.replaceAll(server.url, "http://SERVER/"),
    "Error: bundle could not capture these URLs in the download cache, so " +
      "the offline build would miss them:\n" +
      "  http://SERVER/mirror/x.tgz ([docs])\n" +
      "A part installed by an earlier run without this cache downloads " +
      "nothing when only updated: remove what it installed (its directory " +
      "in parts) and bundle again. A recipe fetching without buildout's " +
      "download utility is never captured: use --ignore-uncached to bundle " +
      "anyway.\n",
  );
  assert.ok(!existsSync(out));
  const anyway = await sample.system(
    ["bundle", "-o", out, "--ignore-uncached"],
    {
      cwd: dir,
    },
  );
  assert.equal(anyway.code, 0, anyway.output);
  assert.match(
    anyway.stdout,
    /Not in the download cache, bundled anyway:\n {2}http:/,
  );
  assert.ok(existsSync(out));
});

Deno.test("bundle of a buildout built without a download cache names the parts to reinstall", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  sample.write(join(sample.testDir, "server"), "data.txt", "data\n");
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg") +
      `\n[file]\nrecipe = download\nurl = ${server.url}data.txt\n` +
      "download-only = true\n\n[buildout]\nparts += file\n",
  );
  const built = await sample.system([], { cwd: dir });
  assert.equal(built.code, 0, built.output);
  const out = join(sample.testDir, "project.tar.gz");
  const refused = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.stderr.replaceAll(server.url, "http://SERVER/"),
    /^ {2}http:\/\/SERVER\/data\.txt \(\[file\]\)$/m,
  );
  assert.match(refused.stderr, /remove what it installed/);
  rmSync(join(dir, "parts", "file"), { recursive: true });
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /Installing file\./);
});

Deno.test("bundle names the distributions the download cache lacks, unpacked by an earlier run; one from find-links outside the buildout reaches the cache", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", ""));
  const server = await startServer(links);
  try {
    await distributionsOutsideTheCache(sample, links, server.url);
  } finally {
    await server.close();
  }
});

async function distributionsOutsideTheCache(
  sample: Sample,
  links: string,
  serverUrl: string,
): Promise<void> {
  const dir = sample.tmpdir("project");
  const config = (findLinks: string) =>
    `[buildout]\nparts = a\nfind-links = ${findLinks}\n` +
    "[versions]\nspam = 1\n[a]\nrecipe = spam\n";
  sample.write(dir, "buildout.cfg", config(serverUrl));
  // Built before the buildout had a download cache: spam is unpacked in
  // eggs, and a pinned, unpacked distribution is not downloaded again.
  const built = await sample.system([], { cwd: dir });
  assert.equal(built.code, 0, built.output);
  const out = join(sample.testDir, "project.tar.gz");
  const refused = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.stderr,
    /^Error: bundle could not capture these distributions in the download cache, so the offline build would miss them:\n {2}spam 1 \(.*eggs\/spam-1\)\n/m,
  );
  assert.match(refused.stderr, /remove its directory there/);
  assert.ok(!existsSync(out));
  const anyway = await sample.system(
    ["bundle", "-o", out, "--ignore-uncached"],
    { cwd: dir },
  );
  assert.equal(anyway.code, 0, anyway.output);
  assert.match(
    anyway.stdout,
    /Not in the download cache, bundled anyway:\n {2}spam 1 \(/,
  );
  rmSync(out);
  rmSync(join(dir, "eggs", "spam-1"), { recursive: true });
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /Got spam 1\./);

  // A find-links directory outside the buildout is not packed, but its
  // archives reach the download cache, as zc.buildout copies them there:
  // the bundle builds without it.
  rmSync(join(dir, "eggs", "spam-1"), { recursive: true });
  rmSync(join(dir, "downloads"), { recursive: true });
  sample.write(dir, "buildout.cfg", config(links));
  const outside = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(outside.code, 0, outside.output);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" });
  assert.match(listing, /^project\/downloads\/dist\/spam-1\.tgz$/m);
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  renameSync(links, `${links}.away`);
  // Built without offline.cfg, the missing distribution says how to build.
  const plain = await exec(join(unpacked, "bin", "buildout"), [], {
    cwd: unpacked,
    env: { HOME: sample.home },
  });
  assert.equal(plain.code, 1, plain.output);
  assert.match(
    plain.stderr,
    /^Error: Couldn't find a distribution for 'spam==1' \(looked in .*links \(not found\)\)\. \(this buildout was unpacked from a bundle: build it from the bundled caches with `bin\/buildout -c offline\.cfg`\)$/m,
  );
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  renameSync(`${links}.away`, links);
  assert.equal(offline.code, 0, offline.output);
  assert.match(offline.stdout, /^Got spam 1\.$/m);

  // Inside the buildout directory it travels with the bundle.
  execFileSync("cp", ["-r", links, join(dir, "links")]);
  sample.write(dir, "buildout.cfg", config("links"));
  const inside = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(inside.code, 0, inside.output);
}

Deno.test("bundle of a buildout whose user defaults share an eggs directory says how to bundle without emptying it", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", ""));
  const server = await startServer(links);
  try {
    // As Plone developers' defaults do: one eggs directory for all buildouts.
    const shared = join(sample.home, ".buildout", "eggs");
    sample.mkdir(shared);
    sample.write(
      sample.home,
      ".buildout/default.cfg",
      `[buildout]\neggs-directory = ${shared}\n`,
    );
    const dir = sample.tmpdir("project");
    sample.write(
      dir,
      "buildout.cfg",
      `[buildout]\nparts = a\nfind-links = ${server.url}\n` +
        "[versions]\nspam = 1\n[a]\nrecipe = spam\n",
    );
    const built = await sample.system([], { cwd: dir });
    assert.equal(built.code, 0, built.output);
    const refused = await sample.system(["bundle"], { cwd: dir });
    assert.equal(refused.code, 1, refused.output);
    assert.match(
      refused.stderr,
      /^ {2}spam 1 \(.*\/\.buildout\/eggs\/spam-1\)$/m,
    );
    assert.doesNotMatch(refused.stderr, /remove its directory there/);
    const hint = refused.stderr.match(/run `buildout ([^`]*)`/);
    assert.ok(hint, refused.stderr);
    const bundled = await sample.system(hint[1].split(" "), { cwd: dir });
    assert.equal(bundled.code, 0, bundled.output);
    assert.match(bundled.stdout, /Got spam 1\./);
    // The other buildouts' copy is still there.
    assert.ok(existsSync(join(shared, "spam-1", "package.json")));
  } finally {
    await server.close();
  }
});

Deno.test("bundle carries the distributions of a find-links location that is the buildout directory, not those of a link inside to elsewhere", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  await writeDist(join(dir, "spam-1.tgz"), recipeDist("spam", "1", ""));
  const config = (findLinks: string) =>
    `[buildout]\nparts = a\nfind-links = ${findLinks}\n` +
    "[versions]\nspam = 1\n[a]\nrecipe = spam\n";
  sample.write(dir, "buildout.cfg", config("${buildout:directory}"));
  // Unpacked without a download cache: the bundle gets nothing again, and
  // finds the archive only where find-links names it.
  const built = await sample.system([], { cwd: dir });
  assert.equal(built.code, 0, built.output);
  const out = join(sample.testDir, "project.tar.gz");
  const top = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(top.code, 0, top.output);

  const links = sample.tmpdir("links");
  execFileSync("mv", [join(dir, "spam-1.tgz"), links]);
  symlinkSync(links, join(dir, "links"));
  rmSync(join(dir, "downloads"), { recursive: true });
  sample.write(dir, "buildout.cfg", config("links"));
  const linked = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(linked.code, 1, linked.output);
  assert.match(linked.stderr, /^ {2}spam 1 \(/m);
});

Deno.test("bundle carries a develop package that is the buildout directory itself (develop = .)", async () => {
  using sample = await sampleBuildout();
  const dir = developDotProject(sample);
  await bundleHelloOffline(sample, dir);
});

Deno.test("the default bundle archive inside a develop = . buildout does not reinstall its parts", async () => {
  using sample = await sampleBuildout();
  const dir = developDotProject(sample);
  const bundled = await sample.system(["bundle"], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.ok(existsSync(join(dir, "project.tar.gz")));
  const rerun = await sample.system([], { cwd: dir });
  assert.equal(rerun.code, 0, rerun.output);
  assert.match(rerun.stdout, /^Updating hello\.$/m);
  assert.doesNotMatch(rerun.output, /Uninstalling/);
});

Deno.test("bundle carries the develop packages a glob matches, and refuses one linked from outside", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  const recipes = join(dir, "recipes");
  sample.mkdir(recipes, "greet");
  sample.write(
    recipes,
    "greet/package.json",
    JSON.stringify({
      name: "greet",
      buildout: { recipes: { default: "./greet.js" } },
    }),
  );
  sample.write(recipes, "greet/greet.js", RECIPE);
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\ndevelop = recipes/*\nparts = hello\n[hello]\nrecipe = greet\ntext = Hi\n",
  );
  const out = await bundleHelloOffline(sample, dir);

  const shared = sample.tmpdir("shared");
  sample.write(
    shared,
    "package.json",
    JSON.stringify({ name: "shared", buildout: { recipes: {} } }),
  );
  symlinkSync(shared, join(recipes, "shared"));
  rmSync(out);
  const linked = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(linked.code, 1, linked.output);
  assert.equal(
    sample.normalize(linked.stderr),
    "Error: bundle can only carry files inside /project; the buildout uses " +
      "/shared (linked as /project/recipes/shared)\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle: bad arguments are user errors", async () => {
  using sample = await sampleBuildout();
  const result = await sample.system("bundle --nope");
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "Error: bundle: unexpected argument --nope (usage: bundle [-o OUT.tar.gz] [--with-parts] [--ignore-uncached] [--executable FILE])\n",
  );
});

Deno.test("bundle -o with an empty name or a directory name is refused before building", async () => {
  using sample = await sampleBuildout();
  const empty = await sample.run(["bundle", "-o", ""]);
  assert.equal(empty.code, 1, empty.output);
  assert.equal(empty.stderr, "Error: -o needs a file name\n");
  for (const args of [["-o", "out/"], ["-oout/"]]) {
    const result = await sample.run(["bundle", ...args]);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      "Error: -o needs a file name, not the directory name out/\n",
    );
  }
  // The long option's GNU spelling, --output=FILE, is read as --output FILE.
  const long: Array<[string, string]> = [
    ["--output=", "--output needs a file name"],
    [
      "--output=out/",
      "--output needs a file name, not the directory name out/",
    ],
  ];
  for (const [arg, message] of long) {
    const result = await sample.run(["bundle", arg]);
    assert.equal(result.code, 1, result.output);
    assert.equal(result.stderr, `Error: ${message}\n`);
  }
  assert.ok(!existsSync(sample.path("out")), "bundle wrote ./out");
  assert.ok(!existsSync(sample.path("downloads")), "bundle built");
});

Deno.test("bundle -o into a missing directory, or below a file, is refused before building", async () => {
  using sample = await sampleBuildout();
  const cases: [string, string][] = [
    ["missing/out.tar.gz", "no such file or directory"],
    ["buildout.cfg/out.tar.gz", "not a directory"],
  ];
  for (const [name, reason] of cases) {
    const result = await sample.run(["bundle", "-o", name]);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `Error: Couldn't write /sample-buildout/${name}: ${reason}\n`,
    );
  }
  assert.ok(!existsSync(sample.path("downloads")), "bundle built");
});

Deno.test("bundle -o naming a FIFO, a device or a link is refused, and left as it was", async () => {
  using sample = await sampleBuildout();
  execFileSync("mkfifo", [sample.path("fifo")]);
  symlinkSync(sample.path("fifo"), sample.path("link"));
  for (const name of ["fifo", "link"]) {
    const result = await sample.run(["bundle", "-o", name]);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `Error: Couldn't write /sample-buildout/${name}: not a regular file, ` +
        "which bundle would replace by renaming the archive over it\n",
    );
  }
  assert.ok(lstatSync(sample.path("fifo")).isFIFO());
  assert.ok(lstatSync(sample.path("link")).isSymbolicLink());
});

Deno.test("a failing bundle leaves nothing unpacked out of sight in eggs", async () => {
  using sample = await sampleBuildout();
  const links = sample.tmpdir("links");
  await writeDist(
    join(links, "needy-1.0.tgz"),
    recipeDist("needy", "1.0", "", ["shared==1"]),
  );
  await writeDist(join(links, "shared-1.tgz"), recipeDist("shared", "1", ""));
  await writeDist(join(links, "shared-2.tgz"), recipeDist("shared", "2", ""));
  const server = await startServer(links);
  const dir = sample.tmpdir("project");
  // The look-ahead fetches shared 2 for part b while part a settles on
  // shared 1: the run then fails on b's requirement.
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
parts = a b
find-links = ${server.url}

[a]
recipe = needy
[b]
recipe = shared>=2
`,
  );
  const out = join(sample.testDir, "project.tar.gz");
  let result;
  try {
    result = await sample.system(["bundle", "-o", out], { cwd: dir });
  } finally {
    await server.close();
  }
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /Error: There is a version conflict: we already have shared 1/,
  );
  assert.deepEqual(readdirSync(join(dir, "eggs")).sort(), [
    "needy-1.0",
    "shared-1",
  ]);
  assert.ok(!existsSync(out));
});

Deno.test("bundle shows the versions it picked, as install does", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  // Inside the buildout, so that the bundle carries it.
  const links = join(dir, "links");
  await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", ""));
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]
parts = a
find-links = ${links}
show-picked-versions = true

[a]
recipe = spam
`,
  );
  const out = join(sample.testDir, "project.tar.gz");
  const result = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /The following part definition lists the versions picked:\n\[versions\]\nspam = 1\n/,
  );
});

Deno.test("bundle of a buildout already built with its download cache", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  sample.mkdir(dir, "downloads");
  sample.write(join(sample.testDir, "server"), "data.txt", "data\n");
  sample.write(
    dir,
    "buildout.cfg",
    sample.cat(dir, "buildout.cfg") +
      `\n[buildout]\ndownload-cache = downloads\nparts += file\n` +
      `\n[file]\nrecipe = download\nurl = ${server.url}data.txt\n` +
      "download-only = true\n",
  );
  const built = await sample.system([], { cwd: dir });
  assert.equal(built.code, 0, built.output);
  // The parts are only updated now: their downloads are in the cache from
  // the first run.
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /Updating file\.\n/);

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  await server.close();
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "hello"), "utf8"),
    "Hello\nworld\ndownloaded\n",
  );
  assert.equal(
    readFileSync(join(unpacked, "parts", "file", "data.txt"), "utf8"),
    "data\n",
  );
});

Deno.test("bundle refuses an offline.cfg of the user's, which its own would replace in the archive", async () => {
  using sample = await sampleBuildout();
  // The workflow's hand-written offline.cfg, building only some parts.
  const own = "[buildout]\nextends = buildout.cfg\nparts =\n";
  sample.write("offline.cfg", own);
  const refused = await sample.run(["bundle"]);
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    refused.stderr,
    "Error: /sample-buildout/offline.cfg exists, and bundle puts its own " +
      "offline.cfg in the archive instead: rename it to bundle it\n",
  );
  assert.equal(sample.cat("offline.cfg"), own);
  assert.ok(!existsSync(sample.path("sample-buildout.tar.gz")));
  assert.ok(!existsSync(sample.path("downloads")), "bundle built");
  // One an earlier bundle wrote (an unpacked bundle bundled again) is replaced.
  sample.write(
    "offline.cfg",
    "# Written by buildout bundle: build from the bundled caches only.\n" +
      "[buildout]\nextends = buildout.cfg\n",
  );
  const bundled = await sample.run(["bundle"]);
  assert.equal(bundled.code, 0, bundled.output);
});

/** `text` padded with a comment line to `bytes` bytes (ASCII `text`). */
function paddedTo(bytes: number, text: string): string {
  return text + "#".repeat(bytes - text.length - 1) + "\n";
}

Deno.test("bundle's summary counts one file as one file, in bytes below 1024", async () => {
  using sample = await sampleBuildout();
  sample.write("buildout.cfg", paddedTo(1023, "[buildout]\nparts =\n"));
  const bundled = await sample.run(["bundle"]);
  assert.equal(bundled.code, 0, bundled.output);
  // buildout.cfg only: the caches bundle creates are empty.
  assert.match(
    bundled.stdout,
    /\n {2}1 file of the buildout directory \(1023 bytes\)\n {2}0 files of the download and extends caches \(0 bytes\)\n/,
  );
  // One cached extends file reads as one file of the caches.
  await using server = await payloadServer(sample);
  sample.mkdir("extends");
  sample.write(
    "buildout.cfg",
    paddedTo(
      1024,
      "[buildout]\nparts =\nextends-cache = extends\n" +
        `extends = ${server.url}remote.cfg\n`,
    ),
  );
  const cached = await sample.run(["bundle"]);
  assert.equal(cached.code, 0, cached.output);
  assert.match(
    cached.stdout,
    /\n {2}1 file of the buildout directory \(1\.0 KB\)\n {2}1 file of the download and extends caches \(\d+ bytes\)\n/,
  );
});

Deno.test("bundle says once that an optional-extends file is missing, though it reads the configuration three times", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\noptional-extends = local.cfg\n",
  );
  const bundled = await sample.run(["bundle"]);
  assert.equal(bundled.code, 0, bundled.output);
  assert.equal(
    bundled.stderr,
    "optional-extends file not found: local.cfg\n",
  );
});

Deno.test("bundle written into the buildout directory does not pack itself", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  // No -o: the archive is project.tar.gz in the buildout directory.
  const bundled = await sample.system(["bundle"], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  const listing = execFileSync("tar", ["tzf", join(dir, "project.tar.gz")], {
    encoding: "utf8",
  }).split("\n").filter((entry) => entry.startsWith("project/."));
  assert.deepEqual(listing, []);
});

Deno.test("a bundle written elsewhere leaves out an earlier bundle in the directory", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const first = await sample.system(["bundle"], { cwd: dir });
  assert.equal(first.code, 0, first.output);
  const out = join(sample.testDir, "elsewhere.tar.gz");
  const second = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(second.code, 0, second.output);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" });
  assert.doesNotMatch(listing, /^project\/project\.tar\.gz$/m);
});

Deno.test("bundle without -o writes the archive in the buildout directory, run from anywhere", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const bundled = await sample.system(
    ["-c", join("project", "buildout.cfg"), "bundle"],
    { cwd: sample.testDir },
  );
  assert.equal(bundled.code, 0, bundled.output);
  assert.ok(existsSync(join(dir, "project.tar.gz")), bundled.output);
  assert.ok(!existsSync(join(sample.testDir, "project.tar.gz")));
});

Deno.test("a bundle interrupted (Ctrl-C) while packing leaves no file behind", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const { dir, outDir } = projectAndOutput(sample, server.url);
  const child = spawn(BUILDOUT, ["bundle", "-o", join(outDir, "p.tar.gz")], {
    cwd: dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  await untilPacking(exited, outDir);
  child.kill("SIGINT");
  await exited;
  assert.equal(child.signalCode, "SIGINT");
  assert.deepEqual(readdirSync(outDir), []);
});

Deno.test("bundle keeps an awkward directory name, and refuses a backslash the archive would make a separator", async () => {
  using sample = await sampleBuildout();
  const awkward = `it's "b" 50% $HOME é日本😀 ; # & * ? [`;
  const dir = sample.tmpdir(awkward);
  sample.write(dir, "buildout.cfg", "[buildout]\nparts =\n");
  const bundled = await sample.system(["bundle"], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  // Names as they are: in the C locale tar escapes the bytes of é日本😀.
  const listing = execFileSync(
    "tar",
    ["--quoting-style=literal", "-tzf", join(dir, `${awkward}.tar.gz`)],
    { encoding: "utf8" },
  ).split("\n");
  assert.ok(listing.includes(`${awkward}/bin/buildout`), listing.join("\n"));

  const slashed = sample.tmpdir("back\\slash");
  sample.write(slashed, "buildout.cfg", "[buildout]\nparts =\n");
  const refused = await sample.system(["bundle"], { cwd: slashed });
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    sample.normalize(refused.stderr),
    "Error: bundle can't archive /back\\slash: its name holds a backslash, " +
      "which the archive would turn into a directory separator; rename it\n",
  );
  assert.deepEqual(readdirSync(slashed), ["buildout.cfg"]);

  sample.mkdir(dir, "etc");
  sample.write(dir, "etc", "a\\b.conf", "x\n");
  const inside = await sample.system(["bundle"], { cwd: dir });
  assert.equal(inside.code, 1, inside.output);
  assert.match(
    sample.normalize(inside.stderr),
    /^Error: bundle can't archive \/.*\/etc\/a\\b\.conf: its name holds a backslash/m,
  );
});

Deno.test("bundle refuses, in one line, a file whose name is not UTF-8", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(dir, "buildout.cfg", "[buildout]\nparts =\n");
  // By the shell: the runtime would write the name as UTF-8.
  execFileSync("sh", ["-c", `cp buildout.cfg "$(printf 'b\\377.cfg')"`], {
    cwd: dir,
  });
  const result = await sample.system(["bundle"], { cwd: dir });
  assert.equal(result.code, 1, result.output);
  assert.match(
    sample.normalize(result.stderr),
    /^Error: bundle can't archive \/project\/b\ufffd\.cfg: its name is not UTF-8, so it cannot be read by name; rename it\n$/m,
  );
  assert.ok(!existsSync(join(dir, "project.tar.gz")));
});

Deno.test("bundle with a file where a cache directory goes is a clear error", async () => {
  using sample = await sampleBuildout();
  for (const name of ["downloads", "extends-cache"]) {
    sample.write(name, "not a directory\n");
    const result = await sample.run(["bundle"]);
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr,
      `Error: Couldn't create directory /sample-buildout/${name}: it is a file, not a directory\n`,
    );
    assert.equal(sample.cat(name), "not a directory\n");
    rmSync(sample.path(name));
  }
});

Deno.test("bundle of a buildout reached through a linked directory packs the directory", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const release = join(sample.tmpdir("releases"), "r1");
  writeProject(sample, release, server.url);
  symlinkSync(release, join(sample.testDir, "current"));
  const out = join(sample.testDir, "current.tar.gz");
  const bundled = await sample.system(
    ["-c", join("current", "buildout.cfg"), "bundle", "-o", out],
    { cwd: sample.testDir },
  );
  assert.equal(bundled.code, 0, bundled.output);
  const listing = execFileSync("tar", ["tzvf", out], { encoding: "utf8" })
    .trimEnd().split("\n");
  assert.match(listing[0], /^d.* current\/$/);
  const names = listing.map((line) => line.split(" ").at(-1));
  for (
    const name of [
      "current/buildout.cfg",
      "current/offline.cfg",
      "current/recipes/greet.js",
      "current/bin/buildout",
      "current/parts/",
    ]
  ) {
    assert.ok(names.includes(name), `${name} missing:\n${listing.join("\n")}`);
  }
  for (const name of names) {
    assert.doesNotMatch(name!, /^current\/(\.installed\.cfg|parts\/.|etc\/)/);
  }
});

Deno.test("a run started while bundle packs is refused, and the bundle packs what it built", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const { dir, outDir } = projectAndOutput(sample, server.url);
  const out = join(outDir, "project.tar.gz");
  const bundling = exec(BUILDOUT, ["bundle", "-o", out], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  // Packing the executable takes seconds: start the other run as soon as
  // the archive is being written.
  await untilPacking(bundling, outDir);
  const other = await exec(BUILDOUT, ["parts="], {
    cwd: dir,
    env: { HOME: sample.home },
  });
  const bundled = await bundling;
  assert.equal(other.code, 1, other.output);
  assert.match(
    other.stderr,
    /^Error: Another buildout run \(process \d+\) is installing with .*\.installed\.cfg$/m,
  );
  assert.equal(bundled.code, 0, bundled.output);
  assert.ok(existsSync(out));
  assert.ok(existsSync(join(dir, "etc", "motd")), "parts left installed");
});

Deno.test("bundle leaves out the half download a killed run left in the download cache", async () => {
  using sample = await sampleBuildout();
  const server = await startServer(sample.tmpdir("server"), {
    handlers: { "/big.bin": slowBody(Buffer.alloc(4 << 20, 1), 50) },
  });
  try {
    const dir = sample.tmpdir("project");
    sample.mkdir(dir, "downloads");
    const config = (parts: string) =>
      `[buildout]\nparts = ${parts}\ndownload-cache = downloads\n\n` +
      `[big]\nrecipe = download\nurl = ${server.url}big.bin\n` +
      "download-only = true\n";
    sample.write(dir, "buildout.cfg", config("big"));
    const child = spawn(BUILDOUT, [], {
      cwd: dir,
      env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
      stdio: "ignore",
    });
    const exited = new Promise((done) => child.on("close", done));
    const downloads = join(dir, "downloads");
    await untilWhileRunning(
      exited,
      () => readdirSync(downloads).some((n) => n.startsWith(".buildout-")),
      "downloading",
    );
    child.kill("SIGKILL");
    await exited;
    sample.write(dir, "buildout.cfg", config(""));
    const out = join(sample.testDir, "project.tar.gz");
    const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
    assert.equal(bundled.code, 0, bundled.output);
    assert.match(bundled.stdout, / 0 files of the download and extends caches/);
    const listed = execFileSync("tar", ["tzf", out], { encoding: "utf8" });
    assert.doesNotMatch(listed, /\.buildout-/);
  } finally {
    await server.close();
  }
});

Deno.test("the archive a bundle killed while packing left half written goes with the next bundle, unpacked", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const unfinished = () =>
    readdirSync(dir).filter((name) =>
      name.startsWith(".") && name.includes("project.tar.gz")
    );
  const child = spawn(BUILDOUT, ["bundle"], {
    cwd: dir,
    env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("close", done));
  await untilWhileRunning(exited, () => unfinished().length > 0, "packing");
  child.kill("SIGKILL");
  await exited;
  assert.equal(unfinished().length, 1, "killed while packing");
  const bundled = await sample.system(["bundle"], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.deepEqual(unfinished(), []);
  const listed = execFileSync("tar", ["tzf", join(dir, "project.tar.gz")], {
    encoding: "utf8",
  });
  assert.doesNotMatch(listed, /project\.tar\.gz/);
});

Deno.test("bundle names the shared parts it cannot carry, and how to build them in parts", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const shared = sample.tmpdir("shared");
  const config = `[buildout]
parts = x
relative-paths = true
shared-part-list = ${shared}

[x]
recipe = slapos.recipe.build:download
url = ${server.url}payload.txt
md5sum = ${md5(PAYLOAD)}
shared = true
`;
  // Another buildout built the shared part: this one only finds it.
  sample.write("buildout.cfg", config);
  const first = await sample.run("");
  assert.equal(first.code, 0, first.output);
  const location = /x: will be shared at (\/shared\/x\/[0-9a-f]{32}) /.exec(
    first.stdout,
  )?.[1];
  assert.ok(location, first.stdout);
  const dir = sample.tmpdir("project");
  sample.write(dir, "buildout.cfg", config);
  const out = join(sample.testDir, "project.tar.gz");

  let result = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(result.code, 1, result.output);
  assert.ok(
    result.stderr.includes(
      ` A shared part found built downloads nothing either ([x] (${location})): ` +
        "run `buildout buildout:shared-part-list= bundle` to build them in " +
        "parts. ",
    ),
    result.stderr,
  );

  result = await sample.run(["bundle", "-o", out, "--with-parts"], {
    cwd: dir,
  });
  assert.equal(result.code, 1, result.output);
  assert.equal(
    result.stderr,
    "Error: bundle --with-parts cannot carry the shared parts built outside " +
      `/project: [x] (${location}); set shared-part-list empty in the ` +
      "buildout's [buildout] to build them in parts\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle of a part whose url failed and alternate-url served packs it, and the bundle builds it offline", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = x\n\n[x]\nrecipe = slapos.recipe.build:download\n" +
      `url = ${server.url}gone.txt\nalternate-url = ${server.url}payload.txt\n` +
      `md5sum = ${md5(PAYLOAD)}\n`,
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /trying the alternate URL/);

  await server.close();
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "x", "x"), "utf8"),
    PAYLOAD,
  );
});

Deno.test("bundle packs a copy an earlier release cached under a name holding the URL's ;params, and the bundle builds from it offline", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\ndownload-cache = downloads\nparts = x\n\n[x]\n" +
      `recipe = hexagonit.recipe.download\nurl = ${server.url}payload.txt;s=1\n` +
      "hash-name = false\ndownload-only = true\n",
  );
  sample.write(sample.testDir, "server", "payload.txt;s=1", PAYLOAD);
  sample.mkdir(dir, "downloads");
  const built = await sample.run("", { cwd: dir });
  assert.equal(built.code, 0, built.output);
  // Earlier releases kept the ;params in the cached copy's name.
  renameSync(
    join(dir, "downloads", "payload.txt"),
    join(dir, "downloads", "payload.txt;s=1"),
  );

  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  await server.close();
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "x", "payload.txt"), "utf8"),
    PAYLOAD,
  );
});

Deno.test("bundle names the values the build took from user defaults, which the archive does not carry", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  await writeDist(
    join(sample.testDir, "server", "spam-1.tgz"),
    recipeDist("spam", "1", ""),
  );
  sample.mkdir(sample.home, ".buildout");
  sample.write(
    sample.home,
    ".buildout/default.cfg",
    `[buildout]\nfind-links = ${server.url}\n\n[site]\nmirror = ${server.url}\n` +
      "\n[versions]\nspam = 1\nunused = 2\n",
  );
  const dir = sample.tmpdir("project");
  const parts = "[buildout]\nparts = payload spam\n[spam]\nrecipe = spam\n" +
    "[payload]\nrecipe = download\nurl = ${site:mirror}payload.txt\n" +
    "download-only = true\n";
  sample.write(dir, "buildout.cfg", parts);
  const out = join(sample.testDir, "project.tar.gz");
  const refused = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(refused.code, 1, refused.output);
  // find-links is the host's own setting, and a pin of a distribution the
  // build does not use changes nothing: only what the build used is named.
  assert.equal(
    refused.stderr,
    "Error: bundle does not carry the user defaults " +
      "/home/.buildout/default.cfg, and the build used these values from " +
      "them, which the offline build would miss:\n  [versions] spam\n" +
      "  [site] mirror\nSet them in the buildout's own configuration and " +
      "bundle again. Use --ignore-uncached to bundle anyway.\n",
  );
  assert.ok(!existsSync(out));

  sample.write(
    dir,
    "buildout.cfg",
    `${parts}[site]\nmirror = ${server.url}\n[versions]\nspam = 1\n`,
  );
  const bundled = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  await server.close();
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.tmpdir("other-home") } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.match(offline.stdout, /^Installing payload\.$/m);
});

Deno.test("an unpacked bundle bundled again with -o reads the URLs its configuration extends from the bundled extends cache", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  await server.close();

  // A staging host without network bundles what it received.
  const staging = sample.tmpdir("staging");
  execFileSync("tar", ["xzf", out, "-C", staging]);
  const again = join(sample.testDir, "again.tar.gz");
  const rebundled = await exec(
    join(staging, "project", "bin", "buildout"),
    ["-o", "bundle", "-o", again],
    { cwd: join(staging, "project"), env: { HOME: sample.home } },
  );
  assert.equal(rebundled.code, 0, rebundled.output);

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", again, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    readFileSync(join(unpacked, "parts", "hello"), "utf8"),
    "Hello\nworld\ndownloaded\n",
  );
  // From the extends cache: remote.cfg sets it.
  assert.equal(statSync(join(unpacked, "etc", "motd")).mode & 0o777, 0o640);
});

Deno.test("bundle refuses a configuration whose name holds a space, which offline.cfg's extends would read as two files, before building anything", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "my prod.cfg",
    "[buildout]\nparts = d\n[d]\nrecipe = mkdir\npath = made\n",
  );
  const out = join(sample.testDir, "sample.tar.gz");
  const refused = await sample.run(["-c", "my prod.cfg", "bundle", "-o", out]);
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    refused.stderr,
    "Error: bundle can't extend 'my prod.cfg' from its offline.cfg: extends " +
      "reads a name holding whitespace as several files; rename it\n",
  );
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(sample.path("made")));
});

Deno.test("bundle -c offline.cfg in an unpacked bundle names the configuration to bundle: the one offline.cfg extends", async () => {
  using sample = await sampleBuildout();
  sample.write("production.cfg", "[buildout]\nparts =\n");
  const out = join(sample.testDir, "sample.tar.gz");
  const bundled = await sample.run([
    "-c",
    "production.cfg",
    "bundle",
    "-o",
    out,
  ]);
  assert.equal(bundled.code, 0, bundled.output);
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "sample-buildout");
  const refused = await sample.run(["-c", "offline.cfg", "bundle"], {
    cwd: unpacked,
  });
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    refused.stderr,
    "Error: bundle writes its own offline.cfg: bundle production.cfg, which " +
      "this one extends (`buildout -c production.cfg -o bundle` where there " +
      "is no network)\n",
  );
  const hint = refused.stderr.match(/`buildout ([^`]*)`/)!;
  const again = await sample.run(hint[1].split(" "), { cwd: unpacked });
  assert.equal(again.code, 0, again.output);
});

Deno.test("bundle of a buildout whose bin-directory is outside it puts the executable in its bin, never beyond its top directory", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  const outside = join(sample.testDir, "outbin");
  sample.write(
    dir,
    "buildout.cfg",
    `[buildout]\nparts =\nbin-directory = ${outside}\n`,
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /^ {2}project\/bin\/buildout \(/m);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  assert.deepEqual(
    listing.filter((entry) => !entry.startsWith("project/")),
    [],
  );
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
});

Deno.test("bundle of a buildout whose bin-directory is the buildout directory puts the executable there", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts =\nbin-directory = ${buildout:directory}\n",
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.run(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /^ {2}project\/buildout \(/m);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" })
    .split("\n");
  assert.ok(listing.includes("project/buildout"), listing.join("\n"));
  assert.ok(!listing.some((entry) => entry.startsWith("project/bin")));
});

Deno.test("bundle leaves out a shared zc.recipe.cmmi build in its download cache, which the target builds for its own paths", async () => {
  using sample = await sampleBuildout();
  const sources = sample.tmpdir("sources");
  writePackage(sources, { top: "hello-1.0", program: "hello" });
  pack(sources, ["hello-1.0"], join(sources, "hello-1.0.tar.gz"));
  const server = await startServer(sources);
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = hello\n\n[hello]\nrecipe = zc.recipe.cmmi\n" +
      `url = ${server.url}hello-1.0.tar.gz\nshared = true\n`,
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.run(["bundle", "-o", out], { cwd: dir })
    .finally(() => server.close());
  assert.equal(bundled.code, 0, bundled.output);
  const build = bundled.stdout.match(
    /^configuring hello --prefix=\/project\/(downloads\/cmmi\/build\/[0-9a-f]{40})$/m,
  )?.[1];
  assert.ok(build, bundled.stdout);
  const listing = execFileSync("tar", ["tzf", out], { encoding: "utf8" });
  assert.match(listing, /^project\/downloads\/cmmi\/[0-9a-f]{32}$/m);
  assert.doesNotMatch(listing, new RegExp(`^project/${build}/.`, "m"));

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.equal(
    sample.normalize(offline.stdout).match(/^configuring hello (.*)$/m)?.[1],
    `--prefix=/target/project/${build}`,
  );
});

Deno.test("an unpacked bundle built without its offline.cfg fails on the first download, saying to build with -c offline.cfg", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  writeProject(sample, dir, server.url);
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  await server.close();

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  const note = " (this buildout was unpacked from a bundle: build it from " +
    "the bundled caches with `bin/buildout -c offline.cfg`)";
  for (const args of [["-o"], []]) {
    const plain = await exec(join(unpacked, "bin", "buildout"), args, {
      cwd: unpacked,
      env: { HOME: sample.home },
    });
    assert.equal(plain.code, 1, plain.output);
    const last = plain.stderr.trimEnd().split("\n").pop()!;
    assert.ok(last.includes(`${server.url}remote.cfg`), last);
    assert.ok(last.endsWith(note), last);
  }
  const hinted = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(hinted.code, 0, hinted.output);
  // Built with offline.cfg already, a failure is its own: no advice to use it.
  const withIt = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg", `buildout:extends=${server.url}more.cfg`],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(withIt.code, 1, withIt.output);
  assert.match(withIt.stderr, /more\.cfg/);
  assert.doesNotMatch(withIt.stderr, /bundle/);

  // The build host's own failure says nothing of a bundle.
  const own = await sample.system(["-o"], { cwd: dir });
  assert.equal(own.code, 1, own.output);
  assert.match(
    own.stderr,
    /^Error: Couldn't download '.*remote\.cfg' in offline mode\.$/m,
  );
  assert.doesNotMatch(own.stderr, /bundle/);
});

Deno.test("bundle carries the command-line assignments into offline.cfg, so the unpacked bundle builds what was bundled", async () => {
  using sample = await sampleBuildout();
  await using server = await payloadServer(sample);
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = a\n[a]\nrecipe = debug\nport = 80\n" +
      "[app]\nrecipe = debug\n[b]\nrecipe = debug\n",
  );
  sample.mkdir(dir, "profiles");
  sample.write(
    dir,
    "profiles/prod.cfg",
    "[buildout]\nparts += b\n[a]\nport = 443\nhost = prod\n",
  );
  const out = join(sample.testDir, "project.tar.gz");
  // Run from above the buildout: the extended file is named from there.
  const bundled = await sample.system([
    "-c",
    "project/buildout.cfg",
    `buildout:extends=project/profiles/prod.cfg ${server.url}remote.cfg`,
    "parts+=app",
    "a:port=8080",
    "a:host-=prod",
    "-N",
    "-v",
    "bundle",
    "-o",
    out,
  ], { cwd: sample.testDir });
  assert.equal(bundled.code, 0, bundled.output);
  const installed = (output: string) =>
    output.split("\n").filter((line) =>
      /^(Installing|Updating) |^ {2}[\w-]+='/.test(line)
    );
  assert.deepEqual(installed(bundled.stdout), [
    "Installing a.",
    "  host=''",
    "  port='8080'",
    "  recipe='debug'",
    "Installing b.",
    "  recipe='debug'",
    "Installing app.",
    "  recipe='debug'",
  ]);
  await server.close();

  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  const unpacked = join(target, "project");
  assert.equal(
    readFileSync(join(unpacked, "offline.cfg"), "utf8"),
    `# Written by buildout bundle: build from the bundled caches only.
# Bundled with: 'buildout:extends=profiles/prod.cfg ${server.url}remote.cfg' buildout:parts+=app a:port=8080 a:host-=prod
[buildout]
extends = buildout.cfg profiles/prod.cfg ${server.url}remote.cfg
install-from-cache = true
offline = true
newest = false
relative-paths = true
download-cache = downloads
extends-cache = extends-cache
parts += app

[a]
port = 8080
host -= prod
`,
  );
  const offline = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(offline.code, 0, offline.output);
  assert.deepEqual(installed(offline.stdout), installed(bundled.stdout));

  // Bundled again there, the command named carries them too.
  const refused = await exec(
    join(unpacked, "bin", "buildout"),
    ["-c", "offline.cfg", "bundle"],
    { cwd: unpacked, env: { HOME: sample.home } },
  );
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    refused.stderr,
    "Error: bundle writes its own offline.cfg: bundle buildout.cfg, which " +
      "this one extends, with the assignments it carries (`buildout -c " +
      "buildout.cfg 'buildout:extends=profiles/prod.cfg " +
      `${server.url}remote.cfg' buildout:parts+=app a:port=8080 ` +
      "a:host-=prod -o bundle` where there is no network)\n",
  );
});

Deno.test("bundle refuses command-line assignments offline.cfg cannot carry: a file extended from outside the buildout, a value holding a line break", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = a\n[a]\nrecipe = debug\n",
  );
  sample.write("prod.cfg", "[a]\nport = 443\n");
  const out = join(sample.testDir, "project.tar.gz");
  const outside = await sample.run(
    [`buildout:extends=${sample.path("prod.cfg")}`, "bundle", "-o", out],
    { cwd: dir },
  );
  assert.equal(outside.code, 1, outside.output);
  assert.equal(
    outside.stderr,
    "Error: bundle can only carry files inside /project; the buildout uses " +
      "/sample-buildout/prod.cfg\n",
  );
  assert.ok(!existsSync(out));
  const broken = await sample.run(
    ["a:port=80\n81", "bundle", "-o", out],
    { cwd: dir },
  );
  assert.equal(broken.code, 1, broken.output);
  assert.equal(
    broken.stderr,
    "Error: bundle can't carry the assignment 'a:port=80\\n81' into its " +
      "offline.cfg, which would read it otherwise: set it in a configuration " +
      "file and bundle that with -c\n",
  );
  assert.ok(!existsSync(out));
});

Deno.test("bundle refuses a command line offline.cfg would read otherwise: an extended file read again for buildout:extends=, an optional-extends= assignment", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  // The command line reads prod.cfg on its own, and base.cfg with it: its
  // += adds again, where offline.cfg, reading both files together, adds
  // it once.
  sample.write(dir, "base.cfg", "[a]\nrecipe = debug\ntags += base\n");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nextends = base.cfg\nparts = a\n",
  );
  sample.write(
    dir,
    "prod.cfg",
    "[buildout]\nextends = base.cfg\n[a]\nport = 443\n",
  );
  sample.write(dir, "local.cfg", "[a]\nport = 9\n");
  const out = join(sample.testDir, "project.tar.gz");
  const shared = await sample.run(
    ["buildout:extends=prod.cfg", "bundle", "-o", out],
    { cwd: dir },
  );
  assert.equal(shared.code, 1, shared.output);
  assert.equal(
    shared.stderr,
    "Error: bundle can't carry the command line into its offline.cfg, " +
      "which would read a:tags as 'base' where this run has 'base\\nbase': " +
      "write the assignments into a configuration file and bundle that " +
      "with -c\n",
  );
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(join(dir, "parts")));

  // The command line's optional-extends is an option, which offline.cfg
  // would follow.
  const optional = await sample.run(
    ["buildout:optional-extends=local.cfg", "bundle", "-o", out],
    { cwd: dir },
  );
  assert.equal(optional.code, 1, optional.output);
  assert.match(
    optional.stderr,
    /^Error: bundle can't carry the command line into its offline\.cfg, which would read buildout:optional-extends as unset where this run has 'local\.cfg'/,
  );
  assert.ok(!existsSync(out));

  // What offline.cfg reads back is bundled.
  const carried = await sample.run(
    ["a:port=8080", "a:tags+=x", "bundle", "-o", out],
    { cwd: dir },
  );
  assert.equal(carried.code, 0, carried.output);
});

Deno.test("bundle refuses a buildout:extends= file whose name from the buildout directory holds a space, before building anything", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\nparts = d\n[d]\nrecipe = mkdir\npath = made\n",
  );
  // Named from the current directory without a space, but offline.cfg
  // extends it from the buildout directory, as `my sub/prod.cfg`.
  sample.mkdir(dir, "my sub");
  sample.write(dir, "my sub", "prod.cfg", "[d]\npath = prod\n");
  const out = join(sample.testDir, "project.tar.gz");
  const refused = await sample.run(
    ["-c", "../buildout.cfg", "buildout:extends=prod.cfg", "bundle", "-o", out],
    { cwd: join(dir, "my sub") },
  );
  assert.equal(refused.code, 1, refused.output);
  assert.equal(
    refused.stderr,
    "Error: bundle can't extend 'my sub/prod.cfg' from its offline.cfg: " +
      "extends reads a name holding whitespace as several files; rename it\n",
  );
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(join(dir, "prod")));
  assert.ok(!existsSync(join(dir, "downloads")));
});

Deno.test("bundle carries a develop package a distribution requires: it is no distribution the download cache must hold", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.mkdir(dir, "dev");
  sample.write(
    dir,
    "dev/package.json",
    JSON.stringify({ name: "spam", version: "0.5", buildout: {} }),
  );
  await writeDist(
    join(dir, "links", "user-1.tgz"),
    recipeDist("user", "1", "user", ["spam"]),
  );
  sample.write(
    dir,
    "buildout.cfg",
    "[buildout]\ndevelop = dev\nparts = a\nfind-links = links\n[a]\nrecipe = user\n",
  );
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);
  assert.doesNotMatch(bundled.output, /spam/);
  assert.ok(existsSync(out));
});

Deno.test("bundle packs files owned by root, with their modes and times, which tar restores", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(dir, "buildout.cfg", "[buildout]\nparts =\n");
  // Sources a cmmi part builds: make compares their times.
  const files: Array<[string, number, number]> = [
    ["src/configure.ac", 0o644, 1_500_000_000],
    ["src/configure", 0o750, 1_500_000_100],
    ["src/secret.txt", 0o600, 1_400_000_000],
  ];
  sample.mkdir(dir, "src");
  for (const [name, mode, time] of files) {
    sample.write(dir, name, name);
    chmodSync(join(dir, name), mode);
    utimesSync(join(dir, name), time, time);
    // Another user's: root unpacking the bundle elsewhere must not hand
    // them to whoever has that uid there.
    if (process.getuid?.() === 0) chownSync(join(dir, name), 1234, 5678);
  }
  const out = join(sample.testDir, "project.tar.gz");
  const bundled = await sample.system(["bundle", "-o", out], { cwd: dir });
  assert.equal(bundled.code, 0, bundled.output);

  const owners = execFileSync("tar", ["--numeric-owner", "-tvzf", out], {
    encoding: "utf8",
  }).split("\n").filter(Boolean).map((line) => line.split(/ +/)[1]);
  assert.deepEqual([...new Set(owners)], ["0/0"]);
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", out, "-C", target]);
  for (const [name, mode, time] of files) {
    const stat = statSync(join(target, "project", name));
    assert.equal(stat.mode & 0o7777, mode, name);
    assert.equal(stat.mtimeMs, time * 1000, name);
  }
});
