import assert from "node:assert/strict";
import type { SectionLookup } from "../../lib/config/macros.ts";
import {
  initializationOrder,
  reachableSections,
} from "../../lib/install/reachable.ts";

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

Deno.test("initialization order: parts in order, each after what it substitutes from, its macros' references and its => dependencies", () => {
  const config = lookup({
    buildout: { parts: "late early", dir: "${paths:root}" },
    paths: { root: "/srv" },
    late: { recipe: "x", "<": "base", "<part-dependencies>": "dep" },
    base: { path: "${ref:path}" },
    ref: { recipe: "y", path: "here" },
    dep: { recipe: "z" },
    early: { recipe: "w", "eggs-section": "named", self: "${:path}" },
    named: { recipe: "v" },
  });
  assert.deepEqual(
    initializationOrder(config, ["buildout"], ["late", "early"]),
    ["paths", "buildout", "ref", "dep", "late", "early"],
  );
});

Deno.test("initialization order: a chain too deep to walk keeps what it ordered", () => {
  // The sections' own initialization reports such a chain as a user error.
  const sections: Record<string, Record<string, string>> = {
    buildout: { parts: "p", dir: "${top:x}" },
    top: { x: "/srv" },
    p: { recipe: "x", v: "${s0:x}" },
  };
  for (let i = 0; i < 100_000; i++) {
    sections[`s${i}`] = { x: `\${s${i + 1}:x}` };
  }
  sections["s100000"] = { x: "end" };
  const order = initializationOrder(lookup(sections), ["buildout"], ["p"]);
  assert.deepEqual(order.slice(0, 2), ["top", "buildout"]);
  assert.ok(!order.includes("p"));
});

Deno.test("a substitution names a section whose name holds separators, as a word cannot", () => {
  const config = lookup({
    buildout: { parts: "a" },
    a: { recipe: "x", path: "${my paths:root}" },
    "my paths": { root: "/srv" },
  });
  assert.deepEqual(
    [...reachableSections(config, ["buildout"])].sort(),
    ["a", "buildout", "my paths"],
  );
});

Deno.test("initialization order: macros naming each other are each followed once", () => {
  const config = lookup({
    buildout: { parts: "a" },
    a: { recipe: "x", "<": "b" },
    b: { "<": "c", path: "${ref:path}" },
    c: { "<": "b" },
    ref: { path: "here" },
  });
  assert.deepEqual(
    initializationOrder(config, ["buildout"], ["a"]),
    ["buildout", "ref", "a"],
  );
});
