/**
 * End-to-end tests of error messages quoting a value of unbounded length
 * (an option value, URL, requirement, section name or argument of 100,000
 * characters): the message quotes its first 140 and last 60 characters and
 * its length, so the `Error:` line stays short and still names the thing.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { type Sample, sampleBuildout } from "./harness.ts";

const HUGE = "h".repeat(100_000);
/** How the value is quoted: cut, then its length. */
const CUT = `${"h".repeat(140)}...${"h".repeat(60)} (100000 characters)`;
const EMPTY = "[buildout]\nparts =\n";

function part(options: string): string {
  return `[buildout]\nparts = a\n\n[a]\n${options}`;
}

/** A part named by the 100,000-character value. */
function hugePart(options: string): string {
  return `[buildout]\nparts = ${HUGE}\n\n[${HUGE}]\n${options}`;
}

/** A develop package whose package.json is `json`, used as recipe `pk`. */
function developPackage(json: object): (sample: Sample) => void {
  return (sample) => {
    sample.mkdir("pk");
    sample.write("pk/package.json", JSON.stringify(json));
  };
}

const DEVELOP = "[buildout]\nparts = a\ndevelop = pk\n\n[a]\nrecipe = pk\n";

function withDists(options: string): string {
  return `[buildout]\nparts = a\nfind-links = dists\n${options}\n` +
    "[a]\nrecipe = spam\n";
}

const CASES: {
  config: string;
  args?: string[];
  error: string;
  end?: string;
  /** Makes what the configuration needs besides `dists` and `f`. */
  setup?: (sample: Sample) => void;
}[] = [
  {
    config: part(`recipe = ${HUGE}\n`),
    error: `Couldn't find recipe ${CUT}: '${CUT}' is neither a built-in`,
  },
  {
    config: part(`recipe = spam==${HUGE}\n`) +
      "\n[buildout]\nfind-links = dists\n",
    error:
      `Invalid requirement 'spam==${"h".repeat(134)}...${"h".repeat(60)} ` +
      `(100006 characters)': '${CUT}' is not a valid version for '=='`,
  },
  {
    config: part(`recipe = z3c.recipe.mkdir:${HUGE}\n`),
    error: "Couldn't find recipe z3c.recipe.mkdir:",
  },
  {
    config:
      `[buildout]\nparts = a\nfind-links = ${HUGE}\n\n[a]\nrecipe = spam\n`,
    // Cut in the sample's real path, whose length varies.
    error: "Couldn't find a distribution for 'spam' (looked in " +
      "/sample-buildout/hhhhhhhhhh",
    end: " characters) (not found)).",
  },
  {
    config: withDists(`\n[versions]\nspam = ${HUGE}\n`),
    error: `Invalid version pin in [versions]: spam = ${CUT} ` +
      "(expected a version such as 1.0)",
  },
  {
    config: `${EMPTY}extends = http://127.0.0.1:1/${HUGE}\n`,
    error: `Error downloading extends for URL http://127.0.0.1:1/${
      "h".repeat(121)
    }...${"h".repeat(60)} (100019 characters): `,
  },
  {
    config: `${EMPTY}download-cache = ${HUGE}\n`,
    error: "Doesn't exist.",
  },
  {
    config: `${EMPTY}x = \${buildout:${HUGE}}\n`,
    error: `Referenced option does not exist: buildout:${CUT}`,
  },
  {
    config: `${EMPTY}x = \${${HUGE}}\n`,
    error:
      `The substitution, \${${"h".repeat(138)}...${
        "h".repeat(59)
      }} (100003 characters), ` +
      "doesn't contain a colon.",
  },
  {
    config: `${EMPTY}log-level = ${HUGE}\n`,
    error: `Invalid logging level ${CUT}`,
  },
  {
    config: `${EMPTY}newest = ${HUGE}\n`,
    error: `Invalid value for newest option: ${CUT}`,
  },
  {
    config: EMPTY,
    args: ["-t", HUGE],
    error: `Timeout value must be numeric: -t ${CUT}`,
  },
  {
    config: EMPTY,
    args: [HUGE],
    error: `invalid command: ${CUT}`,
  },
  {
    config: part(`<= ${HUGE}\n`),
    error: `No section named '${CUT}' (extended by [a] with <=)`,
  },
  {
    config: `[buildout]\nparts = ${HUGE}\n`,
    error: `The referenced section, '${CUT}', was not defined.`,
  },
  {
    config: part(
      `recipe = hexagonit.recipe.download\nurl = http://127.0.0.1:1/${HUGE}\n`,
    ),
    error: `Error downloading http://127.0.0.1:1/${"h".repeat(121)}...${
      "h".repeat(60)
    } (100019 characters): `,
  },
  {
    config: part(`recipe = z3c.recipe.mkdir\npaths = x\nmode = ${HUGE}\n`),
    error: `'mode' must be an octal number: ${CUT}`,
  },
  {
    config: part(`recipe = z3c.recipe.mkdir\npaths = x\nuser = ${HUGE}\n`),
    error: `Unknown user: ${CUT}`,
  },
  {
    config: part(
      `recipe = plone.recipe.command\ncommand = true\nstop-on-error = ${HUGE}\n`,
    ),
    error: `Invalid value '${CUT}' for 'stop-on-error' in [a]`,
  },
  {
    config: part(
      `recipe = plone.recipe.command\ncommand = false ${HUGE}\n` +
        "stop-on-error = true\n",
    ),
    error: `Non zero exit code (1) while running command 'false ${
      "h".repeat(134)
    }'...'${"h".repeat(60)}' (100006 characters) in`,
  },
  {
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        `output = \${buildout:directory}/out\ninput-encoding = ${HUGE}\n`,
    ),
    error: `Unsupported input-encoding '${CUT}' in [a]`,
  },
  {
    // 50,000 directories to create: deeper than the call stack.
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        `output = \${buildout:directory}/${"d/".repeat(50_000)}out\n`,
    ),
    error: "File name too long: /sample-buildout/d/d/d/d/d/d/",
    end: " characters)",
  },
  {
    config: `${EMPTY}[x:${HUGE} +]\n`,
    error: "/sample-buildout/buildout.cfg, line 3: invalid condition in [x:",
  },
  {
    config: part(`<= ${HUGE}\n\n[${HUGE}]\n<= a\n`),
    error: `Infinite extending loop 'a': a <= ${CUT} <= a`,
  },
  {
    config: part(
      `recipe = z3c.recipe.mkdir\npaths = \${a:${HUGE}}\n` +
        `${HUGE} = \${a:${HUGE}}\n`,
    ),
    error: `Circular reference in substitutions: \${a:paths} -> \${a:${CUT}}` +
      ` -> \${a:${CUT}}`,
  },
  {
    config: `[buildout]\nparts = ${HUGE}\n\n[${HUGE}]\nx = 1\n`,
    error: `Missing option: ${CUT}:recipe`,
  },
  {
    config: part(
      `recipe = zc.recipe.cmmi\nurl = x\nenvironment = ${HUGE}\n`,
    ),
    error: `Invalid environment: '${CUT}' is not NAME=value`,
  },
  {
    // The build directory is gone when make runs.
    config: part(
      "recipe = hexagonit.recipe.cmmi\npath = ${buildout:directory}/dists\n" +
        "configure-command = rmdir ${buildout:directory}/dists\n" +
        `make-options = ${HUGE}\n`,
    ),
    error: `Couldn't run 'make ${"h".repeat(135)}...${
      "h".repeat(60)
    } (100005 characters)' in `,
  },
  {
    // The runtime's reason for a name too long quoted the path again.
    config: `${EMPTY}installed = ${HUGE}\n`,
    error: "Couldn't create /sample-buildout/hhhhhhhhhh",
    end: " characters): file name too long",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.download\nurl = ${buildout:directory}/f\n" +
        `download-only = true\ndestination = ${HUGE}\n`,
    ),
    error: "Couldn't create directory /sample-buildout/hhhhhhhhhh",
    end: " characters): file name too long",
  },
  {
    config: part(
      "recipe = hexagonit.recipe.download\nurl = ${buildout:directory}/f\n" +
        `download-only = true\nfilename = ${HUGE}\n`,
    ),
    error: "File name too long: /sample-buildout/parts/a/hhhhhhhhhh",
    end: " characters)",
  },
  {
    config: EMPTY,
    args: ["-c", `http://127.0.0.1:1/${HUGE}`, "bundle"],
    error: "bundle needs a local configuration file, not " +
      `http://127.0.0.1:1/${"h".repeat(121)}...${
        "h".repeat(60)
      } (100019 characters)`,
  },
  {
    config: EMPTY,
    args: ["bundle", "-o", `${HUGE}.tar.gz`],
    error: "Couldn't write /sample-buildout/hhhhhhhhhh",
    end: " characters): file name too long",
  },
  {
    // A token given as the user of a URL stays hidden when the URL is cut.
    config: `${EMPTY}extends = https://${"t".repeat(300)}@127.0.0.1:1/x.cfg\n`,
    error: "Error downloading extends for URL https://****@127.0.0.1:1/x.cfg",
  },
  {
    config: part(
      "recipe = slapos.recipe.cmmi\npath = ${buildout:directory}/dists\n" +
        `environment =\n  A=1\n  ${HUGE}\n`,
    ),
    error: `Line '${CUT}' in environment is incorrect: expected KEY=VALUE`,
  },
  {
    config: part(
      "recipe = slapos.recipe.cmmi\npath = ${buildout:directory}/dists\n" +
        `environment =\n  ${HUGE}=1\n  ${HUGE}=2\n`,
    ),
    error: `Key '${CUT}' is repeated in environment`,
  },
  {
    // The part's name in the While: context and the message.
    config: hugePart("recipe = script\ncmd = true\nenvironment = 1x=2\n"),
    error: `Invalid environment entry '1x=2' in [${CUT}]: expected NAME=VALUE`,
  },
  {
    config: hugePart(
      "recipe = collective.recipe.template\ninline = $${nope}\n" +
        "output = ${buildout:directory}/out\n",
    ),
    error: `Referenced option does not exist: ${CUT}:nope ` +
      `(the inline template of [${CUT}], line 1)`,
  },
  {
    config: part(
      `recipe = slapos.recipe.template\nurl = ${HUGE}\n` +
        "output = ${buildout:directory}/out\n",
    ),
    error: "Couldn't read the template /sample-buildout/hhhhhhhhhh",
    end: " characters) of [a]: file name too long",
  },
  {
    config: hugePart(
      "recipe = slapos.recipe.cmmi\npath = ${buildout:directory}/dists\n" +
        "location = x\n",
    ),
    error: `invalid 'location' value for ${CUT}: the location of this ` +
      "recipe is computed (/sample-buildout/parts/hhhhhhhhhh",
    end: " characters)); leave the option out, and name it @@LOCATION@@ " +
      "in this part's options (or %(location)s in its commands) and " +
      `\${${CUT}:location} elsewhere`,
  },
  {
    // Deeper than the stack, in a section of that name.
    config: `${EMPTY}x = \${${HUGE}:v0}\n\n[${HUGE}]\n` +
      Array.from({ length: 100_000 }, (_, i) => `v${i} = \${:v${i + 1}}\n`)
        .join("") +
      "v100000 = end\n",
    error: "Too many nested substitutions (",
  },
  {
    config: DEVELOP,
    setup: developPackage({
      name: "pk",
      buildout: { recipes: { default: `./${HUGE}.js` } },
    }),
    error: "The module /sample-buildout/pk/hhhhhhhhhh",
    end: " characters) (entry point 'default' in \"buildout.recipes\" of " +
      "/sample-buildout/pk/package.json) does not exist",
  },
  {
    config: DEVELOP,
    setup: developPackage({
      name: HUGE,
      buildout: { recipes: { default: "./r.js" } },
    }),
    error: "Couldn't write '/sample-buildout/develop-eggs/hhhhhhhhhh",
    end: " characters): file name too long",
  },
  {
    // The resolver's reason named the host again; no name this long is
    // ever sent to a name server.
    config: part(`recipe = hexagonit.recipe.download\nurl = http://${HUGE}/\n`),
    error: `Error downloading http://${"h".repeat(133)}...${"h".repeat(59)}/ ` +
      `(100008 characters): could not resolve host ${CUT}`,
  },
  {
    // Not a directory: what is past it cannot be opened (300 characters).
    config: `${EMPTY}extends = f/${"h".repeat(250)}.cfg\n`,
    error: "Couldn't open /sample-buildout/f/hhhhhhhhhh",
    end: " characters), extended by /sample-buildout/buildout.cfg",
  },
  {
    // mkdir of the output's parent met a link to itself: an internal error
    // quoting the path twice.
    config: part(
      "recipe = collective.recipe.template\ninline = x\n" +
        `output = \${buildout:directory}/${"d/".repeat(1000)}loop/out\n`,
    ),
    setup: (sample) => {
      sample.mkdir("d/".repeat(1000));
      symlinkSync("loop", sample.path(`${"d/".repeat(1000)}loop`));
    },
    error: "Couldn't write /sample-buildout/d/d/d/d/d/d/",
    end: " characters): a parent is not a directory",
  },
];

for (const { config, args, error, end, setup } of CASES) {
  Deno.test(`short: Error: ${error.slice(0, 60)}`, async () => {
    using sample = await sampleBuildout();
    sample.mkdir("dists");
    sample.write("f", "a file to download\n");
    setup?.(sample);
    sample.write("buildout.cfg", config);
    const result = await sample.run(args ?? []);
    assert.equal(result.code, 1, result.output.slice(0, 2000));
    const lines = result.stderr.trimEnd().split("\n");
    const last = lines.at(-1)!;
    assert.ok(
      last.startsWith(`Error: ${error}`) || last === error,
      last.slice(0, 2000),
    );
    if (end) assert.ok(last.endsWith(end), last.slice(0, 2000));
    // Some 200 characters of each value quoted, twice at most, and the
    // built-in recipe names: never the whole value in an error, a warning
    // or the While: context.
    for (const line of result.stderr.split("\n")) {
      assert.ok(line.length < 1200, line.slice(0, 2000));
    }
    assert.ok(!result.output.includes("t".repeat(201)), "token shown");
  });
}

Deno.test("short: Error: Recursive file include of a URL", async () => {
  // Every answer extends the URL asked for, with its 100,000-character query.
  const query = `a.cfg?${HUGE}`;
  const server = createServer(
    { maxHeaderSize: 1 << 20 },
    (_, res) => res.end(`[buildout]\nextends = ${query}\nparts =\n`),
  );
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    using sample = await sampleBuildout();
    const url = `http://127.0.0.1:${
      (server.address() as { port: number }).port
    }/${query}`;
    sample.write("buildout.cfg", `${EMPTY}extends = ${url}\n`);
    const cut = `${url.slice(0, 140)}...${url.slice(-60)} ` +
      `(${url.length} characters)`;
    const result = await sample.run();
    assert.equal(result.code, 1, result.output.slice(0, 2000));
    assert.equal(
      result.stderr,
      "While:\n  Initializing.\nError: Recursive file include: " +
        `/sample-buildout/buildout.cfg -> ${cut} -> ${cut}\n`,
    );
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
  }
});

Deno.test("short: bundle's list of URLs not in the download cache", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    part(
      "recipe = z3c.recipe.mkdir\npaths = x\n" +
        `note = http://127.0.0.1:1/${HUGE}\n`,
    ),
  );
  const result = await sample.run(["bundle"]);
  assert.equal(result.code, 1, result.output.slice(0, 2000));
  assert.ok(
    result.stderr.includes(
      `\n  http://127.0.0.1:1/${"h".repeat(121)}...${
        "h".repeat(60)
      } (100019 characters) ` +
        "([a])\n",
    ),
    result.stderr.slice(0, 2000),
  );
  for (const line of result.stderr.split("\n")) {
    assert.ok(line.length < 1200, line.slice(0, 2000));
  }
});

Deno.test("short: a deep path keeps its file name when cut", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `${EMPTY}extends = ${"dir/".repeat(80)}base.cfg\n`,
  );
  const result = await sample.run();
  assert.equal(result.code, 1, result.output.slice(0, 2000));
  assert.match(
    result.stderr,
    /\nError: Couldn't open \/sample-buildout\/dir\/.*\.\.\.(dir\/)+base\.cfg \(\d+ characters\), extended by \/sample-buildout\/buildout\.cfg\n$/,
  );
});
