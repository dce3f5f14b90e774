/** CLI entry: parse argv, run a command, map errors to exit codes. */
import { run } from "./lib/cli.ts";

// No top-level await: `bun build --bytecode` emits CommonJS.
run(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
