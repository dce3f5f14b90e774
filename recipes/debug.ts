/**
 * The debug recipe (`debug`, alias `zc.buildout:debug`): prints every option
 * of its part, sorted by name, as `  name='value'` with the value in Python
 * repr form, on install and on every update. It creates nothing.
 */
import { pyRepr } from "../lib/pyrepr.ts";
import { writeOut } from "../lib/log.ts";
import type { Recipe, RecipeOptions } from "../lib/recipe/api.ts";

/** Prints its options; byte for byte what zc.buildout's Debug recipe prints. */
export default class Debug implements Recipe {
  constructor(
    _buildout: unknown,
    _name: string,
    private readonly options: RecipeOptions,
  ) {}

  install(): void {
    // The default sort orders strings by code unit, as Python sorts them.
    const names = this.options.keys().sort();
    let text = "";
    for (const name of names) {
      text += `  ${name}=${pyRepr(this.options.require(name))}\n`;
    }
    // Like Python's print: straight to stdout, whatever the log level.
    if (text) writeOut(text);
  }

  update(): void {
    this.install();
  }
}
