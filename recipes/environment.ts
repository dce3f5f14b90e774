/**
 * The environment recipe (`environment`, alias
 * `collective.recipe.environment`, 1.1): while its part initializes, before
 * any part is installed, every option of the section (`recipe` included) is
 * exported to this process's environment, which every command run later
 * inherits; then every environment variable becomes an option of the
 * section, so `${environment:HOME}` works (except names no option can
 * have, such as `A:B`). Text looking like a substitution (`${x}`) in a
 * variable is escaped to `$${x}` so it stays literal: every `$` in it is
 * doubled (`${A:-${B}}` becomes `$${A:-$${B}}`), since a value referenced
 * is substituted once more and a `${` left single would be read as a
 * reference there. It creates nothing.
 */
import process from "node:process";
import { isOptionName } from "../lib/buildout.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeOptions,
} from "../lib/recipe/api.ts";

const SUBSTITUTION = /\$\{\S+?\}/g;

/** Exports its options and mirrors the environment; see the module doc. */
export default class Environment implements Recipe {
  constructor(
    _buildout: RecipeBuildout,
    _name: string,
    options: RecipeOptions,
  ) {
    for (const [key, value] of options.entries()) process.env[key] = value;
    for (const [key, value] of Object.entries(process.env)) {
      // No reference can name `A:B` or `X+`; recorded, they would not read
      // back as the same option.
      if (value === undefined || !isOptionName(key)) continue;
      options.set(
        key,
        value.replace(SUBSTITUTION, (ref) => ref.split("$").join("$$")),
      );
    }
  }

  install(): string[] {
    return [];
  }

  update(): string[] {
    return [];
  }
}
