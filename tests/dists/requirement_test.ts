import assert from "node:assert/strict";
import { UserError } from "../../lib/errors.ts";
import {
  formatRequirement,
  parseRequirement,
  pinnedVersion,
  projectKey,
  satisfiesRequirement,
} from "../../lib/dists/requirement.ts";

Deno.test("requirements parse name and clauses, spaces allowed", () => {
  assert.deepEqual(parseRequirement("spam"), {
    name: "spam",
    key: "spam",
    clauses: [],
  });
  assert.deepEqual(parseRequirement(" demo >0.2 ").clauses, [[">", "0.2"]]);
  assert.deepEqual(parseRequirement("demo>=1, <2").clauses, [
    [">=", "1"],
    ["<", "2"],
  ]);
  assert.deepEqual(parseRequirement("Demo.Needed~=1.4").clauses, [
    ["~=", "1.4"],
  ]);
  assert.equal(parseRequirement("Demo.Needed~=1.4").key, "demo-needed");
  assert.deepEqual(parseRequirement("spam != 1.3").clauses, [["!=", "1.3"]]);
});

Deno.test("an npm scope's @scope/name is the project scope-name", () => {
  const requirement = parseRequirement("@Acme/Tools>=1");
  assert.equal(requirement.name, "@Acme/Tools");
  assert.equal(requirement.key, "acme-tools");
  assert.equal(projectKey("@acme/tools"), projectKey("acme_tools"));
  for (const bad of ["@acme", "@/tools", "@acme/", "@acme/a/b"]) {
    assert.throws(() => parseRequirement(bad), /is not a project name/, bad);
  }
});

Deno.test("requirements print as setuptools prints them", () => {
  assert.equal(formatRequirement(parseRequirement("demo >0.2")), "demo>0.2");
  assert.equal(
    formatRequirement(parseRequirement("demo >= 1 , < 2")),
    "demo>=1,<2",
  );
});

Deno.test("bad requirements are user errors naming the text", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /Invalid requirement '': it names no project/],
    ["==1", /Invalid requirement '==1': it names no project/],
    ["sp@m", /'sp@m' is not a project name/],
    ["spam 1.0", /expected a version clause .* got '1.0'/],
    ["spam>=", /expected a version clause/],
    ["spam==1,", /expected a version clause .* got ''/],
    ["spam~=1", /'1' is not a valid version for '~='/],
    ["spam>=x.y", /'x.y' is not a valid version for '>='/],
    [
      "spam>=1000000000000000000000",
      /'1000000000000000000000' is not a valid version for '>='/,
    ],
    // A multi-line value, as a `[versions]` constraint over two lines.
    [
      "spam >1\n  <2",
      /^Invalid requirement 'spam >1\\n {2}<2': .* got '>1\\n {2}<2'$/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseRequirement(text), (err: Error) => {
      assert.ok(err instanceof UserError, text);
      assert.match(err.message, message);
      return true;
    });
  }
});

// Expected validity is that of Python's `packaging` 26, which pip uses.
Deno.test("specifiers are accepted and refused as packaging does", () => {
  const cases: Array<[string, boolean]> = [
    ["==1.*", true],
    ["==v1.0.*", true],
    ["==1!1.*", true],
    ["!=1.0.*", true],
    ["===1.0.*", true],
    ["===foo", true],
    ["== 1.0", true],
    [">=1.0 , <2", true],
    ["~=1.0.post1", true],
    ["==1.0+abc", true],
    ["!=1.0+abc", true],
    ["==1.0a1.*", false],
    ["!=1.0rc1.*", false],
    ["==1.0.post1.*", false],
    ["==1.0-1.*", false],
    ["==1.0.dev0.*", false],
    ["==1.0+abc.*", false],
    ["~=1", false],
    ["~=1.0.*", false],
    [">=1.0.*", false],
    ["<1.0+abc", false],
    [">=1.0+abc", false],
    ["~=1.0+abc", false],
    ["==*", false],
  ];
  for (const [specifier, valid] of cases) {
    let accepted = true;
    try {
      parseRequirement(`spam${specifier}`);
    } catch (err) {
      assert.ok(err instanceof UserError, specifier);
      accepted = false;
    }
    assert.equal(accepted, valid, specifier);
  }
});

Deno.test("a prefix match with more than a release says why it is refused", () => {
  assert.throws(
    () => parseRequirement("spam==1.0a1.*"),
    new UserError(
      "Invalid requirement 'spam==1.0a1.*': '1.0a1.*' is not a valid " +
        "version for '==': only a release such as '1.0.*' takes '.*'",
    ),
  );
});

Deno.test("clauses may stand in parentheses, as PEP 508 and pip allow", () => {
  const cases: Array<[string, string]> = [
    ["spam (>=1.0)", "spam>=1.0"],
    ["spam(>=1.0)", "spam>=1.0"],
    ["spam ( >=1.0, <2 )", "spam>=1.0,<2"],
    ["@acme/tools (==1)", "@acme/tools==1"],
    ["spam ()", "spam"],
  ];
  for (const [text, printed] of cases) {
    assert.equal(formatRequirement(parseRequirement(text)), printed, text);
  }
  assert.throws(
    () => parseRequirement("spam (>=1.0"),
    /expected a version clause .* got '\(>=1.0'/,
  );
});

Deno.test("extras are refused, saying why", () => {
  for (const text of ["spam[test]", "zc.recipe.egg[a,b] >=1"]) {
    assert.throws(
      () => parseRequirement(text),
      (err: Error) => {
        assert.ok(err instanceof UserError, text);
        assert.match(
          err.message,
          /^Invalid requirement '.*': extras such as '\[[a-z,]+\]' select a Python project's optional requirements; these distributions have none, so remove them$/,
        );
        return true;
      },
    );
  }
});

Deno.test("satisfaction follows PEP 440, pre-releases included", () => {
  const ok = (req: string, version: string) =>
    satisfiesRequirement(parseRequirement(req), version);
  assert.ok(ok("demo", "0.4c1"));
  assert.ok(ok("demo>0.2", "0.4c1"));
  assert.ok(!ok("demo>0.2", "0.2"));
  assert.ok(ok("demo==1", "1.0"));
  assert.ok(ok("demo>=1,<2", "1.9"));
  assert.ok(!ok("demo>=1,<2", "2.0"));
  assert.ok(ok("demo~=1.4", "1.9"));
  assert.ok(!ok("demo~=1.4", "2.0"));
  assert.ok(!ok("demo!=1.3", "1.3.0"));
  assert.ok(ok("demo==1.*", "1.5"));
});

Deno.test("only a single == clause pins a version", () => {
  assert.equal(pinnedVersion(parseRequirement("spam==1")), "1");
  assert.equal(pinnedVersion(parseRequirement("spam===1")), "1");
  assert.equal(pinnedVersion(parseRequirement("spam==1.*")), undefined);
  assert.equal(pinnedVersion(parseRequirement("spam>=1")), undefined);
  assert.equal(pinnedVersion(parseRequirement("spam==1,!=2")), undefined);
});

Deno.test("project keys fold case and separators", () => {
  assert.equal(projectKey("Zope.Interface"), "zope-interface");
  assert.equal(projectKey("my__recipe-x"), "my-recipe-x");
});
