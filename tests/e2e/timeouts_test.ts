/**
 * End-to-end tests of `-t SECONDS` and `socket-timeout` against servers
 * that stall in ways a silence timer alone does not catch, for every kind
 * of fetch: `-c URL`, `extends = URL`, the download and cmmi recipes, a
 * template URL, find-links and index pages and distribution archives. Each
 * run must end with one `Error:` line naming the URL and leave nothing in
 * the download cache or the extends cache. Local resources that would
 * block a run where no signal ends it (a FIFO) are refused. Runs are killed
 * by the harness's guard if they hang; no test measures time.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  BUILDOUT,
  type RequestHandler,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
  write,
} from "./harness.ts";

/**
 * Sends a byte every 100 ms for as long as the client listens: never
 * silent for the two seconds of the runs' timeout, never done.
 */
const trickle: RequestHandler = (_, res) => {
  res.writeHead(200, { "Content-Type": "text/html" });
  res.write("[buildout]\n");
  const timer = setInterval(() => res.write("#"), 100);
  res.on("close", () => clearInterval(timer));
};

/** The files under `dir`, recursively (directories left out). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A way of fetching a URL: the configuration making a run fetch `url`. */
interface Fetch {
  name: string;
  /** `[buildout]` and part lines; `url` is the trickling server's. */
  config(url: string): string;
  /** The command-line arguments besides `-t 2`. */
  args?(url: string): string[];
  /** The URL the error names. */
  named(url: string): string;
}

const CACHES = "download-cache = cache\nextends-cache = extends-cache\n";

const FETCHES: Fetch[] = [
  {
    name: "-c URL",
    config: () => `[buildout]\n${CACHES}parts =\n`,
    args: (url) => ["-c", `${url}slow.cfg`, "annotate"],
    named: (url) => `${url}slow.cfg`,
  },
  {
    name: "extends = URL",
    config: (url) => `[buildout]\n${CACHES}extends = ${url}slow.cfg\nparts =\n`,
    named: (url) => `${url}slow.cfg`,
  },
  {
    name: "download recipe",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\n[p]\nrecipe = download\nurl = ${url}slow.tgz\n`,
    named: (url) => `${url}slow.tgz`,
  },
  {
    name: "cmmi url",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\n[p]\nrecipe = cmmi\nurl = ${url}slow.tgz\n`,
    named: (url) => `${url}slow.tgz`,
  },
  {
    name: "template url",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\n[p]\nrecipe = collective.recipe.template\n` +
      `url = ${url}slow.in\noutput = \${buildout:directory}/out\n`,
    named: (url) => `${url}slow.in`,
  },
  {
    name: "find-links page",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\nfind-links = ${url}slow/\n` +
      `index = ${url}missing/\n[p]\nrecipe = spam\n`,
    named: (url) => `${url}slow/`,
  },
  {
    name: "index page",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\nindex = ${url}\n[p]\nrecipe = spam\n`,
    named: (url) => `${url}spam/`,
  },
  {
    name: "distribution archive",
    config: (url) =>
      `[buildout]\n${CACHES}parts = p\nfind-links = ${url}links/\n` +
      `index = ${url}missing/\n[p]\nrecipe = spam\n`,
    named: (url) => `${url}links/spam-1.tgz`,
  },
];

/** Runs `fetch` with `-t 2` against `server`; returns the normalised stderr. */
async function runTimedOut(
  sample: Sample,
  server: StaticServer,
  fetch: Fetch,
): Promise<string> {
  const url = server.url;
  sample.write("buildout.cfg", fetch.config(url));
  const result = await sample.run(
    ["-t", "2", ...fetch.args?.(url) ?? []],
    { timeoutMs: 60_000 },
  );
  assert.equal(result.code, 1, `${fetch.name}: ${result.output}`);
  return result.stderr;
}

Deno.test("a server trickling a byte at a time times out, for every kind of fetch", async () => {
  using sample = await sampleBuildout();
  const served = sample.tmpdir("served");
  sample.mkdir("cache");
  sample.mkdir("extends-cache");
  // The find-links page at /links/ lists spam-1.tgz, which trickles.
  sample.mkdir(join(served, "links"));
  write(served, "links", "spam-1.tgz", "");
  const server = await startServer(served, {
    handlers: Object.fromEntries(
      [
        "/slow.cfg",
        "/slow.tgz",
        "/slow.in",
        "/slow/",
        "/spam/",
        "/links/spam-1.tgz",
      ]
        .map((path) => [path, trickle]),
    ),
  });
  try {
    for (const fetch of FETCHES) {
      const stderr = await runTimedOut(sample, server, fetch);
      const error = stderr.trimEnd().split("\n").pop()!;
      assert.ok(error.startsWith("Error: "), `${fetch.name}: ${stderr}`);
      assert.ok(
        error.includes(fetch.named(server.url)),
        `${fetch.name}: ${error}`,
      );
      // This process may be too loaded to send a byte within two seconds:
      // the run then ends as one whose server fell silent.
      assert.match(
        error,
        /timed out \((only \d+ bytes? received in 10|nothing received for 2) seconds\)/,
        fetch.name,
      );
      assert.deepEqual(
        [
          ...filesUnder(sample.path("cache")),
          ...filesUnder(sample.path("extends-cache")),
        ],
        [],
        fetch.name,
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("a timeout of 0 seconds is refused on the command line and not used from a configuration", async () => {
  using sample = await sampleBuildout();
  for (const value of ["0", "000"]) {
    const refused = await sample.run(["-t", value, "annotate"]);
    assert.equal(refused.code, 1, refused.output);
    assert.equal(
      refused.output,
      `Error: Timeout value must be at least 1 second: -t ${value}\n`,
    );
  }
  sample.write("buildout.cfg", "[buildout]\nparts =\nsocket-timeout = 0\n");
  const warned = await sample.run("");
  assert.equal(warned.code, 0, warned.output);
  assert.ok(
    warned.output.startsWith(
      "Default socket timeout is used !\n" +
        "Value in configuration is not a positive number: [0].\n",
    ),
    warned.output,
  );
});

Deno.test("a negative or fractional -t value is refused saying why, not as not numeric", async () => {
  using sample = await sampleBuildout();
  const cases: Array<[string, string]> = [
    ["-5", "Timeout value must be at least 1 second"],
    ["2.5", "Timeout value must be a whole number of seconds"],
    ["-0.5", "Timeout value must be a whole number of seconds"],
    ["+2.5", "Timeout value must be a whole number of seconds"],
    // Python's float() takes both: numbers still, if not whole ones.
    [".5", "Timeout value must be a whole number of seconds"],
    ["5.", "Timeout value must be a whole number of seconds"],
    ["5s", "Timeout value must be numeric"],
  ];
  for (const [value, reason] of cases) {
    const refused = await sample.run(["-t", value, "annotate"]);
    assert.equal(refused.output, `Error: ${reason}: -t ${value}\n`);
    assert.equal(refused.code, 1);
  }
});

Deno.test("a local resource that is a FIFO or a device is refused, not read until a writer comes", async () => {
  using sample = await sampleBuildout();
  execFileSync("mkfifo", [sample.path("pipe.tgz")]);
  sample.mkdir("links");
  execFileSync("mkfifo", [sample.path("links", "spam-1.tgz")]);
  const cases: Array<[string, string]> = [
    [
      "[p]\nrecipe = download\nurl = ${buildout:directory}/pipe.tgz\n",
      "Couldn't extract /sample-buildout/pipe.tgz: it is a FIFO, not a file",
    ],
    [
      "[p]\nrecipe = download\nurl = ${buildout:directory}/pipe.tgz\n" +
      "download-only = true\nmd5sum = 0123456789abcdef0123456789abcdef\n",
      "Couldn't read /sample-buildout/pipe.tgz: it is a FIFO, not a file",
    ],
    [
      "[p]\nrecipe = cmmi\nurl = ${buildout:directory}/pipe.tgz\n",
      "Couldn't extract /sample-buildout/pipe.tgz: it is a FIFO, not a file",
    ],
    [
      "[p]\nrecipe = download\nurl = /dev/zero\ndownload-only = true\n",
      "Couldn't read /dev/zero: it is a character device, not a file",
    ],
    [
      "find-links = ${buildout:directory}/links\nindex = ${buildout:directory}/links\n" +
      "[p]\nrecipe = spam\n",
      "Couldn't extract /sample-buildout/links/spam-1.tgz: it is a FIFO, not a file",
    ],
  ];
  for (const [lines, error] of cases) {
    sample.write("buildout.cfg", `[buildout]\nparts = p\n${lines}`);
    const result = await sample.run("", { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.output);
    assert.equal(result.stderr.trimEnd().split("\n").pop(), `Error: ${error}`);
  }
});

Deno.test("a FIFO in place of a file the run keeps (.installed.cfg, its lock and journal, a develop package.json, an .egg-link) is refused, not read until a writer comes", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("rec");
  const cases: Array<[string, string, string]> = [
    [
      "rec/package.json",
      "develop = rec\n",
      "Couldn't read /sample-buildout/rec/package.json: it is a FIFO, not a file",
    ],
    [
      ".installed.cfg",
      "",
      "Couldn't read '/sample-buildout/.installed.cfg': it is a FIFO, not a file",
    ],
    [
      ".installed.cfg.lock",
      "",
      "Couldn't lock /sample-buildout/.installed.cfg.lock: it is a FIFO, not a file",
    ],
    [
      ".installed.cfg.pending",
      "",
      "Couldn't read /sample-buildout/.installed.cfg.pending: it is a FIFO, not a file",
    ],
    [
      "develop-eggs/other.egg-link",
      "extensions = other\n",
      "Couldn't read /sample-buildout/develop-eggs/other.egg-link: it is a FIFO, not a file",
    ],
  ];
  for (const [fifo, lines, error] of cases) {
    execFileSync("mkfifo", [sample.path(fifo)]);
    sample.write("buildout.cfg", `[buildout]\nparts =\n${lines}`);
    const result = await sample.run("", { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.output);
    assert.equal(result.stderr.trimEnd().split("\n").pop(), `Error: ${error}`);
    sample.remove(fifo);
  }
});

for (const recipe of ["cmmi", "hexagonit.recipe.cmmi"]) {
  Deno.test(`${recipe}: Ctrl-C during a stalled download leaves nothing in parts`, async () => {
    using sample = await sampleBuildout();
    let requested!: () => void;
    const stalled = new Promise<void>((ok) => requested = ok);
    const server = await startServer(sample.tmpdir("served"), {
      handlers: {
        "/src.tgz": (_, res) => {
          res.writeHead(200, { "Content-Length": 1000 });
          res.write("x".repeat(100));
          requested();
        },
      },
    });
    try {
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = p\n[p]\nrecipe = ${recipe}\nurl = ${server.url}src.tgz\n`,
      );
      const child = spawn(BUILDOUT, [], {
        cwd: sample.dir,
        env: {
          ...process.env,
          HOME: sample.home,
          TMPDIR: sample.runTmpdir,
          BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        },
        stdio: "ignore",
      });
      const exited = new Promise<string | null>((ok) =>
        child.on("exit", (_, signal) => ok(signal))
      );
      await stalled;
      child.kill("SIGINT");
      assert.equal(await exited, "SIGINT");
      assert.deepEqual(sample.ls("parts"), []);
    } finally {
      await server.close();
    }
  });
}
