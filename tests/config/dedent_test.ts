import assert from "node:assert/strict";
import { dedent } from "../../lib/config/dedent.ts";

Deno.test("dedent removes the margin all non-blank lines share, as Python's textwrap.dedent", () => {
  assert.equal(dedent("  [a]\n  x =\n    y\n"), "[a]\nx =\n  y\n");
  assert.equal(dedent("\n    [a]\n  \n    x = 1\n    "), "\n[a]\n\nx = 1\n");
  assert.equal(dedent("\t[a]\n\tx = 1"), "[a]\nx = 1");
});

Deno.test("dedent keeps text whose lines share no margin, a tab and spaces being different", () => {
  assert.equal(dedent("[a]\n  x = 1\n"), "[a]\n  x = 1\n");
  assert.equal(dedent("\t[a]\n  x = 1\n"), "\t[a]\n  x = 1\n");
  assert.equal(dedent(""), "");
});
