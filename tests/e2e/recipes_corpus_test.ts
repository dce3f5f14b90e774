/**
 * Sections of real configurations from the shared corpus that use the
 * built-in command and template recipes, copied as they are written there
 * and completed with small stand-ins for the parts they reference (which
 * in the originals are built from downloads), then installed, updated and
 * uninstalled.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { HAVE_CORPUS } from "../corpus.ts";
import {
  corpusSection,
  expectError,
  expectOk,
  installed,
  modeOf,
  run,
  tree,
} from "./_recipes.ts";
import { type Sample, sampleBuildout } from "./harness.ts";

const ignore = !HAVE_CORPUS;

/** Writes an executable stand-in script at `path` in the sample. */
function stub(sample: Sample, path: string, body = "exit 0") {
  sample.mkdir(...path.split("/").slice(0, -1));
  sample.write(path, `#!/bin/sh\n${body}\n`);
  chmodSync(sample.path(path), 0o755);
}

/** `sh -n`: the file parses as a shell script. */
function checkSyntax(shell: string, path: string) {
  execFileSync(shell, ["-n", path]);
}

Deno.test({
  name: "corpus: SlapOS *-output checks (plone.recipe.command)",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    stub(sample, "dash/bin/dash");
    stub(sample, "openssl/bin/openssl");
    stub(sample, "nginx/sbin/nginx");
    sample.mkdir("nginx/conf");
    sample.write("nginx/conf/mime.types", "types {}\n");
    const before = tree(sample.dir);
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = coreutils-output dash-output openssl-output nginx-output

# Stand-ins for the parts built from source in SlapOS.
[coreutils]
location = /usr
[dash]
location = \${buildout:directory}/dash
[openssl]
location = \${buildout:directory}/openssl
[nginx]
location = \${buildout:directory}/nginx

` +
        corpusSection(
          "SlapOS__slapos/component/coreutils/buildout.cfg",
          "coreutils-output",
        ) +
        corpusSection(
          "SlapOS__slapos/component/dash/buildout.cfg",
          "dash-output",
        ) +
        corpusSection(
          "SlapOS__slapos/component/openssl/buildout.cfg",
          "openssl-output",
        ) +
        corpusSection(
          "SlapOS__slapos/component/nginx/buildout.cfg",
          "nginx-output",
        ),
    );
    const test = "/usr/bin/test";
    const checks = {
      "dash-output": `${test} -x /sample-buildout/dash/bin/dash`,
      "openssl-output": `${test} -x /sample-buildout/openssl/bin/openssl`,
      "nginx-output":
        `${test} -x /sample-buildout/nginx/sbin/nginx -a -f /sample-buildout/nginx/conf/mime.types`,
    };
    let result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.stderr, "");
    assert.match(
      result.stdout,
      /^Installing coreutils-output\.\ncoreutils-output: Running '\/usr\/bin\/test -x \/usr\/bin\/test -a -x \/usr\/bin\/cat -a /,
    );
    for (const [part, command] of Object.entries(checks)) {
      assert.ok(
        result.stdout.includes(
          `Installing ${part}.\n${part}: Running '${command}'\n`,
        ),
        result.stdout,
      );
    }

    // update-command = ${:command}: the check runs again on every update.
    result = await run(sample);
    assert.equal(result.code, 0, result.output);
    for (const [part, command] of Object.entries(checks)) {
      assert.ok(
        result.stdout.includes(
          `Updating ${part}.\n${part}: Running ${command}\n`,
        ),
        result.stdout,
      );
    }

    // A broken build fails the check, and the part is dropped.
    sample.remove("nginx/conf/mime.types");
    await expectError(
      sample,
      `Non zero exit code (1) while running command '${
        checks["nginx-output"]
      }' in /sample-buildout.`,
    );
    assert.ok(!installed(sample).includes("[nginx-output]"));
    sample.write("nginx/conf/mime.types", "types {}\n");

    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual(tree(sample.dir), before);
  },
});

Deno.test({
  name: "corpus: Zope's make-docs template and requirements command",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    stub(sample, "bin/zopepy", 'echo "zopepy $*"');
    const zope = "zopefoundation__Zope/buildout.cfg";
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = make-docs requirements
root-directory = \${buildout:directory}

[zopescripts]
bin-directory = \${buildout:bin-directory}
interpreter = zopepy

` + corpusSection(zope, "make-docs") + corpusSection(zope, "requirements"),
    );
    await expectOk(
      sample,
      `Installing make-docs.
Installing requirements.
requirements: Running '/sample-buildout/bin/zopepy /sample-buildout/util.py'
zopepy /sample-buildout/util.py
`,
    );
    assert.equal(
      sample.normalize(sample.cat("bin/make-docs")),
      "#!/bin/sh\ncd /sample-buildout/docs\nmake html",
    );
    assert.equal(modeOf(sample.path("bin/make-docs")), "755");
    await expectOk(
      sample,
      `Updating make-docs.
Updating requirements.
requirements: Running /sample-buildout/bin/zopepy /sample-buildout/util.py
zopepy /sample-buildout/util.py
`,
    );
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(
      sample,
      "Uninstalling requirements.\nUninstalling make-docs.\n",
    );
    assert.ok(!existsSync(sample.path("bin/make-docs")));
  },
});

Deno.test({
  name: "corpus: buildout.plonetest's QA scripts (collective.recipe.template)",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    const qa = "collective__buildout.plonetest/qa.cfg";
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = coverage-sh rebuild_i18n-sh
package-min-coverage = 80
package-name = collective.sample

` + corpusSection(qa, "coverage-sh") + corpusSection(qa, "rebuild_i18n-sh"),
    );
    await expectOk(
      sample,
      "Installing coverage-sh.\nInstalling rebuild_i18n-sh.\n",
    );
    const coverage = sample.cat("bin/coverage.sh");
    assert.match(coverage, /^#! \/bin\/sh\n# checks for report/);
    assert.match(coverage, /^DEFAULT=80$/m);
    const i18n = sample.cat("bin/rebuild_i18n.sh");
    assert.match(i18n, /^I18NDOMAIN="collective\.sample"$/m);
    assert.match(i18n, /grep collective\.sample \| grep -m 1 "locales"/);
    for (const script of ["bin/coverage.sh", "bin/rebuild_i18n.sh"]) {
      assert.equal(modeOf(sample.path(script)), "755");
      checkSyntax("sh", sample.path(script));
    }
    await expectOk(
      sample,
      "Updating coverage-sh.\nUpdating rebuild_i18n-sh.\n",
    );
  },
});

Deno.test({
  name: "corpus: Plone coredev's i18n scripts (collective.recipe.template)",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    const i18n = "plone__buildout.coredev/experimental/i18n.cfg";
    const parts = [
      "i18n",
      "i18n-update-all",
      "i18n-find-untranslated",
      "i18n-find-untranslated-diff-from-previous",
    ];
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = ${parts.join(" ")}\n\n` +
        corpusSection(i18n, "domain") +
        parts.map((part) => corpusSection(i18n, part)).join(""),
    );
    await expectOk(sample, parts.map((p) => `Installing ${p}.\n`).join(""));
    const script = sample.normalize(sample.cat("bin/i18n"));
    // A multi-line option lands in the script as it is in the section.
    assert.ok(
      script.includes(
        'cmfeditions="Products.CMFEditions"\nplone="Products.CMFPlone\nProducts.PlonePAS\n',
      ),
      script,
    );
    assert.ok(
      script.includes(
        'localesdirectory="/sample-buildout/../src/plone.app.locales/plone/app/locales/locales"',
      ),
    );
    const untranslated = sample.normalize(
      sample.cat("bin/i18n-find-untranslated"),
    );
    assert.ok(untranslated.includes("cd /sample-buildout/../src\n"));
    assert.ok(
      untranslated.includes("/sample-buildout/bin/i18ndude find-untranslated"),
    );
    for (const part of parts) {
      assert.equal(modeOf(sample.path("bin", part)), "755");
      checkSyntax("bash", sample.path("bin", part));
    }
    await expectOk(sample, parts.map((p) => `Updating ${p}.\n`).join(""));
    sample.write("buildout.cfg", "[buildout]\nparts =\n");
    await expectOk(
      sample,
      [...parts].reverse().map((p) => `Uninstalling ${p}.\n`).join(""),
    );
    for (const part of parts) assert.ok(!existsSync(sample.path("bin", part)));
  },
});
