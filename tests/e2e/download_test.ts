/**
 * End-to-end tests of the download utility as recipes get it
 * (`buildout.download(url, options)`), through a develop recipe that
 * downloads its `url` option and prints where the file landed: the buildout
 * options that drive it (`download-cache`, `offline`/`-o`,
 * `install-from-cache`, `socket-timeout`/`-t`, `allow-hosts`), proxies,
 * temporary files, no socket when offline, two buildouts sharing one cache
 * while a third is killed mid-download, and every kind of bad input.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  statSync,
  symlinkSync,
} from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import {
  BUILDOUT,
  exec,
  execSync,
  mkdir,
  type RequestHandler,
  type RunResult,
  type Sample,
  sampleBuildout,
  slowBody,
  startServer,
  type StaticServer,
  untilWhileRunning,
  withRawServer,
  write,
} from "./harness.ts";

const ROOT = process.getuid?.() === 0;
const md5 = (data: string | Buffer) =>
  createHash("md5").update(data).digest("hex");

/** Downloads `url` with the part's options and reports the result. */
const FETCH_RECIPE = `
import { readFileSync } from "node:fs";

export default class Fetch {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
    this.log = buildout.logger(name);
  }
  async install() {
    const o = this.options;
    const settings = {};
    for (const key of ["md5", "sha256", "path", "cache", "namespace"]) {
      if (o.has(key)) settings[key] = o.get(key);
    }
    for (const [key, name] of [
      ["hash-name", "hashName"], ["fallback", "fallback"], ["offline", "offline"],
    ]) {
      if (o.has(key)) settings[name] = o.getBool(key);
    }
    if (o.has("part-logger")) settings.logger = this.log;
    const { path, isTemp } = await this.buildout.download(o.require("url"), settings);
    const text = readFileSync(path, "utf8");
    this.log.info(\`\${path} \${isTemp} \${JSON.stringify(text.slice(0, 30))}\`);
    if (o.has("then-fail")) throw new this.buildout.UserError("failed after downloading");
  }
  update() {
    return this.install();
  }
}
`;

function writeRecipe(sample: Sample): void {
  sample.mkdir("recipes");
  sample.write("recipes", "fetch.ts", FETCH_RECIPE);
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { fetch: "./fetch.ts" } },
    }),
  );
}

/** A buildout with one `fetch` part; `buildout` and `part` add options. */
function config(url: string, buildout = "", part = ""): string {
  return `[buildout]
develop = recipes
parts = fetch
${buildout}
[fetch]
recipe = recipes:fetch
url = ${url}
${part}`;
}

/**
 * A handler sending the first half of `data` and holding the rest back,
 * each response kept in `held` to be ended by the test: a download is
 * then under way for as long as the test needs, however slowly a loaded
 * machine runs it.
 */
function halfThenHold(data: Buffer, held: ServerResponse[]): RequestHandler {
  return (_, res) => {
    res.writeHead(200, { "Content-Length": data.length });
    res.write(data.subarray(0, data.length / 2));
    held.push(res);
  };
}

/** One sample, one server, a fresh TMPDIR. */
class Session {
  server!: StaticServer;
  serverData!: string;
  tmp!: string;

  constructor(readonly sample: Sample) {}

  async start(handlers: Record<string, RequestHandler> = {}): Promise<this> {
    this.serverData = this.sample.tmpdir("server_data");
    this.tmp = this.sample.tmpdir("tmp");
    write(this.serverData, "foo.txt", "This is a foo text.");
    this.server = await startServer(this.serverData, { handlers });
    writeRecipe(this.sample);
    return this;
  }

  get url(): string {
    return this.server.url;
  }

  get env(): Record<string, string> {
    return { TMPDIR: this.tmp };
  }

  normalize(text: string): string {
    return this.sample.normalize(text)
      .replaceAll(this.url, "http://localhost/")
      .replaceAll(this.url.replace("http:", "https:"), "https://localhost/")
      .replace(/buildout-[0-9a-f]{8}-/g, "buildout-XXXXXXXX-");
  }

  /** Runs buildout; stdout and stderr normalised. */
  async run(
    args = "",
    env: Record<string, string | undefined> = {},
  ): Promise<RunResult> {
    const result = await this.sample.system(args, {
      env: { ...this.env, ...env },
    });
    const stdout = this.normalize(result.stdout);
    const stderr = this.normalize(result.stderr);
    return { ...result, stdout, stderr, output: stdout + stderr };
  }

  /** Runs buildout and expects success with exactly `stdout`. */
  async expect(stdout: string, args = ""): Promise<void> {
    const result = await this.run(args);
    assert.equal(result.output, stdout);
    assert.equal(result.code, 0, result.output);
  }

  /** Runs buildout and expects the one-line error `message` from part fetch. */
  async expectError(message: string, args = ""): Promise<void> {
    const result = await this.run(args);
    assert.equal(
      result.stderr,
      `While:\n  Installing fetch.\nError: ${message}\n`,
      result.output,
    );
    assert.equal(result.code, 1);
  }

  assertNoTemporaries(): void {
    assert.deepEqual(readdirSync(this.tmp), []);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.server.close();
  }
}

const DEVELOP = "Develop: '/sample-buildout/recipes'\n";

Deno.test("without a cache: a temporary file, removed when the run ends, even on error", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.write("buildout.cfg", config(`${s.url}foo.txt`));
  await s.expect(
    DEVELOP + `Installing fetch.
Downloading http://localhost/foo.txt
fetch: /tmp/buildout-XXXXXXXX-foo.txt true "This is a foo text."
`,
  );
  s.assertNoTemporaries();

  sample.write("buildout.cfg", config(`${s.url}foo.txt`, "", "then-fail = 1"));
  const { output: text, code } = await s.run();
  assert.match(text, /fetch: \/tmp\/buildout-XXXXXXXX-foo\.txt true/);
  assert.match(text, /Error: failed after downloading\n$/);
  assert.equal(code, 1);
  s.assertNoTemporaries();

  // The part's own logger, when the recipe passes it.
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "", "part-logger = 1"),
  );
  const { output: logged } = await s.run();
  assert.match(logged, /^fetch: Downloading http:\/\/localhost\/foo\.txt$/m);
});

Deno.test("local files and file: URLs are used in place; path gets a copy", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const local = join(s.serverData, "foo.txt");
  sample.write("buildout.cfg", config(local));
  await s.expect(
    DEVELOP + `Installing fetch.
fetch: /server_data/foo.txt false "This is a foo text."
`,
  );
  sample.write(
    "buildout.cfg",
    config(`file://${local}`, "", "path = ${buildout:directory}/copy.txt"),
  );
  await s.expect(
    DEVELOP + `Uninstalling fetch.
Installing fetch.
fetch: /sample-buildout/copy.txt false "This is a foo text."
`,
  );
  assert.equal(sample.cat("copy.txt"), "This is a foo text.");
});

Deno.test("checksums: MD5 and SHA-256 (sha256sum) mismatches are the reference's errors", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("cache");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "", `md5 = ${md5("The wrong text.")}`),
  );
  await s.expectError(
    "MD5 checksum mismatch downloading 'http://localhost/foo.txt'",
  );
  s.assertNoTemporaries();

  sample.write(
    "buildout.cfg",
    config(
      `${s.url}foo.txt`,
      `download-cache = ${cache}`,
      `md5 = ${md5("This is a foo text.")}`,
    ),
  );
  await s.expect(
    DEVELOP + `Installing fetch.
Downloading http://localhost/foo.txt
fetch: /cache/foo.txt false "This is a foo text."
`,
  );
  sample.write(
    "buildout.cfg",
    config(
      `${s.url}foo.txt`,
      `download-cache = ${cache}`,
      `sha256 = ${createHash("sha256").update("x").digest("hex")}`,
    ),
  );
  await s.expectError(
    "SHA-256 checksum mismatch for cached download from " +
      "'http://localhost/foo.txt' at '/cache/foo.txt'",
  );
  sample.write(
    "buildout.cfg",
    config(
      join(s.serverData, "foo.txt"),
      "",
      `md5 = ${md5("The wrong text.")}`,
    ),
  );
  await s.expectError(
    "MD5 checksum mismatch for local resource at '/server_data/foo.txt'.",
  );
});

Deno.test("buildout:download-cache: relative to the buildout, namespaces, hash names, cached copies first", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.mkdir("downloads");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "download-cache = downloads", "namespace = cmmi"),
  );
  await s.expect(
    DEVELOP + `Installing fetch.
Downloading http://localhost/foo.txt
fetch: /sample-buildout/downloads/cmmi/foo.txt false "This is a foo text."
`,
  );
  // The cached copy is used without contacting the server.
  write(s.serverData, "foo.txt", "The wrong text.");
  s.server.requests.length = 0;
  await s.expect(
    DEVELOP + `Updating fetch.
fetch: /sample-buildout/downloads/cmmi/foo.txt false "This is a foo text."
`,
  );
  assert.deepEqual(s.server.requests, []);

  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "download-cache = downloads", "hash-name = true"),
  );
  const hash = md5(`${s.url}foo.txt`);
  await s.expect(
    DEVELOP + `Uninstalling fetch.
Installing fetch.
Downloading http://localhost/foo.txt
fetch: /sample-buildout/downloads/${hash} false "The wrong text."
`,
  );
  assert.deepEqual(
    sample.ls("downloads").sort(),
    ["d  cmmi", `-  ${hash}`].sort(),
  );
});

Deno.test("download-cache and install-from-cache checks on start", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "download-cache = nope"),
  );
  let { output: text, code } = await s.run();
  assert.equal(
    text,
    `While:
  Initializing.
Error: The specified download cache:
'/sample-buildout/nope'
Doesn't exist.
`,
  );
  assert.equal(code, 1);
  // One that is a file exists, but is no directory.
  sample.write("file", "");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "download-cache = file"),
  );
  ({ output: text, code } = await s.run());
  assert.equal(
    text,
    `While:
  Initializing.
Error: The specified download cache:
'/sample-buildout/file'
Is not a directory.
`,
  );
  assert.equal(code, 1);
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "install-from-cache = true"),
  );
  ({ output: text, code } = await s.run());
  assert.equal(
    text,
    "While:\n  Initializing.\nError: install-from-cache is true but no " +
      "download-cache is set to install from\n",
  );
  assert.equal(code, 1);
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "socket-timeout = soon"),
  );
  ({ output: text, code } = await s.run());
  assert.ok(
    text.startsWith(
      "Default socket timeout is used !\n" +
        "Value in configuration is not numeric: [soon].\n",
    ),
    text,
  );
  assert.equal(code, 0);
});

Deno.test("offline and install-from-cache: cached copies only, no request", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("cache");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, `download-cache = ${cache}`),
  );
  await s.run();
  s.server.requests.length = 0;
  // The failed run forgets the part: it is installed afresh next time.
  for (
    const [options, args, verb] of [
      ["", "-o", "Updating"],
      ["install-from-cache = true", "", "Installing"],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`${s.url}foo.txt`, `download-cache = ${cache}\n${options}`),
    );
    await s.expect(
      DEVELOP + `${verb} fetch.
fetch: /cache/foo.txt false "This is a foo text."
`,
      args,
    );
    sample.write(
      "buildout.cfg",
      config(`${s.url}other.txt`, `download-cache = ${cache}\n${options}`),
    );
    await s.expectError(
      "Couldn't download 'http://localhost/other.txt' in offline mode.",
      args,
    );
  }
  // The recipe's own setting wins over the buildout's.
  sample.write(
    "buildout.cfg",
    config(`${s.url}other.txt`, "offline = true", "offline = false\ncache ="),
  );
  const { output: text } = await s.run();
  assert.match(
    text,
    /Error: Error downloading http:\/\/localhost\/other.txt: HTTP Error 404: Not Found/,
  );
  assert.deepEqual(s.server.requests, ["/other.txt"]);
});

Deno.test("offline, what stands where a cached copy should be is named, and a miss writes nothing to the cache", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("cache");
  const copy = join(cache, "foo.txt");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, `download-cache = ${cache}`),
  );
  const offline = "Couldn't download 'http://localhost/foo.txt' in offline " +
    "mode: its cached copy '/cache/foo.txt'";
  const remedy = " (remove it, then run with network to download it again)";
  mkdirSync(copy);
  await s.expectError(`${offline} is a directory, not a file${remedy}`, "-o");
  rmdirSync(copy);
  // A link made relative to a cache's old place, dangling once it moved.
  symlinkSync("../old-cache/foo.txt", copy);
  await s.expectError(
    `${offline} is a symbolic link to '../old-cache/foo.txt', which does ` +
      `not exist${remedy}`,
    "-o",
  );
  assert.equal(readlinkSync(copy), "../old-cache/foo.txt");
  // A name no file system takes holds nothing to remove.
  const long = `${"a".repeat(300)}.txt`;
  sample.write(
    "buildout.cfg",
    config(`${s.url}${long}`, `download-cache = ${cache}`),
  );
  const { output: tooLong } = await s.run("-o");
  assert.match(tooLong, /cannot be looked at: file name too long\n/);
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, `download-cache = ${cache}`),
  );
  // Online, the download replaces the link: later runs are not poisoned.
  await s.run();
  assert.equal(readFileSync(copy, "utf8"), "This is a foo text.");
  assert.deepEqual(s.server.requests, ["/foo.txt"]);
  // A namespace the cache lacks is not created offline (the cache may be
  // a read-only mount): the error names the URL missing.
  s.server.requests.length = 0;
  sample.write(
    "buildout.cfg",
    config(`${s.url}other.txt`, `download-cache = ${cache}`, "namespace = ns"),
  );
  await s.expectError(
    "Couldn't download 'http://localhost/other.txt' in offline mode.",
    "-o",
  );
  assert.deepEqual(readdirSync(cache), ["foo.txt"]);
  assert.deepEqual(s.server.requests, []);
});

Deno.test({
  name: "offline opens no socket: it works with no network at all (unshare -n)",
  ignore: !ROOT,
  async fn() {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    const cache = sample.tmpdir("cache");
    sample.write(
      "buildout.cfg",
      config(`${s.url}foo.txt`, `download-cache = ${cache}`),
    );
    await s.run();
    const isolated = async (args: string[]) => {
      const result: RunResult = await exec(
        "unshare",
        ["-n", BUILDOUT, ...args],
        {
          cwd: sample.dir,
          env: {
            HOME: sample.home,
            TMPDIR: s.tmp,
            BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
          },
        },
      );
      return [s.normalize(result.stdout + result.stderr), result.code] as const;
    };
    // Without network, an online run cannot reach even 127.0.0.1...
    sample.write(
      "buildout.cfg",
      config(`${s.url}other.txt`, `download-cache = ${cache}`),
    );
    let [text, code] = await isolated([]);
    assert.match(
      text,
      /Error: Error downloading http:\/\/localhost\/other\.txt: (connection refused|network unreachable)\n$/,
    );
    assert.equal(code, 1);
    // ... while offline runs never try: a cache hit works, a miss is the
    // offline error, not a network one.
    [text, code] = await isolated(["-o"]);
    assert.match(
      text,
      /Error: Couldn't download 'http:\/\/localhost\/other\.txt' in offline mode\.\n$/,
    );
    sample.write(
      "buildout.cfg",
      config(`${s.url}foo.txt`, `download-cache = ${cache}`),
    );
    [text, code] = await isolated(["-o"]);
    assert.equal(
      text,
      DEVELOP + `Installing fetch.
fetch: /cache/foo.txt false "This is a foo text."
`,
    );
    assert.equal(code, 0);
  },
});

Deno.test("two buildouts share one cache at once; a third killed mid-download leaves nothing visible", async () => {
  const data = Buffer.alloc(4 << 20, "0123456789abcdef");
  // Each answer stops halfway until the third run is killed: all three are
  // then mid-download, however late a loaded machine started any of them.
  const held: ServerResponse[] = [];
  using first = await sampleBuildout();
  using second = await sampleBuildout();
  using third = await sampleBuildout();
  await using s = await new Session(first).start({
    "/big.bin": halfThenHold(data, held),
  });
  const cache = first.tmpdir("cache");
  for (const sample of [second, third]) writeRecipe(sample);
  for (const sample of [first, second, third]) {
    sample.write(
      "buildout.cfg",
      config(
        `${s.url}big.bin`,
        `download-cache = ${cache}`,
        `md5 = ${md5(data)}`,
      ),
    );
  }
  const env = {
    HOME: first.home,
    TMPDIR: s.tmp,
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
  };
  let ended = false;
  const runs = [first, second].map((sample) =>
    exec(BUILDOUT, [], { cwd: sample.dir, env }).finally(() => ended = true)
  );
  const killed = spawn(BUILDOUT, [], {
    cwd: third.dir,
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  const exited = new Promise((ok) => killed.on("exit", ok));
  exited.then(() => ended = true);
  const hidden = () => readdirSync(cache).filter((n) => n.startsWith("."));
  const visible = () => readdirSync(cache).filter((n) => !n.startsWith("."));
  while (hidden().length < 3 && !ended) {
    await new Promise((ok) => setTimeout(ok, 20));
  }
  assert.equal(hidden().length, 3, "each run writes its own temporary");
  assert.deepEqual(visible(), [], "nothing under a final name mid-download");
  killed.kill("SIGKILL");
  await exited;
  for (const res of held) res.end(data.subarray(data.length / 2));
  for (const result of await Promise.all(runs)) {
    assert.equal(result.code, 0, result.output);
    assert.match(
      s.normalize(result.stdout),
      /fetch: \/cache\/big\.bin false "0123456789abcdef/,
    );
  }
  assert.deepEqual(visible(), ["big.bin"]);
  assert.equal(md5(readFileSync(join(cache, "big.bin"))), md5(data));
  const leftovers = readdirSync(cache).filter((n) => n.startsWith("."));
  assert.equal(leftovers.length, 1, "the killed run's hidden temporary");

  // A later run on this host sweeps it: its process is gone.
  const later = await exec(BUILDOUT, [], { cwd: third.dir, env });
  assert.equal(later.code, 0, later.output);
  assert.deepEqual(readdirSync(cache), ["big.bin"]);
});

Deno.test("an interrupted download (SIGTERM) removes its temporary file at once", async () => {
  const data = Buffer.alloc(4 << 20, "x");
  const held: ServerResponse[] = [];
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/big.bin": halfThenHold(data, held),
  });
  const cache = sample.tmpdir("cache");
  sample.write(
    "buildout.cfg",
    config(
      `${s.url}big.bin`,
      `download-cache = ${cache}`,
      "path = ${buildout:directory}/big.bin",
    ),
  );
  const env = {
    ...process.env,
    HOME: sample.home,
    TMPDIR: s.tmp,
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
  };
  const child = spawn(BUILDOUT, [], { cwd: sample.dir, env, stdio: "ignore" });
  let ended = false;
  const status = new Promise<string | null>((ok) =>
    child.on("exit", (_, signal) => {
      ended = true;
      ok(signal);
    })
  );
  while (readdirSync(cache).length === 0 && !ended) {
    await new Promise((ok) => setTimeout(ok, 20));
  }
  assert.equal(readdirSync(cache).length, 1, "a temporary is being written");
  child.kill("SIGTERM");
  assert.equal(await status, "SIGTERM");
  assert.deepEqual(readdirSync(cache), []);
  assert.ok(!existsSync(sample.path("big.bin")));
});

Deno.test("socket-timeout and -t bound the wait for a silent server", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({ "/silent": () => {} });
  sample.write("buildout.cfg", config(`${s.url}silent`, "socket-timeout = 1"));
  await s.expectError(
    "Error downloading http://localhost/silent: timed out (nothing received for 1 second)",
  );
  sample.write("buildout.cfg", config(`${s.url}silent`));
  const { output: text, code } = await s.run("-t 1");
  assert.ok(text.startsWith("Setting socket time out to 1 seconds\n"), text);
  assert.match(
    text,
    /Error: Error downloading http:\/\/localhost\/silent: timed out \(nothing received for 1 second\)\n$/,
  );
  assert.equal(code, 1);
});

Deno.test("allow-hosts refuses other hosts, redirect targets included", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/elsewhere": (_, res) => {
      res.writeHead(302, { Location: "http://example.com/foo.txt" });
      res.end();
    },
  });
  const port = new URL(s.url).port;
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "allow-hosts =\n  *.python.org\n  pypi.org"),
  );
  await s.expectError(
    `Error downloading http://localhost/foo.txt: host '127.0.0.1:${port}' is not in allow-hosts`,
  );
  assert.deepEqual(s.server.requests, []);
  sample.write(
    "buildout.cfg",
    config(`${s.url}elsewhere`, "allow-hosts = 127.0.0.1"),
  );
  await s.expectError(
    "Error downloading http://localhost/elsewhere: redirected to " +
      "http://example.com/foo.txt: host 'example.com' is not in allow-hosts",
  );
  // Empty, it allows every host, as setuptools reads it.
  sample.write("buildout.cfg", config(`${s.url}foo.txt`, "allow-hosts ="));
  const open = await s.run();
  assert.equal(open.code, 0, open.output);
  assert.match(open.stdout, /fetch: \S+ true "This is a foo text\."/);
});

Deno.test("HTTP_PROXY is used, NO_PROXY bypasses it", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "http://example.invalid/proxied.txt": (_, res) => {
      res.writeHead(200, { "Content-Length": 7 });
      res.end("proxied");
    },
  });
  sample.write(
    "buildout.cfg",
    config("http://example.invalid/proxied.txt"),
  );
  let { output: text, code } = await s.run("", {
    HTTP_PROXY: s.url,
    http_proxy: s.url,
  });
  assert.match(
    text,
    /fetch: \/tmp\/buildout-XXXXXXXX-proxied\.txt true "proxied"/,
  );
  assert.equal(code, 0, text);
  assert.deepEqual(s.server.requests, ["http://example.invalid/proxied.txt"]);

  const dead = createServer();
  await new Promise<void>((ok) => dead.listen(0, "127.0.0.1", ok));
  const deadPort = (dead.address() as { port: number }).port;
  await new Promise<void>((ok) => dead.close(() => ok()));
  const proxy = `http://127.0.0.1:${deadPort}`;
  sample.write("buildout.cfg", config(`${s.url}foo.txt`));
  ({ output: text, code } = await s.run("", {
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: "127.0.0.1",
    no_proxy: "127.0.0.1",
  }));
  assert.match(
    text,
    /fetch: \/tmp\/buildout-XXXXXXXX-foo\.txt true "This is a foo text\."/,
  );
  assert.equal(code, 0, text);
});

Deno.test("bad input: each failure is one line naming the URL, nothing partial is left", async () => {
  let flaky = 0;
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/error": (_, res) => {
      flaky++;
      res.writeHead(500);
      res.end();
    },
    "/cut": (_, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("x".repeat(50));
      setTimeout(() => res.socket?.destroy(), 20);
    },
    "/loop": (_, res) => {
      res.writeHead(302, { Location: "/loop2" });
      res.end();
    },
    "/loop2": (_, res) => {
      res.writeHead(302, { Location: "/loop" });
      res.end();
    },
  });
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((ok) => closed.close(() => ok()));
  const cache = sample.tmpdir("cache");
  const cases: Array<[string, string]> = [
    [`${s.url}missing.txt`, "HTTP Error 404: Not Found"],
    [`${s.url}error`, "HTTP Error 500: Internal Server Error (tried 3 times)"],
    [`${s.url}cut`, "connection lost after 50 of 100 bytes (tried 3 times)"],
    [`${s.url}loop`, "redirect loop at http://localhost/loop"],
    [`http://127.0.0.1:${port}/foo.txt`, "connection refused"],
    [
      "http://no-such-host.invalid/foo.txt",
      "could not resolve host no-such-host.invalid",
    ],
    ["ftp://example.com/foo.txt", "unsupported URL scheme 'ftp'"],
    ["http://[bad/foo.txt", "invalid URL"],
  ];
  for (const [url, reason] of cases) {
    sample.write(
      "buildout.cfg",
      config(
        url,
        `download-cache = ${cache}`,
        "path = ${buildout:directory}/target.txt",
      ),
    );
    await s.expectError(`Error downloading ${s.normalize(url)}: ${reason}`);
    assert.deepEqual(readdirSync(cache), [], url);
    assert.ok(!existsSync(sample.path("target.txt")), url);
  }
  assert.equal(flaky, 3, "a 500 is tried three times");
  // The log says why the run takes longer.
  sample.write(
    "buildout.cfg",
    config(`${s.url}error`, `download-cache = ${cache}`),
  );
  const retried = await s.run();
  assert.equal(
    retried.stdout.split("\n").filter((line) => line.includes(" again: "))
      .join("\n"),
    Array(2).fill(
      "Downloading http://localhost/error again: " +
        "HTTP Error 500: Internal Server Error",
    ).join("\n"),
  );

  // TLS to a server that does not speak it; the wording is the TLS stack's.
  const tls = s.url.replace("http:", "https:") + "foo.txt";
  sample.write(
    "buildout.cfg",
    config(tls, `download-cache = ${cache}`),
  );
  const result = await s.run();
  assert.match(
    result.stderr,
    /^While:\n {2}Installing fetch\.\nError: Error downloading https:\/\/localhost\/foo\.txt: TLS error: [^\n]+\n$/,
  );
  assert.deepEqual(readdirSync(cache), []);

  // A cache path that is a file; a target in a missing directory.
  write(cache, "file", "");
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "", `cache = ${join(cache, "file")}`),
  );
  await s.expectError(
    "The directory:\n'/cache/file'\nto be used as a download cache is not a directory.",
  );
  // A FIFO is not a directory either; a dangling link names one that
  // doesn't exist.
  const roots = sample.tmpdir("roots");
  execFileSync("mkfifo", [join(roots, "fifo")]);
  symlinkSync(join(roots, "gone"), join(roots, "dangling"));
  for (
    const [name, what] of [
      ["fifo", "is not a directory."],
      ["dangling", "doesn't exist."],
    ]
  ) {
    sample.write(
      "buildout.cfg",
      config(`${s.url}foo.txt`, "", `cache = ${join(roots, name)}`),
    );
    await s.expectError(
      `The directory:\n'/roots/${name}'\nto be used as a download cache ${what}`,
    );
  }
  // A namespace whose name a file holds in the cache.
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, `download-cache = ${cache}`, "namespace = file"),
  );
  await s.expectError(
    "Couldn't create '/cache/file' in the download cache: it is a file, " +
      "not a directory",
  );
  assert.deepEqual(readdirSync(cache), ["file"]);
  // A namespace linked to a disk that is not mounted.
  symlinkSync("/no/such/disk/ns", join(cache, "ns"));
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, `download-cache = ${cache}`, "namespace = ns"),
  );
  await s.expectError(
    "Couldn't create '/cache/ns' in the download cache: it is a symbolic " +
      "link to '/no/such/disk/ns', which does not exist",
  );
  assert.deepEqual(readdirSync(cache).sort(), ["file", "ns"]);
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "", "path = ${buildout:directory}/no/such/dir/x"),
  );
  await s.expectError(
    "Couldn't write '/sample-buildout/no/such/dir/x': no such file or directory",
  );
  s.assertNoTemporaries();
});

Deno.test("answers that are not HTTP are one line in words naming the URL", async () => {
  const answers: Record<string, string> = {
    "/status": "HTTP/1.1 abc\r\n\r\n",
    "/chunk":
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n",
    "/length":
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    for (
      const [path, reason] of [
        ["/status", "malformed HTTP response"],
        ["/chunk", "invalid HTTP response"],
        ["/length", "invalid Content-Length"],
      ]
    ) {
      sample.write("buildout.cfg", config(base + path));
      await s.expectError(`Error downloading ${base}${path}: ${reason}`);
    }
    s.assertNoTemporaries();
  });
});

Deno.test("an unasked-for protocol switch and oversized headers are one line in words", async () => {
  const answers: Record<string, string> = {
    "/upgrade":
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\nxx",
    "/headers": "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(5_000_000) +
      "\r\nContent-Length: 2\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    for (
      const [path, reason] of [
        ["/upgrade", "the server switched protocols, which was not asked for"],
        ["/headers", "response headers too large"],
      ]
    ) {
      sample.write("buildout.cfg", config(base + path));
      await s.expectError(`Error downloading ${base}${path}: ${reason}`);
    }
    s.assertNoTemporaries();
  });
});

Deno.test("a body in a transfer coding other than chunked is refused, never saved coded", async () => {
  // The coding is refused before the body is read, so the body need not be
  // gzip data (and withRawServer writes text).
  const coded = "not decoded";
  const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${
    coded.length.toString(16)
  }\r\n${coded}\r\n0\r\n\r\n`;
  const answers: Record<string, string> = {
    "/chunked": chunked,
    "/plain": `HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n${coded}`,
  };
  await withRawServer(
    (path) => answers[path],
    async (base) => {
      using sample = await sampleBuildout();
      await using s = await new Session(sample).start();
      const cache = sample.tmpdir("cache");
      for (
        const [path, coding] of [
          ["/chunked", "gzip, chunked"],
          ["/plain", "gzip"],
        ]
      ) {
        sample.write(
          "buildout.cfg",
          config(base + path, `download-cache = ${cache}`),
        );
        await s.expectError(
          `Error downloading ${base}${path}: unsupported Transfer-Encoding '${coding}'`,
        );
      }
      assert.deepEqual(readdirSync(cache), []);
      s.assertNoTemporaries();
    },
  );
});

Deno.test("204, 205 and 206 answers are errors, never an empty or partial file in the cache", async () => {
  const answers: Record<string, string> = {
    "/204": "HTTP/1.1 204 No Content\r\n\r\n",
    "/205": "HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n",
    "/206":
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/9\r\nContent-Length: 2\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    const cache = sample.tmpdir("cache");
    for (
      const [path, reason] of [
        ["/204", "HTTP 204 No Content: the answer has no file"],
        ["/205", "HTTP 205 Reset Content: the answer has no file"],
        [
          "/206",
          "HTTP 206 Partial Content: the answer has only part of the file, which was not asked for",
        ],
      ]
    ) {
      sample.write(
        "buildout.cfg",
        config(base + path, `download-cache = ${cache}`),
      );
      await s.expectError(`Error downloading ${base}${path}: ${reason}`);
    }
    assert.deepEqual(readdirSync(cache), []);
    s.assertNoTemporaries();
  });
});

Deno.test({
  name: "a read-only download cache is a user error and stays untouched",
  ignore: !ROOT,
  async fn() {
    using sample = await sampleBuildout();
    await using s = await new Session(sample).start();
    const cache = sample.tmpdir("cache");
    sample.write(
      "buildout.cfg",
      config(`${s.url}foo.txt`, `download-cache = ${cache}`),
    );
    const script =
      `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"`;
    const result = await exec(
      "unshare",
      ["-m", "sh", "-c", script, "sh", cache, BUILDOUT],
      {
        cwd: sample.dir,
        env: {
          HOME: sample.home,
          TMPDIR: s.tmp,
          BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        },
      },
    );
    assert.equal(
      s.normalize(result.stderr),
      "While:\n  Installing fetch.\nError: Couldn't write '/cache/foo.txt': read-only file system\n",
    );
    assert.equal(result.code, 1);
    assert.deepEqual(readdirSync(cache), []);
  },
});

Deno.test("a progress bar on a terminal for large downloads, nothing on a pipe", async () => {
  const data = Buffer.alloc(8 << 20, "p");
  using sample = await sampleBuildout();
  // Its second half over a while, as over a real link: the rate shows from
  // the second frame on.
  await using s = await new Session(sample).start({
    "/big.bin": (_, res) => {
      res.writeHead(200, { "Content-Length": data.length });
      res.write(data.subarray(0, data.length / 2));
      sendSecondHalf(res, data);
    },
  });
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const piped = await sample.system("", { env: s.env });
  assert.equal(piped.stderr, "");
  assert.equal(piped.code, 0);

  const tty = await exec("script", ["-qec", BUILDOUT, "/dev/null"], {
    cwd: sample.dir,
    env: terminalEnv(s, "xterm"),
  });
  assert.equal(tty.code, 0, tty.output);
  // ESC [ K (erase to the end of the line), spelt out for the linter.
  const text = tty.stdout.replaceAll("\x1b[K", "<EL>");
  assert.match(
    text,
    /\rbig\.bin {2}\[[# ]+\] +\d+% {2}[\d.]+ [KM]iB \/ 8\.0 MiB {2}[\d.]+ [KMG]iB\/s<EL>/,
  );
  assert.match(text, /\r<EL>fetch: /, "erased before the next line");
});

/** The environment of a run on a terminal made by `script`. */
function terminalEnv(s: Session, term: string): Record<string, string> {
  return {
    HOME: s.sample.home,
    TMPDIR: s.tmp,
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
    COLUMNS: "80",
    TERM: term,
  };
}

Deno.test("Ctrl-C during a download on a terminal: the error is not written onto the progress bar", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/big.bin": slowBody(Buffer.alloc(64 << 20, "p"), 10),
  });
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const pidFile = sample.path("buildout.pid");
  let bars = 0;
  const running = exec(
    "script",
    ["-qc", `sh -c 'echo $$ > ${pidFile}; exec ${BUILDOUT}'`, "/dev/null"],
    {
      cwd: sample.dir,
      env: terminalEnv(s, "xterm"),
      onStdout: (text) => bars += text.split("big.bin  [").length - 1,
    },
  );
  let ended = false;
  running.then(() => ended = true);
  while (bars < 2 && !ended) await new Promise((ok) => setTimeout(ok, 20));
  assert.ok(!ended, "the run ended before drawing its bar");
  process.kill(Number(readFileSync(pidFile, "utf8")), "SIGINT");
  const result = await running;
  const text = result.stdout.replaceAll("\x1b[K", "<EL>");
  assert.match(text, /\r<EL>Error: Interrupted by SIGINT\r\n$/, text);
});

Deno.test("TERM=dumb: no progress bar, whose escapes such a terminal would show as they are", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  write(s.serverData, "big.bin", "d".repeat(8 << 20));
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const result = await exec("script", ["-qec", BUILDOUT, "/dev/null"], {
    cwd: sample.dir,
    env: terminalEnv(s, "dumb"),
  });
  assert.equal(result.code, 0, result.output);
  assert.match(result.stdout, /fetch: /);
  assert.ok(!result.stdout.includes("\x1b"), result.stdout);
  assert.doesNotMatch(result.stdout, /big\.bin {2}/);
});

Deno.test("-q on a terminal: no progress bar, as no Downloading line", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  write(s.serverData, "big.bin", "q".repeat(8 << 20));
  sample.write(
    "buildout.cfg",
    config(`${s.url}big.bin`, "", "path = ${buildout:directory}/copy.bin"),
  );
  const result = await exec("script", ["-qec", `${BUILDOUT} -q`, "/dev/null"], {
    cwd: sample.dir,
    env: terminalEnv(s, "xterm"),
  });
  assert.equal(result.code, 0, result.output);
  assert.ok(!result.stdout.includes("\x1b"), result.stdout);
  assert.doesNotMatch(result.stdout, /big\.bin {2}|Downloading/);
  assert.equal(statSync(sample.path("copy.bin")).size, 8 << 20);
});

/**
 * The bars drawn in a terminal's output whose line starts with `start`,
 * each as the line it shows (without its erase-to-end-of-line), with the
 * percentage it gives.
 */
function barsIn(
  output: string,
  start: string,
): { line: string; percent: number }[] {
  return output.split("\r")
    .filter((text) => text.startsWith(start))
    .map((text) => {
      const line = text.replace("\x1b[K", "");
      return { line, percent: Number(/ (\d+)% /.exec(line)?.[1] ?? NaN) };
    });
}

/** Writes the rest of `data` after its first half, 64 KiB every 10 ms. */
function sendSecondHalf(res: ServerResponse, data: Buffer): void {
  let offset = data.length / 2;
  const timer = setInterval(() => {
    res.write(data.subarray(offset, offset + 65536));
    offset += 65536;
    if (offset >= data.length) {
      clearInterval(timer);
      res.end();
    }
  }, 10);
  res.on("close", () => clearInterval(timer));
}

Deno.test("a terminal made narrower during a download: the bar is drawn to its new width, not wrapped", async () => {
  const data = Buffer.alloc(8 << 20, "w");
  const held: ServerResponse[] = [];
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/big.bin": halfThenHold(data, held),
  });
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const ttyFile = sample.path("tty");
  let output = "";
  const running = exec(
    "script",
    [
      "-qec",
      `sh -c 'tty > ${ttyFile}; stty cols 100; exec ${BUILDOUT}'`,
      "/dev/null",
    ],
    {
      cwd: sample.dir,
      env: terminalEnv(s, "xterm"),
      onStdout: (text) => output += text,
    },
  );
  await untilWhileRunning(
    running,
    () => held.length > 0 && barsIn(output, "big.bin  ").length > 0,
    "the first half's progress bar",
  );
  // Half the file is all the server sent: any bar past 50% comes after this.
  const tty = readFileSync(ttyFile, "utf8").trim();
  assert.equal(execSync("stty", ["-F", tty, "cols", "40"]).code, 0);
  sendSecondHalf(held[0], data);
  const result = await running;
  assert.equal(result.code, 0, result.stdout);
  const bars = barsIn(result.stdout, "big.bin  ");
  assert.ok(bars.some((bar) => bar.line.length >= 40), "drawn at 100 first");
  const narrowed = bars.filter((bar) => bar.percent > 50);
  assert.ok(narrowed.length > 0, result.stdout);
  for (const bar of narrowed) assert.ok(bar.line.length < 40, bar.line);
});

Deno.test("a download that stalls on a terminal: the bar shows all that arrived, then says it stalled", async () => {
  const data = Buffer.alloc(8 << 20, "s");
  const held: ServerResponse[] = [];
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start({
    "/big.bin": halfThenHold(data, held),
  });
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  let output = "";
  const running = exec("script", ["-qec", `${BUILDOUT} -t 10`, "/dev/null"], {
    cwd: sample.dir,
    env: terminalEnv(s, "xterm"),
    onStdout: (text) => output += text,
  });
  const stalled = () =>
    barsIn(output, "big.bin  ").find((bar) => bar.line.includes("stalled"));
  await untilWhileRunning(running, () => !!stalled(), "a stalled bar");
  assert.match(stalled()!.line, / 50% {2}4\.0 MiB \/ 8\.0 MiB {2}stalled \ds$/);
  held[0].end(data.subarray(data.length / 2));
  const result = await running;
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout.replaceAll("\x1b[K", "<EL>"), /\r<EL>fetch: /);
});

Deno.test("a terminal reporting no width: the bar fits COLUMNS", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  write(s.serverData, "big.bin", "c".repeat(8 << 20));
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const result = await exec(
    "script",
    ["-qec", `sh -c 'stty cols 0; exec ${BUILDOUT}'`, "/dev/null"],
    { cwd: sample.dir, env: { ...terminalEnv(s, "xterm"), COLUMNS: "40" } },
  );
  assert.equal(result.code, 0, result.stdout);
  const bars = barsIn(result.stdout, "big.bin  ");
  assert.ok(bars.length > 0, result.stdout);
  for (const bar of bars) assert.ok(bar.line.length < 40, bar.line);
});

Deno.test("a narrow terminal: the bar drops whole fields, the rate first, never cutting a number", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  write(s.serverData, "big.bin", "n".repeat(8 << 20));
  sample.write("buildout.cfg", config(`${s.url}big.bin`));
  const result = await exec(
    "script",
    ["-qec", `sh -c 'stty cols 30; exec ${BUILDOUT}'`, "/dev/null"],
    { cwd: sample.dir, env: terminalEnv(s, "xterm") },
  );
  assert.equal(result.code, 0, result.stdout);
  const bars = barsIn(result.stdout, "big.bin  ");
  assert.ok(bars.length > 0, result.stdout);
  for (const { line } of bars) {
    assert.match(line, /^big\.bin +\d+%( {2}[\d.]+ [KM]?i?B \/ 8\.0 MiB)?$/);
    assert.ok(line.length < 30, line);
  }
});

Deno.test("a file name longer than the terminal: the bar shortens it in its middle and still shows its share and size", async () => {
  const name = `package-${"x".repeat(90)}-1.2.3.tar.gz`;
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  write(s.serverData, name, "l".repeat(8 << 20));
  sample.write("buildout.cfg", config(`${s.url}${name}`));
  const result = await exec("script", ["-qec", BUILDOUT, "/dev/null"], {
    cwd: sample.dir,
    env: terminalEnv(s, "xterm"),
  });
  assert.equal(result.code, 0, result.stdout);
  const bars = barsIn(result.stdout, "package-xxx");
  assert.ok(bars.length > 0, result.stdout);
  for (const { line } of bars) {
    assert.match(
      line,
      /^package-x+\.\.\.x+-1\.2\.3\.tar\.gz {2} +\d+% {2}[\d.]+ [KM]?i?B \/ 8\.0 MiB( {2}[\d.]+ [KMG]?i?B\/s)?$/,
    );
    assert.ok(line.length < 80, line);
  }
});

// --- The reference's "Using the download utility" sessions -----------------

/**
 * Runs buildout with a part fetching `url` and returns what the download
 * reported ("Downloading", the recipe's `fetch:` line, an error), without
 * the lines saying which part is installed or updated.
 */
async function fetched(
  s: Session,
  url: string,
  part = "",
  buildout = "",
  args = "",
): Promise<string> {
  s.sample.write("buildout.cfg", config(url, buildout, part));
  const { output } = await s.run(args);
  return output.split("\n").filter((line) =>
    !/^(Develop: |(Installing|Updating|Uninstalling) fetch\.$)/.test(line)
  ).join("\n");
}

Deno.test("download utility without a cache: a target path, offline with local files", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const target = join(sample.tmpdir("download-target"), "downloaded.txt");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, `path = ${target}`),
    `Downloading http://localhost/foo.txt
fetch: /download-target/downloaded.txt false "This is a foo text."
`,
  );
  assert.equal(sample.cat(target), "This is a foo text.");
  // Offline, paths and file: URLs still work; other URLs do not.
  const local = join(s.serverData, "foo.txt");
  for (const url of [local, `file:${local}`]) {
    assert.equal(
      await fetched(s, url, "offline = true"),
      `fetch: /server_data/foo.txt false "This is a foo text."\n`,
    );
  }
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, "offline = true"),
    `While:
  Installing fetch.
Error: Couldn't download 'http://localhost/foo.txt' in offline mode.
`,
  );
  s.assertNoTemporaries();
});

Deno.test("download utility with a cache: same base name, target paths, local resources, mismatches", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("download-cache");
  const inCache = `cache = ${cache}`;
  assert.deepEqual(sample.ls(cache), []);
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, inCache),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/foo.txt false "This is a foo text."
`,
  );
  // The cached copy is used, whatever the server has now...
  write(s.serverData, "foo.txt", "The wrong text.");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, inCache),
    `fetch: /download-cache/foo.txt false "This is a foo text."\n`,
  );
  // ...and for another URL with the same base name.
  mkdir(s.serverData, "other");
  write(join(s.serverData, "other"), "foo.txt", "The wrong text.");
  assert.equal(
    await fetched(s, `${s.url}other/foo.txt`, inCache),
    `fetch: /download-cache/foo.txt false "This is a foo text."\n`,
  );
  assert.equal(
    await fetched(
      s,
      `${s.url}foo.txt`,
      `${inCache}\nmd5 = ${md5("The wrong text.")}`,
    ),
    `While:
  Installing fetch.
Error: MD5 checksum mismatch for cached download from 'http://localhost/foo.txt' at '/download-cache/foo.txt'
`,
  );

  // A target path gets a copy, when first downloading and from the cache.
  const target = join(sample.tmpdir("download-target"), "downloaded.txt");
  const toTarget = `${inCache}\npath = ${target}`;
  sample.remove(cache, "foo.txt");
  write(s.serverData, "foo.txt", "This is a foo text.");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, toTarget),
    `Downloading http://localhost/foo.txt
fetch: /download-target/downloaded.txt false "This is a foo text."
`,
  );
  assert.deepEqual(sample.ls(cache), ["-  foo.txt"]);
  sample.remove(target);
  write(s.serverData, "foo.txt", "The wrong text.");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, `${toTarget}\nmd5 =`),
    `fetch: /download-target/downloaded.txt false "This is a foo text."\n`,
  );

  // Local resources are cached like any others.
  const local = join(s.serverData, "foo.txt");
  write(s.serverData, "foo.txt", "This is a foo text.");
  for (const url of [`file:${local}`, local]) {
    sample.remove(cache, "foo.txt");
    assert.equal(
      await fetched(s, url, toTarget),
      `fetch: /download-target/downloaded.txt false "This is a foo text."\n`,
      url,
    );
    assert.deepEqual(sample.ls(cache), ["-  foo.txt"], url);
  }

  // A download whose checksum does not match is not cached.
  sample.remove(cache, "foo.txt");
  assert.equal(
    await fetched(
      s,
      `${s.url}foo.txt`,
      `${inCache}\nmd5 = ${md5("The wrong text.")}`,
    ),
    `Downloading http://localhost/foo.txt
While:
  Installing fetch.
Error: MD5 checksum mismatch downloading 'http://localhost/foo.txt'
`,
  );
  assert.deepEqual(sample.ls(cache), []);

  assert.equal(
    await fetched(s, `${s.url}foo.txt`, `cache = ${cache}/non-existent`),
    `While:
  Installing fetch.
Error: The directory:
'/download-cache/non-existent'
to be used as a download cache doesn't exist.
`,
  );
  s.assertNoTemporaries();
});

Deno.test("download utility: namespace sub-directories and hashes of the URL as names", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("download-cache");
  const inTest = `cache = ${cache}\nnamespace = test`;
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, inTest),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/test/foo.txt false "This is a foo text."
`,
  );
  assert.deepEqual(sample.ls(cache), ["d  test"]);
  assert.deepEqual(sample.ls(cache, "test"), ["-  foo.txt"]);
  // The namespace's copy wins over the server and the cache's root.
  write(s.serverData, "foo.txt", "The wrong text.");
  write(cache, "foo.txt", "The wrong text.");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, inTest),
    `fetch: /download-cache/test/foo.txt false "This is a foo text."\n`,
  );
  sample.remove(cache, "test");
  sample.remove(cache, "foo.txt");

  write(s.serverData, "foo.txt", "This is a foo text.");
  const hashed = `cache = ${cache}\nhash-name = true`;
  const fooHash = md5(`${s.url}foo.txt`);
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, hashed),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/${fooHash} false "This is a foo text."
`,
  );
  write(s.serverData, "foo.txt", "The wrong text.");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, hashed),
    `fetch: /download-cache/${fooHash} false "This is a foo text."\n`,
  );
  // Another URL with the same base name is another file in the cache.
  mkdir(s.serverData, "other");
  write(join(s.serverData, "other"), "foo.txt", "The wrong text.");
  const otherHash = md5(`${s.url}other/foo.txt`);
  assert.equal(
    await fetched(s, `${s.url}other/foo.txt`, hashed),
    `Downloading http://localhost/other/foo.txt
fetch: /download-cache/${otherHash} false "The wrong text."
`,
  );
  assert.deepEqual(
    sample.ls(cache),
    [`-  ${fooHash}`, `-  ${otherHash}`].sort(),
  );
  s.assertNoTemporaries();
});

Deno.test("download utility: the cache purely as a fall-back", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const cache = sample.tmpdir("download-cache");
  const fallback = `cache = ${cache}\nfallback = true`;
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, fallback),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/foo.txt false "This is a foo text."
`,
  );
  assert.equal(sample.cat(cache, "foo.txt"), "This is a foo text.");
  // The server cannot serve it: the cached copy is used.
  sample.remove(s.serverData, "foo.txt");
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, fallback),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/foo.txt false "This is a foo text."
`,
  );
  // Offline, the cached copy is used though the server has another.
  write(s.serverData, "foo.txt", "The wrong text.");
  s.server.requests.length = 0;
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, `${fallback}\noffline = true`),
    `fetch: /download-cache/foo.txt false "This is a foo text."\n`,
  );
  assert.deepEqual(s.server.requests, []);
  // Online, the new content is downloaded and replaces the cached copy.
  assert.equal(
    await fetched(s, `${s.url}foo.txt`, fallback),
    `Downloading http://localhost/foo.txt
fetch: /download-cache/foo.txt false "The wrong text."
`,
  );
  assert.equal(sample.cat(cache, "foo.txt"), "The wrong text.");
  // A download whose checksum does not match neither is used nor replaces it.
  write(s.serverData, "foo.txt", "This is a foo text.");
  assert.equal(
    await fetched(
      s,
      `${s.url}foo.txt`,
      `${fallback}\nmd5 = ${md5("The wrong text.")}`,
    ),
    `Downloading http://localhost/foo.txt
While:
  Installing fetch.
Error: MD5 checksum mismatch downloading 'http://localhost/foo.txt'
`,
  );
  assert.equal(sample.cat(cache, "foo.txt"), "The wrong text.");
  s.assertNoTemporaries();
});

Deno.test("download utility: the MD5 of a text with CRLF line ends is of its bytes", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const text = "First line of text.\r\nSecond line.\r\n";
  write(s.serverData, "foo.txt", text);
  sample.write(
    "buildout.cfg",
    config(`${s.url}foo.txt`, "", `md5 = ${md5(text)}`),
  );
  const { output, code } = await s.run();
  assert.equal(code, 0, output);
  assert.match(output, /^fetch: \/tmp\/buildout-XXXXXXXX-foo\.txt true /m);
  s.assertNoTemporaries();
});

Deno.test("download options it does not know, as a Python recipe passes a checksum, or of the wrong type are refused: nothing is downloaded unchecked", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const wrong = md5("The wrong text.");
  const calls: Array<[string, string]> = [
    [
      `{ md5sum: "${wrong}" }`,
      "TypeError: Unknown download option 'md5sum': download() takes md5, " +
      "sha256, path, alternateUrl, cache, namespace, hashName, fallback, " +
      "offline and logger",
    ],
    [
      `"${wrong}"`,
      "TypeError: Download options must be an object, such as { md5 }: " +
      "download() was given string",
    ],
    // Options are properties, as addSection's Map of values is not.
    [
      `new Map([["md5", "${wrong}"]])`,
      "TypeError: Download options must be an object, such as { md5 }: " +
      "download() was given a Map",
    ],
    // A part's option passed on as it is: "false" would mean offline.
    [
      `{ offline: "false" }`,
      "TypeError: Download option 'offline' must be true or false: " +
      "download() was given string",
    ],
    [
      `{ md5: null }`,
      "TypeError: Download option 'md5' must be a string: download() was " +
      "given null",
    ],
  ];
  for (const [options, message] of calls) {
    sample.write(
      "recipes",
      "fetch.ts",
      `export default class Fetch {
  constructor(buildout) { this.buildout = buildout; }
  async install() {
    await this.buildout.download("${s.url}foo.txt", ${options});
    return [];
  }
}
`,
    );
    sample.write("buildout.cfg", config(`${s.url}foo.txt`));
    s.server.requests.length = 0;
    const result = await s.run();
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, /^While:\n {2}Installing fetch\.\n/);
    assert.ok(result.stderr.includes(`${message}\n`), result.stderr);
    assert.ok(result.stderr.includes("recipes/fetch.ts:4:"), result.stderr);
    assert.deepEqual(s.server.requests, [], options);
  }
  s.assertNoTemporaries();
});

Deno.test("connections stay open to the first four servers asked; requests to a fifth ask to close theirs", async () => {
  using sample = await sampleBuildout();
  await using s = await new Session(sample).start();
  const asked: string[] = [];
  const servers: StaticServer[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      servers.push(
        await startServer(s.serverData, {
          handlers: {
            "/foo.txt": (req, res) => {
              asked.push(`${i}: ${req.headers.connection}`);
              res.writeHead(200, { "Content-Length": 3 });
              res.end("foo");
            },
          },
        }),
      );
    }
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = recipes\nparts = p0 p1 p2 p3 p4\n" +
        servers.map((server, i) =>
          `[p${i}]\nrecipe = recipes:fetch\nurl = ${server.url}foo.txt\n`
        ).join(""),
    );
    const result = await s.run();
    assert.equal(result.code, 0, result.output);
    assert.equal(asked.length, 5, asked.join("\n"));
    for (const line of asked.slice(0, 4)) assert.doesNotMatch(line, /close/);
    assert.equal(asked[4], "4: close");
  } finally {
    for (const server of servers) await server.close();
  }
});
