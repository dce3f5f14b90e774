/** Names of zc.buildout's Python recipe eggs, which cannot run here. */
import { clipped } from "../errors.ts";

/**
 * For a name in the Python namespace style of zc.buildout's recipe eggs
 * (`zc.recipe.egg`, `plone.recipe.zope2instance`), that recipes here are
 * not Python: a migrated configuration meets this first.
 *
 * ```ts
 * pythonRecipeNote("zc.recipe.egg") // "'zc.recipe.egg' looks like a Python recipe egg, ..."
 * pythonRecipeNote("spam") // undefined
 * ```
 */
export function pythonRecipeNote(name: string): string | undefined {
  return /^[\w-]+(?:\.[\w-]+)*\.recipe\.[\w.-]+$/.test(name)
    ? `'${clipped(name)}' looks like a Python recipe egg, which this ` +
      "buildout cannot run: its recipes are TypeScript or JavaScript " +
      'packages; see the README\'s "Migrating a buildout zc.buildout built"'
    : undefined;
}
