/** CLI entry: parse argv, run a command, map errors to exit codes. */
import { basename } from "node:path";
import { run } from "./lib/cli.ts";
import type { SelfCommand } from "./lib/commands/bootstrap.ts";

/** How `bin/buildout` starts this program again: see `bootstrap`. */
function selfCommand(): SelfCommand {
  const runtime = basename(process.execPath);
  const script = process.argv[1] ?? "";
  if (runtime === "deno" && script.endsWith(".ts")) {
    return { path: process.execPath, args: ["run", "-A", script] };
  }
  if (runtime === "bun" && script.endsWith(".ts")) {
    return { path: process.execPath, args: ["run", script] };
  }
  return { path: process.execPath, args: [] };
}

// No top-level await: `bun build --bytecode` emits CommonJS.
run(process.argv.slice(2), selfCommand()).then((status) => {
  process.exitCode = status;
});
