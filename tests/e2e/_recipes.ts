/**
 * Helpers shared by the end-to-end tests of the built-in recipes
 * (`recipes_*_test.ts`): normalised runs, `.installed.cfg` without
 * signatures, and a recursive listing of the sample to prove that an
 * uninstall removes exactly what the install created.
 */
import assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { CORPUS } from "../corpus.ts";
import type { RunOptions, RunResult, Sample } from "./harness.ts";

/** Runs `args` in `sample`; stdout and stderr come back normalised. */
export function run(
  sample: Sample,
  args = "",
  opts: RunOptions = {},
): Promise<RunResult> {
  return sample.run(args, opts);
}

/** Asserts a successful run printing exactly `stdout` and nothing else. */
export async function expectOk(
  sample: Sample,
  stdout: string,
  args = "",
  opts: RunOptions = {},
): Promise<void> {
  const result = await run(sample, args, opts);
  assert.equal(result.stderr, "", result.output);
  assert.equal(result.stdout, stdout);
  assert.equal(result.code, 0);
}

/** Asserts a failed run whose stderr ends with `Error: <message>`. */
export async function expectError(
  sample: Sample,
  message: string,
  args = "",
): Promise<RunResult> {
  const result = await run(sample, args);
  assert.equal(result.code, 1, result.output);
  const last = result.stderr.trimEnd().split("\n").pop();
  assert.equal(last, `Error: ${message}`, result.output);
  return result;
}

/** `.installed.cfg`, normalised, signatures replaced by `SIG`. */
export function installed(sample: Sample): string {
  return sample.normalize(sample.cat(".installed.cfg")).replace(
    /__buildout_signature__ = \S+/g,
    "__buildout_signature__ = SIG",
  );
}

/**
 * Every entry under `dir` (relative, sorted, `/` after directories, `@`
 * after symlinks), without the installation database and the config.
 */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const path = sub ? `${sub}/${name}` : name;
      if (path === ".installed.cfg" || path === "buildout.cfg") continue;
      const stat = lstatSync(join(dir, path));
      if (stat.isSymbolicLink()) out.push(path + "@");
      else if (stat.isDirectory()) {
        out.push(path + "/");
        walk(path);
      } else out.push(path);
    }
  };
  walk("");
  return out;
}

/** The permission bits of `path`, in octal. */
export function modeOf(path: string): string {
  return (lstatSync(path).mode & 0o7777).toString(8);
}

/** The umask of the tests, which the runs they start inherit. */
const UMASK = process.umask();

/**
 * The mode, as {@link modeOf} shows it, of a file a run creates without
 * asking for one: 666 less the umask (`"644"` under umask 022).
 */
export function createdMode(): string {
  return (0o666 & ~UMASK).toString(8);
}

/**
 * {@link createdMode} with execute permission wherever it grants read, as
 * a template starting with `#!` gets it (`"755"` under umask 022).
 */
export function executableMode(): string {
  const bits = 0o666 & ~UMASK;
  return (bits | (bits & 0o444) >> 2).toString(8);
}

/**
 * The mode, as {@link modeOf} shows it, of a script the `script` recipe
 * writes: all the umask allows (`"755"` under umask 022).
 */
export function scriptMode(): string {
  return (0o777 & ~UMASK).toString(8);
}

/**
 * The text of section `[name]` of the corpus file `file` (relative to the
 * corpus), from its header to the next header, as written there.
 */
export function corpusSection(file: string, name: string): string {
  const lines = readFileSync(join(CORPUS, file), "utf8").split("\n");
  const start = lines.findIndex((line) => line.trim() === `[${name}]`);
  assert.ok(start >= 0, `no [${name}] in ${file}`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith("["));
  return lines.slice(start, end < 0 ? undefined : end).join("\n") + "\n";
}
