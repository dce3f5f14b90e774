import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dirHash } from "../../lib/install/signature.ts";

Deno.test("dirHash is zc.buildout's _dir_hash: subdirectory names, file names and bytes, top-down in sorted order, base64", () => {
  const root = mkdtempSync(join(tmpdir(), "signature-"));
  try {
    const pkg = join(root, "pkg");
    const files: Record<string, string> = {
      "r.js": "export default 1;\n",
      "package.json": '{"name": "pkg"}\n',
      "sub/z.txt": "z\n",
      // Left out, as version-control metadata and installed dependencies.
      "node_modules/dep/index.js": "dep\n",
      ".git/HEAD": "ref\n",
    };
    mkdirSync(join(pkg, "empty"), { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(pkg, path, ".."), { recursive: true });
      writeFileSync(join(pkg, path), text);
    }
    // What Python's os.walk gives zc.buildout's _dir_hash for this tree,
    // with these directories ignored.
    assert.equal(dirHash(pkg), "97WBfaiJqR3EWW22LWv+Zg==");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
