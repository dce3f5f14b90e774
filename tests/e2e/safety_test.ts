/**
 * End-to-end tests of what an operator worries about: credentials in URLs
 * kept out of the log and error messages, uninstall that never follows a
 * symbolic link out of the buildout, and archives that cannot plant
 * special files.
 */
import assert from "node:assert/strict";
import { sampleBuildout, startServer } from "./harness.ts";

Deno.test("URL passwords are sent but never printed, -v and errors included", async () => {
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
    const ok = await sample.run("-v");
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /Downloading http:\/\/me:\*\*\*\*@127\.0\.0\.1:/);
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
    for (const output of [ok.output, failed.output, remote.output]) {
      assert.doesNotMatch(output, /s3cret/);
    }
  } finally {
    await server.close();
  }
  assert.deepEqual(auth, [`Basic ${btoa("me:s3cret")}`]);
});
