/**
 * `buildout bundle --executable FILE`: the archive carries that buildout
 * executable as `bin/buildout` (a build for the target's processor, made
 * with `deno task compile --target`), not the one running.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { EM_AARCH64, EM_X86_64, HOST_MACHINE } from "../../lib/elf_machine.ts";
import {
  BUILDOUT,
  exec,
  ROOT,
  type Sample,
  sampleBuildout,
} from "./harness.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");
const MAIN = join(ROOT, "main.ts");

/** The processor buildout is built for that this machine is not. */
const OTHER_MACHINE = HOST_MACHINE === EM_AARCH64 ? EM_X86_64 : EM_AARCH64;

const CONFIG = "[buildout]\nparts = hello\n[hello]\nrecipe = mkdir\n" +
  "paths = ${buildout:directory}/var/hello\n";

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * An ELF header claiming `machine`, padded: what buildout checks of an
 * executable to pack (a real build for another processor is 100 MB).
 */
function fakeElf(path: string, machine: number, mode = 0o755): void {
  const head = Buffer.alloc(64);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; // 64-bit
  head[5] = 1; // little-endian
  head.writeUInt16LE(machine, 18);
  writeFileSync(path, head);
  chmodSync(path, mode);
}

/** Unpacks `archive` into a new directory; returns the buildout in it. */
function unpack(sample: Sample, archive: string, top: string): string {
  const target = sample.tmpdir("target");
  execFileSync("tar", ["xzf", archive, "-C", target]);
  return join(target, top);
}

Deno.test("bundle --executable run from the sources packs that executable, and the unpacked bundle builds offline with it", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(dir, "buildout.cfg", CONFIG);
  const env = { HOME: sample.home };
  const refused = await exec(DENO, ["run", "-A", MAIN, "bundle"], {
    cwd: dir,
    env,
  });
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    "Error: bundle puts this executable into the archive, so it must run as " +
      "the compiled executable (dist/buildout), not from the sources (or " +
      "name one: bundle --executable dist/buildout)\n",
  );

  const bundled = await exec(
    DENO,
    ["run", "-A", MAIN, "bundle", "--executable", BUILDOUT],
    { cwd: dir, env },
  );
  assert.equal(bundled.code, 0, bundled.output);
  assert.match(bundled.stdout, /\n {2}project\/bin\/buildout \(\d+\.\d MB\)\n/);
  const unpacked = unpack(sample, join(dir, "project.tar.gz"), "project");
  const packed = join(unpacked, "bin", "buildout");
  assert.equal(sha256(packed), sha256(BUILDOUT));
  const offline = await exec(packed, ["-c", "offline.cfg"], {
    cwd: unpacked,
    env,
  });
  assert.equal(offline.code, 0, offline.output);
  assert.ok(existsSync(join(unpacked, "var", "hello")));
});

Deno.test("bundle --executable packs a build for another processor as bin/buildout", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(dir, "buildout.cfg", CONFIG);
  const other = join(sample.testDir, "buildout-other");
  fakeElf(other, OTHER_MACHINE);
  const bundled = await sample.system(["bundle", "--executable=" + other], {
    cwd: dir,
  });
  assert.equal(bundled.code, 0, bundled.output);
  const unpacked = unpack(sample, join(dir, "project.tar.gz"), "project");
  assert.equal(sha256(join(unpacked, "bin", "buildout")), sha256(other));
});

Deno.test("bundle --executable refuses, before building, what it cannot pack as bin/buildout", async () => {
  using sample = await sampleBuildout();
  const dir = sample.tmpdir("project");
  sample.write(
    dir,
    "buildout.cfg",
    CONFIG.replace(
      "[buildout]\n",
      "[buildout]\nrelative-paths = true\n",
    ),
  );
  const text = join(sample.testDir, "notes.txt");
  writeFileSync(text, "not a program\n");
  const unrunnable = join(sample.testDir, "buildout-644");
  fakeElf(unrunnable, OTHER_MACHINE, 0o644);
  const other = join(sample.testDir, "buildout-other");
  fakeElf(other, OTHER_MACHINE);
  const cases: [string[], string][] = [
    [
      ["--executable", "missing"],
      `bundle --executable: couldn't read ${dir}/missing: no such file or directory`,
    ],
    [
      ["--executable", sample.testDir],
      `bundle --executable: ${sample.testDir} is not a file`,
    ],
    [
      ["--executable", text],
      `bundle --executable: ${text} is not a buildout executable for Linux (x86-64 or 64-bit ARM)`,
    ],
    [
      ["--executable", unrunnable],
      `bundle --executable: ${unrunnable} is not executable`,
    ],
    [
      ["--with-parts", "--executable", other],
      `bundle --with-parts packs parts built for this machine's processor, which ${other} (${
        OTHER_MACHINE === EM_AARCH64 ? "64-bit ARM" : "x86-64"
      }) cannot use: bundle without --with-parts, and the target builds them`,
    ],
    [["--executable"], "--executable needs a file name"],
    [["--executable="], "--executable needs a file name"],
  ];
  for (const [args, message] of cases) {
    const result = await sample.system(["bundle", ...args], { cwd: dir });
    assert.equal(result.stderr, `Error: ${message}\n`, args.join(" "));
    assert.equal(result.code, 1);
    assert.deepEqual(readdirSync(dir), ["buildout.cfg"], args.join(" "));
  }
});

Deno.test("--executable before bundle, and buildout's options after it, say where they go", async () => {
  using sample = await sampleBuildout();
  const before = await sample.system(["--executable", "x", "bundle"]);
  assert.equal(before.code, 1);
  assert.equal(
    before.stderr,
    "Error: Invalid option --executable: bundle takes it, after the command " +
      "(buildout bundle --executable x)\n",
  );
  const after = await sample.system([
    "bundle",
    "-c",
    "x.cfg",
    "--executable",
    "y",
  ]);
  assert.equal(after.code, 1);
  assert.equal(
    after.stderr,
    "Error: Options go before the command: buildout -c x.cfg bundle " +
      "--executable y\n",
  );
});
