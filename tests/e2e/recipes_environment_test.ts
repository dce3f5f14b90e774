/**
 * End-to-end tests of the environment recipe (`environment`, alias
 * `collective.recipe.environment`): the sessions of its README, adapted
 * (the `debug` recipe and a command part stand in for mr.scripty).
 */
import assert from "node:assert/strict";
import { expectError, expectOk, installed, tree } from "./_recipes.ts";
import { sampleBuildout } from "./harness.ts";

for (const recipe of ["environment", "collective.recipe.environment"]) {
  Deno.test(`${recipe}: reading a variable, install, update, uninstall`, async () => {
    using sample = await sampleBuildout();
    const before = tree(sample.dir);
    const cfg = (extra: string) =>
      `[buildout]
parts = environment print

[some-section]
some-option = \${environment:SOME_VARIABLE}

[environment]
recipe = ${recipe}
${extra}
[print]
recipe = debug
value = \${some-section:some-option}
`;
    sample.write("buildout.cfg", cfg(""));
    const env = { SOME_VARIABLE: "some_value" };
    await expectOk(
      sample,
      "Installing environment.\nInstalling print.\n  recipe='debug'\n  value='some_value'\n",
      "",
      { env },
    );
    // The environment's variables are the part's options, recorded too.
    assert.match(installed(sample), /^SOME_VARIABLE = some_value$/m);
    await expectOk(
      sample,
      "Updating environment.\nUpdating print.\n  recipe='debug'\n  value='some_value'\n",
      "",
      { env },
    );

    sample.write("buildout.cfg", cfg("extra = 1\n"));
    await expectOk(
      sample,
      "Uninstalling environment.\nInstalling environment.\nUpdating print.\n  recipe='debug'\n  value='some_value'\n",
      "",
      { env },
    );

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(sample, "Uninstalling print.\nUninstalling environment.\n");
    assert.deepEqual(tree(sample.dir), before);
  });
}

Deno.test("environment: options are exported before any part installs", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = show environment

[some-section]
some-option = value2

[environment]
recipe = collective.recipe.environment
var1 = value1
var2 = \${some-section:some-option}

[show]
recipe = command
command = echo "var1 = $var1" && echo "var2 = $var2" && echo "recipe = $recipe"
`,
  );
  // [show] installs before [environment], yet sees its variables: they
  // were exported when the parts were initialized.
  await expectOk(
    sample,
    `Installing show.
show: Running 'echo "var1 = $var1" && echo "var2 = $var2" && echo "recipe = $recipe"'
var1 = value1
var2 = value2
recipe = collective.recipe.environment
Installing environment.
`,
  );
});

Deno.test("environment: substitution-like text in variables stays literal", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = environment print

[some-section]
option-1 = \${environment:PROBLEM_VAR_1}
option-2 = \${environment:PROBLEM_VAR_2}
option-3 = \${environment:PROBLEM_VAR_3}
option-4 = \${environment:LEGAL_VAR_1}
option-5 = \${environment:LEGAL_VAR_2}

[environment]
recipe = collective.recipe.environment

[print]
recipe = debug
<= some-section
`,
  );
  await expectOk(
    sample,
    `Installing environment.
Installing print.
  option-1='$\${foo}'
  option-2='$\${foo:bar}'
  option-3='Contains $\${foo} and also $\${foo:bar}.'
  option-4='$foo'
  option-5='{foo}'
  recipe='debug'
`,
    "",
    {
      env: {
        PROBLEM_VAR_1: "${foo}",
        PROBLEM_VAR_2: "${foo:bar}",
        PROBLEM_VAR_3: "Contains ${foo} and also ${foo:bar}.",
        LEGAL_VAR_1: "$foo",
        LEGAL_VAR_2: "{foo}",
      },
    },
  );
});

Deno.test("environment: a substitution nested in a variable stays literal when referenced", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = environment print

[environment]
recipe = collective.recipe.environment

[print]
recipe = debug
nested = \${environment:NESTED}
inner = \${environment:INNER}
`,
  );
  // Shell defaults nest references; each \`$\` of the match is doubled,
  // as collective.recipe.environment does, so the substitution a
  // referenced value goes through again finds no \`\${\` to read.
  await expectOk(
    sample,
    `Installing environment.
Installing print.
  inner='$\${a$$b}'
  nested='$\${FOO:-$\${BAR}}'
  recipe='debug'
`,
    "",
    { env: { NESTED: "${FOO:-${BAR}}", INNER: "${a$b}" } },
  );
});

Deno.test("environment: a variable that is not set is a missing option", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = print

[environment]
recipe = environment

[print]
recipe = debug
home = \${environment:NO_SUCH_VARIABLE_HERE}
`,
  );
  await expectError(
    sample,
    "Referenced option does not exist: environment:NO_SUCH_VARIABLE_HERE",
  );
});

Deno.test("environment: variables no option can be named after are not mirrored", async () => {
  using sample = await sampleBuildout();
  sample.write(
    "buildout.cfg",
    `[buildout]
parts = environment print

[environment]
recipe = collective.recipe.environment

[print]
recipe = debug
value = \${environment:PLAIN}
`,
  );
  // A name no option can have (`:`, brackets, a trailing `+`) could never be
  // referenced, and would be recorded as another option.
  const env = { "A:B": "1", "C[1]": "2", "D+": "3", PLAIN: "plain" };
  await expectOk(
    sample,
    "Installing environment.\nInstalling print.\n  recipe='debug'\n  value='plain'\n",
    "",
    { env },
  );
  assert.doesNotMatch(installed(sample), /^(A|C|D)\b/m);
  await expectOk(
    sample,
    "Updating environment.\nUpdating print.\n  recipe='debug'\n  value='plain'\n",
    "",
    { env },
  );
});
