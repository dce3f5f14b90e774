import assert from "node:assert/strict";
import type { AnnotatedSection } from "../../lib/config/annotated.ts";
import { withHomePaths } from "../../lib/config/home_paths.ts";

function section(options: Record<string, string>): AnnotatedSection {
  return new Map(
    Object.entries(options).map(([key, value]) => [
      key,
      { value, notes: [{ op: "=" as const, source: "/home/me/default.cfg" }] },
    ]),
  );
}

function plainValues(s: AnnotatedSection): Record<string, string> {
  return Object.fromEntries([...s].map(([key, { value }]) => [key, value]));
}

Deno.test("a leading ~ of the cache and eggs directories is the home directory, keeping where it was set", () => {
  const before = section({
    "eggs-directory": "~/.buildout/eggs",
    "download-cache": "~",
    "extends-cache": "~/",
    "parts-directory": "~/parts",
  });
  const after = withHomePaths(before, "/home/me/");
  assert.deepEqual(plainValues(after), {
    "eggs-directory": "/home/me/.buildout/eggs",
    "download-cache": "/home/me",
    "extends-cache": "/home/me/",
    "parts-directory": "~/parts",
  });
  assert.equal(
    after.get("eggs-directory")!.notes,
    before.get("eggs-directory")!.notes,
  );
  // The section given may be shared: it is left as it was.
  assert.equal(before.get("eggs-directory")!.value, "~/.buildout/eggs");
  // The root's home, as Python's expanduser makes it.
  assert.equal(
    withHomePaths(section({ "download-cache": "~" }), "/").get(
      "download-cache",
    )!.value,
    "/",
  );
});

Deno.test("values zc.buildout does not expand are left as they are", () => {
  const s = section({
    "eggs-directory": "~other/eggs",
    "download-cache": "~/${buildout:name}",
    "extends-cache": "cache/~",
  });
  assert.equal(withHomePaths(s, "/home/me"), s);
  assert.equal(
    withHomePaths(section({ "eggs-directory": "~/eggs" }), undefined).get(
      "eggs-directory",
    )!.value,
    "~/eggs",
  );
});
