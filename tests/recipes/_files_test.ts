/** Atomic file replacement by the recipes that write files. */
import assert from "node:assert/strict";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { writeAtomic } from "../../recipes/_files.ts";

Deno.test("writeAtomic never writes through a link planted at a guessable name", () => {
  const dir = mkdtempSync(join(tmpdir(), "files-test-"));
  try {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, `.out.conf.${process.pid}.tmp`));
    writeAtomic(join(dir, "out.conf"), new TextEncoder().encode("new\n"));
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
    assert.equal(readFileSync(join(dir, "out.conf"), "utf8"), "new\n");
    assert.deepEqual(
      readdirSync(dir).sort(),
      [
        `.out.conf.${process.pid}.tmp`,
        "out.conf",
        "victim",
      ].sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
