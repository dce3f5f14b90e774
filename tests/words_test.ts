import assert from "node:assert/strict";
import { words } from "../lib/words.ts";

Deno.test("words splits on any whitespace and drops empty items", () => {
  assert.deepEqual(words(undefined), []);
  assert.deepEqual(words(""), []);
  assert.deepEqual(words("   \n\t "), []);
  assert.deepEqual(words("a b c"), ["a", "b", "c"]);
  assert.deepEqual(words("\na\n  b\tc  "), ["a", "b", "c"]);
  assert.deepEqual(words("a  b"), ["a", "b"]);
  assert.deepEqual(words(" a b"), ["a", "b"]);
  assert.deepEqual(words("a\u00a0b"), ["a", "b"]);
});
