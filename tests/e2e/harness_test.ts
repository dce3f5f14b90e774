/** Tests of the end-to-end helpers themselves (no executable needed). */
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, symlinkSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import process from "node:process";
import {
  cat,
  exec,
  execSync,
  ls,
  normalize,
  SAMPLE_CONFIG,
  sampleBuildout,
  splitArgs,
  startServer,
  untilWhileRunning,
  write,
} from "./harness.ts";

Deno.test("sampleBuildout has the reference's layout and an empty home", async () => {
  const sample = await sampleBuildout();
  try {
    assert.deepEqual(sample.ls(), [
      "d  bin",
      "-  buildout.cfg",
      "d  develop-eggs",
      "d  eggs",
      "d  parts",
    ]);
    assert.equal(sample.cat("buildout.cfg"), "[buildout]\nparts =\n");
    assert.equal(SAMPLE_CONFIG, "[buildout]\nparts =\n");
    for (const d of ["bin", "develop-eggs", "eggs", "parts"]) {
      assert.deepEqual(sample.ls(d), []);
    }
    assert.deepEqual(readdirSync(sample.home), []);
    assert.ok(sample.dir.endsWith("/_TEST_/sample-buildout"));
  } finally {
    sample.cleanup();
  }
  assert.equal(existsSync(sample.dir), false);
  assert.equal(existsSync(sample.home), false);
});

Deno.test("two samples never share a directory", async () => {
  using a = await sampleBuildout();
  using b = await sampleBuildout();
  assert.notEqual(a.dir, b.dir);
  assert.notEqual(a.home, b.home);
});

Deno.test("ls marks directories, links and files, sorted by code point", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("listing");
  write(dir, "b-file", "x");
  write(dir, "Z-upper", "x");
  sample.mkdir(dir, "a-dir", "nested");
  symlinkSync(join(dir, "b-file"), join(dir, "c-link-to-file"));
  symlinkSync(join(dir, "a-dir"), join(dir, "d-link-to-dir"));
  symlinkSync(join(dir, "missing"), join(dir, "e-broken-link"));
  assert.deepEqual(ls(dir), [
    "-  Z-upper",
    "d  a-dir",
    "-  b-file",
    "l  c-link-to-file",
    "d  d-link-to-dir",
    "l  e-broken-link",
  ]);
  assert.deepEqual(sample.ls(dir, "a-dir"), ["d  nested"]);
});

Deno.test("write, cat, mkdir and remove work relative to the sample", async () => {
  using sample = await sampleBuildout();
  sample.mkdir("recipes", "deep");
  sample.write("recipes", "deep", "r.txt", "one\ntwo\n");
  assert.equal(sample.cat("recipes", "deep", "r.txt"), "one\ntwo\n");
  assert.equal(cat(sample.dir, "recipes/deep/r.txt"), "one\ntwo\n");
  assert.equal(sample.path("recipes"), join(sample.dir, "recipes"));
  assert.equal(sample.path("/abs/x"), "/abs/x");
  assert.throws(() => sample.write("no-such-dir", "f", "x"), /ENOENT/);
  sample.remove("recipes");
  sample.remove("buildout.cfg");
  assert.deepEqual(sample.ls(), [
    "d  bin",
    "d  develop-eggs",
    "d  eggs",
    "d  parts",
  ]);
});

Deno.test("normalize shows sample paths the reference's way", async () => {
  using sample = await sampleBuildout();
  const other = sample.tmpdir("index");
  const text = `Couldn't open ${sample.dir}/nope.cfg\r\n` +
    `home ${sample.home}/.buildout/default.cfg\n` +
    `link ${other}/pkg-1.0.tgz\n` +
    `dir ${sample.dir}\n`;
  assert.equal(
    normalize(text, sample),
    "Couldn't open /sample-buildout/nope.cfg\n" +
      "home /home/.buildout/default.cfg\n" +
      "link /index/pkg-1.0.tgz\n" +
      "dir /sample-buildout\n",
  );
  assert.equal(sample.normalize("/elsewhere/x"), "/elsewhere/x");
});

Deno.test("splitArgs splits strings on spaces and keeps arrays", () => {
  assert.deepEqual(splitArgs("-c  x.cfg annotate"), [
    "-c",
    "x.cfg",
    "annotate",
  ]);
  assert.deepEqual(splitArgs(["a b", "c"]), ["a b", "c"]);
});

Deno.test("untilWhileRunning waits for its condition, and fails once the run ended without it", async () => {
  const running = new Promise<void>(() => {});
  let checks = 0;
  await untilWhileRunning(running, () => ++checks === 3, "the third check");
  assert.equal(checks, 3);
  const failed = exec("/bin/sh", ["-c", "echo no make; exit 2"]);
  await assert.rejects(
    untilWhileRunning(failed, () => false, "make install"),
    new Error("the run ended before make install:\nno make\n"),
  );
});

Deno.test("exec returns stdout, stderr, output and the exit status", async () => {
  const result = await exec(
    "sh",
    ["-c", 'read line; echo "out $line $E2E_VAR"; echo err >&2; exit 3'],
    { stdin: "typed\n", env: { E2E_VAR: "set" } },
  );
  assert.deepEqual(result, {
    stdout: "out typed set\n",
    stderr: "err\n",
    output: "out typed set\nerr\n",
    code: 3,
    signal: null,
  });
  const killed = await exec("sh", ["-c", "kill -ABRT $$"]);
  assert.equal(killed.code, null);
  assert.equal(killed.signal, "SIGABRT");
  const sync = execSync("sh", ["-c", "pwd; exit 0"], { cwd: "/" });
  assert.equal(sync.stdout, "/\n");
  assert.equal(sync.code, 0);
  const unset = execSync("sh", ["-c", 'echo "[${HOME-unset}]"'], {
    env: { HOME: undefined },
  });
  assert.equal(unset.stdout, "[unset]\n");
});

Deno.test("Sample.system runs the binary in the sample with its own HOME", async () => {
  using sample = await sampleBuildout();
  // A stand-in executable that reports what it was given.
  const fake = join(sample.tmpdir("fake"), "buildout");
  write(
    fake,
    "#!/bin/sh\n" +
      'echo "args=$*"\n' +
      'echo "cwd=$(pwd)"\n' +
      'echo "HOME=$HOME"\n' +
      'echo "BUILDOUT_HOME=${BUILDOUT_HOME-unset}"\n' +
      'echo "cache=$BUN_RUNTIME_TRANSPILER_CACHE_PATH"\n' +
      "cat\n" +
      "echo oops >&2; exit 7\n",
  );
  chmodSync(fake, 0o755);
  const probe = join(sample.testDir, "probe.ts");
  write(
    probe,
    `import { sampleBuildout } from ${
      JSON.stringify(new URL("./harness.ts", import.meta.url).href)
    };\n` +
      "const s = await sampleBuildout();\n" +
      'const r = await s.system("-c x.cfg  annotate", { stdin: "in\\n" });\n' +
      'const q = s.systemSync(["a b"], { env: { HOME: "/elsewhere" } });\n' +
      "console.log(JSON.stringify([s.normalize(r.stdout), r.stderr, r.code]));\n" +
      "console.log(JSON.stringify(s.normalize(q.stdout)));\n" +
      "s.cleanup();\n",
  );
  const result = await exec(process.execPath, ["run", "-A", probe], {
    env: { BUILDOUT_E2E_BINARY: fake, BUILDOUT_HOME: "/leaked" },
  });
  assert.equal(result.stderr, "");
  const [first, second] = result.stdout.trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(first, [
    "args=-c x.cfg annotate\n" +
    "cwd=/sample-buildout\n" +
    "HOME=/home\n" +
    "BUILDOUT_HOME=unset\n" +
    "cache=0\n" +
    "in\n",
    "oops\n",
    7,
  ]);
  assert.match(second, /^args=a b\n(.|\n)*HOME=\/elsewhere\n/);
});

Deno.test("runs a test starts itself never see the BUILDOUT_HOME of who runs the tests", async () => {
  using sample = await sampleBuildout();
  const probe = join(sample.testDir, "probe.ts");
  const report = 'echo "${BUILDOUT_HOME-unset}"';
  write(
    probe,
    'import { spawnSync } from "node:child_process";\n' +
      'import process from "node:process";\n' +
      `import { exec } from ${
        JSON.stringify(new URL("./harness.ts", import.meta.url).href)
      };\n` +
      `const viaExec = await exec("sh", ["-c", ${JSON.stringify(report)}], ` +
      "{ env: { HOME: '/h' } });\n" +
      `const viaSpawn = spawnSync("sh", ["-c", ${JSON.stringify(report)}], ` +
      "{ env: { ...process.env, HOME: '/h' }, encoding: 'utf8' });\n" +
      "console.log(viaExec.stdout + viaSpawn.stdout);\n",
  );
  const result = await exec(process.execPath, ["run", "-A", probe], {
    env: { BUILDOUT_HOME: "/leaked" },
  });
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "unset\nunset\n\n");
  assert.equal(result.code, 0);
});

function rawGet(url: string, path: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url + path.slice(1), { method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode ?? 0));
    });
    req.path = path;
    req.on("error", fail);
    req.end();
  });
}

Deno.test("startServer serves files and listings, 404s the rest, records requests", async () => {
  using sample = await sampleBuildout();
  const tree = sample.tmpdir("tree");
  write(tree, "hello.txt", "hello\n");
  write(tree, "pkg-1.0.tar.gz", "not really gzip");
  sample.mkdir(tree, "sub");
  const server = await startServer(tree);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

    const file = await fetch(server.url + "hello.txt");
    assert.equal(file.status, 200);
    assert.equal(await file.text(), "hello\n");

    const gz = await fetch(server.url + "pkg-1.0.tar.gz");
    assert.equal(gz.headers.get("content-type"), "application/x-gzip");
    assert.equal(await gz.text(), "not really gzip");

    const index = await fetch(server.url);
    assert.equal(
      await index.text(),
      "<html><body>\n" +
        '<a href="hello.txt">hello.txt</a><br>\n' +
        '<a href="pkg-1.0.tar.gz">pkg-1.0.tar.gz</a><br>\n' +
        '<a href="sub/">sub/</a><br>\n' +
        "</body></html>\n",
    );

    const missing = await fetch(server.url + "missing.tgz");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    assert.equal(await rawGet(server.url, "/..%2f..%2fetc%2fpasswd"), 404);

    assert.deepEqual(server.requests, [
      "/hello.txt",
      "/pkg-1.0.tar.gz",
      "/",
      "/missing.tgz",
      "/..%2f..%2fetc%2fpasswd",
    ]);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(server.url));
});

Deno.test("startServer logs requests only while logging is on", async () => {
  using sample = await sampleBuildout();
  const tree = sample.tmpdir("tree");
  write(tree, "a.txt", "a");
  const server = await startServer(tree);
  try {
    await (await fetch(server.url + "a.txt")).text();
    server.setLogging(true);
    await (await fetch(server.url + "a.txt")).text();
    await (await fetch(server.url + "nope")).text();
    server.setLogging(false);
    await (await fetch(server.url + "a.txt")).text();
    assert.deepEqual(server.log, ["GET 200 /a.txt", "GET 404 /nope"]);
    assert.equal(server.requests.length, 4);
  } finally {
    await server.close();
  }
});
