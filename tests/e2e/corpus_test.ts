/**
 * Every real-world config in the shared corpus resolves with `annotate`.
 * The ones that extend http(s) URLs fail with the clean one-line download
 * error and nothing else: network access is cut (`unshare -n` as root, a
 * dead loopback proxy otherwise), so no request leaves this machine.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CORPUS, corpusFiles, HAVE_CORPUS } from "../corpus.ts";
import { BUILDOUT, ensureBinary, exec, type RunResult } from "./harness.ts";

const ROOT = process.getuid?.() === 0;

/** Corpus files that cannot resolve, and the error each must give. */
const EXPECTED_ERRORS: Record<string, RegExp> = {
  // Deliberately broken fixtures, rejected by zc.buildout's parser too.
  "collective__buildout.plonetest/travis-5.x.cfg":
    /travis-5\.x\.cfg, line 1: text before the first section header/,
  "perrinjerome__vscode-zc-buildout/profiles/buildout.cfg":
    /profiles\/buildout\.cfg, line 23: 'op': not an option/,
  "perrinjerome__vscode-zc-buildout/profiles/extended/with_references.cfg":
    /profiles\/buildout\.cfg, line 23: 'op': not an option/,
  "perrinjerome__vscode-zc-buildout/profiles/diagnostics/syntax_error.cfg":
    /syntax_error\.cfg, line 3: 'o': not an option/,
  "perrinjerome__vscode-zc-buildout/profiles/symbol/broken.cfg":
    /broken\.cfg, line 4: 'hehe': not an option/,
  "perrinjerome__vscode-zc-buildout/test/syntax/buildout.cfg":
    /buildout\.cfg, line 24: invalid condition in \[conditional-section:condition\]: name 'condition' is not defined/,
  "perrinjerome__vscode-zc-buildout/profiles/extended/broken/file_not_found.cfg":
    /Couldn't open .*\/broken\/not, extended by .*file_not_found\.cfg$/,
  "perrinjerome__vscode-zc-buildout/profiles/extended/broken/loop.cfg":
    /^Error: Recursive file include: .*loop\.cfg -> .*loop\.cfg$/,
  // An instance profile: its extends is a substitution filled in at run time.
  "SlapOS__slapos/software/ssh/instance.cfg":
    /extends cannot use \$\{\.\.\.\} substitutions/,
};

/** URLs the corpus extends (MANIFEST's url-extends column). */
function corpusUrls(): Set<string> {
  const urls = new Set<string>();
  for (
    const row of readFileSync(join(CORPUS, "MANIFEST.tsv"), "utf8").split("\n")
      .slice(1)
  ) {
    for (const url of (row.split("\t")[5] ?? "").split(/[\s,]+/)) {
      if (url) urls.add(url);
    }
  }
  return urls;
}

function run(file: string, home: string): Promise<RunResult> {
  const env = {
    HOME: home,
    HTTP_PROXY: "http://127.0.0.1:9",
    HTTPS_PROXY: "http://127.0.0.1:9",
  };
  const args = ["-c", join(CORPUS, file), "annotate"];
  return ROOT
    ? exec("unshare", ["-n", BUILDOUT, ...args], { env })
    : exec(BUILDOUT, args, { env });
}

Deno.test({
  name: "every corpus config resolves with annotate, or fails cleanly",
  ignore: !HAVE_CORPUS,
  async fn() {
    ensureBinary();
    const home = mkdtempSync(join(tmpdir(), "corpus-home-"));
    const urls = corpusUrls();
    const files = corpusFiles();
    const results = new Map<string, RunResult>();
    try {
      for (let i = 0; i < files.length; i += 4) {
        const batch = files.slice(i, i + 4);
        const done = await Promise.all(batch.map((f) => run(f, home)));
        batch.forEach((f, k) => results.set(f, done[k]));
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    let resolved = 0;
    let downloads = 0;
    for (const [file, result] of results) {
      assert.ok(
        !result.stderr.includes("internal error"),
        `${file}: ${result.stderr}`,
      );
      assert.ok(
        !/^\s+at /m.test(result.stderr),
        `${file} printed a stack:\n${result.stderr}`,
      );
      if (result.code === 0) {
        assert.ok(!(file in EXPECTED_ERRORS), `${file} should fail`);
        assert.ok(
          result.stdout.startsWith("\nAnnotated sections\n=================="),
          file,
        );
        assert.ok(result.stdout.includes("\n[buildout]\n"), file);
        resolved++;
        continue;
      }
      assert.equal(result.code, 1, file);
      const lines = result.stderr.trimEnd().split("\n");
      assert.deepEqual(lines.slice(0, 2), ["While:", "  Initializing."], file);
      assert.equal(
        lines.length,
        3,
        `${file}: one error line expected:\n${result.stderr}`,
      );
      const expected = EXPECTED_ERRORS[file];
      if (expected) {
        assert.match(lines[2], expected, file);
        continue;
      }
      const download = /^Error: Error downloading extends for URL (\S+): .+$/
        .exec(lines[2]);
      assert.ok(download, `${file}: ${lines[2]}`);
      assert.ok(
        urls.has(download[1]),
        `${file}: ${download[1]} is not a corpus URL`,
      );
      downloads++;
    }
    assert.ok(resolved >= 100, `only ${resolved} files resolved`);
    assert.ok(downloads >= 20, `only ${downloads} files needed a URL`);
  },
});
