import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OtherBuildouts } from "../../lib/install/other_buildout.ts";

Deno.test("a path belongs to the nearest other buildout only when its database records it", () => {
  const root = mkdtempSync(join(tmpdir(), "other-buildout-"));
  try {
    const original = join(root, "a"), copy = join(root, "b");
    mkdirSync(join(original, "parts", "x"), { recursive: true });
    mkdirSync(copy);
    writeFileSync(
      join(original, ".installed.cfg"),
      `[buildout]\nparts = x y\n\n[x]\n__buildout_installed__ = ${original}/parts/x\n` +
        `recipe = r\n\n[y]\n__buildout_installed__ = ${original}/var/one\n` +
        `\t${original}/var/two\nrecipe = r\n`,
    );
    const others = new OtherBuildouts(copy);
    assert.equal(others.owner(`${original}/parts/x`), original);
    assert.equal(others.owner(`${original}/var/two`), original);
    // Not recorded there: a longer name, a shorter one, a file below.
    assert.equal(others.owner(`${original}/parts/xy`), undefined);
    assert.equal(others.owner(`${original}/parts`), undefined);
    assert.equal(others.owner(`${original}/parts/x/file`), undefined);
    // Inside this run's own buildout, and outside any buildout.
    assert.equal(
      new OtherBuildouts(original).owner(`${original}/parts/x`),
      undefined,
    );
    assert.equal(others.owner(join(root, "elsewhere", "f")), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
