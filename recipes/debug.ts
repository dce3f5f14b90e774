/**
 * The debug recipe (`debug`, alias `zc.buildout:debug`): prints every option
 * of its part, sorted by name, as `  name='value'` with the value in Python
 * repr form, on install and on every update. It creates nothing.
 */
import { isPlainRepr, pyRepr } from "../lib/pyrepr.ts";
import {
  holdingOutput,
  holdOutput,
  releaseOutput,
  writeOut,
} from "../lib/log.ts";
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
    // Written as pieces into held output, joined once: a string per line
    // made the thousands of parts of a large buildout allocate several
    // times what they print, and collect garbage sooner (README, "Garbage
    // collection").
    const held = holdingOutput();
    if (!held) holdOutput();
    for (const name of names) {
      const value = this.options.require(name);
      writeOut("  ");
      writeOut(name);
      if (isPlainRepr(value)) {
        writeOut("='");
        writeOut(value);
        writeOut("'\n");
      } else {
        writeOut("=");
        writeOut(pyRepr(value));
        writeOut("\n");
      }
    }
    if (!held) releaseOutput();
  }

  update(): void {
    this.install();
  }
}
