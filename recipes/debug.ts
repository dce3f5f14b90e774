/**
 * The debug recipe (`debug`, alias `zc.buildout:debug`): prints every option
 * of its part, sorted by name, as `  name='value'` with the value in Python
 * repr form, on install and on every update. It creates nothing.
 */
import { isPlainRepr, pyRepr } from "../lib/pyrepr.ts";
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
    if (!names.length) return;
    // Lines joined once: concatenated one by one, the thousands of parts
    // of a large buildout allocate much more, and collect garbage sooner
    // (README, "Garbage collection").
    const lines = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i], value = this.options.require(name);
      // One concatenation per line, where pyRepr's quotes would add one.
      lines[i] = isPlainRepr(value)
        ? `  ${name}='${value}'`
        : `  ${name}=${pyRepr(value)}`;
    }
    // Like Python's print: straight to stdout, whatever the log level.
    writeOut(lines.join("\n") + "\n");
  }

  update(): void {
    this.install();
  }
}
