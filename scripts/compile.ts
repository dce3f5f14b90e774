/**
 * Builds `dist/buildout`, one self-contained executable.
 *
 * Default: `bun build --compile` with the Bun runtime from node_modules, which
 * works offline. `--deno` uses `deno compile` instead, for machines that can
 * download Deno's runtime.
 *
 *   deno run -A scripts/compile.ts [--deno] [--outfile PATH]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const useDeno = args.includes("--deno");
const outIndex = args.indexOf("--outfile");
const outfile = resolve(
  outIndex >= 0 ? args[outIndex + 1] : join(root, "dist", "buildout"),
);
mkdirSync(dirname(outfile), { recursive: true });

const bin = (name: string) => join(root, "node_modules", ".bin", name);
const command = useDeno
  ? [bin("deno"), "compile", "-A", "--output", outfile, join(root, "main.ts")]
  : [
    bin("bun"),
    "build",
    "--compile",
    "--minify",
    "--bytecode",
    // A .env or bunfig.toml in the directory buildout runs in must not
    // change its environment or behaviour.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    // Recipe modules import packages from their own node_modules, which
    // resolve through the packages' `main` and `exports` fields.
    "--compile-autoload-package-json",
    // A run is mostly code that runs a few hundred times and never again:
    // compiling it to machine code costs more than interpreting it, while
    // the long loops of large buildouts (config parsing) still need it.
    // Thresholds scaled by 8 (A/B, medians of 21 runs): warm `-N` of 50
    // distribution recipes ~30 -> ~22 ms, `annotate` of 1,000 sections
    // ~29 -> ~25 ms; 64 made the config parse slower (interpreted) again.
    "--compile-jit-policy=8",
    join(root, "main.ts"),
    "--outfile",
    outfile,
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
