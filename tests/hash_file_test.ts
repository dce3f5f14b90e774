import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { updateFromFile } from "../lib/hash_file.ts";

Deno.test("a file longer than a chunk hashes as its whole bytes do, into every hash", () => {
  const dir = mkdtempSync(join(tmpdir(), "hash-file-"));
  try {
    const bytes = new Uint8Array(3 * 2 ** 20 + 7).map((_, i) => i * 31);
    const path = join(dir, "data");
    writeFileSync(path, bytes);
    const md5 = createHash("md5");
    const sha256 = createHash("sha256");
    updateFromFile(path, [md5, sha256]);
    assert.equal(
      md5.digest("hex"),
      createHash("md5").update(bytes).digest("hex"),
    );
    assert.equal(
      sha256.digest("hex"),
      createHash("sha256").update(bytes).digest("hex"),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("a missing file throws its file-system error as it is", () => {
  assert.throws(
    () => updateFromFile("/nonexistent/file", [createHash("md5")]),
    { code: "ENOENT" },
  );
});
