/**
 * `fnmatch` (lib/fnmatch.ts): each case's expected answer is
 * what Python's `fnmatch.fnmatch(name, pattern)` gives on Linux.
 */
import assert from "node:assert/strict";
import { fnmatch } from "../../lib/fnmatch.ts";

/** [pattern, name, Python's answer] */
const CASES: Array<[string, string, boolean]> = [
  ["pkg-1.0/*.txt", "pkg-1.0/lib/data.txt", true],
  ["pkg-1.0/*.txt", "pkg-1.0/README", false],
  ["*.pyc", "pkg/a/b.pyc", true],
  ["*.pyc", "pkg/a/.b.pyc", true],
  ["docs", "pkg-1.0/docs", false],
  ["docs", "docs", true],
  ["*/docs", "pkg-1.0/docs", true],
  ["*/docs", "pkg-1.0/docs/index.txt", false],
  ["pkg?1.0", "pkg/1.0", true],
  ["README", "readme", false],
  ["*", "a\nb", true],
  ["é?", "éü", true],
];

/** [pattern, name, Python's answer]: sets and characters regexps treat specially */
const SYNTAX: Array<[string, string, boolean]> = [
  ["[ab]*", "b/x", true],
  ["[!ab]*", "b/x", false],
  ["[!ab]*", "c/x", true],
  ["[]]x", "]x", true],
  ["[!]]x", "ax", true],
  ["[a-c]", "b", true],
  ["[c-a]", "b", false],
  ["[a-a]", "a", true],
  ["[a-a]", "b", false],
  ["[!c-a]", "b", true],
  ["[a-]", "-", true],
  ["[--a]", "A", true],
  ["[^a]", "^", true],
  ["[^a]", "b", false],
  ["[\\]", "\\", true],
  ["a[b", "a[b", true],
  ["a.b", "axb", false],
  ["(x)+", "(x)+", true],
  ["a\\b", "a\\b", true],
];

Deno.test("'*' and '?' match '/' and leading dots; the whole name must match, case-sensitively", () => {
  for (const [pattern, name, expected] of CASES) {
    assert.equal(fnmatch([pattern])(name), expected, `${pattern} ~ ${name}`);
  }
});

Deno.test("sets, ranges and regular expression characters read as Python's fnmatch reads them", () => {
  for (const [pattern, name, expected] of SYNTAX) {
    assert.equal(fnmatch([pattern])(name), expected, `${pattern} ~ ${name}`);
  }
});

Deno.test("a name matching any of several patterns matches", () => {
  const excluded = fnmatch(["*.o", "pkg/docs/*"]);
  assert.ok(excluded("pkg/src/a.o"));
  assert.ok(excluded("pkg/docs/api/index.html"));
  assert.ok(!excluded("pkg/docs"));
  assert.ok(!excluded("pkg/src/a.c"));
});
