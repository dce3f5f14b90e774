/**
 * README, "Which hosts the executable runs on": the C library it asks for,
 * and `deno task compile --target` building for another platform. Building for another processor downloads that
 * platform's Bun runtime, so the builds here hand `--runtime` the one
 * node_modules already holds; the README says which builds were run where.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareVersions } from "../../lib/dists/version.ts";
import { VERSION } from "../../lib/version.ts";
import { BUILDOUT, ensureBinary, execSync, ROOT } from "./harness.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");
/** This machine's Bun runtime, as `npm ci` installs it. */
const HOST_RUNTIME = join(ROOT, "node_modules", "bun", "bin", "bun.exe");

/** The dynamic loader of this machine's processor, which Bun's runtime names. */
const LOADER = process.arch === "arm64"
  ? "ld-linux-aarch64.so.1"
  : "ld-linux-x86-64.so.2";

/** `--target` names of this machine's processor and of the other one. */
const [HOST_TARGET, OTHER_TARGET] = process.arch === "arm64"
  ? ["linux-arm64", "linux-x64"]
  : ["linux-x64", "linux-arm64"];

/** Runs scripts/compile.ts with `args`. */
function compile(...args: string[]) {
  return execSync(DENO, ["run", "-A", "scripts/compile.ts", ...args], {
    cwd: ROOT,
    timeoutMs: 120_000,
  });
}

/** The versions of glibc's symbols `file` asks for, newest last. */
function glibcVersions(file: string): string[] {
  const result = execSync("readelf", ["--version-info", "--wide", file]);
  assert.equal(result.code, 0, result.stderr);
  const versions = new Set(
    [...result.stdout.matchAll(/Name: GLIBC_([0-9.]+)/g)].map((m) => m[1]),
  );
  return [...versions].sort(compareVersions);
}

Deno.test("the executable needs glibc 2.17 and only the C library's own shared libraries", () => {
  ensureBinary();
  assert.equal(glibcVersions(BUILDOUT).at(-1), "2.17");
  const dynamic = execSync("readelf", ["--dynamic", "--wide", BUILDOUT]);
  assert.equal(dynamic.code, 0, dynamic.stderr);
  const needed = [...dynamic.stdout.matchAll(/\(NEEDED\).*\[(.+)\]/g)]
    .map((m) => m[1]).sort();
  assert.deepEqual(needed, [
    LOADER,
    "libc.so.6",
    "libdl.so.2",
    "libm.so.6",
    "libpthread.so.0",
  ]);
});

Deno.test("compile --target builds for the named platform with the runtime --runtime names", () => {
  const dir = mkdtempSync(join(tmpdir(), "compile-target-"));
  try {
    const out = join(dir, `buildout-${HOST_TARGET}`);
    const built = compile(
      "--target",
      HOST_TARGET,
      "--runtime",
      HOST_RUNTIME,
      "--outfile",
      out,
    );
    assert.equal(built.code, 0, built.stderr);
    assert.equal(built.stdout, `built ${out}\n`);
    const version = execSync(out, ["--version"]);
    assert.equal(version.stdout, `buildout version ${VERSION}\n`);
    assert.equal(version.code, 0);
    // Built into the runtime named, not one Bun fetched: a program of the
    // same processor that is not Bun's runtime cannot take the program.
    const notBun = join(dir, "not-bun");
    const refused = compile(
      "--target",
      HOST_TARGET,
      "--runtime",
      "/bin/true",
      "--outfile",
      notBun,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /compile-executable-path=\/bin\/true /);
    assert.deepEqual(readdirSync(dir), [`buildout-${HOST_TARGET}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("compile --target refuses an unknown platform and a runtime for another processor", () => {
  const dir = mkdtempSync(join(tmpdir(), "compile-target-"));
  try {
    const out = join(dir, "buildout");
    const unknown = compile("--target", "linux-s390x", "--outfile", out);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^compile: unknown target "linux-s390x"; known targets: linux-x64, linux-x64-baseline, linux-arm64\n/,
    );
    const other = compile(
      "--target",
      OTHER_TARGET,
      "--runtime",
      HOST_RUNTIME,
      "--outfile",
      out,
    );
    assert.equal(other.code, 2);
    assert.match(
      other.stderr,
      new RegExp(
        `^compile: --runtime \\S+ is not a Linux executable for ${OTHER_TARGET}\n`,
      ),
    );
    const noDeno = compile("--deno", "--target", "linux-x64-baseline");
    assert.equal(noDeno.code, 2);
    assert.match(
      noDeno.stderr,
      /^compile: deno compile has no target for linux-x64-baseline\n/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
