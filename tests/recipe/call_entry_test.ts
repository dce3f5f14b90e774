import assert from "node:assert/strict";
import { callEntry, isClassSyntax } from "../../lib/recipe/call_entry.ts";

Deno.test("isClassSyntax tells classes from functions, arrows and methods", () => {
  assert.equal(isClassSyntax(class {}), true);
  assert.equal(isClassSyntax(class Named extends Error {}), true);
  assert.equal(isClassSyntax(function classic() {}), false);
  assert.equal(isClassSyntax(() => {}), false);
  assert.equal(isClassSyntax({ classy() {} }.classy), false);
  assert.equal(isClassSyntax("class"), false);
});

Deno.test("callEntry constructs a class and calls a function, with the arguments", () => {
  const seen: unknown[] = [];
  class Extension {
    constructor(buildout: string, more: number) {
      seen.push(["class", buildout, more]);
    }
  }
  const made = callEntry(Extension, "b", 1);
  assert.ok(made instanceof Extension);
  assert.equal(
    callEntry(
      (buildout: string, more: number) => {
        seen.push(["function", buildout, more]);
        return "returned";
      },
      "b",
      2,
    ),
    "returned",
  );
  assert.deepEqual(seen, [["class", "b", 1], ["function", "b", 2]]);
});
