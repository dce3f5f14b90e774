/**
 * The `bun build --compile` command line of `dist/buildout`, shared with the
 * benchmarks that compile a reference program the same way.
 */
import { JIT_SCALE } from "../lib/jit_scale.ts";

/** Another platform to compile for, and that platform's runtime. */
export interface CrossCompile {
  /** Bun's name of the platform, such as `bun-linux-aarch64`. */
  target?: string;
  /** The platform's `bun` executable; Bun downloads it when not given. */
  runtime?: string;
}

/**
 * Arguments after `bun` that compile `entry` into the executable `outfile`,
 * for this machine's platform unless `cross` names another.
 */
export function bunCompileArgs(
  entry: string,
  outfile: string,
  cross: CrossCompile = {},
): string[] {
  return [
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
    // Later phases set their own scale (lib/jit_scale.ts).
    `--compile-jit-policy=${JIT_SCALE.startUp}`,
    ...(cross.target ? [`--target=${cross.target}`] : []),
    ...(cross.runtime ? [`--compile-executable-path=${cross.runtime}`] : []),
    entry,
    "--outfile",
    outfile,
  ];
}
