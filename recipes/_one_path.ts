/**
 * Path options of the built-in recipes that must name one path.
 */
import { clipped, UserError } from "../lib/errors.ts";
import type { RecipeOptions } from "../lib/recipe/api.ts";

/**
 * The option `option` of a part, naming one path (undefined when unset).
 *
 * @throws {UserError} naming the part when the value holds a line break
 *   (written over lines): `.installed.cfg` lists a part's paths one per
 *   line, so it could not record that path, and the files would be written
 *   under a name the user did not mean.
 */
export function onePath(
  options: RecipeOptions,
  option: string,
): string | undefined {
  const value = options.get(option);
  if (value?.includes("\n")) {
    throw new UserError(
      `The ${option} of [${clipped(options.name)}], ${
        clipped(value)
      }, holds a line break: name one path`,
    );
  }
  return value;
}

/**
 * The option `option` of a part, naming one file to write (undefined when
 * unset).
 *
 * @throws {UserError} naming the part when the value ends in `/`: it names
 *   a directory, yet the file would be written under that name; and as
 *   {@link onePath} does.
 */
export function oneFile(
  options: RecipeOptions,
  option: string,
): string | undefined {
  const value = onePath(options, option);
  if (value?.endsWith("/")) {
    throw new UserError(
      `The ${option} of [${clipped(options.name)}], ${
        clipped(value)
      }, ends with '/': name the file to write`,
    );
  }
  return value;
}
