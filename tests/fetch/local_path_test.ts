/** `localPath` (lib/fetch/local_path.ts): which downloads name local files. */
import assert from "node:assert/strict";
import { localPath } from "../../lib/fetch/local_path.ts";

Deno.test("a path, or a file: URL with or without slashes, names a local file; another scheme none", () => {
  assert.equal(localPath("patches/fix.patch"), "patches/fix.patch");
  assert.equal(localPath("/srv/fix.patch"), "/srv/fix.patch");
  // Escapes decoded after `file:/` as after `file:///`.
  assert.equal(localPath("file:///srv/a%20b.patch"), "/srv/a b.patch");
  assert.equal(localPath("file:/srv/a%20b.patch"), "/srv/a b.patch");
  assert.equal(localPath("FILE:/srv/x"), "/srv/x");
  // `file:` and a relative path, as Python's urlparse splits it.
  assert.equal(localPath("file:fix.patch"), "fix.patch");
  assert.equal(localPath("https://host/fix.patch"), undefined);
});
