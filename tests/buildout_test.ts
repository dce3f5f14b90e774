import assert from "node:assert/strict";
import { Buildout } from "../lib/buildout.ts";
import type { RecipeBuildout } from "../lib/recipe/api.ts";
import { parseAnnotated } from "../lib/config/annotated.ts";
import { loadConfig } from "../lib/config/load.ts";
import { extendSection } from "../lib/config/macros.ts";
import { doingOf, MissingSection, UserError } from "../lib/errors.ts";
import { fakeSource } from "./config/fake_source.ts";

function buildout(text: string): Buildout {
  return new Buildout(
    parseAnnotated(text, "/b/buildout.cfg"),
  );
}

Deno.test("${section:option}, ${:option} and _buildout_section_name_", () => {
  const b = buildout(`
[data-dir]
path = /b/mydata
[debug]
File 1 = \${data-dir:path}/file
File 2 = \${:File 1}/log
my_name = \${:_buildout_section_name_}
`);
  const debug = b.section("debug");
  assert.equal(debug.get("File 1"), "/b/mydata/file");
  assert.equal(debug.get("File 2"), "/b/mydata/file/log");
  assert.equal(debug.get("my_name"), "debug");
});

Deno.test("$$ is kept exactly as written and stops substitution", () => {
  const b = buildout("[a]\nx = 1\ny = $${a:x} ${a:x} $$HOME\n");
  assert.equal(b.section("a").get("y"), "$${a:x} 1 $$HOME");
});

Deno.test("referencing a section initializes it first, in reference order", () => {
  const b = buildout("[a]\nx = ${b:y}\n[b]\ny = ${c:z}\n[c]\nz = 1\n");
  const order: string[] = [];
  b.onInitialize = (o) => order.push(o.name);
  assert.equal(b.section("a").get("x"), "1");
  assert.deepEqual(order, ["c", "b", "a"]);
});

Deno.test("macros apply before substitution, relative to the extending section", () => {
  const b = buildout(`
[debug]
recipe = recipes:debug
[with_file1]
<= debug
file1 = \${:path}/file1
color = red
[with_file2]
<= debug
file2 = \${:path}/file2
color = blue
[myfiles]
<= with_file1
   with_file2
path = mydata
`);
  assert.deepEqual(Object.fromEntries(b.section("myfiles").entries()), {
    recipe: "recipes:debug",
    file1: "mydata/file1",
    color: "blue",
    file2: "mydata/file2",
    path: "mydata",
  });
});

Deno.test("macro sections are what extendSection makes of them", () => {
  const b = buildout(`
[buildout]
x = 1
<= base
[base]
a = 1
b = \${:a}
10 = ten
2 = two
__proto__ = p
constructor = c
[own-first]
b = 2
<= base
c = 3
[spaced]
<=   base${"  "}
a = 2
[two]
<= base
   own-first
[nested]
<= own-first
d = 4
[from-buildout]
<= buildout
[empty]
<=
e = 5
`);
  assert.equal(b.extendedSection("buildout"), undefined);
  assert.equal(b.extendedSection("base"), undefined);
  for (const name of b.sectionNames()) {
    if (!b.rawOption(name, "<") && name !== "empty") continue;
    if (name === "buildout") continue;
    // The same options in the same order, whatever holds them.
    assert.deepEqual(
      [...b.extendedSection(name)!],
      [...extendSection(name, b.rawSections())],
      name,
    );
  }
  for (
    const bad of ["[a]\n<= nope\n", "[a]\n<= a\n", "[a]\n<= b\n[b]\n<= a\n"]
  ) {
    const broken = buildout(bad);
    assert.throws(
      () => broken.extendedSection("a"),
      extendSectionError(() => extendSection("a", broken.rawSections())),
    );
  }
});

function extendSectionError(fn: () => unknown): { message: string } {
  try {
    fn();
  } catch (err) {
    return { message: (err as Error).message };
  }
  throw new Error("extendSection did not throw");
}

Deno.test("+= and -= in a <= section change the macro's values", async () => {
  // zc.buildout >= 2.5.2 (buildout/buildout#161): operators written with the
  // <= apply to what the section extends. Operators a later file adds apply,
  // as usual, to the section as merged so far.
  const data = await loadConfig(
    {
      configFile: "buildout.cfg",
      cwd: "/b",
      assignments: [],
      executable: "/usr/bin/buildout",
    },
    fakeSource({
      "/b/base.cfg": "[base]\neggs =\n  a\n  c\n[later]\n<= base\n",
      "/b/buildout.cfg": `[buildout]
extends = base.cfg
[own]
<= base
eggs += b
eggs -= c
[plain-first]
<= base
eggs = x
eggs += y
[later]
eggs += z
[nested]
<= own
eggs += e
`,
    }),
  );
  const b = new Buildout(data);
  assert.equal(b.section("own").get("eggs"), "a\nb");
  assert.equal(b.section("own").get("eggs +"), undefined);
  assert.equal(b.section("plain-first").get("eggs"), "x\ny");
  assert.equal(b.section("later").get("eggs"), "z");
  assert.equal(b.section("nested").get("eggs"), "a\nb\ne");
});

Deno.test("macro errors: unknown base and loops", () => {
  assert.throws(() => buildout("[a]\n<= nope\n").section("a"), {
    message: "No section named 'nope' (extended by [a] with <=)",
  });
  assert.throws(() => buildout("[a]\n<= b\n[b]\n<= a\n").section("a"), {
    message: "Infinite extending loop 'a': a <= b <= a",
  });
});

Deno.test("a circular reference names the chain", () => {
  const b = buildout("[s]\nc1 = ${s:c2}\nc2 = ${:c1}\n");
  assert.throws(() => b.section("s"), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.equal(
      e.message,
      "Circular reference in substitutions: ${s:c1} -> ${s:c2} -> ${s:c1}",
    );
    assert.deepEqual(doingOf(e), [
      "Getting section s.",
      "Initializing section s.",
      "Getting option s:c1.",
      "Getting option s:c2.",
    ]);
    return true;
  });
});

Deno.test("a substitution chain deeper than the stack is a user error", () => {
  // 100,000 levels overflow any runtime's stack, across sections and
  // within one section.
  const depth = 100_000;
  const sections = Array.from(
    { length: depth },
    (_, i) => `[c${i}]\nv = \${c${i + 1}:v}\n`,
  ).join("") + `[c${depth}]\nv = end\n`;
  const options = Array.from(
    { length: depth },
    (_, i) => `v${i} = \${:v${i + 1}}\n`,
  ).join("") + `v${depth} = end\n`;
  for (
    const [text, name, message] of [
      [sections, "c0", /^Too many nested substitutions at \[c\d+\]$/],
      [
        "[s]\n" + options,
        "s",
        /^Too many nested substitutions \(\d+\) at \$\{s:v\d+\}$/,
      ],
    ] as const
  ) {
    assert.throws(() => buildout(text).section(name), (e: Error) => {
      assert.ok(e instanceof UserError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("a value substituted past 64 Mi characters is a user error", () => {
  const doubling = Array.from(
    { length: 40 },
    (_, i) => `v${i + 1} = \${:v${i}}\${:v${i}}\n`,
  ).join("");
  for (
    const [text, name] of [["[s]\nv0 = x\n" + doubling, "s"], [
      "[s]\nv0 = x\n" + doubling + "[t]\nx = ${s:v40}\n",
      "t",
    ]]
  ) {
    assert.throws(() => buildout(text).section(name), {
      name: "UserError",
      message:
        "The value of ${s:v27} is too long: its substitutions make it longer " +
        "than 67108864 characters",
    });
  }
});

Deno.test("a value the runtime cannot hold is a user error too", () => {
  // 32 Mi characters, allowed, 20 times over: past the longest string V8
  // makes (2^29 - 24 characters), which refuses the concatenation itself.
  const doubling = Array.from(
    { length: 25 },
    (_, i) => `v${i + 1} = \${:v${i}}\${:v${i}}\n`,
  ).join("");
  const text = "[s]\nv0 = x\n" + doubling + "w = " + "${:v25}".repeat(20);
  assert.throws(() => buildout(text).section("s"), {
    name: "UserError",
    message: "The value of ${s:w} is too long: its substitutions make it " +
      "longer than a value can be",
  });
});

Deno.test("missing sections and options, malformed references", () => {
  assert.throws(
    () => buildout("[a]\nx = ${nope:y}\n").section("a"),
    (e: Error) =>
      e instanceof MissingSection &&
      e.message === "The referenced section, 'nope', was not defined.",
  );
  assert.throws(() => buildout("[a]\nx = ${a:y}\n").section("a"), {
    message: "Referenced option does not exist: a:y",
  });
  assert.throws(() => buildout("[a]\nx = ${y}\n").section("a"), {
    message: "The substitution, ${y}, doesn't contain a colon.",
  });
  assert.throws(() => buildout("[a]\nx = ${a:b:c}\n").section("a"), {
    message: "The substitution, ${a:b:c}, has too many colons.",
  });
  assert.throws(() => buildout("[a]\nx = ${a/b:c}\n").section("a"), {
    message:
      "The section name in substitution, ${a/b:c}, has invalid characters.",
  });
  assert.throws(() => buildout("[a]\nx = ${a:c/d}\n").section("a"), {
    message:
      "The option name in substitution, ${a:c/d}, has invalid characters.",
  });
  // The current section's, which has no name to be wrong.
  assert.throws(() => buildout("[a]\nx = ${:c/d}\n").section("a"), {
    message:
      "The option name in substitution, ${:c/d}, has invalid characters.",
  });
  assert.throws(() => buildout("[a]\nx = ${a:x\n").section("a"), {
    message: "The substitution, ${a:x, is not terminated by '}'.",
  });
});

Deno.test("require, set, getBool and unused options", () => {
  const b = buildout("[a]\nflag = yes\nx = 1\ny = 2\n");
  const a = b.section("a");
  assert.throws(() => a.require("nope"), { message: "Missing option: a:nope" });
  assert.throws(() => a.getBool("flag"), {
    message: "Invalid value for flag option: yes",
  });
  a.set("z", "3");
  assert.equal(a.get("x"), "1");
  assert.deepEqual(a.unused(), ["y"]);
  assert.deepEqual(a.keys(), ["flag", "x", "y", "z"]);
});

Deno.test("delete removes a configured or set option until set again", () => {
  const a = buildout("[a]\nx = 1\ny = ${:x}\nz = 3\n").section("a");
  a.set("w", "4");
  assert.equal(a.delete("y"), true);
  assert.equal(a.delete("w"), true);
  assert.equal(a.delete("nope"), false);
  assert.equal(a.delete("w"), false);
  assert.equal(a.get("y"), undefined);
  assert.equal(a.has("y"), false);
  assert.deepEqual(a.keys(), ["x", "z"]);
  assert.deepEqual([...a.copy().keys()], ["x", "z"]);
  assert.deepEqual(a.unused(), ["z"]);
  a.set("y", "2");
  a.set("w", "5");
  assert.deepEqual(a.entries(), [["x", "1"], ["y", "2"], ["z", "3"], [
    "w",
    "5",
  ]]);
});

Deno.test("a recipe's UserError takes what failed underneath as its cause", () => {
  const api: RecipeBuildout = buildout("[buildout]\n");
  const underneath = new Error("EACCES");
  const err = new api.UserError("Cannot write x", { cause: underneath });
  assert.ok(err instanceof UserError);
  assert.equal(err.cause, underneath);
});

Deno.test("addSection adds a section from an object or a Map, initialized at once; a name or option that would not read back is refused", () => {
  const b = buildout("[buildout]\ndirectory = /b\n[a]\nx = 1\n");
  const added = b.addSection("main", {
    path: "${buildout:directory}/var",
    copy: "${:path} ${a:x}",
  });
  assert.equal(added.get("copy"), "/b/var 1");
  assert.equal(b.section("main"), added);
  assert.ok(b.has("main"));
  assert.deepEqual(b.sectionNames(), ["buildout", "a", "main"]);
  assert.equal(
    b.addSection("m", new Map([["y", "${main:path}"]])).get("y"),
    "/b/var",
  );
  assert.throws(
    () => b.addSection("a", {}),
    (err) =>
      err instanceof UserError &&
      err.message ===
        "Cannot add section [a]: a section of that name already exists",
  );
  assert.throws(
    () => b.addSection("x]y", {}),
    /^TypeError: Section names must read back from a configuration file: \[x\]y\]$/,
  );
  assert.throws(
    () => b.addSection("z", { "a:b": "1" }),
    /^TypeError: Option names must read back from a configuration file: 'a:b' in \[z\]$/,
  );
  assert.throws(
    () => b.addSection("z", { n: 5 } as unknown as Record<string, string>),
    /^TypeError: Option values must be strings: z:n$/,
  );
  assert.ok(!b.has("z"));
});

Deno.test("parse adds the sections of indented text, which substitute from each other in any order; a taken name adds none", () => {
  const b = buildout("[buildout]\ndirectory = /b\n[a]\nx = 1\n");
  b.parse(`
    [first]
    y = \${second:z} \${a:x}
    [second]
    z = \${buildout:directory}/z
  `);
  assert.equal(b.section("first").get("y"), "/b/z 1");
  assert.deepEqual(b.sectionNames(), ["buildout", "a", "first", "second"]);
  assert.throws(
    () => b.parse("[third]\nw = 1\n[a]\nx = 2\n"),
    (err) =>
      err instanceof UserError &&
      err.message ===
        "Cannot add section [a]: a section of that name already exists",
  );
  assert.ok(!b.has("third"));
  assert.equal(b.section("a").get("x"), "1");
});
