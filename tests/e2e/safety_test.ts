/**
 * End-to-end tests of what an operator worries about: credentials in URLs
 * kept out of the log and error messages, and uninstall that neither
 * follows a symbolic link out of the buildout nor removes the buildout.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { symlinkSync } from "node:fs";
import { BUILDOUT, exec, sampleBuildout, startServer } from "./harness.ts";

Deno.test("URL passwords are sent but never printed, -vv and errors included", async () => {
  using sample = await sampleBuildout();
  const www = sample.tmpdir("www");
  sample.write(www, "base.cfg", "[buildout]\nparts =\n");
  const auth: string[] = [];
  const server = await startServer(www, {
    handlers: {
      "/hello.txt": (req, res) => {
        auth.push(req.headers.authorization ?? "");
        res.end("hello\n");
      },
    },
  });
  try {
    const base = server.url.replace("//", "//me:s3cret@");
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${base}base.cfg\nparts = dl\n` +
        `download-cache = ${sample.tmpdir("cache")}\n` +
        `[dl]\nrecipe = download\nurl = ${base}hello.txt\ndownload-only = true\n`,
    );
    const ok = await sample.run("-vv");
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /Downloading http:\/\/me:\*\*\*\*@127\.0\.0\.1:/);
    assert.match(
      ok.output,
      /Configuration data:[^]*url = http:\/\/me:\*\*\*\*@/,
    );
    sample.write(
      "buildout.cfg",
      sample.cat("buildout.cfg").replace("hello.txt", "missing.txt"),
    );
    const failed = await sample.run("-v");
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      /Error: Error downloading http:\/\/me:\*\*\*\*@127\.0\.0\.1:\d+\/missing\.txt: HTTP Error 404/,
    );
    const remote = await sample.run(`-c ${base}nothere.cfg`);
    assert.equal(remote.code, 1);
    assert.match(remote.stderr, /me:\*\*\*\*@/);
    sample.write(
      "buildout.cfg",
      `[buildout]\noptional-extends = ${base}local.cfg\nparts =\n`,
    );
    const optional = await sample.run("");
    assert.equal(optional.code, 0, optional.output);
    assert.equal(
      optional.stderr,
      `optional-extends file not found: ${
        base.replace("s3cret", "****")
      }local.cfg\n`,
    );
    for (
      const output of [ok.output, failed.output, remote.output, optional.output]
    ) {
      assert.doesNotMatch(output, /s3cret/);
    }
  } finally {
    await server.close();
  }
  assert.deepEqual(auth, [`Basic ${btoa("me:s3cret")}`]);
});

Deno.test("a terminal's progress bar hides the password of a URL naming no file", async () => {
  using sample = await sampleBuildout();
  const big = Buffer.alloc(8 << 20, "p");
  const server = await startServer(sample.tmpdir("www"), {
    handlers: { "/": (_req, res) => res.end(big) },
  });
  try {
    const url = `${server.url.replace("//", "//me:s3cret@")}?file=big.bin`;
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = dl\n[dl]\nrecipe = download\nurl = ${url}\n` +
        "download-only = true\nfilename = big.bin\n",
    );
    const tty = await exec("script", ["-qec", BUILDOUT, "/dev/null"], {
      cwd: sample.dir,
      env: {
        HOME: sample.home,
        TMPDIR: sample.runTmpdir,
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      },
    });
    assert.equal(tty.code, 0, tty.output);
    assert.match(
      tty.stdout,
      /\rhttp:\/\/me:\*\*\*\*@127\.0\.0\.1:\d+\/\?file=big\.bin {2}/,
    );
    assert.doesNotMatch(tty.stdout, /s3cret/);
  } finally {
    await server.close();
  }
});

/** A hand-edited `.installed.cfg` with part `x` recording `paths`. */
function installedRecording(paths: string[]): string {
  return "[buildout]\ninstalled_develop_eggs =\nparts = x\n\n[x]\n" +
    `__buildout_installed__ = ${paths.join("\n\t")}\n` +
    "__buildout_signature__ = buildout-0.1.0\nrecipe = zc.buildout:debug\n";
}

Deno.test("uninstall keeps a recorded directory that holds the buildout", async () => {
  using sample = await sampleBuildout();
  sample.write("neighbour.txt", "keep\n");
  sample.mkdir("inner", "parts", "gone");
  sample.write("inner", "buildout.cfg", "[buildout]\nparts =\n");
  sample.write("inner", ".installed.cfg", installedRecording([".."]));
  sample.write("inner", "parts", "gone", "file", "x\n");
  const first = await sample.run("", { cwd: sample.path("inner") });
  assert.equal(first.code, 0, first.output);
  assert.match(
    first.stdout,
    /Uninstalling x\.\nNot removing '\/sample-buildout': it holds the buildout directory\.\n/,
  );
  assert.equal(sample.cat("neighbour.txt"), "keep\n");
  sample.write(
    "inner",
    ".installed.cfg",
    installedRecording([".", "parts/gone"]),
  );
  const second = await sample.run("", { cwd: sample.path("inner") });
  assert.equal(second.code, 0, second.output);
  assert.match(second.stdout, /Not removing '\/sample-buildout\/inner'/);
  assert.equal(sample.cat("inner", "buildout.cfg"), "[buildout]\nparts =\n");
  assert.deepEqual(sample.ls("inner", "parts"), []);
});

Deno.test("uninstall removes a recorded symbolic link, not what it points to", async () => {
  using sample = await sampleBuildout();
  const outside = sample.tmpdir("outside");
  sample.write(outside, "data", "precious\n");
  sample.mkdir("parts", "x");
  symlinkSync(outside, sample.path("parts", "x", "link"));
  symlinkSync(outside, sample.path("parts", "y"));
  sample.write(".installed.cfg", installedRecording(["parts/x", "parts/y/"]));
  const result = await sample.run();
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(sample.ls("parts"), []);
  assert.equal(sample.cat(outside, "data"), "precious\n");
});
