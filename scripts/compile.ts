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
import { bunCompileArgs } from "./_bun_compile.ts";

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
  : [bin("bun"), ...bunCompileArgs(join(root, "main.ts"), outfile)];
const result = spawnSync(command[0], command.slice(1), {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
});
if (result.status !== 0) {
  console.error(`compile failed: ${command.join(" ")}`);
  process.exit(result.status ?? 1);
}
console.log(`built ${outfile}`);
