/**
 * End-to-end tests of builds from a filled download cache onto a machine
 * that refuses writes: a read-only, full or forbidden destination, and too
 * few file descriptors. Each failure is one `Error:` line naming the file
 * that could not be written, the cache stays untouched and nothing half
 * made is left behind. Tests that need mounts or another user (root, with
 * `unshare -m` and `setpriv`) are ignored otherwise, saying why.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import {
  BUILDOUT,
  exec,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
} from "./harness.ts";
import { mountSkipReason } from "./chroot.ts";
import { md5Text, pack, runOk } from "./recipe_fixtures.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";
import { zip } from "../archive/_fixtures.ts";

const mountSkip = mountSkipReason;
const skipNote = mountSkip ? ` (skipped: ${mountSkip})` : "";

/** Incompressible bytes: a full disk must not depend on gzip's luck. */
const DATA_BYTES = 256 << 10;

/**
 * A sample whose download cache (`/cache`) holds `data.bin` (under both
 * names) and `pkg.tar.gz` (its one member `pkg/data.bin`), fetched from a
 * server that is stopped before the test runs: later runs are offline.
 */
async function filledCache(): Promise<
  { sample: Sample; cache: string; url: string } & Disposable
> {
  const sample = await sampleBuildout();
  const files = sample.tmpdir("server");
  const data = randomBytes(DATA_BYTES);
  writeFileSync(join(files, "data.bin"), data);
  mkdirSync(join(files, "pkg"));
  writeFileSync(join(files, "pkg", "data.bin"), data);
  pack(files, ["pkg"], join(files, "pkg.tar.gz"));
  const cache = sample.tmpdir("cache");
  const server: StaticServer = await startServer(files);
  const url = server.url;
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]\ndownload-cache = ${cache}\nparts = a b c\n` +
        `[a]\nrecipe = download\nurl = ${url}data.bin\ndownload-only = true\n` +
        `[b]\nrecipe = download\nurl = ${url}pkg.tar.gz\n` +
        // gocept.download caches by file name, not by the URL's hash.
        `[c]\nrecipe = gocept.download\nurl = ${url}data.bin\n`,
    );
    await runOk(sample);
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await runOk(sample);
  } finally {
    await server.close();
  }
  return {
    sample,
    cache,
    url,
    [Symbol.dispose]: () => sample.cleanup(),
  };
}

/** The paths under `dir`, to show that nothing was added or removed. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

/**
 * Runs the buildout (offline, unless `args` says otherwise) in a mount
 * namespace after `mount` (a shell command given the directory as `$1`)
 * was applied to `dir`; stdout ends with `left: ` and what is then in `dir`.
 */
function runMounted(
  sample: Sample,
  dir: string,
  mount: string,
  args = "-o",
): Promise<RunResult> {
  const script = `${mount} && "$2" ${args}; status=$?; ` +
    'echo "left: $(ls -A "$1")"; exit $status';
  return exec(
    "unshare",
    ["-m", "sh", "-c", script, "sh", dir, BUILDOUT],
    { cwd: sample.dir, env: { HOME: sample.home } },
  );
}

const READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"';
const SMALL_TMPFS = 'mount -t tmpfs -o size=64k tmpfs "$1"';

Deno.test({
  name: "a copy from the download cache into a read-only destination names " +
    `the destination, not the cached file${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using filled = await filledCache();
    const { sample, cache, url } = filled;
    const before = listing(cache);
    const dest = sample.tmpdir("dest");
    for (
      const [options, error] of [
        [
          "recipe = download\ndownload-only = true\ndestination = /dest",
          "Couldn't write /dest/data.bin",
        ],
        [
          "recipe = slapos.recipe.build:download\n" +
          "destination = /dest/data.bin",
          "Couldn't write '/dest/data.bin'",
        ],
        [
          "recipe = gocept.download\ndestination = /dest",
          "Couldn't write /dest/data.bin",
        ],
      ]
    ) {
      sample.write(
        "buildout.cfg",
        `[buildout]\ndownload-cache = ${cache}\nparts = a\n` +
          `[a]\nurl = ${url}data.bin\n` +
          options.replaceAll("/dest", dest) + "\n",
      );
      const result = await runMounted(sample, dest, READ_ONLY);
      assert.equal(
        sample.normalize(result.stderr),
        `While:\n  Installing a.\nError: ${error}: read-only file system\n`,
        options,
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /\nleft: \n$/, options);
    }
    assert.deepEqual(listing(cache), before);
  },
});

Deno.test({
  name: "a copy from a root-owned download cache into a destination the " +
    `user may not write names the destination${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using filled = await filledCache();
    const { sample, cache, url } = filled;
    const before = listing(cache);
    // The cache and the destination stay root's; the buildout is nobody's.
    const nobody = 65534;
    for (const dir of [sample.testDir, dirname(sample.testDir)]) {
      chmodSync(dir, 0o755);
    }
    for (const dir of [sample.home, sample.dir]) {
      spawnSync("chown", ["-R", `${nobody}:${nobody}`, dir]);
    }
    const dest = sample.tmpdir("dest");
    sample.write(
      "buildout.cfg",
      `[buildout]\ndownload-cache = ${cache}\nparts = a\n[a]\n` +
        `recipe = download\nurl = ${url}data.bin\ndownload-only = true\n` +
        `destination = ${dest}\n`,
    );
    const result = await exec(
      "setpriv",
      [
        `--reuid=${nobody}`,
        `--regid=${nobody}`,
        "--clear-groups",
        BUILDOUT,
        "-o",
      ],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing a.\n" +
        "Error: Couldn't write /dest/data.bin: permission denied\n",
    );
    assert.equal(result.code, 1);
    assert.deepEqual(listing(cache), before);
  },
});

Deno.test({
  name: "unpacking into a full or read-only parts directory gives the " +
    `reason and leaves nothing there${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using filled = await filledCache();
    const { sample, cache, url } = filled;
    const before = listing(cache);
    const archive = `/cache/${md5Text(`${url}pkg.tar.gz`)}`;
    sample.write(
      "buildout.cfg",
      `[buildout]\ndownload-cache = ${cache}\nparts = b\n` +
        `[b]\nrecipe = download\nurl = ${url}pkg.tar.gz\n`,
    );
    const parts = sample.path("parts");
    for (
      const [mount, reason] of [
        [SMALL_TMPFS, "no space left on device"],
        [READ_ONLY, "read-only file system"],
      ]
    ) {
      const result = await runMounted(sample, parts, mount);
      assert.equal(
        sample.normalize(result.stderr),
        "While:\n  Installing b.\nError: Couldn't extract " +
          `${archive} into /sample-buildout/parts/b: ${reason}\n`,
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /\nleft: \n$/);
    }
    assert.deepEqual(listing(cache), before);
  },
});

Deno.test({
  name: "a large zip member filling the disk gives the reason, and the " +
    `archive just downloaded stays in the cache${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const files = sample.tmpdir("server");
    // Larger than what zip members are inflated whole up to: streamed.
    const data = randomBytes(2 << 20);
    writeFileSync(
      join(files, "pkg.zip"),
      zip([{ name: "pkg/data.bin", data, method: 0 }]),
    );
    const cache = sample.tmpdir("cache");
    const server = await startServer(files);
    try {
      const url = `${server.url}pkg.zip`;
      sample.write(
        "buildout.cfg",
        `[buildout]\ndownload-cache = ${cache}\nparts = z\n` +
          `[z]\nrecipe = download\nurl = ${url}\n`,
      );
      const result = await runMounted(
        sample,
        sample.path("parts"),
        SMALL_TMPFS,
        "",
      );
      assert.equal(
        sample.normalize(result.stderr),
        "While:\n  Installing z.\nError: Couldn't extract " +
          `/cache/${md5Text(url)} into /sample-buildout/parts/z: ` +
          "no space left on device\n",
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /\nleft: \n$/);
      assert.deepEqual(listing(cache), [md5Text(url)]);
    } finally {
      await server.close();
    }
  },
});

const OWN_TMPFS = 'mount -t tmpfs tmpfs "$1"';

Deno.test({
  name: "an archive unpacks into a destination that is a mount point, " +
    `another file system than its parent's${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using filled = await filledCache();
    const { sample, cache, url } = filled;
    // A volume mounted on the destination, as containers have them.
    const dest = sample.tmpdir("dest");
    for (
      const [recipe, left] of [
        ["download", "pkg"],
        ["hexagonit.recipe.download", "pkg"],
      ]
    ) {
      rmSync(sample.path(".installed.cfg"), { force: true });
      sample.write(
        "buildout.cfg",
        `[buildout]\ndownload-cache = ${cache}\nparts = b\n` +
          `[b]\nrecipe = ${recipe}\nurl = ${url}pkg.tar.gz\n` +
          `destination = ${dest}\n`,
      );
      const result = await runMounted(sample, dest, OWN_TMPFS);
      assert.equal(result.code, 0, `${recipe}: ${result.output}`);
      assert.match(result.stdout, new RegExp(`\nleft: ${left}\n$`), recipe);
    }
  },
});

Deno.test({
  name: "download-unpacked, which replaces its destination, says so when " +
    `that is a mount point${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using filled = await filledCache();
    const { sample, cache, url } = filled;
    const dest = sample.tmpdir("dest");
    sample.write(
      "buildout.cfg",
      `[buildout]\ndownload-cache = ${cache}\nparts = b\n` +
        `[b]\nrecipe = slapos.recipe.build:download-unpacked\n` +
        `url = ${url}pkg.tar.gz\ndestination = ${dest}\n`,
    );
    const result = await runMounted(sample, dest, OWN_TMPFS);
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing b.\nError: Device or resource busy: /dest " +
        "(is something mounted there?)\n",
    );
    assert.equal(result.code, 1);
  },
});

Deno.test({
  name: "a read-only eggs directory is named when a distribution cannot " +
    `be unpacked there${skipNote}`,
  ignore: mountSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    const links = sample.tmpdir("links");
    await writeDist(join(links, "spam-1.tgz"), recipeDist("spam", "1", "hi"));
    sample.mkdir("eggs");
    sample.write(
      "buildout.cfg",
      `[buildout]\nfind-links = ${links}\nparts = a\n` +
        "[versions]\nspam = 1\n[a]\nrecipe = spam\n",
    );
    const result = await runMounted(sample, sample.path("eggs"), READ_ONLY);
    assert.match(
      sample.normalize(result.stderr),
      /\nError: Couldn't write to the eggs directory \/sample-buildout\/eggs: read-only file system\n$/,
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\nleft: \n$/);
  },
});

/** What the dynamic loader and Bun say when they cannot start at all. */
const STARTING =
  /error while loading shared libraries|^error: bun ran out of file descriptors/m;

Deno.test("too few file descriptors: a one-line error at every limit, never an internal error", async () => {
  using filled = await filledCache();
  const { sample, cache, url } = filled;
  let config = `[buildout]\ndownload-cache = ${cache}\nparts = b`;
  for (let i = 0; i < 4; i++) config += ` a${i}`;
  config += `\n[b]\nrecipe = download\nurl = ${url}pkg.tar.gz\n`;
  for (let i = 0; i < 4; i++) {
    config += `[a${i}]\nrecipe = download\nurl = ${url}data.bin\n` +
      "download-only = true\n";
  }
  sample.write("buildout.cfg", config);
  const refusals: string[] = [];
  let succeeded = false;
  // Up from a limit too low to start: each run fails where it runs out.
  for (let limit = 3; limit <= 64 && !succeeded; limit++) {
    rmSync(sample.path(".installed.cfg"), { force: true });
    for (const name of readdirSync(sample.path("parts"))) {
      sample.remove("parts", name);
    }
    const result = await exec(
      "sh",
      ["-c", 'ulimit -n "$1" && exec "$2" -o', "sh", String(limit), BUILDOUT],
      { cwd: sample.dir, env: { HOME: sample.home } },
    );
    if (result.code === 0) {
      succeeded = true;
      continue;
    }
    assert.doesNotMatch(result.stderr, /internal error/, `ulimit -n ${limit}`);
    // Too few to load the program or start the runtime: their messages.
    if (STARTING.test(result.stderr)) continue;
    const last = result.stderr.trimEnd().split("\n").pop()!;
    assert.match(last, /^Error: /, `ulimit -n ${limit}: ${result.stderr}`);
    assert.equal(result.code, 1);
    if (/too many open files/i.test(last)) refusals.push(last);
  }
  assert.ok(succeeded, "no limit up to 64 was enough");
  assert.ok(refusals.length > 0, "no run ran out of file descriptors");
  for (const refusal of refusals) assert.match(refusal, /\(see ulimit -n\)/);
});
