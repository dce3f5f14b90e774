/**
 * Build environments of the cmmi recipes, and Python's `%` interpolation
 * they use. Each original reads its `environment` option its own way; all
 * return the variables to add, which the caller lays over a copy of the
 * process environment: nothing here changes `process.env`, so one part's
 * variables never leak into another part.
 */
import { clipped } from "../lib/errors.ts";
import process from "node:process";
import type { RecipeBuildout } from "../lib/recipe/api.ts";

/** Variables a part adds to (or overrides in) the process environment. */
export type Environment = Record<string, string>;

/**
 * Python's `text % mapping`: `%(name)s` becomes `lookup(name)`, `%%` a
 * single `%`. `what` names the text in error messages.
 *
 * ```ts
 * percent("PATH=/x:%(PATH)s", (k) => process.env[k], "environment", UserError)
 * ```
 *
 * @throws {UserError} for an unknown name or a `%` not followed by `(name)s`
 *   or `%`.
 */
export function percent(
  text: string,
  lookup: (name: string) => string | undefined,
  what: string,
  UserError: new (message: string) => Error,
): string {
  if (!text.includes("%")) return text;
  return text.replace(/%(?:\(([^)]*)\)([-#0 +]*\d*(?:\.\d+)?)(.)|(.)|$)/gs, (
    whole,
    name: string | undefined,
    _flags: string | undefined,
    conversion: string | undefined,
    other: string | undefined,
  ) => {
    if (other === "%") return "%";
    if (name === undefined || conversion !== "s") {
      throw new UserError(
        `Invalid '%' in ${what}: ${clipped(text, JSON.stringify)} ` +
          `(write %% for a literal %, %(name)s for a value)`,
      );
    }
    const value = lookup(name);
    if (value === undefined) {
      throw new UserError(
        `Unknown name '${clipped(name)}' in ${clipped(whole)} of ${what}: ${
          clipped(text, JSON.stringify)
        }`,
      );
    }
    return value;
  });
}

/** `%`-interpolates every value against the process environment. */
function againstProcess(
  env: Environment,
  UserError: new (message: string) => Error,
): Environment {
  const result: Environment = {};
  for (const [key, value] of Object.entries(env)) {
    result[key] = percent(
      value,
      (name) => process.env[name],
      `environment variable ${key}`,
      UserError,
    );
  }
  return result;
}

/** A section's options as an environment. */
function sectionEnvironment(
  buildout: RecipeBuildout,
  section: string,
): Environment {
  return Object.fromEntries(buildout.section(section).entries());
}

/**
 * slapos.recipe.build's `environment`: `KEY=VALUE` lines when the value
 * holds `=`, else the name of a section whose options are the variables;
 * values `%`-interpolated against the process environment.
 *
 * @throws {UserError} for a line without `=` or a repeated key.
 */
export function slaposEnvironment(
  buildout: RecipeBuildout,
  value: string | undefined,
): Environment {
  const text = (value ?? "").trim();
  if (!text) return {};
  if (!text.includes("=")) {
    return againstProcess(
      sectionEnvironment(buildout, text),
      buildout.UserError,
    );
  }
  const env: Environment = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      throw new buildout.UserError(
        `Line '${
          clipped(line)
        }' in environment is incorrect: expected KEY=VALUE`,
      );
    }
    const key = line.slice(0, eq).trimEnd();
    if (key in env) {
      throw new buildout.UserError(
        `Key '${clipped(key)}' is repeated in environment`,
      );
    }
    env[key] = line.slice(eq + 1).trimStart();
  }
  return againstProcess(env, buildout.UserError);
}

/**
 * hexagonit.recipe.cmmi's environment: the options of `environment-section`
 * (when that section exists), overridden by the `KEY=VALUE` lines of
 * `environment`; values `%`-interpolated against the process environment.
 *
 * @throws {UserError} for a line without `=`.
 */
export function hexagonitEnvironment(
  buildout: RecipeBuildout,
  section: string | undefined,
  lines: string | undefined,
): Environment {
  const name = (section ?? "").trim();
  const env = name && buildout.has(name)
    ? sectionEnvironment(buildout, name)
    : {};
  for (const line of (lines ?? "").split("\n")) {
    if (!line.trim()) continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      throw new buildout.UserError(
        `Invalid environment variable definition: ${clipped(line.trim())}`,
      );
    }
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return againstProcess(env, buildout.UserError);
}

/**
 * zc.recipe.cmmi's `environment`: whitespace-separated `NAME=value` tokens;
 * a token that does not start with `NAME=` continues the previous value
 * (joined with a space).
 *
 * @throws {UserError} when the first token is not `NAME=value`.
 */
export function zcEnvironment(
  buildout: RecipeBuildout,
  value: string | undefined,
): Environment {
  const env: Environment = {};
  let last: string | undefined;
  for (const token of (value ?? "").split(/\s+/).filter(Boolean)) {
    const match = /^([A-Za-z_]\w*)=(.*)$/s.exec(token);
    if (match) {
      last = match[1];
      env[last] = match[2];
    } else if (last === undefined) {
      throw new buildout.UserError(
        `Invalid environment: '${clipped(token)}' is not NAME=value`,
      );
    } else {
      env[last] += " " + token;
    }
  }
  return env;
}

/** A copy of the process environment with `overrides` laid over it. */
export function childEnvironment(overrides: Environment): Environment {
  const env: Environment = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  return Object.assign(env, overrides);
}
