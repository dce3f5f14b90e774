import assert from "node:assert/strict";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buildout } from "../lib/buildout.ts";
import { parseAnnotated } from "../lib/config/annotated.ts";
import {
  keepInitializations,
  noteKeptLoad,
} from "../lib/kept_initialization.ts";

const CONFIG = `
[buildout]
user = bench
[early]
recipe = r
index = 7
[later]
x = \${early:index}/\${buildout:user}
own = \${:x}!
[outer]
y = \${inner:v}
[inner]
recipe = r
v = 1
`;

/**
 * A run over `CONFIG` kept as load `stamp`: `names` initialized in turn,
 * recipe sections' "constructors" setting `set` (once a value is given).
 */
async function run(
  directory: string,
  stamp: string,
  names: string[],
  set: Record<string, string> = {},
): Promise<Buildout> {
  const buildout = new Buildout(parseAnnotated(CONFIG, "/b/buildout.cfg"));
  noteKeptLoad(buildout, { directory, program: "test" }, {
    key: "load",
    stamp,
  });
  buildout.onInitialize = (options) => {
    if (options.get("recipe") && set[options.name] !== undefined) {
      options.set("index", set[options.name]);
    }
  };
  // As opening a buildout does, before the runner keeps anything.
  buildout.section("buildout");
  const keeper = keepInitializations(buildout)!;
  for (const name of names) buildout.section(name);
  await keeper.keep();
  return buildout;
}

function withDirectory(fn: (directory: string) => Promise<void>) {
  const directory = mkdtempSync(join(tmpdir(), "kept-init-"));
  return fn(directory).finally(() =>
    rmSync(directory, { recursive: true, force: true })
  );
}

/** The one kept file, as text. */
function keptText(directory: string): string {
  const [file, ...more] = readdirSync(directory);
  assert.deepEqual(more, []);
  return readFileSync(join(directory, file), "utf8");
}

function editKept(directory: string, from: string, to: string): void {
  const file = join(directory, readdirSync(directory)[0]);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(from), from);
  writeFileSync(file, text.replace(from, to));
}

Deno.test("kept values are given again, with the reads their substitutions made", () =>
  withDirectory(async (directory) => {
    await run(directory, "s1", ["early", "later"]);
    editKept(
      directory,
      "\u0000own\u00007/bench!\u0000",
      "\u0000own\u0000kept\u0000",
    );
    const again = await run(directory, "s1", ["early", "later"]);
    // [buildout] user and later's x were read by substitutions only.
    assert.deepEqual(again.section("buildout").unused(), []);
    assert.deepEqual(again.section("later").unused(), ["own"]);
    assert.equal(again.section("later").get("own"), "kept");
  }));

Deno.test("a section reading a value another's recipe set differently, or kept for another load, initializes anew", () =>
  withDirectory(async (directory) => {
    await run(directory, "s1", ["early", "later"]);
    editKept(
      directory,
      "\u0000own\u00007/bench!\u0000",
      "\u0000own\u0000kept\u0000",
    );
    const changed = await run(directory, "s1", ["early", "later"], {
      early: "8",
    });
    assert.equal(changed.section("later").get("own"), "8/bench!");
    // Kept anew, with the value read then.
    const again = await run(directory, "s1", ["early", "later"], {
      early: "8",
    });
    assert.equal(again.section("later").get("own"), "8/bench!");
    editKept(
      directory,
      "\u0000own\u00008/bench!\u0000",
      "\u0000own\u0000kept\u0000",
    );
    const reloaded = await run(directory, "s2", ["early", "later"], {
      early: "8",
    });
    assert.equal(reloaded.section("later").get("own"), "8/bench!");
  }));

Deno.test("a section whose substitution constructed another's recipe is not kept", () =>
  withDirectory(async (directory) => {
    await run(directory, "s1", ["outer"]);
    const text = keptText(directory);
    // Section names start the body's line or follow a NUL.
    assert.match(text, /[\n\0]inner\0/);
    assert.doesNotMatch(text, /outer/);
  }));

Deno.test("a damaged kept file is not used, and is replaced", () =>
  withDirectory(async (directory) => {
    await run(directory, "s1", ["early", "later"]);
    const whole = keptText(directory);
    // An option without its value.
    editKept(directory, "\u0000own\u00007/bench!\u0000", "\u0000own\u0000");
    const damaged = await run(directory, "s1", ["early", "later"]);
    assert.equal(damaged.section("later").get("own"), "7/bench!");
    assert.equal(keptText(directory), whole);
  }));
