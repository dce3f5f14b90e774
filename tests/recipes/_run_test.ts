import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { runShell } from "../../recipes/_run.ts";

Deno.test("a command in a directory that is missing or a file is a user error naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "run-"));
  try {
    const file = join(dir, "file");
    writeFileSync(file, "");
    for (const cwd of [join(dir, "missing"), file]) {
      await assert.rejects(
        runShell("true", { cwd, env: {}, UserError }),
        (err: Error) => {
          assert.ok(err instanceof UserError);
          assert.equal(
            err.message,
            `Couldn't run 'true' in ${cwd}: no such directory`,
          );
          return true;
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
