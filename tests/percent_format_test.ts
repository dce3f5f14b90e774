import assert from "node:assert/strict";
import { formatFields, percentFormat } from "../lib/percent_format.ts";

// Each expectation is what Python 3.11 prints for `format % tuple(args)`.
const AS_PYTHON: Array<[string, unknown[], string]> = [
  ["%-10s|%s", ["name", "value"], "name      |value"],
  ["%5s|%-5s|%.2s|%5.1s|", ["a", "b", "xyz", "xyz"], "    a|b    |xy|    x|"],
  ["%5s|", ["été"], "  été|"],
  ["%+5s|%05s|% 5s|", ["ab", "ab", "ab"], "   ab|   ab|   ab|"],
  [
    "%.1f MB %.0f %f %10.3f %-10.2f| %+.2f % .2f %010.2f %010.2f",
    [3.14159, 2.4, 1, 3.14159, 2.5, 1.5, 1.5, -3.14159, 3.14159],
    "3.1 MB 2 1.000000      3.142 2.50      | +1.50  1.50 -000003.14 0000003.14",
  ],
  [
    "%03d %-3d| %+d % d %5d %-5d| %.3d %05.3d %i %u",
    [7, 7, 7, 7, -42, -42, 5, 5, 3.9, -3.9],
    "007 7  | +7  7   -42 -42  | 005 00005 3 -3",
  ],
  [
    "%x %X %#x %#X %o %#o %08x %#08x %-#8x|",
    [255, 255, 255, 255, 8, 8, 255, 255, 255],
    "ff FF 0xff 0XFF 10 0o10 000000ff 0x0000ff 0xff    |",
  ],
  [
    "%e %E %.2e %#.0e %.0e %10.2e %-12.3E|",
    [12345.678, 0.000123, 1, 5, 5, 1e100, -1e-100],
    "1.234568e+04 1.230000E-04 1.00e+00 5.e+00 5e+00  1.00e+100 -1.000E-100 |",
  ],
  [
    "%g %g %g %g %g %G %#g %.3g %.3g %g %g %.10g %g",
    [
      100000,
      1e6,
      0.0001,
      0.00001,
      123.456,
      1e-10,
      1,
      1234.5,
      0.0001234,
      0,
      1.5,
      1 / 3,
      1e21,
    ],
    "100000 1e+06 0.0001 1e-05 123.456 1E-10 1.00000 1.23e+03 0.000123 0 1.5 0.3333333333 1e+21",
  ],
  ["%c%c", [65, "z"], "Az"],
  [
    "%*d|%-*d|%.*f|%*.*f|",
    [5, 42, 5, 42, 2, 3.14159, 8, 3, 2.71828],
    "   42|42   |3.14|   2.718|",
  ],
  [
    "%f %e %g %F %E %G %5f %-5f|",
    [Infinity, -Infinity, NaN, Infinity, NaN, -Infinity, Infinity, NaN],
    "inf -inf nan INF NAN -INF   inf nan  |",
  ],
  // the 0 flag pads infinities and NaN with zeros too (not with `-`)
  [
    "%08f|%+08.2e|%-08g|%08G|%010.3f|",
    [Infinity, -Infinity, NaN, NaN, -Infinity],
    "00000inf|-0000inf|nan     |00000NAN|-000000inf|",
  ],
  [
    "%d %f",
    [1e21, 1e22],
    "1000000000000000000000 10000000000000000000000.000000",
  ],
  [
    "%r %a %.3r",
    ["it's", "café☃😀", "abcdef"],
    `"it's" 'caf\\xe9\\u2603\\U0001f600' 'ab`,
  ],
  // exact ties round to even
  [
    "%.0f %.0f %.1f %.2f %.3g %.1e",
    [0.5, 1.5, 0.25, 2.675, 0.5, 0.25],
    "0 2 0.2 2.67 0.5 2.5e-01",
  ],
  ["%ld %hd %Lf", [1, 2, 3], "1 2 3.000000"],
  ["%-05d|%-+05d|%#.0f|%#x|%#o", [3, 3, 2, 0, 0], "3    |+3   |2.|0x0|0o0"],
  [
    "%.12g|%.17g|%.20f",
    [0.1, 0.1, 0.1],
    "0.1|0.10000000000000001|0.10000000000000000555",
  ],
  ["%e|%g", [0, -0], "0.000000e+00|-0"],
  ["100%% %s", ["x"], "100% x"],
];

Deno.test("percentFormat converts as Python's % operator", () => {
  for (const [format, args, expected] of AS_PYTHON) {
    assert.equal(percentFormat(format, args), expected, format);
  }
});

Deno.test("percentFormat reads %(key)s from the one argument, a mapping", () => {
  assert.equal(
    percentFormat("%(name)s got %(n)05.1f %(n)d", [{ name: "x", n: 3.25 }]),
    "x got 003.2 3",
  );
  assert.equal(percentFormat("%(a)s", [new Map([["a", 1]])]), "1");
  const options = { get: (key: string) => `<${key}>`, has: () => true };
  assert.equal(percentFormat("%(url)r", [options]), "'<url>'");
});

Deno.test("percentFormat leaves as written what Python's % would fail on, and goes on", () => {
  assert.equal(percentFormat("done: %s %s", ["one"]), "done: one %s");
  assert.equal(percentFormat("%d of %s", ["many", "x"]), "%d of x");
  assert.equal(percentFormat("%x|%c", [1.5, "ab"]), "%x|%c");
  assert.equal(
    percentFormat("%(missing)s %(toString)s", [{}]),
    "%(missing)s %(toString)s",
  );
  assert.equal(percentFormat("%(a)s %s", ["text", "x"]), "%(a)s text");
  // Two arguments are no mapping, even when the first is one.
  assert.equal(
    percentFormat("%(a)s %s", [{ a: 1 }, "x"]),
    "%(a)s [object Object]",
  );
  assert.equal(percentFormat("%y %", ["x"]), "%y %");
  assert.equal(percentFormat("%*d", ["wide", 1]), "%*d");
});

Deno.test("percentFormat gives a value with no text of its own its type's", () => {
  const throwing = {
    toString() {
      throw new Error("no text");
    },
  };
  assert.equal(
    percentFormat("%s|%r|%s", [Object.create(null), throwing, Symbol("s")]),
    "[object Object]|[object Object]|Symbol(s)",
  );
  const getter = {
    get a() {
      throw new Error("no value");
    },
  };
  assert.equal(percentFormat("%(a)s", [getter]), "%(a)s");
});

Deno.test("percentFormat without args leaves the message as it is", () => {
  assert.equal(percentFormat("100% %s", []), "100% %s");
  assert.equal(percentFormat("100%% done", []), "100%% done");
});

Deno.test("formatFields fills %(key) conversions; others and unknown keys stay", () => {
  const fields: Record<string, string | number> = {
    levelname: "INFO",
    levelno: 20,
  };
  assert.equal(
    formatFields(
      "%(levelname)-8s|%(levelno)03d|%(levelname)d|%(lineno)s|%s|%%",
      (key) => fields[key],
    ),
    "INFO    |020|%(levelname)d|%(lineno)s|%s|%",
  );
});
