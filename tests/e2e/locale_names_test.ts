/**
 * End-to-end tests found by probing locale, time zone, encodings and odd
 * file names: file names that are not UTF-8, values with characters outside
 * the BMP or invisible ones, behaviour under unusual `LANG` and `TZ`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, utimesSync } from "node:fs";
import { sampleBuildout, startServer } from "./harness.ts";

/** Creates `name`, given as shell `printf` escapes (`caf\\351`), in `dir`. */
function touchRaw(dir: string, name: string): void {
  execFileSync("sh", ["-c", `touch "$(printf '${name}')"`], { cwd: dir });
}

Deno.test("a develop package holding a file name that is not UTF-8 is a one-line error naming it", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("greeter");
  sample.write(
    "greeter",
    "package.json",
    `{"name": "greeter", "buildout": {"recipes": {"default": "./g.js"}}}`,
  );
  sample.write(
    "greeter",
    "g.js",
    "export default class G { install() { return []; } update() {} }\n",
  );
  touchRaw(sample.path("greeter"), "caf\\351.txt");
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = greeter\nparts = g\n\n[g]\nrecipe = greeter\n",
  );
  const result = await sample.system("");
  assert.equal(result.code, 1);
  assert.equal(
    sample.normalize(result.stderr),
    "Error: Couldn't read /sample-buildout/greeter/caf\uFFFD.txt: " +
      "its name is not UTF-8\n",
  );
});

Deno.test("a develop glob matching a directory whose name is not UTF-8 says so, not that it has no package.json", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("src");
  execFileSync("sh", ["-c", `mkdir "$(printf 'caf\\351')"`], {
    cwd: sample.path("src"),
  });
  sample.write(
    "buildout.cfg",
    "[buildout]\ndevelop = src/*\nparts =\n",
  );
  const result = await sample.system("");
  assert.equal(result.code, 1);
  assert.match(
    sample.normalize(result.stderr),
    /\nError: Couldn't develop '\/sample-buildout\/src\/caf\uFFFD': its name is not UTF-8; rename it\n$/,
  );
});

Deno.test("tar members whose names are not UTF-8 are extracted as Latin-1, each to its own file", async () => {
  using sample = await sampleBuildout();
  const src = sample.tmpdir("src");
  execFileSync("sh", [
    "-c",
    `mkdir pkg && echo grave > "pkg/$(printf 'caf\\350')" && ` +
    `echo acute > "pkg/$(printf 'caf\\351')" && tar cf latin.tar pkg`,
  ], { cwd: src });
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = t

[t]
recipe = hexagonit.recipe.download
url = file://${src}/latin.tar
`,
  );
  const result = await sample.system("");
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(sample.ls("parts/t/pkg"), ["-  cafè", "-  café"]);
  assert.equal(sample.cat("parts/t/pkg/café"), "acute\n");
  assert.equal(sample.cat("parts/t/pkg/cafè"), "grave\n");
});

Deno.test("an empty lock left with a time in the future (clock set back) is taken over", async () => {
  using sample = await sampleBuildout();
  sample.write(".installed.cfg.lock", "");
  const tomorrow = new Date(Date.now() + 86_400_000);
  utimesSync(sample.path(".installed.cfg.lock"), tomorrow, tomorrow);
  const result = await sample.system("");
  assert.equal(result.code, 0, result.output);
  assert.ok(!existsSync(sample.path(".installed.cfg.lock")));
});

Deno.test("a URL's file name is used as written: not percent-encoded in the target or the download cache", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("files");
  sample.write(files, "café.txt", "accent\n");
  sample.mkdir("cache");
  const server = await startServer(files);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = x
download-cache = cache

[x]
recipe = hexagonit.recipe.download
url = ${server.url}café.txt
download-only = true
hash-name = false
`,
    );
    const result = await sample.system("");
    assert.equal(result.code, 0, result.output);
  } finally {
    await server.close();
  }
  assert.deepEqual(sample.ls("parts/x"), ["-  café.txt"]);
  assert.deepEqual(sample.ls("cache"), ["-  café.txt"]);
  assert.equal(sample.cat("cache/café.txt"), "accent\n");
});
