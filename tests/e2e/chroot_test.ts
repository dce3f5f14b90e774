/**
 * "The executable runs in a minimal root": `dist/buildout` plus only the
 * shared libraries `ldd` lists (and the dynamic loader) in an empty
 * directory, run with `chroot` inside `unshare -m -n` (a private mount
 * namespace for the /proc mount it needs, and no network).
 *
 * Needs root and `unshare`/`chroot`/`ldd`; otherwise the tests are ignored
 * and their names say why.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { VERSION } from "../../lib/version.ts";
import { BUILDOUT, ensureBinary, exec, type RunResult } from "./harness.ts";

/** Absolute path of `name` on PATH (or the sbin dirs), or null. */
function which(name: string): string | null {
  const dirs = (process.env.PATH ?? "").split(delimiter)
    .concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* keep looking */ }
  }
  return null;
}

const tools = {
  unshare: which("unshare"),
  chroot: which("chroot"),
  mount: which("mount"),
  ldd: which("ldd"),
};

/** Why the chroot tests cannot run here, or null when they can. */
function whyNot(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root for unshare/chroot";
  const missing = Object.entries(tools).filter(([, path]) => !path);
  if (missing.length) {
    return `needs ${missing.map(([name]) => name).join(", ")}`;
  }
  // Root in a container may still lack the right to make namespaces.
  const probeDir = mkdtempSync(join(tmpdir(), "buildout-chroot-probe-"));
  try {
    const probe = spawnSync(tools.unshare!, [
      "-m",
      "-n",
      tools.mount!,
      "-t",
      "proc",
      "proc",
      probeDir,
    ]);
    if (probe.status !== 0) {
      return "unshare -m -n / mount -t proc is not permitted here: " +
        String(probe.stderr).trim();
    }
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
  return null;
}

const skipReason = whyNot();
const suffix = skipReason ? ` (skipped: ${skipReason})` : "";

/** The files `ldd` says `binary` loads, loader included. */
function sharedLibraries(binary: string): string[] {
  const result = spawnSync(tools.ldd!, [binary], { encoding: "utf8" });
  if (result.status !== 0) {
    // A static executable: ldd says "not a dynamic executable".
    return [];
  }
  const paths: string[] = [];
  for (const line of result.stdout.split("\n")) {
    const arrow = line.match(/=>\s+(\/\S+)/);
    const bare = line.match(/^\s*(\/\S+)\s+\(/);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) paths.push(path);
    else if (/=>\s+not found/.test(line)) {
      throw new Error(`ldd: a library is missing: ${line.trim()}`);
    }
  }
  return paths;
}

/** A root holding only the executable, its libraries and a few empty dirs. */
function makeRoot(): string {
  ensureBinary();
  const root = mkdtempSync(join(tmpdir(), "buildout-chroot-"));
  for (const lib of sharedLibraries(BUILDOUT)) {
    const target = join(root, lib);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(lib, target); // follows symlinks: the real file lands here
  }
  copyFileSync(BUILDOUT, join(root, "buildout"));
  for (const dir of ["proc", "tmp", "home/user", "project"]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(
    join(root, "project", "buildout.cfg"),
    "[buildout]\nparts =\n[app]\nx = ${buildout:directory}/x\n",
  );
  return root;
}

/** Runs `/buildout args` chrooted into `root`, with /proc mounted. */
function runChrooted(root: string, args: string[]): Promise<RunResult> {
  return exec(tools.unshare!, [
    "-m",
    "-n",
    "sh",
    "-c",
    'root=$1; shift; mount -t proc proc "$root/proc" && ' +
    'exec chroot "$root" /buildout "$@"',
    "sh",
    root,
    ...args,
  ], {
    env: {
      HOME: "/home/user",
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      PATH: [dirname(tools.mount!), dirname(tools.chroot!), "/usr/bin", "/bin"]
        .join(delimiter),
    },
  });
}

Deno.test({
  name: "the executable prints its version in a minimal root" + suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      const result = await runChrooted(root, ["--version"]);
      assert.equal(result.stderr, "");
      assert.equal(result.stdout, `buildout version ${VERSION}\n`);
      assert.equal(result.code, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "the executable annotates a buildout in a minimal root" + suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      const result = await runChrooted(root, [
        "-c",
        "/project/buildout.cfg",
        "annotate",
      ]);
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      const out = result.stdout.split("\n").map((line) => line.trim());
      assert.ok(out.includes("Annotated sections"), result.stdout);
      const app = out.indexOf("[app]");
      assert.ok(app >= 0, `no [app] section:\n${result.stdout}`);
      assert.deepEqual(out.slice(app, app + 3), [
        "[app]",
        "x= ${buildout:directory}/x",
        "/project/buildout.cfg",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

if (skipReason) {
  console.error(`chroot_test.ts: chroot tests ignored: ${skipReason}`);
}
