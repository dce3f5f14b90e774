/**
 * Fixtures for the download and cmmi recipe tests, generated at test time:
 * archives packed with the system's `tar` and `zip`, and small
 * autoconf-style source packages (a `configure` shell script writing
 * `config.mk`, a Makefile that builds and installs a script).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { RunResult, Sample } from "./harness.ts";

/** Runs `args` in `sample`; stdout and stderr come back normalised. */
export function run(
  sample: Sample,
  args: string[] | string = "",
): Promise<RunResult> {
  return sample.run(args);
}

/** Runs and asserts exit status 0, showing the output otherwise. */
export async function runOk(
  sample: Sample,
  args: string[] | string = "",
): Promise<RunResult> {
  const result = await run(sample, args);
  if (result.code !== 0) {
    throw new Error(`buildout ${args} failed:\n${result.output}`);
  }
  return result;
}

/** Hex MD5 of a file. */
export function md5(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}

/** Hex SHA-256 of a file. */
export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Hex MD5 of a string (what the download cache names hashed files by). */
export function md5Text(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function check(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
  }
}

/** Writes files (path → content; a trailing `*` in a path makes it executable). */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const executable = name.endsWith("*");
    const path = join(dir, executable ? name.slice(0, -1) : name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    if (executable) chmodSync(path, 0o755);
  }
}

/**
 * Packs the entries `names` of directory `from` into `archive`, the format
 * chosen by its name: `.zip`, `.tar.gz`/`.tgz`, `.tar.bz2`, `.tar.xz`,
 * `.tar`. Returns the archive's path.
 */
export function pack(from: string, names: string[], archive: string): string {
  mkdirSync(dirname(archive), { recursive: true });
  rmSync(archive, { force: true });
  if (archive.endsWith(".zip")) {
    check("zip", ["-q", "-r", "-y", archive, ...names], from);
    return archive;
  }
  const flag = /\.(tar\.gz|tgz)$/.test(archive)
    ? "z"
    : archive.endsWith(".bz2")
    ? "j"
    : archive.endsWith(".xz")
    ? "J"
    : "";
  check("tar", [`c${flag}f`, archive, ...names], from);
  return archive;
}

/** What makes a generated source package. */
export interface PackageSpec {
  /** Top-level directory, e.g. `hello-1.0`. */
  top: string;
  /** The installed program's name (`<prefix>/bin/<program>`). */
  program: string;
  /** Extra Makefile lines run at the end of `make install` (tab-indented). */
  install?: string[];
  /** Extra files of the package. */
  files?: Record<string, string>;
}

/**
 * A minimal autoconf-style package in `dir/<top>`: `configure` records its
 * arguments and `--prefix` in `config.mk` and the variable `GREETING` (from
 * the environment) in `greeting.txt`; `make` turns `hello.in` into the
 * program; `make install` puts it in `$(PREFIX)/bin` (PREFIX or prefix from
 * make's command line or environment win over config.mk) together with
 * `share/<program>/README`, `configure-args.txt` and `greeting.txt`.
 */
export function writePackage(dir: string, spec: PackageSpec): string {
  const root = join(dir, spec.top);
  const extra = (spec.install ?? []).map((line) => `\t${line}`).join("\n");
  writeTree(root, {
    "configure*": `#!/bin/sh
echo "configuring ${spec.program} $*"
prefix=/nonexistent
for arg in "$@"; do
  case "$arg" in --prefix=*) prefix="\${arg#--prefix=}";; esac
done
printf 'prefix ?= %s\\n' "$prefix" > config.mk
printf '%s\\n' "$*" > configure-args.txt
printf '%s\\n' "\${GREETING:-unset}" > greeting.txt
`,
    "Makefile": `-include config.mk
prefix ?= /nonexistent
PREFIX ?= $(prefix)
all: ${spec.program}
${spec.program}: hello.in
\tsed 's/@PROGRAM@/${spec.program}/' hello.in > ${spec.program}
\tchmod +x ${spec.program}
install: all
\tmkdir -p $(PREFIX)/bin $(PREFIX)/share/${spec.program} $(PREFIX)/include $(PREFIX)/lib
\tcp ${spec.program} $(PREFIX)/bin/${spec.program}
\tcp README $(PREFIX)/share/${spec.program}/README
\tcp configure-args.txt greeting.txt $(PREFIX)/share/${spec.program}/ 2>/dev/null || true
${extra}
clean:
\trm -f ${spec.program}
.PHONY: all install clean
`,
    "hello.in": "#!/bin/sh\necho 'Hello from @PROGRAM@'\n",
    "README": `${spec.top}\n`,
    ...spec.files,
  });
  return root;
}

/**
 * A unified diff (`-p1` paths `a/README`, `b/README`) appending `line` to
 * the README of a package made by {@link writePackage}; with `p0` the paths
 * are plain `README`.
 */
export function readmePatch(top: string, line: string, p0 = false): string {
  const [from, to] = p0 ? ["README", "README"] : ["a/README", "b/README"];
  return `--- ${from}\n+++ ${to}\n@@ -1 +1,2 @@\n ${top}\n+${line}\n`;
}

/** The greeting patch: makes the program print `Hello, patched`. */
export function helloPatch(p0 = false): string {
  const [from, to] = p0 ? ["hello.in", "hello.in"] : [
    "a/hello.in",
    "b/hello.in",
  ];
  return `--- ${from}\n+++ ${to}\n@@ -1,2 +1,2 @@\n #!/bin/sh\n-echo 'Hello from @PROGRAM@'\n+echo 'Hello, patched @PROGRAM@'\n`;
}

/** Runs the installed program and returns its output. */
export function runProgram(path: string): string {
  const result = spawnSync(path, [], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${path}: ${result.stderr}`);
  return result.stdout;
}
