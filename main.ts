/** CLI entry: parse argv, run a command, map errors to exit codes. */
import { run } from "./lib/cli.ts";

process.exitCode = await run(process.argv.slice(2));
