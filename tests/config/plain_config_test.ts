/**
 * The fast reading of plain configuration text (_plain_config.ts) gives
 * what the general parser gives, or declines: on every corpus file, on
 * the tricky lines listed here, and on generated texts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Note } from "../../lib/config/annotated.ts";
import { parsePlain } from "../../lib/config/_plain_config.ts";
import {
  parse,
  parsedWithoutOperators,
  parseGeneral,
} from "../../lib/config/parse.ts";
import { evaluateCondition } from "../../lib/config/condition.ts";
import { CORPUS, corpusFiles, HAVE_CORPUS } from "../corpus.ts";
import { generatedTexts } from "../generated_texts.ts";

const NOTES: readonly Note[] = [{ op: "=", source: "t.cfg" }];

type Reading = [string, boolean, [string, string, boolean][]][];

/** Sections and options in order, with what later stages look at. */
function reading(parsed: ReturnType<typeof parse>): Reading {
  return [...parsed].map(([name, options]) => [
    name,
    parsedWithoutOperators(options),
    [...options].map(([key, option]) => [
      key,
      option.value,
      option.notes === NOTES,
    ]),
  ]);
}

/**
 * Whether the fast reading took `text`; asserts that parse() then reads
 * it as the general parser does, and declines what that one rejects.
 */
function agrees(text: string, what = JSON.stringify(text)): boolean {
  let general: Reading;
  try {
    general = reading(parseGeneral(text, "t.cfg", evaluateCondition, NOTES));
  } catch {
    assert.equal(parsePlain(text, NOTES), undefined, what);
    return false;
  }
  const plain = parsePlain(text, NOTES) !== undefined;
  assert.deepEqual(
    reading(parse(text, "t.cfg", evaluateCondition, NOTES)),
    general,
    what,
  );
  return plain;
}

Deno.test("plain lines are read as the general parser reads them", () => {
  const taken = [
    "[a]\nx = 1\ny=2\n",
    "[a]\nx = 1\ny = 2", // no line feed at the end
    "[a]\nx =   spaced   \t\n",
    "[a]\nx = \n",
    "[a]\nx = first\n  second  \n\t third\n   \n",
    "[a]\nx =\n  one\n\n    deeper\n  two\n\n\n[b]\n",
    "[a]\nx =\n  one\n  # kept as text\n# dropped\n  two\n",
    "[a]\nx =\n\t\n  one\n \n",
    "[a]\neggs += b\neggs -= c\nflag- = 1\nplus+=2\n",
    "[a]\nx += 1\nx = 2\n",
    "[a]\n<= b\nc = ${:d} $${e}\n[a]\nz = 3\n",
    "# top\n; also\n\n[a]\n  \nx = 1\n",
    "[a]\n[b]\n",
    "[a]\nx = 1\n# last, no line feed",
    "",
  ];
  for (const text of taken) assert.ok(agrees(text), JSON.stringify(text));
  const declined = [
    "x = 1\n[a]\n", // before a section
    "[a]\n  x = 1\n", // indented first line
    "[a]\nx =\n    one\n  less\n", // less indented than the first line
    "[a]\nx += 1\nx += 2\n", // repeated in one file
    "[a]\nx: 1\n",
    "[a]\nx y = 1\n",
    "[a]\nx ++= 1\n",
    "[a]\n=> b\n",
    "[a:linux]\nx = 1\n",
    "[ a ]\nx = 1\n",
    "[a] # comment\nx = 1\n",
    "[a]\nx = caf\u00e9\n",
    "[a]\r\nx = 1\r\n",
    "[a]\nx = 1\n\x0b y\n",
    "[a]\nbad line\n",
    "[a]\nx = 1\n[b]", // a header without a line feed
  ];
  for (const text of declined) {
    assert.equal(parsePlain(text, NOTES), undefined, JSON.stringify(text));
    agrees(text);
  }
});

Deno.test({
  name: "every corpus file is read as the general parser reads it",
  ignore: !HAVE_CORPUS,
  fn() {
    let taken = 0;
    const files = corpusFiles();
    for (const file of files) {
      if (agrees(readFileSync(join(CORPUS, file), "utf8"), file)) taken++;
    }
    // Most real files are plain: the fast reading is the one they get.
    assert.ok(taken >= files.length * 0.7, `${taken} of ${files.length}`);
  },
});

Deno.test("generated texts are read as the general parser reads them", () => {
  const lines = [
    "[a]",
    "[b]",
    "[a:linux]",
    "x = 1",
    "x =",
    "y=two words ",
    "x += more",
    "x -= 1",
    "z- = 2",
    "w+=3",
    "  indented",
    "\tindented by a tab",
    "      deeper",
    " ",
    "",
    "# comment",
    "; comment",
    "x: 1",
    "=> a",
    "junk",
  ];
  const texts = generatedTexts(lines, { most: 12, unterminated: true });
  let taken = 0;
  for (const text of texts) if (agrees("[a]\n" + text)) taken++;
  const runs = texts.length;
  // Both readings are exercised.
  assert.ok(taken > runs * 0.1 && taken < runs * 0.9, `${taken} of ${runs}`);
});
