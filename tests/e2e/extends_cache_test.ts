/**
 * zc.buildout 1.5.2's "Caching extended configuration", transcribed: the
 * same files on a local HTTP server, the same runs, the same output and
 * cache file names (the MD5 of each URL, with the server URL normalised to
 * http://localhost/ in messages).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { asNobody, giveToNobody, nobodySkipReason } from "./as_nobody.ts";
import {
  mkdir,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
  write,
} from "./harness.ts";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

/** The doctest's setting: a server, the sample as cwd, a fresh TMPDIR. */
class Session {
  serverData!: string;
  server!: StaticServer;
  tmp!: string;
  private running = false;

  constructor(readonly sample: Sample) {}

  async start(): Promise<this> {
    this.serverData = this.sample.tmpdir("server_data");
    this.tmp = this.sample.tmpdir("tmp");
    this.server = await startServer(this.serverData);
    this.running = true;
    return this;
  }

  get url(): string {
    return this.server.url;
  }

  /** Runs buildout; output normalised, the server's URL as http://localhost/. */
  async buildout(args = ""): Promise<string> {
    const result: RunResult = await this.sample.system(args, {
      env: { HOME: this.sample.path("home"), TMPDIR: this.tmp },
    });
    return this.sample.normalize(result.stdout + result.stderr)
      .replaceAll(this.url, "http://localhost/");
  }

  serve(name: string, text: string): void {
    write(this.serverData, name, text);
  }

  /** The cache file name of a file on the server. */
  hashOf(name: string): string {
    return md5(this.url + name);
  }

  /** The sample's temporary directory stays empty, as in the reference. */
  assertNoTemporaries(): void {
    assert.deepEqual(readdirSync(this.tmp), []);
  }

  /** Stops the server: every request now fails. */
  async stopServer(): Promise<void> {
    if (this.running) await this.server.close();
    this.running = false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopServer();
  }
}

const OFFLINE_BASE = `While:
  Initializing.
Error: Couldn't download 'http://localhost/base.cfg' in offline mode.
`;
const OFFLINE_BASE_DEFAULT = `While:
  Initializing.
Error: Couldn't download 'http://localhost/base_default.cfg' in offline mode.
`;

Deno.test("basic use of the extends cache", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  sample.write("buildout.cfg", `[buildout]\nextends = ${s.url}base.cfg\n`);

  assert.equal(await s.buildout("-o"), OFFLINE_BASE);
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  // No cache configured: nothing cached, offline still fails.
  assert.equal(await s.buildout("-o"), OFFLINE_BASE);

  sample.mkdir("cache");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(sample.ls("cache"), [`-  ${s.hashOf("base.cfg")}`]);
  assert.equal(
    sample.cat("cache", s.hashOf("base.cfg")),
    "[buildout]\nparts =\nfoo = bar\n",
  );

  // Offline, base.cfg comes from the cache.
  const requests = s.server.requests.length;
  assert.equal(await s.buildout("-o"), "Unused options for buildout: 'foo'.\n");
  assert.equal(s.server.requests.length, requests, "no request offline");

  // Online, a fresh copy is fetched every time and refreshes the cache.
  s.serve("base.cfg", "[buildout]\nparts =\nbar = baz\n");
  assert.equal(await s.buildout("-o"), "Unused options for buildout: 'foo'.\n");
  assert.equal(await s.buildout(), "Unused options for buildout: 'bar'.\n");
  assert.equal(await s.buildout("-o"), "Unused options for buildout: 'bar'.\n");

  // When the server fails, the cached copy is used.
  await s.stopServer();
  assert.equal(await s.buildout(), "Unused options for buildout: 'bar'.\n");
  s.assertNoTemporaries();
});

Deno.test("-N reads an extends-cache copy without asking the server, as zc.buildout does", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  s.serve("other.cfg", "[buildout]\nbaz = 1\n");
  sample.mkdir("cache");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");

  s.serve("base.cfg", "[buildout]\nparts =\nbar = baz\n");
  s.server.requests.length = 0;
  assert.equal(await s.buildout("-N"), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(s.server.requests, []);
  // newest = false in the root file counts as -N does.
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n` +
      "newest = false\n",
  );
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(s.server.requests, []);

  // What the cache lacks is fetched (and cached) all the same.
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg ${s.url}other.cfg\n` +
      "extends-cache = cache\n",
  );
  assert.equal(
    await s.buildout("-N"),
    "Unused options for buildout: 'baz' 'foo'.\n",
  );
  assert.deepEqual(s.server.requests, ["/other.cfg"]);
  // Asked for the newest, the server's copy is taken again.
  assert.equal(
    await s.buildout(),
    "Unused options for buildout: 'bar' 'baz'.\n",
  );
  s.assertNoTemporaries();
});

Deno.test("an extends-cache holding a substitution is an error saying so, before any download", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  s.serve("base.cfg", "[buildout]\nparts =\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\n` +
      "extends-cache = ${buildout:directory}/cache\n",
  );
  assert.equal(
    await s.buildout(),
    "While:\n  Initializing.\nError: extends-cache " +
      "'${buildout:directory}/cache' may not contain " +
      "${section:variable} to expand.\n",
  );
  assert.deepEqual(s.server.requests, []);
});

/** The six files of "Specifying extends cache and offline mode". */
function writeSixFiles(s: Session, inRoots: boolean): void {
  const { sample } = s;
  sample.mkdir("home", ".buildout");
  const cacheLine = (name: string, root: boolean) =>
    root === inRoots ? `extends-cache = ${name}\n` : "";
  sample.write(
    "home",
    ".buildout",
    "default.cfg",
    `[buildout]\nextends = fancy_default.cfg\n${cacheLine("user-cache", true)}`,
  );
  sample.write(
    "home",
    ".buildout",
    "fancy_default.cfg",
    `[buildout]\nextends = ${s.url}base_default.cfg\n${
      cacheLine("user-cache", false)
    }`,
  );
  s.serve("base_default.cfg", "[buildout]\nfoo = bar\noffline = false\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = fancy.cfg\n${cacheLine("cache", true)}`,
  );
  sample.write(
    "fancy.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\n${cacheLine("cache", false)}`,
  );
  s.serve("base.cfg", "[buildout]\nparts =\noffline = false\n");
}

Deno.test("extends caches are read from the two root configs only", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  sample.mkdir("user-cache");

  // Each root config's cache serves its own configuration.
  writeSixFiles(s, true);
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(sample.ls("user-cache"), [
    `-  ${s.hashOf("base_default.cfg")}`,
  ]);
  assert.equal(
    sample.cat("user-cache", s.hashOf("base_default.cfg")),
    "[buildout]\nfoo = bar\noffline = false\n",
  );
  assert.deepEqual(sample.ls("cache"), [`-  ${s.hashOf("base.cfg")}`]);
  assert.equal(
    sample.cat("cache", s.hashOf("base.cfg")),
    "[buildout]\nparts =\noffline = false\n",
  );

  // Set in extended files, a cache does not serve the configuration it
  // belongs to; the user's one does serve the project's.
  writeSixFiles(s, false);
  sample.remove("user-cache", s.hashOf("base_default.cfg"));
  sample.remove("cache", s.hashOf("base.cfg"));
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(sample.ls("user-cache"), [`-  ${s.hashOf("base.cfg")}`]);
  assert.equal(
    sample.cat("user-cache", s.hashOf("base.cfg")),
    "[buildout]\nparts =\noffline = false\n",
  );
  assert.deepEqual(sample.ls("cache"), []);
  s.assertNoTemporaries();
});

Deno.test("offline mode and install-from-cache: which config turns them on when", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  writeSixFiles(s, false);
  const defaults = (text: string) =>
    sample.write("home", ".buildout", "default.cfg", text);
  const fancyDefaults = (text: string) =>
    sample.write("home", ".buildout", "fancy_default.cfg", text);
  const root = (text: string) => sample.write("buildout.cfg", text);
  const fancy = (text: string) => sample.write("fancy.cfg", text);

  // -o is honoured from the start: the user's defaults need a download.
  assert.equal(await s.buildout("-o"), OFFLINE_BASE_DEFAULT);

  for (const option of ["offline", "install-from-cache"]) {
    defaults(`[buildout]\nextends = fancy_default.cfg\n${option} = true\n`);
    assert.equal(await s.buildout(), OFFLINE_BASE_DEFAULT, option);

    defaults("[buildout]\nextends = fancy_default.cfg\n");
    fancyDefaults(
      `[buildout]\nextends = ${s.url}base_default.cfg\n${option} = true\n`,
    );
    assert.equal(await s.buildout(), OFFLINE_BASE, option);

    fancyDefaults(`[buildout]\nextends = ${s.url}base_default.cfg\n`);
    root(`[buildout]\nextends = fancy.cfg\n${option} = true\n`);
    assert.equal(await s.buildout(), OFFLINE_BASE, option);

    root("[buildout]\nextends = fancy.cfg\n");
    fancy(`[buildout]\nextends = ${s.url}base.cfg\n${option} = true\n`);
    const expected = option === "offline"
      ? "Unused options for buildout: 'foo'.\n"
      // The reference fails here with an internal ValueError.
      : "While:\n  Initializing.\nError: install-from-cache is true but no " +
        "download-cache is set to install from\n";
    assert.equal(await s.buildout(), expected, option);
    fancy(`[buildout]\nextends = ${s.url}base.cfg\n`);
  }
  s.assertNoTemporaries();
});

Deno.test("extends-cache errors: a missing cache directory, a server failure with nothing cached", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  s.serve("base.cfg", "[buildout]\nparts =\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  assert.equal(
    await s.buildout(),
    `While:
  Initializing.
Error: The directory:
'/sample-buildout/cache'
to be used as a download cache doesn't exist.
`,
  );
  sample.mkdir("cache");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}missing.cfg\nextends-cache = cache\n`,
  );
  assert.equal(
    await s.buildout(),
    `While:
  Initializing.
Error: Error downloading extends for URL http://localhost/missing.cfg: HTTP Error 404: Not Found
`,
  );
  assert.deepEqual(sample.ls("cache"), []);
  s.assertNoTemporaries();
});

Deno.test("a fresh copy that cannot be read back is a one-line error leaving the cache empty", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("cache");
  const cache = sample.path("cache");
  // The server sends half the file, then puts a directory in place of the
  // copy being written (which it moves out of the cache), as if the disk
  // had lost it: reading the copy back fails.
  const body = "[buildout]\nparts =\n";
  const server = await startServer(sample.tmpdir("server_data"), {
    handlers: {
      "/base.cfg": (_, res) => {
        res.writeHead(200, { "Content-Length": body.length });
        res.write(body.slice(0, 5));
        const poll = setInterval(() => {
          const temp = readdirSync(cache).find((n) => n.startsWith("."));
          if (temp === undefined) return;
          clearInterval(poll);
          renameSync(join(cache, temp), sample.path("moved"));
          mkdirSync(join(cache, temp));
          res.end(body.slice(5));
        }, 5);
        res.on("close", () => clearInterval(poll));
      },
    },
  });
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${server.url}base.cfg\nextends-cache = cache\n`,
    );
    const result = await sample.run();
    assert.equal(
      result.stderr.replaceAll(server.url, "http://localhost/"),
      `While:
  Initializing.
Error: Error downloading extends for URL http://localhost/base.cfg: is a directory
`,
    );
    assert.equal(result.code, 1);
    assert.deepEqual(sample.ls("cache"), []);
  } finally {
    await server.close();
  }
});

Deno.test("a page that is not configuration (a maintenance page) never replaces the cached copy", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  assert.match(await s.buildout("annotate"), /^foo= bar$/m);
  const cached = sample.cat("cache", s.hashOf("base.cfg"));
  s.serve("base.cfg", "<html>\n<body>Down for maintenance</body>\n</html>\n");
  // Online, the server's failure falls back to the copy, as any failure.
  assert.match(await s.buildout("annotate"), /^foo= bar$/m);
  assert.equal(sample.cat("cache", s.hashOf("base.cfg")), cached);
  assert.match(await s.buildout("-o annotate"), /^foo= bar$/m);
  // With nothing cached, the page is the error, naming the URL and line.
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache2\n`,
  );
  sample.mkdir("cache2");
  assert.equal(
    await s.buildout(),
    `While:
  Initializing.
Error: http://localhost/base.cfg, line 1: text before the first section header: '<html>'
`,
  );
  assert.deepEqual(sample.ls("cache2"), []);
  s.assertNoTemporaries();
});

Deno.test("a damaged extends-cache copy used offline is named, and an online run replaces it", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  assert.match(await s.buildout("annotate"), /^foo= bar$/m);
  const copy = `/sample-buildout/cache/${s.hashOf("base.cfg")}`;
  const named = ` (read from its extends-cache copy ${copy}: remove it, ` +
    "then run with network to download it again)\n";
  // Cut short by a full disk, or damaged by hand.
  sample.write("cache", s.hashOf("base.cfg"), "[buildout]\nparts =\nfo");
  assert.equal(
    await s.buildout("-o annotate"),
    "While:\n  Initializing.\nError: http://localhost/base.cfg, line 3: " +
      "'fo': not an option, section header or continuation line" + named,
  );
  writeFileSync(
    sample.path("cache", s.hashOf("base.cfg")),
    Buffer.from("[buildout]\nfoo = \xff\n", "latin1"),
  );
  assert.equal(
    sample.normalize((await sample.run("-o annotate")).stderr)
      .replaceAll(s.url, "http://localhost/"),
    "While:\n  Initializing.\nError: http://localhost/base.cfg, line 2: " +
      "not UTF-8 text" + named,
  );
  // Online, the server's copy replaces it.
  assert.match(await s.buildout("annotate"), /^foo= bar$/m);
  assert.match(await s.buildout("-o annotate"), /^foo= bar$/m);
});

Deno.test("a URL both the user defaults and the project extend fills both caches", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  sample.mkdir("user-cache");
  sample.mkdir("home", ".buildout");
  s.serve("shared.cfg", "[buildout]\nparts =\n");
  sample.write(
    "home",
    ".buildout",
    "default.cfg",
    `[buildout]\nextends = ${s.url}shared.cfg\nextends-cache = user-cache\n`,
  );
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}shared.cfg\nextends-cache = cache\n`,
  );
  assert.equal(await s.buildout(), "");
  assert.deepEqual(s.server.requests, ["/shared.cfg", "/shared.cfg"]);
  assert.deepEqual(sample.ls("user-cache"), [`-  ${s.hashOf("shared.cfg")}`]);
  assert.deepEqual(sample.ls("cache"), [`-  ${s.hashOf("shared.cfg")}`]);
  // The project's own cache serves it offline without the user defaults.
  assert.equal(await s.buildout("-U -o"), "");
  s.assertNoTemporaries();
});

Deno.test("a relative extends with .. is cached under its URL as written", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  mkdir(s.serverData, "sub");
  s.serve("sub/main.cfg", "[buildout]\nextends = ../base.cfg\n");
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}sub/main.cfg\nextends-cache = cache\n`,
  );
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  // zc.buildout's key: the MD5 of the base URL joined with the name.
  assert.deepEqual(
    sample.ls("cache").sort(),
    [`-  ${s.hashOf("sub/../base.cfg")}`, `-  ${s.hashOf("sub/main.cfg")}`]
      .sort(),
  );
  s.assertNoTemporaries();
});

Deno.test({
  name: "offline, a cached copy the user may not read is named by its path" +
    (nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : ""),
  ignore: nobodySkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    s.serve("base.cfg", "[buildout]\nparts =\n");
    sample.mkdir("cache");
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
    );
    await s.buildout("annotate");
    assert.deepEqual(readdirSync(sample.path("cache")), [s.hashOf("base.cfg")]);
    chmodSync(sample.path("cache", s.hashOf("base.cfg")), 0);
    giveToNobody(sample);
    const result = await asNobody(sample, "-o annotate");
    assert.equal(result.code, 1, result.output);
    assert.equal(
      sample.normalize(result.stderr).replaceAll(s.url, "http://localhost/"),
      "While:\n  Initializing.\nError: Couldn't read " +
        `/sample-buildout/cache/${s.hashOf("base.cfg")}, the extends-cache ` +
        "copy of http://localhost/base.cfg: permission denied\n",
    );
  },
});

Deno.test("a cached copy that is not configuration (a page zc.buildout cached) is named by its path", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("cache");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = cache\n`,
  );
  // zc.buildout kept whatever the server answered with status 200.
  sample.write(
    "cache",
    s.hashOf("base.cfg"),
    "<html><body>Down for maintenance</body></html>\n",
  );
  const message = "While:\n  Initializing.\n" +
    "Error: http://localhost/base.cfg, line 1: text before the first " +
    "section header: '<html><body>Down for maintenance</body></html>' " +
    "(read from its extends-cache copy " +
    `/sample-buildout/cache/${s.hashOf("base.cfg")}: remove it, then run ` +
    "with network to download it again)\n";
  assert.equal(await s.buildout("-o"), message);
  // Online, the server's file replaces it.
  s.serve("base.cfg", "[buildout]\nparts =\n");
  assert.equal(await s.buildout(), "");
  assert.equal(
    sample.cat("cache", s.hashOf("base.cfg")),
    "[buildout]\nparts =\n",
  );
});

Deno.test({
  name:
    "online, an extends cache the user may not write does not hide the server's current copy" +
    (nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : ""),
  ignore: nobodySkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    // Filled by root, read by a service user (or a read-only mount).
    const cache = sample.tmpdir("cache");
    s.serve("base.cfg", "[buildout]\nparts =\nfoo = old\n");
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${s.url}base.cfg\nextends-cache = ${cache}\n`,
    );
    assert.match(await s.buildout("annotate"), /^foo= old$/m);
    giveToNobody(sample);
    s.serve("base.cfg", "[buildout]\nparts =\nfoo = new\n");
    let result = await asNobody(sample, "annotate");
    assert.match(result.stdout, /^foo= new$/m);
    assert.equal(result.code, 0, result.output);
    // A server failing still falls back to the cached copy.
    s.serve("base.cfg", "<html>\n<body>Down for maintenance</body>\n");
    result = await asNobody(sample, "annotate");
    assert.match(result.stdout, /^foo= old$/m);
    assert.deepEqual(readdirSync(cache), [s.hashOf("base.cfg")]);
    assert.deepEqual(readdirSync(sample.runTmpdir), []);
  },
});

Deno.test("allow-hosts does not govern the configuration files a buildout extends", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  s.serve("base.cfg", "[buildout]\nparts =\nfoo = bar\n");
  sample.write(
    "buildout.cfg",
    `[buildout]\nextends = ${s.url}base.cfg\nallow-hosts = pypi.org\n`,
  );
  assert.equal(await s.buildout(), "Unused options for buildout: 'foo'.\n");
  assert.deepEqual(s.server.requests, ["/base.cfg"]);
});
