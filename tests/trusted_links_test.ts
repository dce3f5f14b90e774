/** Paths resolved through trusted symbolic links only. */
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { trustedRealPath, UntrustedLink } from "../lib/trusted_links.ts";

function tree(): { dir: string } & Disposable {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "trusted-links-")));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true }) };
}

const mine = new Set([process.getuid?.() ?? 0]);

Deno.test("links of trusted owners resolve as realpath does", () => {
  using t = tree();
  mkdirSync(join(t.dir, "a/b"), { recursive: true });
  symlinkSync("a/b", join(t.dir, "rel"));
  symlinkSync(join(t.dir, "rel"), join(t.dir, "abs"));
  symlinkSync("..", join(t.dir, "a/b/up"));
  for (const path of ["rel", "abs", "abs/up/b", "a/./b/../b", "abs/up/b/up"]) {
    assert.equal(
      trustedRealPath(join(t.dir, path), mine),
      realpathSync(join(t.dir, path)),
      path,
    );
  }
  // From the first missing component on, the path is kept as written.
  assert.equal(
    trustedRealPath(join(t.dir, "abs/missing/x"), mine),
    join(t.dir, "a/b/missing/x"),
  );
});

Deno.test("a link of another owner on the way is refused, by name", () => {
  using t = tree();
  mkdirSync(join(t.dir, "a"));
  symlinkSync("a", join(t.dir, "link"));
  assert.throws(
    () => trustedRealPath(join(t.dir, "link/x"), new Set([-1])),
    (err) => err instanceof UntrustedLink && err.link === join(t.dir, "link"),
  );
  assert.equal(
    trustedRealPath(join(t.dir, "a"), new Set([-1])),
    join(t.dir, "a"),
  );
});

Deno.test("a loop of links is an error, not a hang", () => {
  using t = tree();
  symlinkSync("two", join(t.dir, "one"));
  symlinkSync("one", join(t.dir, "two"));
  assert.throws(
    () => trustedRealPath(join(t.dir, "one/x"), mine),
    /Too many levels of symbolic links/,
  );
});
