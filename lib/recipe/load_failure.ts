/**
 * Why importing a recipe or extension module failed, on one line, with the
 * place the runtime gives: the module it names may be one the entry module
 * imports, so a place elsewhere names its file.
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { oneLine } from "../errors.ts";

/**
 * Why importing the module at `path` failed, with the line and column of
 * a syntax error or of what threw while it loaded: Bun gives a `BuildMessage` with a `position` (several in
 * an `AggregateError`), Deno a code frame ending `at file:///m.js:1:26`
 * (coloured when the module could not be resolved).
 */
export function loadFailure(err: unknown, path: string): string {
  const first = (err as { errors?: unknown[] } | undefined)?.errors?.[0] ??
    err;
  const { message, position } = (first ?? {}) as {
    message?: unknown;
    position?: { line?: unknown; column?: unknown; file?: unknown } | null;
  };
  if (typeof message === "string" && position?.line !== undefined) {
    return `${message} (${place(path, position.file, position)})`;
  }
  // Deno colours the code frame of a module it cannot resolve. node:util
  // is loaded here only: loaded at start, it cost --version 0.3 ms.
  const text = process.getBuiltinModule("node:util").stripVTControlCharacters(
    err instanceof Error ? err.message : String(err),
  );
  const frame = /\n\s*at (\S+):(\d+):(\d+)\s*$/.exec(text);
  if (frame) {
    return `${text.split("\n")[0]} (${
      place(path, frame[1], { line: frame[2], column: frame[3] })
    })`;
  }
  const thrown = thrownAt(err);
  return thrown
    ? `${oneLine(text)} (${place(path, thrown[1], thrown.groups!)})`
    : oneLine(text);
}

/**
 * A frame of a stack trace, naming a file by path (Bun) or `file:` URL
 * (Deno): `at f (/m.js:2:9)` or `at /m.js:3:1`. Paths inside the
 * executable (`/$bunfs/`) are buildout's own code.
 */
const FRAME =
  /^\s*at (?:[^(]* \()?((?:file:\/\/)?\/(?!\$bunfs\/).*?):(?<line>\d+):(?<column>\d+)\)?$/;

/**
 * The innermost frame in a file of the stack of `err`, an error a module
 * threw while it loaded; builtins (`node:fs`) are skipped for the module
 * calling them.
 */
function thrownAt(err: unknown): RegExpExecArray | undefined {
  let stack: unknown;
  try {
    stack = (err as { stack?: unknown } | null)?.stack;
  } catch {
    // A stack getter that throws: nothing to read the place from.
  }
  if (typeof stack !== "string") return undefined;
  for (const line of stack.split("\n")) {
    const frame = FRAME.exec(line);
    if (frame) return frame;
  }
  return undefined;
}

/**
 * `line L, column C`, after the file's path when `file` (a path or a
 * `file:` URL) is not the module at `path`.
 */
function place(
  path: string,
  file: unknown,
  at: { line?: unknown; column?: unknown },
): string {
  const where = `line ${at.line}, column ${at.column}`;
  if (typeof file !== "string" || !file) return where;
  const filePath = file.startsWith("file:") ? fromUrl(file) : file;
  return filePath === path ? where : `${oneLine(filePath)}, ${where}`;
}

/** The path of the `file:` URL `url`; the URL itself if it names none. */
function fromUrl(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    // Another host's file (file://host/x): shown as the runtime gave it.
    return url;
  }
}
