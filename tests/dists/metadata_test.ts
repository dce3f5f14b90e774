import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMetadata } from "../../lib/dists/metadata.ts";
import { UserError } from "../../lib/errors.ts";

Deno.test("a package.json that is not JSON is a one-line error even where the parser quotes its lines", () => {
  const dir = mkdtempSync(join(tmpdir(), "metadata-test-"));
  try {
    writeFileSync(join(dir, "package.json"), '{\n  "name": x\n}\n');
    assert.throws(
      () => readMetadata(dir, "spam-1.tgz"),
      (err: Error) =>
        err instanceof UserError &&
        err.message.startsWith(
          "Couldn't read the package.json of the distribution spam-1.tgz: ",
        ) && !err.message.includes("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
