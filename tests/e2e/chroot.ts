/**
 * Minimal roots for end-to-end tests: an empty directory holding only the
 * executable's shared libraries (from `ldd`), entered with `chroot` inside
 * `unshare -m -n` (a private mount namespace for the /proc mount the
 * executable needs, and no network). Needs root; {@link skipReason} says
 * why not otherwise.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
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

export const tools = {
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

/** Why minimal-root tests cannot run here, or null when they can. */
export const skipReason: string | null = whyNot();

/** Why a run cannot be a container's PID 1 here, or null when it can. */
function whyNoPidNamespace(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root for unshare -p";
  if (!tools.unshare) return "needs unshare";
  const probe = spawnSync(tools.unshare, [
    "-p",
    "-f",
    "-m",
    "--mount-proc",
    "true",
  ]);
  if (probe.status !== 0) {
    return "unshare -p -f -m --mount-proc is not permitted here: " +
      String(probe.stderr).trim();
  }
  return null;
}

/**
 * Why {@link inPidNamespace} cannot run here, or null when it can.
 */
export const pidNamespaceSkipReason: string | null = whyNoPidNamespace();

/**
 * The command line running `program args` as the first process (PID 1)
 * of a new PID namespace with its own /proc, as a container's first
 * process: `unshare -p -f -m --mount-proc program args`.
 */
export function inPidNamespace(
  program: string,
  args: string[] = [],
): [string, string[]] {
  return [tools.unshare!, ["-p", "-f", "-m", "--mount-proc", program, ...args]];
}
/**
 * Why a full or read-only file system (a tmpfs or bind mount in a private
 * mount namespace) cannot be simulated here, or null when it can.
 */
export const mountSkipReason: string | null = (() => {
  if (process.getuid?.() !== 0) return "needs root for a tmpfs mount";
  const probe = spawnSync("unshare", [
    "-m",
    "sh",
    "-c",
    "mount -t tmpfs tmpfs /mnt",
  ]);
  return probe.status === 0 ? null : "unshare -m / mount -t tmpfs refused";
})();

/** Appended to test names when they are ignored. */
export const suffix: string = skipReason ? ` (skipped: ${skipReason})` : "";

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

/**
 * Copies `source` to `target` with `cp`, following a link: a program (or
 * the dynamic loader) copied in this process could be held open for
 * writing by a child another test module starts meanwhile, and starting it
 * would fail with "Text file busy".
 */
export function copyOutside(source: string, target: string): void {
  const cp = spawnSync("cp", [source, target], { encoding: "utf8" });
  if (cp.status !== 0) throw new Error(`cp ${source} ${target}: ${cp.stderr}`);
}

/**
 * A new root holding only the libraries `ldd` lists for the executable and
 * the empty directories `dirs` (plus /proc and /tmp). Remove it when done.
 */
export function emptyRoot(dirs: string[] = []): string {
  ensureBinary();
  const root = mkdtempSync(join(tmpdir(), "buildout-chroot-"));
  for (const lib of sharedLibraries(BUILDOUT)) {
    const target = join(root, lib);
    mkdirSync(dirname(target), { recursive: true });
    copyOutside(lib, target); // follows symlinks: the real file lands here
  }
  for (const dir of ["proc", "tmp", ...dirs]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  return root;
}

/** How {@link runChrooted} runs the program. */
export interface ChrootOptions {
  /** Variables added to (or, with `undefined`, removed from) its environment. */
  env?: Record<string, string | undefined>;
  /** `uid:gid` to run as (`chroot --userspec`), instead of root. */
  user?: string;
}

/** Runs `program args` (paths inside `root`) chrooted into `root`. */
export function runChrooted(
  root: string,
  program: string,
  args: string[],
  opts: ChrootOptions = {},
): Promise<RunResult> {
  return exec(tools.unshare!, [
    "-m",
    "-n",
    "sh",
    "-c",
    'root=$1; user=$2; program=$3; shift 3; mount -t proc proc "$root/proc" ' +
    '&& exec chroot ${user:+"--userspec=$user"} "$root" "$program" "$@"',
    "sh",
    root,
    opts.user ?? "",
    program,
    ...args,
  ], {
    env: {
      HOME: "/home/user",
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      PATH: [dirname(tools.mount!), dirname(tools.chroot!), "/usr/bin", "/bin"]
        .join(delimiter),
      ...opts.env,
    },
  });
}
