/** `outOfMemory` (lib/out_of_memory.ts): which errors are the runtime out of memory. */
import assert from "node:assert/strict";
import { outOfMemory } from "../lib/out_of_memory.ts";

Deno.test("only the runtime's out-of-memory RangeError is out of memory", () => {
  assert.match(outOfMemory(new RangeError("Out of memory"))!, /^Out of memory/);
  for (
    const other of [
      new RangeError("Invalid array length"),
      new RangeError("Maximum call stack size exceeded."),
      new Error("Out of memory"),
      "Out of memory",
    ]
  ) {
    assert.equal(outOfMemory(other), undefined);
  }
});
