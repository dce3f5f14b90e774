/**
 * Builds `dist/buildout`, one self-contained executable.
 *
 * Default: `bun build --compile` with the Bun runtime from node_modules, which
 * works offline, for this machine's platform. `--target NAME` builds for
 * another Linux platform (see {@link TARGETS}) into `dist/buildout-NAME`:
 * Bun fetches that platform's runtime from the npm registry once (into
 * `~/.bun/install/cache`), or takes the one `--runtime PATH` names, the `bun`
 * executable of the `@oven/bun-<platform>` npm package, on machines without
 * the registry. `--deno` uses `deno compile` instead, for machines that can
 * download Deno's runtime.
 *
 *   deno run -A scripts/compile.ts [--deno] [--target NAME] [--runtime PATH]
 *     [--outfile PATH]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bunCompileArgs } from "./_bun_compile.ts";
import { elfMachine, EM_AARCH64, EM_X86_64 } from "../lib/elf_machine.ts";

/**
 * The ELF machine number of the runtime at `path`, undefined when it cannot
 * be read: Bun puts the program into whatever executable it is given.
 */
function runtimeMachine(path: string): number | undefined {
  try {
    return elfMachine(path);
  } catch {
    return undefined;
  }
}

/**
 * The platforms `--target` names: Bun's runtime for each, and Deno's where it
 * has one. `linux-x64-baseline` is Bun's build for x86-64 processors without
 * AVX2 (older servers, some virtual machines' processor models).
 */
const TARGETS: Record<
  string,
  { bun: string; deno?: string; machine: number }
> = {
  "linux-x64": {
    bun: "bun-linux-x64",
    deno: "x86_64-unknown-linux-gnu",
    machine: EM_X86_64,
  },
  "linux-x64-baseline": { bun: "bun-linux-x64-baseline", machine: EM_X86_64 },
  "linux-arm64": {
    bun: "bun-linux-aarch64",
    deno: "aarch64-unknown-linux-gnu",
    machine: EM_AARCH64,
  },
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

/** Ends the script with `message` and the usage line. */
function usage(message: string): never {
  console.error(`compile: ${message}`);
  console.error(
    "usage: compile.ts [--deno] [--target NAME] [--runtime PATH] [--outfile PATH]",
  );
  process.exit(2);
}

/** The value after `flag`, or undefined when the flag is not given. */
function valueOf(flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--")) {
    usage(`${flag} needs a value`);
  }
  return value;
}

const known = new Set(["--deno", "--target", "--runtime", "--outfile"]);
for (let i = 0; i < args.length; i++) {
  if (!known.has(args[i])) usage(`unknown argument ${JSON.stringify(args[i])}`);
  if (args[i] !== "--deno") i++;
}
const useDeno = args.includes("--deno");
const targetName = valueOf("--target");
const target = targetName === undefined ? undefined : TARGETS[targetName];
if (targetName !== undefined && !target) {
  usage(
    `unknown target ${JSON.stringify(targetName)}; known targets: ${
      Object.keys(TARGETS).join(", ")
    }`,
  );
}
if (useDeno && target && !target.deno) {
  usage(`deno compile has no target for ${targetName}`);
}
const runtime = valueOf("--runtime");
if (runtime !== undefined && (useDeno || !target)) {
  usage("--runtime goes with --target, for bun build");
}
if (runtime !== undefined && runtimeMachine(runtime) !== target!.machine) {
  usage(`--runtime ${runtime} is not a Linux executable for ${targetName}`);
}
const outArg = valueOf("--outfile");
const outfile = resolve(
  outArg ??
    join(root, "dist", targetName ? `buildout-${targetName}` : "buildout"),
);
mkdirSync(dirname(outfile), { recursive: true });

const bin = (name: string) => join(root, "node_modules", ".bin", name);
const entry = join(root, "main.ts");
const command = useDeno
  ? [
    bin("deno"),
    "compile",
    "-A",
    ...(target ? ["--target", target.deno!] : []),
    "--output",
    outfile,
    entry,
  ]
  : [
    bin("bun"),
    ...bunCompileArgs(entry, outfile, {
      target: target?.bun,
      runtime: runtime === undefined ? undefined : resolve(runtime),
    }),
  ];
const result = spawnSync(command[0], command.slice(1), {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
});
if (result.status !== 0) {
  console.error(`compile failed: ${command.join(" ")}`);
  process.exit(result.status ?? 1);
}
console.log(`built ${outfile}`);
