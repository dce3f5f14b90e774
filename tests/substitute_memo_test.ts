import assert from "node:assert/strict";
import { memoSubstitute } from "../lib/_substitute_memo.ts";
import { substitute } from "../lib/config/substitute.ts";

const OPTIONS: Record<string, string | undefined> = {
  "s:a": "A",
  "s:b": "${not:again}",
  "t:x": "X",
  "t:\uE000": "hole",
};

/** Each call's result or error message, and the lookups it made. */
function trace(
  memo: boolean,
  value: string,
  current: string,
): { result: string; lookups: string[] } {
  const lookups: string[] = [];
  const lookup = (section: string, option: string) => {
    lookups.push(`${section}:${option}`);
    return OPTIONS[`${section}:${option}`];
  };
  let result;
  try {
    result = memo
      ? memoSubstitute(value, { name: current, lookup }, undefined)
      : substitute(value, current, lookup);
  } catch (err) {
    result = `error: ${(err as Error).message}`;
  }
  return { result, lookups };
}

// A missing option sends the value to substitute, which looks up the
// options before it again: the lookups are the same, some repeated.
const distinct = (t: { result: string; lookups: string[] }) => ({
  result: t.result,
  lookups: [...new Set(t.lookups)],
});

Deno.test("memoSubstitute does what substitute does, lookups included", () => {
  const values = [
    "${:a}",
    "${s:a}/${t:x} and ${:b}",
    "$${s:a} ${s:a} $$HOME",
    "${:_buildout_section_name_}",
    "${:a} ${:missing} ${t:x}",
    "${s:a} ${unterminated",
    "${s:a} ${no colon}",
    "${s:a} ${a:b:c}",
    "${s!:a}",
    "${t:\uE000} \uE001",
    "",
    "plain",
  ];
  for (const value of values) {
    for (const current of ["s", "t"]) {
      // Twice: parsed on the first call, reused on the second.
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(
          distinct(trace(true, value, current)),
          trace(false, value, current),
          `${value} in [${current}]`,
        );
      }
    }
  }
});
