/**
 * How each original recipe reads a boolean option: they disagree, and each
 * alias keeps its own rule.
 */
import { clipped, oneLine } from "../lib/errors.ts";

/** hexagonit's rule: `yes`, `true`, `1` or `on` (any case, trimmed). */
export function hexagonitBool(value: string | undefined): boolean {
  return ["yes", "true", "1", "on"].includes(
    (value ?? "").trim().toLowerCase(),
  );
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
