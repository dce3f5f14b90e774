/**
 * How each original recipe reads a boolean option: they disagree, and each
 * alias keeps its own rule.
 */
import { clipped, oneLine } from "../lib/errors.ts";

const HEXAGONIT_TRUE = ["yes", "true", "1", "on"];

/** hexagonit's rule: `yes`, `true`, `1` or `on` (any case, trimmed). */
export function hexagonitBool(value: string | undefined): boolean {
  return HEXAGONIT_TRUE.includes((value ?? "").trim().toLowerCase());
}

/**
 * hexagonit.recipe.download's rule for `hash-name`, the one option it does
 * not lowercase: with `True` cached copies keep the URL's file name.
 */
export function hexagonitHashName(value: string | undefined): boolean {
  return HEXAGONIT_TRUE.includes((value ?? "").trim());
}

/**
 * slapos.recipe.build's `is_true`: exactly `true` or `false`; unset gives
 * `fallback`.
 *
 * @throws {UserError} `Invalid value for NAME option: VALUE` otherwise.
 */
export function slaposBool<T>(
  name: string,
  value: string | undefined,
  fallback: T,
  UserError: new (message: string) => Error,
): boolean | T {
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UserError(
    oneLine(
      `Invalid value for ${name} option: ${
        clipped(value)
      } (expected true or false)`,
    ),
  );
}
