import assert from "node:assert/strict";
import { formatOption, formatSection } from "../../lib/config/serialize.ts";

// Expected lines produced by zc.buildout's own `_save_option` (1.5.2 to 4.x):
// tabs are written as they are (there is no `%(__buildout_space_t__)s`),
// other edge whitespace is spelled out, line breaks become newline + tab.
Deno.test("formatOption writes whitespace as zc.buildout's _save_option", () => {
  const cases: Array<[string, string]> = [
    ["\tlead", "x = \tlead"],
    ["trail\t", "x = trail\t"],
    ["a\t\n\tb", "x = a\t\n\t\tb"],
    ["a\n\tb", "x = a\n\t\tb"],
    [
      " \t\n x\t \n",
      "x = %(__buildout_space__)s\t\n\t%(__buildout_space__)sx\t" +
      "%(__buildout_space__)s%(__buildout_space_n__)s",
    ],
    ["\n", "x = %(__buildout_space_n__)s"],
    ["tab\tinside", "x = tab\tinside"],
    ["\t", "x = \t"],
    [
      "\r\f\v",
      "x = %(__buildout_space_r__)s%(__buildout_space_f__)s%(__buildout_space_v__)s",
    ],
  ];
  for (const [value, line] of cases) {
    assert.equal(formatOption("x", value), line, JSON.stringify(value));
  }
});

// zc.buildout writes a carriage return inside a line as it is; read back,
// it would end the line (the rest a line of its own, so the database was
// refused as corrupt): it is spelled out wherever it is.
Deno.test("formatOption spells out a carriage return inside a line", () => {
  const cases: Array<[string, string]> = [
    ["a\rb", "x = a%(__buildout_space_r__)sb"],
    [
      "a\rb\nc\r\rd",
      "x = a%(__buildout_space_r__)sb\n\tc" +
      "%(__buildout_space_r__)s%(__buildout_space_r__)sd",
    ],
    [
      " a\r\n",
      "x = %(__buildout_space__)sa%(__buildout_space_r__)s" +
      "%(__buildout_space_n__)s",
    ],
  ];
  for (const [value, line] of cases) {
    assert.equal(formatOption("x", value), line, JSON.stringify(value));
  }
});

// The parser strips every space Python's str.strip() does from a line's
// edges: those zc.buildout has no name for are spelt with their code.
Deno.test("formatOption spells out other spaces at a line's edges by their code", () => {
  const cases: Array<[string, string]> = [
    [
      "\xa0a\u3000",
      "x = %(__buildout_space_u00a0__)sa%(__buildout_space_u3000__)s",
    ],
    [
      "a\x1c\n\x85b",
      "x = a%(__buildout_space_u001c__)s\n\t%(__buildout_space_u0085__)sb",
    ],
    ["a\xa0b\u2028c", "x = a\xa0b\u2028c"],
  ];
  for (const [value, line] of cases) {
    assert.equal(formatOption("x", value), line, JSON.stringify(value));
  }
});

// Python sorts by code point: U+FF21 before U+1F600, which UTF-16 order
// (a surrogate pair from U+D800) puts first.
Deno.test("formatSection sorts options by code point, as zc.buildout", () => {
  assert.equal(
    formatSection("s", [["\u{1f600}", "1"], ["\uff21", "2"], ["b", "3"]]),
    "[s]\nb = 3\n\uff21 = 2\n\u{1f600} = 1\n",
  );
});
