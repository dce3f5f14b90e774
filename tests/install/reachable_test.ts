import assert from "node:assert/strict";
import type { SectionLookup } from "../../lib/config/macros.ts";
import { reachableSections } from "../../lib/install/reachable.ts";

function lookup(sections: Record<string, Record<string, string>>) {
  const maps = new Map(
    Object.entries(sections).map(([name, options]) => [
      name,
      new Map(Object.entries(options)),
    ]),
  );
  return maps as unknown as SectionLookup;
}

const CONFIG = lookup({
  buildout: { parts: "a", versions: "pins" },
  pins: { spam: "1" },
  a: { recipe: "x", path: "${b:path}/${:name}", "<": "base" },
  b: { recipe: "y", "eggs-section": "c" },
  base: { recipe: "z" },
  c: { recipe: "w" },
  unused: { recipe: "v", path: "${a:path}" },
  alone: { recipe: "u" },
});

Deno.test("substitutions, words and macro bases are followed from [buildout]", () => {
  assert.deepEqual(
    [...reachableSections(CONFIG, ["buildout"])].sort(),
    ["a", "b", "base", "buildout", "c", "pins"],
  );
});

Deno.test("install with parts named follows them, not [buildout] parts", () => {
  assert.deepEqual(
    [...reachableSections(CONFIG, ["buildout", "alone"], true)].sort(),
    ["alone", "buildout", "pins"],
  );
});
