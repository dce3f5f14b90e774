/**
 * Our raw parse of every corpus file equals zc.buildout's own
 * `configparser.parse` output stored in `_parsed/` (Python 3.11.7, linux,
 * x86_64), and the files it rejects are rejected too.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  _setPythonForTests,
  evaluateCondition,
} from "../../lib/config/condition.ts";
import { parse } from "../../lib/config/parse.ts";
import { UserError } from "../../lib/errors.ts";
import { CORPUS, corpusFiles, HAVE_CORPUS } from "../corpus.ts";

interface Expected {
  sections?: Record<string, Record<string, string>>;
  error?: { type: string; message: string };
}

function ours(file: string): Record<string, Record<string, string>> {
  const parsed = parse(
    readFileSync(join(CORPUS, file), "utf8"),
    file,
    evaluateCondition,
  );
  const result: Record<string, Record<string, string>> = {};
  for (const [name, options] of parsed) {
    result[name] = {};
    for (const [key, option] of options) {
      result[name][key] = option.value;
    }
  }
  return result;
}

Deno.test({
  name: "raw parse of every corpus file equals zc.buildout's",
  ignore: !HAVE_CORPUS,
  fn() {
    _setPythonForTests({
      versionInfo: [3, 11, 7, "final", 0],
      implementation: "CPython",
      implementationVersion: "3.11.7",
    });
    try {
      const files = corpusFiles();
      assert.ok(files.length >= 149, `only ${files.length} corpus files`);
      let rejected = 0;
      for (const file of files) {
        const expected: Expected = JSON.parse(
          readFileSync(join(CORPUS, "_parsed", file + ".json"), "utf8"),
        );
        if (expected.error) {
          rejected++;
          assert.throws(() => ours(file), UserError, file);
        } else {
          assert.deepEqual(ours(file), expected.sections, file);
        }
      }
      assert.equal(rejected, 5);
    } finally {
      _setPythonForTests(undefined);
    }
  },
});
