/**
 * The options a recipe passes to `buildout.download()` and
 * `buildout.extract()`, checked before anything happens: an option misspelt
 * or named as a Python recipe names it (a checksum as `md5sum`, or passed
 * positionally; `strip_top_level_dir`) would otherwise be ignored, and one
 * of the wrong type (`offline: "false"` from a part's option) taken for
 * another value without a word.
 */
import { clipped } from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";
import type { DownloadOptions, ExtractOptions } from "./api.ts";

/** A kind of value an option takes. */
interface OptionKind {
  /** As a message names it: `a string`. */
  readonly name: string;
  readonly accepts: (value: unknown) => boolean;
}

const STRING: OptionKind = {
  name: "a string",
  accepts: (value) => typeof value === "string",
};

const BOOLEAN: OptionKind = {
  name: "true or false",
  accepts: (value) => typeof value === "boolean",
};

const FUNCTION: OptionKind = {
  name: "a function",
  accepts: (value) => typeof value === "function",
};

/** What a download logs with: `debug` and `info`, as `buildout.logger()` has. */
const LOGGER: OptionKind = {
  name: "a logger, such as buildout.logger(name)",
  accepts: (value) =>
    typeof value === "object" && value !== null &&
    typeof (value as { debug?: unknown }).debug === "function" &&
    typeof (value as { info?: unknown }).info === "function",
};

// Records, so that the type checker keeps them whole.
const DOWNLOAD_OPTIONS: Record<keyof DownloadOptions, OptionKind> = {
  md5: STRING,
  sha256: STRING,
  path: STRING,
  alternateUrl: STRING,
  cache: STRING,
  namespace: STRING,
  hashName: BOOLEAN,
  fallback: BOOLEAN,
  offline: BOOLEAN,
  logger: LOGGER,
};

const EXTRACT_OPTIONS: Record<keyof ExtractOptions, OptionKind> = {
  stripTopLevelDir: {
    name: 'true, false or "auto"',
    accepts: (value) => typeof value === "boolean" || value === "auto",
  },
  excludes: {
    name: "an array of strings",
    accepts: (value) =>
      Array.isArray(value) && value.every((item) => typeof item === "string"),
  },
  onUnpacked: FUNCTION,
  onExisting: FUNCTION,
  onCreating: FUNCTION,
};

const METHODS = {
  download: { known: DOWNLOAD_OPTIONS, example: "md5" },
  extract: { known: EXTRACT_OPTIONS, example: "excludes" },
};

/**
 * Refuses the options given to the recipe API's `method` unless they are
 * an object of the names it knows, each of the kind it takes or
 * `undefined`: `null`, which a JavaScript recipe may mean as none, is
 * refused as the options themselves are.
 *
 * ```ts
 * checkOptions("download", { md5sum: "..." });
 * // TypeError: Unknown download option 'md5sum': download() takes md5, ...
 * ```
 *
 * @throws {TypeError} naming what was given, an unknown option or an
 *   option of the wrong kind.
 */
export function checkOptions(
  method: keyof typeof METHODS,
  options: unknown,
): void {
  const { known, example } = METHODS[method];
  const title = method[0].toUpperCase() + method.slice(1);
  if (
    typeof options !== "object" || options === null ||
    Array.isArray(options) || options instanceof Map
  ) {
    throw new TypeError(
      `${title} options must be an object, such as { ${example} }: ` +
        `${method}() was given ${given(options)}`,
    );
  }
  const names = Object.keys(known);
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(known, name)) {
      throw new TypeError(
        `Unknown ${method} option ${clipped(name, pyRepr)}: ${method}() ` +
          `takes ${names.slice(0, -1).join(", ")} and ${names.at(-1)}`,
      );
    }
    const kind: OptionKind = known[name as keyof typeof known];
    if (value !== undefined && !kind.accepts(value)) {
      throw new TypeError(
        `${title} option ${pyRepr(name)} must be ${kind.name}: ${method}() ` +
          `was given ${given(value)}`,
      );
    }
  }
}

/** What was given where something else belongs: `string`, `an array`. */
function given(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Map) return "a Map";
  return typeof value;
}
