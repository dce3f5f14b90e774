import assert from "node:assert/strict";
import { parse } from "../../lib/config/parse.ts";
import { UserError } from "../../lib/errors.ts";

function plain(text: string, evaluate?: (e: string) => boolean) {
  const result: Record<string, Record<string, string>> = {};
  for (const [name, options] of parse(text, "t.cfg", evaluate)) {
    result[name] = {};
    for (const [key, option] of options) result[name][key] = option.value;
  }
  return result;
}

Deno.test("values with data on the first line: continuation lines stripped, blanks dropped", () => {
  assert.deepEqual(plain("[buildout]\nparts = py\n   test\n\n  more\n"), {
    buildout: { parts: "py\ntest\nmore" },
  });
});

Deno.test("block values: common indentation removed, inner blank lines kept", () => {
  const text =
    "[a]\ncode =\n\n    if x == 1:\n        y = 2 # a comment\n\n        return\n";
  assert.deepEqual(plain(text), {
    a: { code: "if x == 1:\n    y = 2 # a comment\n\n    return" },
  });
});

Deno.test("block values: the margin is the indentation all lines share, whatever line is least indented", () => {
  const text =
    "[a]\nx =\n    one\n  two\n      three\ny =\n\tt\n  s\nz =\n  p\n\n  q\n\n";
  assert.deepEqual(plain(text), {
    a: { x: "  one\ntwo\n    three", y: "\tt\n  s", z: "p\n\nq" },
  });
});

Deno.test("block values accumulated by repeated += are dedented as one value", () => {
  const text =
    "[s]\nx +=\n    a\n[s:yes]\nx +=\n  b\ny +=\n    c\n[s:yes]\ny += d\n";
  assert.deepEqual(plain(text, () => true), {
    s: { "x +": "  a\nb", "y +": "    c\nd" },
  });
});

Deno.test("comments: column-0 # and ; skip, indented # is value text, inline # kept", () => {
  const text =
    "# c\n; c\n[s] # trailing\nopt =\n  one\n# skipped\n  # kept\n  two\nx = v # not-comment\n";
  assert.deepEqual(plain(text), {
    s: { opt: "one\n# kept\ntwo", x: "v # not-comment" },
  });
});

Deno.test("+= and -= keys, accumulation in one file, plain = drops pending ones", () => {
  const text = "[a]\neggs += x\neggs += y\nparts -= p\n[b]\nk += 1\nk = 2\n";
  assert.deepEqual(plain(text), {
    a: { "eggs +": "x\ny", "parts -": "p" },
    b: { k: "2" },
  });
});

Deno.test("=> is short for <part-dependencies>; <= is the < option", () => {
  assert.deepEqual(plain("[s]\n=> a b\n<= base\n"), {
    s: { "<part-dependencies>": "a b", "<": "base" },
  });
});

Deno.test("1.5.2 compatibility: names with spaces and name: value", () => {
  assert.deepEqual(
    plain("[debug]\nFile 1 = x\nkey: value\nurl: http://h/?a=b\n"),
    {
      debug: { "File 1": "x", key: "value", url: "http://h/?a=b" },
    },
  );
});

Deno.test("1.5.2 compatibility: section names with spaces", () => {
  assert.deepEqual(
    plain(
      "[my section]\na = 1\n[  two  words ] # c\nb = 2\n[x y:yes]\nc = 3\n",
      () => true,
    ),
    { "my section": { a: "1" }, "two  words": { b: "2" }, "x y": { c: "3" } },
  );
});

Deno.test("conditional sections: false ones are dropped, repeated sections merge", () => {
  const conditions: Record<string, boolean> = { linux: true, windows: false };
  const text =
    "[s]\na = 1\nb = 1\n[s:windows]\na = 2\n  more\n[s:linux]\nb = 3\n[t:linux and x \\x23 y]\nc = 1\n";
  const seen: string[] = [];
  const result = plain(text, (e) => {
    seen.push(e);
    return conditions[e] ?? true;
  });
  assert.deepEqual(result, { s: { a: "1", b: "3" }, t: { c: "1" } });
  assert.deepEqual(seen, ["windows", "linux", "linux and x # y"]);
});

Deno.test("a false condition on the file's first header drops that section, not the file", () => {
  const conditions: Record<string, boolean> = { linux: true, windows: false };
  const evaluate = (e: string) => conditions[e];
  assert.deepEqual(
    plain(
      "# pins for Windows\n[versions:windows]\nfoo = 1\neggs =\n  a\n\n  b\n" +
        "[buildout]\nparts =\n[versions:linux]\nbar = 2\n",
      evaluate,
    ),
    { buildout: { parts: "" }, versions: { bar: "2" } },
  );
  assert.deepEqual(plain("[versions:windows]\nfoo = 1\n", evaluate), {});
  // Its lines are still read: a bad one is reported.
  assert.throws(() => parse("[a:windows]\nhehe\n[b]\n", "w.cfg", evaluate), {
    message:
      "w.cfg, line 2: 'hehe': not an option, section header or continuation line",
  });
});

Deno.test("errors name the file and line", () => {
  assert.throws(
    () => parse("text\n[a]\n", "x.cfg"),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        "x.cfg, line 1: text before the first section header: 'text'",
  );
  assert.throws(() => parse("[a]\nb = b\n\nhehe\n\n[c]\nop\n", "y.cfg"), {
    message:
      "y.cfg, line 4: 'hehe'; line 7: 'op': not an option, section header or continuation line",
  });
  assert.throws(() => parse("[a]\n  b = 1\nop\n", "i.cfg"), {
    message: "i.cfg, line 2: '  b = 1'; line 3: 'op': not an option, " +
      "section header or continuation line (an indented line continues " +
      "the value of the option above it: start options at the beginning " +
      "of their line)",
  });
  assert.throws(
    () =>
      parse("[a]\n[b:nope]\n", "z.cfg", () => {
        throw new UserError("name 'nope' is not defined");
      }),
    {
      message:
        "z.cfg, line 2: invalid condition in [b:nope]: name 'nope' is not defined",
    },
  );
});

Deno.test("a bad line of megabytes is quoted cut short", () => {
  const long = "x".repeat(5_000_000);
  assert.throws(
    () => parse(`[s]\n${long}\n`, "z.cfg"),
    (err: Error) => {
      assert.equal(
        err.message,
        `z.cfg, line 2: '${"x".repeat(140)}'...'${"x".repeat(60)}' ` +
          "(5000000 characters): " +
          "not an option, section header or continuation line",
      );
      return true;
    },
  );
  assert.throws(
    () => parse(`${long}\n[s]\n`, "z.cfg"),
    (err: Error) => {
      assert.equal(
        err.message,
        "z.cfg, line 1: text before the first section header: " +
          `'${"x".repeat(140)}'...'${"x".repeat(60)}' (5000000 characters)`,
      );
      return true;
    },
  );
});

Deno.test("values are stripped of what Python's str.isspace() counts: U+0085 yes, U+FEFF no", () => {
  const text = "[a]\nx = \x85v\x85\ny = \uFEFFv\uFEFF\nz = \x1cv \uFEFF\n" +
    "b =\n\x85  line\nc = w\n\x85 cont\n";
  assert.deepEqual(plain(text), {
    a: {
      x: "v",
      y: "\uFEFFv\uFEFF",
      z: "v \uFEFF",
      b: "\x85  line", // a continuation line, not indented to textwrap.dedent
      c: "w\ncont",
    },
  });
});

Deno.test("a long bad line is cut between characters, not within one", () => {
  const line = "x" + "\u{1F600}".repeat(300);
  assert.throws(
    () => parse(`[s]\n${line}\n`, "z.cfg"),
    (err: Error) => {
      assert.ok(
        err.message.startsWith(
          `z.cfg, line 2: 'x${"\u{1F600}".repeat(69)}'...'${
            "\u{1F600}".repeat(30)
          }' (601 characters)`,
        ),
        err.message.slice(0, 300),
      );
      return true;
    },
  );
});
