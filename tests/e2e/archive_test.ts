/**
 * Archive extraction inside the compiled executable: a develop recipe
 * calls `buildout.extract` (no built-in recipe uses it yet), on a tar.gz
 * and a zip; a shared destination survives uninstall; a hostile archive is
 * a user error that leaves nothing behind.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { existsSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { compress, tar, zip } from "../archive/_fixtures.ts";
import { type Sample, sampleBuildout } from "./harness.ts";

// as the download recipes do: the destination when it created it, else
// only the entries it added
const EXTRACT = `
import { existsSync } from "node:fs";
export default class Extract {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
  }
  async install() {
    const strip = this.options.get("strip") ?? "false";
    const destination = this.options.require("destination");
    const created = !existsSync(destination);
    const added = await this.buildout.extract(
      this.options.require("archive"),
      destination,
      { stripTopLevelDir: strip === "auto" ? "auto" : strip === "true" },
    );
    return created ? destination : added;
  }
}
`;

function setUp(sample: Sample): void {
  sample.mkdir("recipes");
  sample.write("recipes", "extract.js", EXTRACT);
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { extract: "./extract.js" } },
    }),
  );
  sample.mkdir("downloads");
  writeFileSync(
    sample.path("downloads", "pkg-1.0.tar.gz"),
    compress(
      tar([
        {
          name: "pkg-1.0/bin/tool",
          data: "#!/bin/sh\necho tool\n",
          // setuid and setgid are dropped, as GNU tar drops them
          mode: 0o6755,
        },
        { name: "pkg-1.0/lib/data.txt", data: "data\n" },
        { name: "pkg-1.0/tool", type: "symlink", linkname: "bin/tool" },
      ]),
      "gzip",
    ),
  );
  writeFileSync(
    sample.path("downloads", "extra.zip"),
    zip([{ name: "extra/readme.txt", data: "extra\n" }, {
      name: "top.txt",
      data: "top\n",
    }]),
  );
  writeFileSync(
    sample.path("downloads", "evil.tar"),
    tar([{ name: "fine.txt", data: "fine" }, {
      name: "../evil.txt",
      data: "evil",
    }]),
  );
}

function config(parts: Record<string, string>): string {
  return `[buildout]\ndevelop = recipes\nparts = ${
    Object.keys(parts).join(" ")
  }\n` +
    Object.entries(parts).map(([name, body]) =>
      `\n[${name}]\nrecipe = recipes:extract\n${body}`
    )
      .join("");
}

Deno.test("the executable extracts tar.gz and zip archives through buildout.extract", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.mkdir("shared");
  sample.write("shared", "mine.txt", "mine");
  sample.write(
    "buildout.cfg",
    config({
      pkg: "archive = downloads/pkg-1.0.tar.gz\n" +
        "destination = ${buildout:parts-directory}/pkg\nstrip = true\n",
      extra: "archive = downloads/extra.zip\ndestination = shared\n",
    }),
  );
  const result = await sample.system("");
  assert.equal(result.stderr, "");
  assert.equal(
    sample.normalize(result.stdout),
    "Develop: '/sample-buildout/recipes'\nInstalling pkg.\nInstalling extra.\n",
  );
  assert.equal(result.code, 0);
  assert.deepEqual(sample.ls("parts", "pkg"), ["d  bin", "d  lib", "l  tool"]);
  assert.equal(
    statSync(sample.path("parts/pkg/bin/tool")).mode & 0o7777,
    0o755 & ~process.umask(),
  );
  assert.equal(readlinkSync(sample.path("parts/pkg/tool")), "bin/tool");
  assert.equal(sample.cat("parts", "pkg", "lib", "data.txt"), "data\n");
  assert.deepEqual(sample.ls("shared"), [
    "d  extra",
    "-  mine.txt",
    "-  top.txt",
  ]);
  assert.match(
    sample.normalize(sample.cat(".installed.cfg")),
    /\[extra\]\n__buildout_installed__ = \/sample-buildout\/shared\/extra\n\t\/sample-buildout\/shared\/top.txt\n/,
  );

  // uninstalling removes what was added, not the shared directory
  sample.write("buildout.cfg", config({}).replace("parts = ", "parts ="));
  const uninstall = await sample.system("");
  assert.equal(uninstall.code, 0, uninstall.output);
  assert.equal(
    sample.normalize(uninstall.stdout),
    "Develop: '/sample-buildout/recipes'\nUninstalling extra.\nUninstalling pkg.\n",
  );
  assert.deepEqual(sample.ls("shared"), ["-  mine.txt"]);
  assert.ok(!existsSync(sample.path("parts", "pkg")));
});

Deno.test("a hostile archive is a user error and leaves nothing behind", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write(
    "buildout.cfg",
    config({
      evil:
        "archive = downloads/evil.tar\ndestination = ${buildout:parts-directory}/evil\n",
    }),
  );
  const result = await sample.system("");
  assert.equal(
    sample.normalize(result.stderr),
    "While:\n  Installing evil.\nError: Couldn't extract /sample-buildout/downloads/evil.tar: " +
      "member '../evil.txt' has a '..' component, which would leave the destination\n",
  );
  assert.equal(result.code, 1);
  assert.deepEqual(sample.ls("parts"), []);
  assert.ok(!existsSync(sample.path("evil.txt")));
});

Deno.test("a member whose pax time a date cannot hold is extracted, with the current time", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  writeFileSync(
    sample.path("downloads", "future.tar"),
    tar([{ name: "far.txt", data: "far\n", pax: { mtime: "1e40" } }]),
  );
  sample.write(
    "buildout.cfg",
    config({
      future:
        "archive = downloads/future.tar\ndestination = ${buildout:parts-directory}/future\n",
    }),
  );
  const before = Date.now() - 60_000;
  const result = await sample.system("");
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(sample.cat("parts", "future", "far.txt"), "far\n");
  assert.ok(statSync(sample.path("parts/future/far.txt")).mtimeMs > before);
});

Deno.test("lzip members declaring huge dictionaries cost only what they hold", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  // 512 MiB each, which the executable once allocated and zeroed: a minute
  const huge = (lz: Uint8Array) => {
    const copy = Buffer.from(lz);
    copy[5] = 0x1d;
    return copy;
  };
  writeFileSync(
    sample.path("downloads", "many.tar.lz"),
    Buffer.concat([
      ...Array(1000).fill(huge(compress(new Uint8Array(0), "lzip"))),
      huge(compress(tar([{ name: "f.txt", data: "f\n" }]), "lzip")),
    ]),
  );
  sample.write(
    "buildout.cfg",
    config({
      many:
        "archive = downloads/many.tar.lz\ndestination = ${buildout:parts-directory}/many\n",
    }),
  );
  const started = Date.now();
  const result = await sample.system("");
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(sample.cat("parts", "many", "f.txt"), "f\n");
  assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
});

Deno.test("extract options it does not know, as a Python recipe names them, or of the wrong type are refused: nothing is extracted", async () => {
  using sample = await sampleBuildout();
  setUp(sample);
  sample.write(
    "recipes",
    "package.json",
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { odd: "./odd.js" } },
    }),
  );
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = recipes\nparts = odd\n[odd]\nrecipe = recipes:odd\n",
  );
  const known = "extract() takes stripTopLevelDir, excludes, onUnpacked, " +
    "onExisting and onCreating";
  const calls: Array<[string, string]> = [
    [
      "{ strip_top_level_dir: true }",
      `TypeError: Unknown extract option 'strip_top_level_dir': ${known}`,
    ],
    [
      '{ exclude: ["*.txt"] }',
      `TypeError: Unknown extract option 'exclude': ${known}`,
    ],
    [
      "true",
      "TypeError: Extract options must be an object, such as { excludes }: " +
      "extract() was given boolean",
    ],
    // A part's option passed on as it is: "false" would strip.
    [
      '{ stripTopLevelDir: "false" }',
      "TypeError: Extract option 'stripTopLevelDir' must be true, false or " +
      '"auto": extract() was given string',
    ],
    [
      '{ excludes: "*.txt" }',
      "TypeError: Extract option 'excludes' must be an array of strings: " +
      "extract() was given string",
    ],
  ];
  for (const [options, message] of calls) {
    sample.write(
      "recipes",
      "odd.js",
      `export default class Odd {
  constructor(buildout) { this.buildout = buildout; }
  async install() {
    await this.buildout.extract("downloads/pkg-1.0.tar.gz", "parts/odd", ${options});
    return [];
  }
}
`,
    );
    const result = await sample.system("");
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, /^While:\n {2}Installing odd\.\n/);
    assert.ok(result.stderr.includes(`${message}\n`), result.stderr);
    assert.ok(result.stderr.includes("recipes/odd.js:4:"), result.stderr);
    assert.deepEqual(sample.ls("parts"), [], options);
  }
});
