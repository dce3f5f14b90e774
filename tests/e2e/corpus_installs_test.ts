/**
 * Whole real-world profiles from ../shared/corpus, installed through their
 * own extends chains (copied beside the sample), with only the parts that
 * use built-in recipes selected: install, rerun, change, uninstall.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS, HAVE_CORPUS } from "../corpus.ts";
import {
  corpusSection,
  expectError,
  installed,
  run,
  tree,
} from "./_recipes.ts";
import { BUILDOUT, ensureBinary, exec, sampleBuildout } from "./harness.ts";
import { md5 } from "./recipe_fixtures.ts";

const ignore = !HAVE_CORPUS;

/** The files html5as-base's download parts fetch, by part. */
const HTML5AS_FILES: Record<string, string> = {
  instance_html5as: "instance_html5as.cfg.in",
  template_nginx_conf: "templates/nginx_conf.in",
  template_launcher: "templates/launcher.in",
  template_mime_types: "templates/mime_types.in",
};

/**
 * Writes `content` to the html5as-base file `file` under `profile` and sets
 * the MD5 sum software.cfg gives for it.
 */
function serveTemplate(profile: string, file: string, content: string) {
  const path = join(profile, file);
  writeFileSync(path, content);
  const cfg = join(profile, "software.cfg");
  const text = readFileSync(cfg, "utf8").replace(
    new RegExp(`(_update_hash_filename_ = ${file}\\nmd5sum = )[0-9a-f]{32}`),
    `$1${md5(path)}`,
  );
  writeFileSync(cfg, text);
}

Deno.test({
  name:
    "corpus: SlapOS html5as-base's slapos.recipe.build:download parts, through stack/slapos.cfg",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    const slapos = sample.tmpdir("slapos");
    cpSync(join(CORPUS, "SlapOS__slapos"), slapos, { recursive: true });
    // The copy keeps the corpus's read-only modes, which bind all but root.
    execFileSync("chmod", ["-R", "u+w", slapos]);
    const profile = join(slapos, "software", "html5as-base");
    mkdirSync(join(profile, "templates"));
    for (const [part, file] of Object.entries(HTML5AS_FILES)) {
      serveTemplate(profile, file, `${part} template\n`);
    }
    const before = tree(sample.dir);
    // The stack's extensions are Python packages (slapos.rebootstrap,
    // slapos.extension.shared); its [versions] pins wheels as `1.0:whl`.
    const config = `[buildout]
extends = ${profile}/software.cfg
extensions =
parts = ${Object.keys(HTML5AS_FILES).join(" ")}
`;
    sample.write("buildout.cfg", config);
    let result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.stderr, "");
    for (const part of Object.keys(HTML5AS_FILES)) {
      assert.match(result.stdout, new RegExp(`^Installing ${part}\\.$`, "m"));
      // The file is named after the part, in the part's directory.
      assert.equal(sample.cat("parts", part, part), `${part} template\n`);
    }

    result = await run(sample);
    assert.equal(result.code, 0, result.output);
    for (const part of Object.keys(HTML5AS_FILES)) {
      assert.match(result.stdout, new RegExp(`^Updating ${part}\\.$`, "m"));
    }

    // A new template (and its MD5 sum) reinstalls that part only.
    serveTemplate(profile, HTML5AS_FILES.template_launcher, "launcher v2\n");
    result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.match(
      result.stdout,
      /^Uninstalling template_launcher\.$[\s\S]*^Installing template_launcher\.$/m,
    );
    assert.doesNotMatch(result.stdout, /Uninstalling template_nginx_conf/);
    assert.equal(
      sample.cat("parts", "template_launcher", "template_launcher"),
      "launcher v2\n",
    );

    // A wheel pin fails the one project that needs it, not the run.
    sample.write(
      "buildout.cfg",
      config + "[aiofiles]\nrecipe = aiofiles\n",
    );
    await expectError(
      sample,
      "Invalid version pin in [versions]: aiofiles = 23.1.0:whl " +
        "(expected a version such as 1.0)",
      "buildout:parts=aiofiles",
    );

    sample.write("buildout.cfg", config.replace(/^parts = .*$/m, "parts ="));
    result = await run(sample);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual(tree(sample.dir), before);
  },
});

Deno.test({
  name:
    "corpus: plonetest's QA scripts install in full when stdout's reader has gone (buildout | head)",
  ignore,
  fn: async () => {
    using sample = await sampleBuildout();
    const qa = "collective__buildout.plonetest/qa.cfg";
    sample.write(
      "buildout.cfg",
      `[buildout]
parts = coverage-sh rebuild_i18n-sh
package-min-coverage = 80
package-name = collective.demo

` + corpusSection(qa, "coverage-sh") + corpusSection(qa, "rebuild_i18n-sh"),
    );
    ensureBinary();
    // \`true\` has exited, closing the pipe's only reader, before buildout
    // writes its first line.
    const result = await exec("/bin/sh", [
      "-c",
      '{ sleep 0.5; "$0" 2>stderr.txt; echo $? >status.txt; } | true',
      BUILDOUT,
    ], { cwd: sample.dir, env: { HOME: sample.home } });
    assert.equal(result.code, 0, result.output);
    assert.equal(sample.cat("stderr.txt"), "");
    assert.equal(sample.cat("status.txt"), "0\n");
    assert.match(installed(sample), /^parts = coverage-sh rebuild_i18n-sh$/m);
    assert.match(sample.cat("bin", "coverage.sh"), /^DEFAULT=80$/m);
    assert.match(
      sample.cat("bin", "rebuild_i18n.sh"),
      /^I18NDOMAIN="collective.demo"$/m,
    );
  },
});
