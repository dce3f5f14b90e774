/**
 * The sources under `deno run -A main.ts` behave as the executable: what
 * a user sees must not depend on which of the two runs a buildout.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  inPidNamespace,
  mountSkipReason,
  pidNamespaceSkipReason,
} from "./chroot.ts";
import { exec, ROOT, type Sample, sampleBuildout } from "./harness.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");
const MAIN = join(ROOT, "main.ts");

/** `sh -c script` in the sample, `$0` being `deno run -A main.ts`. */
function shell(sample: Sample, script: string) {
  return exec("/bin/sh", ["-c", script, `${DENO} run -A ${MAIN}`], {
    cwd: sample.dir,
    env: { HOME: sample.home },
  });
}

Deno.test("under deno run, annotate into a pipe its reader empties slowly prints everything once", async () => {
  using sample = await sampleBuildout();
  // Several times what a pipe holds (64 KiB).
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n" +
      Array.from({ length: 5000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join(""),
  );
  const result = await shell(
    sample,
    "$0 annotate > file.txt && $0 annotate | (sleep 0.3; cat > piped.txt)",
  );
  assert.equal(result.output, "");
  const file = sample.cat("file.txt");
  assert.ok(file.length > 256 * 1024, `${file.length} bytes`);
  const piped = sample.cat("piped.txt");
  // Not with the first 64 KiB twice, as Deno's writeSync repeated them.
  assert.ok(
    piped === file,
    `${piped.length} chars piped, ${file.length} in a file`,
  );
});

for (
  const [signal, status] of [["SIGTERM", 143], ["SIGINT", 130], [
    "SIGHUP",
    129,
  ]] as const
) {
  Deno.test({
    name: `under deno run, as a container's PID 1, ${signal} ends the run ` +
      `with status ${status}, as the executable does` +
      (pidNamespaceSkipReason ? ` (skipped: ${pidNamespaceSkipReason})` : ""),
    ignore: pidNamespaceSkipReason !== null,
    async fn() {
      using sample = await sampleBuildout();
      sample.write(
        "buildout.cfg",
        "[buildout]\nparts = wait\n\n[wait]\nrecipe = command\n" +
          "command = touch started && sleep 20\n",
      );
      const unshare = spawn(...inPidNamespace(DENO, ["run", "-A", MAIN]), {
        cwd: sample.dir,
        env: { ...process.env, HOME: sample.home, TMPDIR: sample.runTmpdir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      unshare.stderr.on("data", (chunk) => stderr += chunk);
      const ended = new Promise((done) =>
        unshare.on("close", (code, signal) => done({ code, signal }))
      );
      const deadline = Date.now() + 20_000;
      while (!existsSync(sample.path("started")) && Date.now() < deadline) {
        await new Promise((wait) => setTimeout(wait, 10));
      }
      const children = `/proc/${unshare.pid}/task/${unshare.pid}/children`;
      process.kill(Number(readFileSync(children, "utf8").trim()), signal);
      // Not SIGSEGV (most times): Deno crashed sending a process 1 its own
      // signal.
      assert.deepEqual(await ended, { code: status, signal: null });
      assert.equal(stderr, `Error: Interrupted by ${signal}\n`);
    },
  });
}

Deno.test("under deno run, substitutions nested deeper than the stack are a user error", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\nx = ${s:v0}\n\n[s]\n" +
      Array.from({ length: 20_000 }, (_, i) => `v${i} = \${:v${i + 1}}\n`)
        .join("") +
      "v20000 = end\n",
  );
  const result = await shell(sample, "$0");
  assert.equal(result.code, 1);
  // Not an internal error: V8 words an overflow met compiling a regular
  // expression as a SyntaxError.
  assert.match(
    result.stderr,
    /\nError: Too many nested substitutions \(\d+\) at \$\{s:v\d+\}\n$/,
  );
  assert.doesNotMatch(result.stderr, /internal error/);
});

Deno.test({
  name: "under deno run, a recipe's console.log with the log on a full " +
    "disk leaves its part installed",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("r");
    sample.write(
      "r",
      "package.json",
      '{"name": "r", "buildout": {"recipes": {"default": "./r.js"}}}',
    );
    sample.write(
      "r",
      "r.js",
      "export default class R {\n" +
        "  install() { console.log('made'); console.info('done'); }\n" +
        "}\n",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = r\nparts = a\n\n[a]\nrecipe = r\n",
    );
    const result = await shell(sample, "$0 > /dev/full");
    // As with the executable: the log is cut short, the run goes on.
    assert.equal(
      result.stderr,
      "Warning: Couldn't write to standard output: no space left on device; " +
        "the log was cut short.\n",
    );
    assert.equal(result.code, 0);
    assert.match(sample.cat(".installed.cfg"), /^parts = a$/m);
  },
});

Deno.test({
  name: "under deno run, a recipe's process.stdout.write with the log on a " +
    "full disk leaves its part installed and the run ends",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("r");
    sample.write(
      "r",
      "package.json",
      '{"name": "r", "buildout": {"recipes": {"default": "./r.js"}}}',
    );
    // The timer left running makes the run end by flushing its output.
    sample.write(
      "r",
      "r.js",
      "export default class R {\n" +
        "  install() {\n" +
        "    process.stdout.write('made\\n');\n" +
        "    setInterval(() => {}, 60000);\n" +
        "  }\n" +
        "}\n",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = r\nparts = a\n\n[a]\nrecipe = r\n",
    );
    // A run that never ends is killed (status 137), not waited for.
    const result = await shell(sample, "timeout -s KILL 60 $0 > /dev/full");
    assert.equal(
      result.stderr,
      "Warning: Couldn't write to standard output: no space left on device; " +
        "the log was cut short.\n",
    );
    assert.equal(result.code, 0);
    assert.match(sample.cat(".installed.cfg"), /^parts = a$/m);
  },
});

Deno.test({
  name: "under deno run, a recipe awaiting the callbacks of its " +
    "process.stdout.write calls with the log on a full disk leaves its part " +
    "installed",
  ignore: !existsSync("/dev/full"),
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("r");
    sample.write(
      "r",
      "package.json",
      '{"name": "r", "buildout": {"recipes": {"default": "./r.js"}}}',
    );
    sample.write(
      "r",
      "r.js",
      "export default class R {\n" +
        "  async install() {\n" +
        "    for (const line of ['made\\n', 'done\\n']) {\n" +
        "      await new Promise((resolve, reject) =>\n" +
        "        process.stdout.write(line,\n" +
        "          (err) => err ? reject(err) : resolve()));\n" +
        "    }\n" +
        "  }\n" +
        "}\n",
    );
    sample.write(
      "buildout.cfg",
      "[buildout]\ndevelop = r\nparts = a\n\n[a]\nrecipe = r\n",
    );
    // A run that never ends is killed (status 137), not waited for.
    const result = await shell(sample, "timeout -s KILL 60 $0 > /dev/full");
    assert.equal(
      result.stderr,
      "Warning: Couldn't write to standard output: no space left on device; " +
        "the log was cut short.\n",
    );
    assert.equal(result.code, 0);
    assert.match(sample.cat(".installed.cfg"), /^parts = a$/m);
  },
});

Deno.test({
  name: "under deno run, uninstalling a part with a file system mounted in " +
    "it is the executable's one-line error naming the path" +
    (mountSkipReason ? ` (skipped: ${mountSkipReason})` : ""),
  ignore: mountSkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\n[a]\nrecipe = mkdir\npaths = var\n" +
        "remove-on-update = true\n",
    );
    assert.equal((await shell(sample, "$0")).code, 0);
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    // A volume mounted on the directory the part made.
    const result = await shell(
      sample,
      `exec unshare -m sh -c 'mount -t tmpfs tmpfs var && exec $0' "$0"`,
    );
    // Not an internal error: Deno's rmSync errors name no path.
    assert.equal(
      sample.normalize(result.stderr),
      "While:\n  Installing.\n  Uninstalling a.\n" +
        "Error: Device or resource busy: /sample-buildout/var " +
        "(is something mounted there?)\n",
    );
    assert.equal(result.code, 1);
  },
});

Deno.test("under deno run, variables that are not UTF-8 are read as the executable reads them, and commands get their bytes", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = e show run
[e]
recipe = environment
[show]
recipe = debug
x = \${e:X}
[run]
recipe = command
command = printf %s "$X" | od -An -tx1
`,
  );
  // Deno threw on reading such a value (HOME first): an internal error.
  const result = await shell(
    sample,
    "X=$(printf 'a\\351b') HOME=$(printf '/nowhere/\\351') $0",
  );
  assert.equal(result.stderr, "");
  assert.equal(
    result.stdout,
    "Installing e.\nInstalling show.\n  recipe='debug'\n  x='a\ufffdb'\n" +
      "Installing run.\nrun: Running 'printf %s \"$X\" | od -An -tx1'\n" +
      " 61 e9 62\n",
  );
  assert.equal(result.code, 0);
});
