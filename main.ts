/** CLI entry: parse argv, run a command, map errors to exit codes. */
import { run } from "./lib/cli.ts";
import type { SelfCommand } from "./lib/commands/bootstrap.ts";
import { enableConfigCache } from "./lib/config/load_cache.ts";
import { holdIgnoredSignals } from "./lib/interrupt.ts";
import { connectJitScale, JIT_SCALE, setJitScale } from "./lib/jit_scale.ts";
import {
  dropRefusedConsoleWrites,
  endOutput,
  trustShortWrites,
} from "./lib/log.ts";
import { replaceNonUtf8Values } from "./lib/raw_environment.ts";

if (process.versions.deno) {
  // Deno's own handlers would end the run on a signal it inherited ignored.
  holdIgnoredSignals();
  // Deno throws on reading a variable that is not UTF-8; Bun reads U+FFFD.
  replaceNonUtf8Values();
  // Deno's console throws what a full disk refuses; Bun's drops it.
  dropRefusedConsoleWrites();
}

// Bun's writeSync says how much of a write a full pipe took.
if (process.versions.bun) trustShortWrites();

/** Bun's JIT setting, where this runs on Bun. */
const bunUnsafe = (globalThis as {
  Bun?: { unsafe?: { setJITPolicy?: (scale: number) => void } };
}).Bun?.unsafe;
if (typeof bunUnsafe?.setJITPolicy === "function") {
  connectJitScale((scale) => bunUnsafe.setJITPolicy!(scale));
  // The compiled executable starts with it; `bun run main.ts` starts at 1.
  setJitScale(JIT_SCALE.startUp);
}

/** How `bin/buildout` starts this program again: see `bootstrap`. */
function selfCommand(): SelfCommand {
  const script = process.argv[1] ?? "";
  // By the runtime's version, not its file name: npm's bun package installs
  // `bun.exe`, which was taken for a compiled executable and copied.
  if (process.versions.deno && script.endsWith(".ts")) {
    return { path: process.execPath, args: ["run", "-A", script] };
  }
  if (process.versions.bun && script.endsWith(".ts")) {
    return { path: process.execPath, args: ["run", script] };
  }
  return { path: process.execPath, args: [] };
}

// A run from the sources may read configurations differently after an
// edit, with the same runtime: only the executable keeps loads.
if (selfCommand().args.length === 0) enableConfigCache();

// No top-level await: `bun build --bytecode` emits CommonJS.
run(process.argv.slice(2), selfCommand()).then((status) => {
  process.exitCode = status;
  // The run is over, yet a timer, server or socket a recipe left open would
  // keep the process waiting, silently, for ever: should anything still be
  // running, it ends once what was written is flushed. Ending the streams
  // waits for that (Bun calls back an empty write at once); only here, as
  // the first use of process.stdout costs every run time.
  setTimeout(() => endOutput(() => process.exit(status))).unref();
});
